"""Retention of the party index (issue #3 point 8): persons, organisations and vehicles are reviewed
five years after they were last updated; their documents, links, merges and searches go with them.
A person linked only as an acquitted suspect is flagged by the retention rule that reads
``PartyLink.acquitted_at`` (kssp/core/retention/rules.py)."""

from __future__ import annotations

from kssp.core.retention.classes import PERSON_INDEX, REFERENCE_DATA
from kssp.core.retention.registry import declare

for label in ("parties.Person", "parties.Organisation", "parties.Vehicle"):
    declare(label, PERSON_INDEX, trigger_field="updated_at", institution_field="owner_institution", label_field="public_id")
for label in ("parties.PersonDocument", "parties.PartyLink", "parties.PersonMerge", "parties.PersonSearch"):
    declare(label, PERSON_INDEX)
declare("parties.PlateFormat", REFERENCE_DATA)
