"""Bulletins as an import type (issue #3 point 5): a CSV or XLSX of drafts, one bulletin per row.

Imported in ``BulletinsConfig.ready()``. The columns parse and check each cell; ``validate_row`` adds
the rules that need the uploader (the clearance) or the date; ``writes`` (the bulletins'
``RecordWrites``) lets the framework draft them in short chunks with ``create_many``, which checks each
row again as ``bulletin_create`` would, hidden until the final switch that also writes their audit events
(so one refusal leaves no bulletin at all).
"""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kssp.bulletins import permissions as perms
from kssp.bulletins import services
from kssp.bulletins.choices import BulletinKind
from kssp.core.imports.registry import Column, ImportType, RowInvalid, register_import_type
from kssp.core.markings import Classification, HandlingCode
from kssp.core.policy import Actor

COLUMNS = (
    Column("kind", _("Kind"), kind="choice", choices=BulletinKind.choices, default=BulletinKind.NOTICE,
           help_text=_("lookout, notice or alert; empty: notice.")),
    Column("title", _("Title"), required=True, max_length=200),
    Column("body", _("Text"), required=True, max_length=20_000, free_text=True),
    Column("classification", _("Classification"), kind="choice", choices=Classification.choices, coerce=int,
           default=Classification.RESTRICTED, help_text=_("0 unclassified … 4 top secret; at most your clearance.")),
    Column("handling_code", _("Handling code"), kind="choice", choices=HandlingCode.choices,
           help_text=_("H0, H1, H2, H3 or empty.")),
    Column("valid_until", _("Valid until"), kind="date", help_text=_("A date, such as 2026-12-31; empty: no end date.")),
    Column("contains_personal_data", _("Holds personal data"), kind="boolean", help_text=_("1 or 0; empty: 0.")),
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


BULLETIN_IMPORT = register_import_type(ImportType(
    code="bulletins",
    label=_("Bulletins"),
    description=_("Drafts of lookouts, notices and alerts, owned by your unit. Issue them one by one after the import."),
    permission=perms.CREATE,
    columns=COLUMNS,
    validate_row=validate_row,
    writes=services.writes,
))
