"""Sample records as an import type, for the tests of the import framework (kssp/core/imports/tests):
a CSV or XLSX of records, one per row, promoted through ``samplerecord_create`` inside the single
transaction the framework opens. The same shape a module's import type has (see kssp/bulletins)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kssp.core.actor import Actor
from kssp.core.imports.registry import Column, ImportType, RowInvalid, StagedValues
from kssp.core.markings import Classification, HandlingCode
from kssp.core.parties import permissions as perms
from kssp.core.testing.recordkind import services
from kssp.core.testing.recordkind.models import SampleKind

COLUMNS = (
    Column("kind", _("Kind"), kind="choice", choices=SampleKind.choices, default=SampleKind.NOTICE),
    Column("title", _("Title"), required=True, max_length=200),
    Column("body", _("Text"), required=True, max_length=20_000, free_text=True),
    Column("classification", _("Classification"), kind="choice", choices=Classification.choices, coerce=int,
           default=Classification.RESTRICTED),
    Column("handling_code", _("Handling code"), kind="choice", choices=HandlingCode.choices),
    Column("valid_until", _("Valid until"), kind="date"),
    Column("contains_personal_data", _("Holds personal data"), kind="boolean"),
)


def validate_row(actor: Actor, values: dict[str, Any]) -> dict[str, Any]:
    """What the cells alone cannot tell: the uploader's clearance and today's date."""
    errors: dict[str, list[Any]] = {}
    if values["classification"] > actor.clearance:
        errors["classification"] = [_("You cannot mark a record above your own security clearance.")]
    valid_until = values.get("valid_until")
    if valid_until is not None and valid_until < timezone.localdate():
        errors["valid_until"] = [_("The date is in the past.")]
    if errors:
        raise RowInvalid(errors)
    values["handling_code"] = values.get("handling_code") or ""
    return values


def promote(actor: Actor, rows: Iterator[StagedValues]) -> int:
    count = 0
    for row in rows:
        services.samplerecord_create(actor=actor, **row.values)  # looked up on the module: tests slow it down
        count += 1
    return count


SAMPLE_IMPORT = ImportType(
    code="samples",
    label="Sample records",
    description="Sample records for the tests of the import framework.",
    permission=perms.CREATE,
    columns=COLUMNS,
    validate_row=validate_row,
    promote=promote,
    writes=services.writes,
)
