"""Retention of the party index's bookkeeping (issue #3 point 8). Persons, organisations, vehicles and
documents declare theirs in ``records.py``; links, merges and searches go with them. A person linked only
as an acquitted suspect is flagged by the retention rule that reads ``PartyLink.acquitted_at``
(kssp/core/retention/rules.py)."""

from __future__ import annotations

from kssp.core.retention.classes import PERSON_INDEX, REFERENCE_DATA
from kssp.core.retention.registry import declare

for label in ("parties.PartyLink", "parties.PersonMerge", "parties.PersonSearch"):
    declare(label, PERSON_INDEX)
declare("parties.PlateFormat", REFERENCE_DATA)
