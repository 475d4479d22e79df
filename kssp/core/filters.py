"""FilterSets shared by the kernel's pages and API: audit events, grants, reference data."""

from __future__ import annotations

from typing import Any

import django_filters
from django.contrib.contenttypes.models import ContentType
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kssp.core.models.audit import AuditEvent
from kssp.core.models.grants import Grant, ProtectedRecord
from kssp.core.models.reference import Country, CrossingPoint, LegalAct, Municipality, Offence
from kssp.core.policy import registered_policies
from kssp.core.selectors_reference import valid_on_q


class AuditEventFilterSet(django_filters.FilterSet):
    event_type = django_filters.CharFilter(lookup_expr="startswith", label=_("Event type"))
    category = django_filters.ChoiceFilter(choices=AuditEvent.Category.choices, label=_("Category"))
    actor = django_filters.CharFilter(field_name="actor_label", lookup_expr="icontains", label=_("Actor"))
    record = django_filters.UUIDFilter(field_name="target_public_id", label=_("Record id"))
    purpose = django_filters.CharFilter(lookup_expr="icontains", label=_("Purpose"))
    case_ref = django_filters.CharFilter(lookup_expr="icontains", label=_("Case reference"))
    source = django_filters.ChoiceFilter(choices=AuditEvent.Source.choices, label=_("Source"))
    after = django_filters.DateFilter(field_name="occurred_at", lookup_expr="date__gte", label=_("From"))
    before = django_filters.DateFilter(field_name="occurred_at", lookup_expr="date__lte", label=_("To"))

    class Meta:
        model = AuditEvent
        fields = ["event_type", "category", "actor", "record", "purpose", "case_ref", "source", "after", "before"]


def _name_search(queryset: QuerySet, value: str, *fields: str) -> QuerySet:  # type: ignore[type-arg]
    value = value.strip()
    if not value:
        return queryset
    q = Q()
    for name in fields:
        q |= Q(**{f"{name}__icontains": value})
    return queryset.filter(q)


class GrantFilterSet(django_filters.FilterSet):
    active = django_filters.BooleanFilter(method="filter_active", label=_("Active"))
    kind = django_filters.ChoiceFilter(choices=Grant.Kind.choices, label=_("Kind"))
    grantee_type = django_filters.ChoiceFilter(choices=Grant.GranteeType.choices, label=_("Grantee type"))
    record = django_filters.UUIDFilter(method="filter_record", label=_("Record id"))

    class Meta:
        model = Grant
        fields = ["active", "kind", "grantee_type", "record"]

    def filter_active(self, queryset: QuerySet[Grant], name: str, value: bool | None) -> QuerySet[Grant]:
        if value is None:
            return queryset
        active = Q(revoked_at__isnull=True) & (Q(expires_at__isnull=True) | Q(expires_at__gt=timezone.now()))
        return queryset.filter(active) if value else queryset.exclude(active)

    def filter_record(self, queryset: QuerySet[Grant], name: str, value: Any) -> QuerySet[Grant]:
        q = Q(pk__in=[])
        for model in registered_policies():
            if issubclass(model, ProtectedRecord):
                ids = model._default_manager.filter(public_id=value).values("pk")
                q |= Q(content_type=ContentType.objects.get_for_model(model), object_id__in=ids)
        return queryset.filter(q)


class _ActiveByDefault(django_filters.FilterSet):
    """Active rows only unless ``include_inactive=true``."""

    include_inactive = django_filters.BooleanFilter(method="keep", label=_("Include inactive rows"))

    def keep(self, queryset: QuerySet, name: str, value: object) -> QuerySet:  # type: ignore[type-arg]
        return queryset

    def filter_queryset(self, queryset: QuerySet) -> QuerySet:  # type: ignore[type-arg]
        queryset = super().filter_queryset(queryset)
        if not self.form.cleaned_data.get("include_inactive"):
            queryset = queryset.filter(active=True)
        return queryset


class MunicipalityFilterSet(_ActiveByDefault):
    q = django_filters.CharFilter(method="search", label=_("Search"))
    district = django_filters.CharFilter(field_name="district__code", label=_("District (code)"))
    police_region = django_filters.CharFilter(field_name="police_region__code", label=_("Police region (code)"))

    class Meta:
        model = Municipality
        fields = ["q", "district", "police_region", "include_inactive"]

    def search(self, queryset: QuerySet[Municipality], name: str, value: str) -> QuerySet[Municipality]:
        return _name_search(queryset, value, "code", "name_sq", "name_sr", "name_en", "name_en_dual")


class CrossingPointFilterSet(_ActiveByDefault):
    q = django_filters.CharFilter(method="search", label=_("Search"))
    kind = django_filters.ChoiceFilter(choices=CrossingPoint.Kind.choices, label=_("Type"))
    municipality = django_filters.CharFilter(field_name="municipality__code", label=_("Municipality (code)"))
    directorate = django_filters.CharFilter(field_name="directorate__code", label=_("Directorate (code)"))
    neighbour = django_filters.CharFilter(field_name="neighbour__code", label=_("Neighbour (country code)"))

    class Meta:
        model = CrossingPoint
        fields = ["q", "kind", "municipality", "directorate", "neighbour", "include_inactive"]

    def search(self, queryset: QuerySet[CrossingPoint], name: str, value: str) -> QuerySet[CrossingPoint]:
        return _name_search(queryset, value, "code", "name_sq", "name_sr", "name_en", "other_side_name")


class CountryFilterSet(_ActiveByDefault):
    q = django_filters.CharFilter(method="search", label=_("Search"))
    include_former = django_filters.BooleanFilter(method="keep", label=_("Include former countries"))
    valid_on = django_filters.DateFilter(method="filter_valid_on", label=_("Existing on"))

    class Meta:
        model = Country
        fields = ["q", "include_former", "valid_on", "include_inactive"]

    def search(self, queryset: QuerySet[Country], name: str, value: str) -> QuerySet[Country]:
        return _name_search(queryset, value, "code", "alpha3", "name_sq", "name_sr", "name_en")

    def filter_valid_on(self, queryset: QuerySet[Country], name: str, value: Any) -> QuerySet[Country]:
        return queryset.filter(valid_on_q(value)) if value else queryset

    def filter_queryset(self, queryset: QuerySet[Country]) -> QuerySet[Country]:
        queryset = super().filter_queryset(queryset)
        if not self.form.cleaned_data.get("include_former"):
            queryset = queryset.filter(is_former=False)
        return queryset


class LegalActFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label=_("Search"))
    kind = django_filters.ChoiceFilter(choices=LegalAct.Kind.choices, label=_("Kind"))
    number = django_filters.CharFilter(label=_("Number"))
    in_force_on = django_filters.DateFilter(method="filter_in_force", label=_("In force on"))

    class Meta:
        model = LegalAct
        fields = ["q", "kind", "number", "in_force_on"]

    def search(self, queryset: QuerySet[LegalAct], name: str, value: str) -> QuerySet[LegalAct]:
        return _name_search(queryset, value, "number", "title_sq", "title_sr", "title_en")

    def filter_in_force(self, queryset: QuerySet[LegalAct], name: str, value: Any) -> QuerySet[LegalAct]:
        return queryset.filter(valid_on_q(value)) if value else queryset


class OffenceFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label=_("Search"))
    act = django_filters.CharFilter(field_name="act__number", label=_("Legal act (number)"))
    article = django_filters.CharFilter(label=_("Article"))
    in_force_on = django_filters.DateFilter(method="filter_in_force", label=_("In force on"))

    class Meta:
        model = Offence
        fields = ["q", "act", "article", "in_force_on"]

    def search(self, queryset: QuerySet[Offence], name: str, value: str) -> QuerySet[Offence]:
        return _name_search(queryset, value, "article", "title_sq", "title_sr", "title_en")

    def filter_in_force(self, queryset: QuerySet[Offence], name: str, value: Any) -> QuerySet[Offence]:
        return queryset.filter(valid_on_q(value)) if value else queryset
