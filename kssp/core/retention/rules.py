"""Checks that flag records for review from stored state across models (run by the sweeper).

**A person linked only as an acquitted suspect** (LED Art. 5 and 6; users-review point 9) is flagged
for review by the DPO of the institution that owns the person record. The rule reads the parties
module's link model through ``django.apps`` when it is installed; the kernel imports nothing of it. The
fields it relies on (the contract with the parties module; names in ``ACQUITTAL_RULE``):

* ``parties.PartyLink.person``: the foreign key to the person (its ``owner_institution``, if it has
  one, chooses the DPO); links to organisations and vehicles (``person`` null) are not counted;
* ``parties.PartyLink.subject_category``: the LED Art. 6 category, ``"suspect"`` for suspects;
* ``parties.PartyLink.acquitted_at``: when the acquittal of that suspect became final (null while not);
* ``parties.PartyLink.removed_at``: links removed (set) are not counted.

A person is flagged when at least one link is an acquitted suspect's and *every* link of the person is
one (a person who is also a victim, a witness, a convicted person or a suspect still under
investigation in another record is not flagged). The review is due on the latest acquittal date plus
the class's period. While the link model or its fields are missing, the check reports why it was
skipped in the sweeper's outcome and flags nothing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any, cast

from django.apps import apps
from django.db import models
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kssp.core.models.scoping import every_row
from kssp.core.retention.classes import ACQUITTED_SUSPECT
from kssp.core.retention.registry import Candidate, Check, register_check

ACQUITTAL_RULE = {
    "link_model": "parties.PartyLink",
    "party_field": "person",
    "category_field": "subject_category",
    "suspect": "suspect",
    "acquitted_field": "acquitted_at",
    "removed_field": "removed_at",
}


def party_link_model() -> type[models.Model] | None:
    try:
        return apps.get_model(ACQUITTAL_RULE["link_model"])
    except (LookupError, ValueError):
        return None


def _missing_field(model: type[models.Model], name: str) -> bool:
    try:
        model._meta.get_field(name)
    except Exception:  # noqa: BLE001 - FieldDoesNotExist
        return True
    return False


def _missing_fields(link: type[models.Model]) -> list[str]:
    names = (ACQUITTAL_RULE["party_field"], ACQUITTAL_RULE["category_field"], ACQUITTAL_RULE["acquitted_field"])
    return [name for name in names if _missing_field(link, name)]


def acquitted_suspects(today: dt.date, link: type[models.Model] | None = None) -> Iterable[Candidate] | str:
    """The persons linked only as acquitted suspects whose review is due by ``today``."""
    link = link or party_link_model()
    if link is None:
        return f"{ACQUITTAL_RULE['link_model']} is not installed"
    missing = _missing_fields(link)
    if missing:
        return f"{ACQUITTAL_RULE['link_model']} lacks {', '.join(missing)}"
    party, category, acquitted = ACQUITTAL_RULE["party_field"], ACQUITTAL_RULE["category_field"], ACQUITTAL_RULE["acquitted_field"]
    suspect = ACQUITTAL_RULE["suspect"]
    person_model = cast(type[models.Model], link._meta.get_field(party).related_model)
    is_acquitted_suspect = {category: suspect, f"{acquitted}__isnull": False}
    links = every_row(link, reason="retention rule").filter(**{f"{party}__isnull": False})
    removed = ACQUITTAL_RULE["removed_field"]
    if not _missing_field(link, removed):
        links = links.filter(**{f"{removed}__isnull": True})
    other_links = links.exclude(**is_acquitted_suspect).values(party)
    rows = (
        links.filter(**is_acquitted_suspect)
        .exclude(**{f"{party}__in": other_links})
        .values(party)
        .annotate(last=Max(acquitted))
        .order_by(party)
    )
    period = ACQUITTED_SUSPECT.period
    owners: dict[Any, Any] = {}
    has_owner = not _missing_field(person_model, "owner_institution")
    found = []
    for row in rows:
        last = row["last"]
        day = timezone.localdate(last) if isinstance(last, dt.datetime) and timezone.is_aware(last) else (
            last.date() if isinstance(last, dt.datetime) else last
        )
        due = period.after(day)
        if due <= today:
            found.append((row[party], due))
    if has_owner and found:
        owners = dict(
            every_row(person_model, reason="retention rule")
            .filter(pk__in=[pk for pk, _due in found])
            .values_list("pk", "owner_institution_id")
        )
    return [Candidate(model=person_model, pk=pk, due_on=due, institution_id=owners.get(pk)) for pk, due in found]


register_check(Check(
    code="acquitted-suspect",
    label=_("Persons linked only as acquitted suspects"),
    retention_class=ACQUITTED_SUSPECT,
    run=lambda today: acquitted_suspects(today),
    description=_("A person whose every link to a record is that of a suspect finally acquitted is flagged for review."),
))
