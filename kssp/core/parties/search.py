"""The ranked person search of the global search box (issue #3 point 7), named by the person record
type's declaration (``records.py``, which also declares how vehicles and organisations are found).

* Persons: a name (any spelling, any script) or a personal number, through ``person_search``: ranked,
  with reasons, only persons the actor may see, pseudonymised ones left out, and the search logged as
  a consultation with the purpose or case reference the user gave (``requires_purpose``).
* Vehicles: a plate (Cyrillic look-alikes read as Latin, spaces and dashes ignored) or a VIN.
* Organisations: a business number or words of the name.
"""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.http import urlencode

from kssp.core.exceptions import ApplicationError, NotFound, PermissionDenied
from kssp.core.parties import selectors
from kssp.core.parties.models import Person
from kssp.core.policy import Actor
from kssp.core.search import query as kinds
from kssp.core.search.query import SearchQuery
from kssp.core.search.registry import Badge, SearchResult


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
