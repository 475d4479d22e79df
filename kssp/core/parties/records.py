"""The party index's record types: persons, organisations, vehicles (protected records owned by a
unit) and identity documents (dependent on their person). One declaration each (issue #6 point 1)."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet
from django.urls import reverse

from kssp.core.parties import matching
from kssp.core.parties import permissions as perms
from kssp.core.parties.models import Organisation, Person, PersonDocument, Vehicle
from kssp.core.records import Labels, RecordType, Retention, register
from kssp.core.retention.classes import PERSON_INDEX
from kssp.core.search import query as kinds
from kssp.core.search.query import SearchQuery
from kssp.core.search.registry import Badge, SearchResult

# Reviewed five years after the last update; the label in the review list is the public id (a name is
# personal data).
PARTY_RETENTION = Retention(PERSON_INDEX, trigger_field="updated_at", label_field="public_id")


def _badge(record: Any) -> Badge:
    return Badge("classification", record.classification, str(record.get_classification_display()))


class PartyRecord(RecordType):
    view_perm, create_perm, change_perm, share_perm = perms.VIEW, perms.CREATE, perms.CHANGE, perms.SHARE
    retention = PARTY_RETENTION
    hit_check = False  # the existence-only check is for case and bulletin numbers, not for people


@register
class PersonRecord(PartyRecord):
    """A person: always personal data; found by name (any spelling or script) or personal number,
    ranked with reasons, only with a purpose (the search itself is a consultation)."""

    model = Person
    personal_data = True
    personal_fields = (
        "given_name", "family_name", "father_name", "birth_year", "birth_month", "birth_day", "personal_number",
        "nationality", "addresses",
    )
    detail_url = "parties:person_detail"
    list_url = "parties:person_search"
    labels = Labels(sq="Personat", sr="Lica", en="Persons")
    search_kinds = frozenset({kinds.NAME, kinds.PERSONAL_NUMBER})
    search_requires_purpose = True
    search_order = 20
    exportable = False

    def search_selector(self) -> Any:
        from kssp.core.parties.search import persons

        return persons

    def display(self, obj: Any) -> str:
        from kssp.core.parties.selectors import record_label

        return record_label(obj)

    def display_for(self, actor: Any, obj: Any) -> str:
        """The name the reader may see: a protected witness or a juvenile stays pseudonymous without a
        specific grant; anyone else is named."""
        from kssp.core.parties.selectors import apply_protection, person_view

        apply_protection(actor=actor, persons=[obj])
        return person_view(obj).name


@register
class OrganisationRecord(PartyRecord):
    model = Organisation
    personal_fields = ("name", "business_number")  # a sole trader's name and number name a person
    detail_url = "parties:organisation_detail"
    title_field = "name"
    labels = Labels(sq="Organizatat", sr="Organizacije", en="Organisations")
    search_kinds = frozenset({kinds.NAME, kinds.SERIAL, kinds.TEXT})
    search_order = 40

    def search_match(self, query: SearchQuery) -> Q | None:
        key = matching.name_key(query.text)
        number = matching.normalise_identifier(query.text)
        q = Q(business_number_key=number) if number else Q(pk__in=[])
        return q | Q(name_key__contains=key) if key else q

    def search_present(self, obj: Any) -> SearchResult:
        return SearchResult(
            title=obj.name, url=reverse("parties:organisation_detail", args=[obj.public_id]),
            number=obj.business_number, public_id=obj.public_id, badges=(_badge(obj),), detail=str(obj.owner_unit),
        )

    def display(self, obj: Any) -> str:
        from kssp.core.parties.selectors import record_label

        return record_label(obj)


@register
class VehicleRecord(PartyRecord):
    model = Vehicle
    personal_fields = ("plate", "vin")  # they lead to the keeper
    detail_url = "parties:vehicle_detail"
    labels = Labels(sq="Automjetet", sr="Vozila", en="Vehicles")
    search_kinds = frozenset({kinds.PLATE, kinds.VIN, kinds.SERIAL})
    # A plate and a VIN are identifiers: a border or customs officer may ask whether another unit holds the
    # vehicle (existence only, #7 point 3). Persons and organisations are still never checked.
    hit_check = True
    search_order = 30

    def list_queryset(self, qs: QuerySet[Any]) -> QuerySet[Any]:
        return qs.select_related("plate_format", "owner_institution", "owner_unit")

    def search_match(self, query: SearchQuery) -> Q | None:
        plate = matching.normalise_plate(query.text)
        vin = matching.normalise_identifier(query.text)
        if not plate and not vin:
            return None
        return Q(plate_key=plate) | Q(vin_key=vin)

    def search_present(self, obj: Any) -> SearchResult:
        from kssp.core.parties.selectors import record_label

        return SearchResult(
            title=record_label(obj), url=reverse("parties:vehicle_detail", args=[obj.public_id]),
            number=obj.vin, public_id=obj.public_id, badges=(_badge(obj),), detail=str(obj.owner_unit),
        )

    def display(self, obj: Any) -> str:
        from kssp.core.parties.selectors import record_label

        return record_label(obj)


@register
class PersonDocumentRecord(RecordType):
    """An identity or travel document: seen and changed with its person."""

    model = PersonDocument
    parent = "person"
    view_perm, change_perm = perms.VIEW, perms.CHANGE
    personal_data = True
    personal_fields = ("number", "expires_on")
    retention = Retention(PERSON_INDEX, trigger_field=None, institution_field=None)
