"""Reference data in the API (issue #2 point 6): read-only for every signed-in actor.

Municipalities, crossing points and countries are addressed by their code; legal acts and offences
are lists (filter by ``number`` or ``act``/``article``). Names come in the request's language
(``name``) and in each language explicitly; Serbian Cyrillic is derived.
"""

from __future__ import annotations

from django.conf import settings
from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import serializers

from kssp.core import selectors_reference as reference
from kssp.core.api.serializers import CodeRefSerializer
from kssp.core.api.views import ListMixin, RetrieveMixin, SelectorViewSet
from kssp.core.filters import (
    CountryFilterSet,
    CrossingPointFilterSet,
    LegalActFilterSet,
    MunicipalityFilterSet,
    OffenceFilterSet,
)
from kssp.core.models.reference import Country, CrossingPoint, LegalAct, Municipality, Offence
from kssp.core.policy import Actor

CODE_REGEX = r"[A-Za-z0-9._-]{1,20}"
NAMES = ["name", "name_sq", "name_sr", "name_sr_cyrl", "name_en"]
TITLES = ["title", "title_sq", "title_sr", "title_en"]


class MunicipalitySerializer(serializers.ModelSerializer):
    district = CodeRefSerializer(read_only=True)
    police_region = CodeRefSerializer(read_only=True)
    official_languages = serializers.ListField(child=serializers.CharField(), read_only=True)
    name = serializers.CharField(read_only=True)
    name_sr_cyrl = serializers.CharField(read_only=True)

    class Meta:
        model = Municipality
        fields = ["code", *NAMES, "name_en_dual", "district", "police_region", "majority_community", "official_languages",
                  "active"]
        read_only_fields = fields


class CrossingPointSerializer(serializers.ModelSerializer):
    municipality = CodeRefSerializer(read_only=True)
    directorate = CodeRefSerializer(read_only=True, allow_null=True)
    neighbour = CodeRefSerializer(read_only=True, allow_null=True)
    traffic = serializers.ListField(child=serializers.CharField(), read_only=True)
    name = serializers.CharField(read_only=True)
    name_sr_cyrl = serializers.CharField(read_only=True)

    class Meta:
        model = CrossingPoint
        fields = ["code", *NAMES, "kind", "traffic", "customs_presence", "hours", "seasonal", "directorate", "municipality",
                  "neighbour", "other_side_name", "opened_on", "note", "active"]
        read_only_fields = fields


class CountrySerializer(serializers.ModelSerializer):
    name = serializers.CharField(read_only=True)
    name_sr_cyrl = serializers.CharField(read_only=True)
    footnote = serializers.SerializerMethodField()

    class Meta:
        model = Country
        fields = ["code", "alpha3", "numeric", *NAMES, "is_former", "user_assigned", "valid_from", "valid_to", "note",
                  "active", "footnote"]
        read_only_fields = fields

    def get_footnote(self, country: Country) -> str:
        """The status-neutral footnote that must accompany a user-assigned code (XK)."""
        return str(settings.KSSP["XK_FOOTNOTE"]) if country.user_assigned else ""


class LegalActSerializer(serializers.ModelSerializer):
    title = serializers.CharField(read_only=True)
    replaced_by = serializers.CharField(source="replaced_by.number", read_only=True, allow_null=True, default=None)

    class Meta:
        model = LegalAct
        fields = ["number", "kind", *TITLES, "gazette_ref", "valid_from", "valid_to", "replaced_by", "needs_verification"]
        read_only_fields = fields


class OffenceSerializer(serializers.ModelSerializer):
    act = serializers.CharField(source="act.number", read_only=True)
    title = serializers.CharField(read_only=True)

    class Meta:
        model = Offence
        fields = ["act", "article", "paragraph", *TITLES, "valid_from", "valid_to", "needs_verification"]
        read_only_fields = fields


class ReferenceViewSet(ListMixin, SelectorViewSet):
    """Read-only, for every signed-in actor: reference data is the same for every institution."""

    lookup_field = "code"
    lookup_value_regex = CODE_REGEX


@extend_schema_view(list=extend_schema(summary="Municipalities"), retrieve=extend_schema(summary="One municipality"))
class MunicipalityViewSet(RetrieveMixin, ReferenceViewSet):
    model = Municipality
    serializer_class = MunicipalitySerializer
    filterset_class = MunicipalityFilterSet

    def select_list(self, actor: Actor) -> QuerySet[Municipality]:
        return reference.municipality_list(include_inactive=True).order_by("code")


@extend_schema_view(list=extend_schema(summary="Crossing points"), retrieve=extend_schema(summary="One crossing point"))
class CrossingPointViewSet(RetrieveMixin, ReferenceViewSet):
    model = CrossingPoint
    serializer_class = CrossingPointSerializer
    filterset_class = CrossingPointFilterSet

    def select_list(self, actor: Actor) -> QuerySet[CrossingPoint]:
        return reference.crossing_point_list(include_inactive=True).order_by("code")


@extend_schema_view(
    list=extend_schema(summary="Countries", description="Current countries and XK; former ones with include_former=true."),
    retrieve=extend_schema(summary="One country"),
)
class CountryViewSet(RetrieveMixin, ReferenceViewSet):
    model = Country
    serializer_class = CountrySerializer
    filterset_class = CountryFilterSet

    def select_list(self, actor: Actor) -> QuerySet[Country]:
        return reference.country_list(include_former=True, include_inactive=True).order_by("code")


@extend_schema_view(list=extend_schema(summary="Legal acts", description="Filter by number, kind, or in_force_on=YYYY-MM-DD."))
class LegalActViewSet(ReferenceViewSet):
    model = LegalAct
    serializer_class = LegalActSerializer
    filterset_class = LegalActFilterSet

    def select_list(self, actor: Actor) -> QuerySet[LegalAct]:
        return reference.legal_act_list().order_by("number")


@extend_schema_view(list=extend_schema(summary="Offences", description="Filter by act (number), article, in_force_on."))
class OffenceViewSet(ReferenceViewSet):
    model = Offence
    serializer_class = OffenceSerializer
    filterset_class = OffenceFilterSet

    def select_list(self, actor: Actor) -> QuerySet[Offence]:
        return reference.offence_list().order_by("act__number", "article", "paragraph")
