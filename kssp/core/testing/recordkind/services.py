"""Writes on sample records, on the kernel's ``RecordWrites`` like any module's (access, markings,
owner, number and audit event come from the kernel; this says only what the fields must hold)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from kssp.core.actor import Actor
from kssp.core.services.records import RecordWrites
from kssp.core.testing.recordkind.models import SampleRecord

EDITABLE = ("kind", "title", "body", "classification", "handling_code", "valid_until", "contains_personal_data")


class SampleRecordWrites(RecordWrites[SampleRecord]):
    model = SampleRecord
    editable = EDITABLE
    number_prefix = "SMP"

    def clean(self, actor: Actor, data: dict[str, Any], record: SampleRecord | None) -> dict[str, list[str]]:
        errors: dict[str, list[str]] = {}
        if "title" in data and not str(data["title"] or "").strip():
            errors["title"] = [_("This field is required.")]
        valid_until = data.get("valid_until")
        if isinstance(valid_until, dt.date) and valid_until < timezone.localdate():
            errors["valid_until"] = [_("The date is in the past.")]
        return errors


writes = SampleRecordWrites()


def samplerecord_create(*, actor: Actor, **data: Any) -> SampleRecord:
    return writes.create(actor=actor, **data)


def samplerecord_update(*, actor: Actor, record: SampleRecord, **changes: Any) -> SampleRecord:
    return writes.update(actor=actor, record=record, **changes)
