"""Persons, vehicles and organisations in the global search (issue #3 point 7), imported from
``PartiesConfig.ready()``.

* Persons: a name (any spelling, any script) or a personal number, through ``person_search``: ranked,
  with reasons, only persons the actor may see, pseudonymised ones left out, and the search logged as
  a consultation with the purpose or case reference the user gave (``requires_purpose``).
* Vehicles: a plate (Cyrillic look-alikes read as Latin, spaces and dashes ignored) or a VIN.
* Organisations: a business number or words of the name.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q
from django.urls import reverse
from django.utils.http import urlencode

from kssp.core.exceptions import ApplicationError, NotFound, PermissionDenied
from kssp.core.parties import matching, selectors
from kssp.core.parties import permissions as perms
from kssp.core.parties.models import Organisation, Person, Vehicle
from kssp.core.policy import Actor
from kssp.core.search import query as kinds
from kssp.core.search.query import SearchQuery
from kssp.core.search.registry import Badge, SearchResult, register_search_type


def _badge(record: Any) -> Badge:
    return Badge("classification", record.classification, str(record.get_classification_display()))


def _person_result(person: Person, reasons: list[str], query: SearchQuery) -> SearchResult:
    params = {k: v for k, v in (("purpose", query.purpose), ("case_ref", query.case_ref)) if v}
    url = reverse("parties:person_detail", args=[person.public_id])
    view = selectors.person_view(person)
    return SearchResult(
        title=view.name, url=f"{url}?{urlencode(params)}" if params else url, number=view.date_of_birth,
        public_id=person.public_id, badges=(_badge(person),), detail="; ".join(reasons),
    )


def persons(actor: Actor, query: SearchQuery) -> list[SearchResult]:
    if query.public_id is not None:
        try:
            person = selectors.person_get_visible_to(
                actor=actor, public_id=query.public_id, purpose=query.purpose or "global search", case_ref=query.case_ref
            )
        except NotFound:
            return []
        return [_person_result(person, [], query)]
    name = query.text if query.has(kinds.NAME) else ""
    personal_number = query.text if query.has(kinds.PERSONAL_NUMBER) else ""
    try:
        result = selectors.person_search(
            actor=actor, name=name, personal_number=personal_number, purpose=query.purpose, case_ref=query.case_ref, limit=20
        )
    except (ApplicationError, PermissionDenied):
        return []
    return [_person_result(match.person, match.reason_texts, query) for match in result.matches]


def vehicle_match(query: SearchQuery) -> Q | None:
    plate = matching.normalise_plate(query.text)
    vin = matching.normalise_identifier(query.text)
    if not plate and not vin:
        return None
    return Q(plate_key=plate) | Q(vin_key=vin)


def present_vehicle(vehicle: Vehicle) -> SearchResult:
    return SearchResult(
        title=selectors.record_label(vehicle), url=reverse("parties:vehicle_detail", args=[vehicle.public_id]),
        number=vehicle.vin, public_id=vehicle.public_id, badges=(_badge(vehicle),), detail=str(vehicle.owner_unit),
    )


def organisation_match(query: SearchQuery) -> Q | None:
    key = matching.name_key(query.text)
    number = matching.normalise_identifier(query.text)
    q = Q(business_number_key=number) if number else Q(pk__in=[])
    return q | Q(name_key__contains=key) if key else q


def present_organisation(organisation: Organisation) -> SearchResult:
    return SearchResult(
        title=organisation.name, url=reverse("parties:organisation_detail", args=[organisation.public_id]),
        number=organisation.business_number, public_id=organisation.public_id, badges=(_badge(organisation),),
        detail=str(organisation.owner_unit),
    )


register_search_type(
    "person", label_sq="Personat", label_sr="Osobe", label_en="Persons", permission=perms.VIEW, selector=persons,
    kinds={kinds.NAME, kinds.PERSONAL_NUMBER}, requires_purpose=True, order=20,
)
register_search_type(
    "vehicle", label_sq="Automjetet", label_sr="Vozila", label_en="Vehicles", permission=perms.VIEW,
    visible=lambda actor: selectors.vehicle_list_visible_to(actor=actor), match=vehicle_match, present=present_vehicle,
    kinds={kinds.PLATE, kinds.VIN, kinds.SERIAL}, order=30,
)
register_search_type(
    "organisation", label_sq="Organizatat", label_sr="Organizacije", label_en="Organisations", permission=perms.VIEW,
    visible=lambda actor: selectors.organisation_list_visible_to(actor=actor), match=organisation_match,
    present=present_organisation, kinds={kinds.NAME, kinds.SERIAL, kinds.TEXT}, order=40,
)
