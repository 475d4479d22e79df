"""One FilterSet per list, for the pages and the API alike."""

from __future__ import annotations

import django_filters
from django.contrib.contenttypes.models import ContentType
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from kssp.core.markings import Classification
from kssp.core.parties import matching
from kssp.core.parties.choices import Nature, OrganisationType, PartyRole, Sex, SubjectCategory
from kssp.core.parties.models import Organisation, PartyLink, Person, PlateFormat, Vehicle


class PersonFilterSet(django_filters.FilterSet):
    """Exact filters on the index (the ranked, tolerant search is ``person_search``)."""

    name = django_filters.CharFilter(method="filter_name", label=_("Name (any spelling)"), max_length=200)
    birth_year = django_filters.NumberFilter(field_name="birth_year", label=_("Year of birth"))
    personal_number = django_filters.CharFilter(field_name="personal_number", label=_("Personal number"), max_length=10)
    sex = django_filters.ChoiceFilter(choices=Sex.choices, label=_("Sex"))
    nationality = django_filters.CharFilter(field_name="nationality__code", lookup_expr="iexact", label=_("Nationality (code)"),
                                            max_length=4)
    classification = django_filters.TypedChoiceFilter(choices=Classification.choices, coerce=int, label=_("Classification"))

    class Meta:
        model = Person
        fields = ["name", "birth_year", "personal_number", "sex", "nationality", "classification"]

    def filter_name(self, queryset: QuerySet[Person], name: str, value: str) -> QuerySet[Person]:
        """Every word of the value is the key of a given or family name (Albanian and Serbian spellings
        and both scripts fall together)."""
        for word in matching.tokens(value):
            queryset = queryset.filter(
                Q(given_key=word.key) | Q(family_key=word.key) | Q(given_key__contains=word.key) | Q(family_key__contains=word.key)
            )
        return queryset


class OrganisationFilterSet(django_filters.FilterSet):
    name = django_filters.CharFilter(method="filter_name", label=_("Name"), max_length=200)
    business_number = django_filters.CharFilter(method="filter_business_number", label=_("Business number"), max_length=20)
    org_type = django_filters.ChoiceFilter(choices=OrganisationType.choices, label=_("Type"))

    class Meta:
        model = Organisation
        fields = ["name", "business_number", "org_type"]

    def filter_name(self, queryset: QuerySet[Organisation], name: str, value: str) -> QuerySet[Organisation]:
        key = matching.name_key(value)
        return queryset.filter(name_key__contains=key) if key else queryset

    def filter_business_number(self, queryset: QuerySet[Organisation], name: str, value: str) -> QuerySet[Organisation]:
        key = matching.normalise_identifier(value)
        return queryset.filter(business_number_key=key) if key else queryset


class VehicleFilterSet(django_filters.FilterSet):
    plate = django_filters.CharFilter(method="filter_plate", label=_("Plate"), max_length=20)
    vin = django_filters.CharFilter(method="filter_vin", label=_("VIN"), max_length=17)
    plate_format = django_filters.ModelChoiceFilter(
        queryset=PlateFormat.objects.filter(active=True), to_field_name="code", label=_("Plate format")
    )
    make = django_filters.CharFilter(lookup_expr="iexact", label=_("Make"), max_length=60)

    class Meta:
        model = Vehicle
        fields = ["plate", "vin", "plate_format", "make"]

    def filter_plate(self, queryset: QuerySet[Vehicle], name: str, value: str) -> QuerySet[Vehicle]:
        key = matching.normalise_plate(value)
        return queryset.filter(plate_key=key) if key else queryset

    def filter_vin(self, queryset: QuerySet[Vehicle], name: str, value: str) -> QuerySet[Vehicle]:
        key = matching.normalise_identifier(value)
        return queryset.filter(vin_key=key) if key else queryset


class PartyLinkFilterSet(django_filters.FilterSet):
    person = django_filters.UUIDFilter(field_name="person__public_id", label=_("Person"))
    organisation = django_filters.UUIDFilter(field_name="organisation__public_id", label=_("Organisation"))
    vehicle = django_filters.UUIDFilter(field_name="vehicle__public_id", label=_("Vehicle"))
    record_type = django_filters.CharFilter(method="filter_record_type", label=_("Record type (app.model)"), max_length=100)
    role = django_filters.ChoiceFilter(choices=PartyRole.choices, label=_("Role"))
    subject_category = django_filters.ChoiceFilter(choices=SubjectCategory.choices, label=_("Data-subject category"))
    nature = django_filters.ChoiceFilter(choices=Nature.choices, label=_("Fact or assessment"))

    class Meta:
        model = PartyLink
        fields = ["person", "organisation", "vehicle", "record_type", "role", "subject_category", "nature"]

    def filter_record_type(self, queryset: QuerySet[PartyLink], name: str, value: str) -> QuerySet[PartyLink]:
        app_label, _dot, model = value.strip().lower().partition(".")
        content_type = ContentType.objects.filter(app_label=app_label, model=model).first()
        return queryset.filter(content_type=content_type) if content_type else queryset.none()
