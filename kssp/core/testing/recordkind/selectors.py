"""Reads of sample records, through the kernel's generic selectors (the consultation event for a record
holding personal data is written there)."""

from __future__ import annotations

from typing import Any

from kssp.core.actor import Actor
from kssp.core.records.access import record_get_visible_to, record_list_visible_to
from kssp.core.testing.recordkind.models import SampleRecord


def samplerecord_list_visible_to(*, actor: Actor, purpose: str = "") -> Any:
    return record_list_visible_to(actor=actor, model=SampleRecord, purpose=purpose)


def samplerecord_get_visible_to(*, actor: Actor, public_id: Any, purpose: str = "") -> SampleRecord:
    record: SampleRecord = record_get_visible_to(actor=actor, model=SampleRecord, public_id=public_id, purpose=purpose)
    return record
