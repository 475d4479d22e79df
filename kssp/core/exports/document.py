"""The in-memory shape of one export, independent of its file format, and how values become cells.

The service (``kssp.core.exports.services``) builds an ``ExportDocument`` in the export's language;
the writers (``writers.py`` for CSV and XLSX, ``pdf.py``) turn it into bytes. Text is translated once,
here, so the three formats say the same thing.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _

from kssp.core.exports.profiles import DesignationProfile
from kssp.core.markings import Classification, HandlingCode

# Characters no XML-based file (XLSX, the PDF's text layer) may hold: C0 controls but tab, LF, CR.
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


@dataclass(frozen=True)
class DocumentColumn:
    label: str
    width: float = 1.0
    numeric: bool = False
    place: bool = False
    block: bool = False  # long text: in the PDF a full-width line under its record's row


@dataclass
class ExportDocument:
    title: str
    columns: list[DocumentColumn]
    rows: list[list[Any]]
    marking: str
    marking_details: list[str]
    profile: DesignationProfile
    designation: str
    footnote: str
    institution: str
    language: str
    meta: list[tuple[str, str]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def header(self) -> list[str]:
        return [column.label for column in self.columns]


def clean_text(text: str) -> str:
    return CONTROL_CHARACTERS.sub("", text)


def cell_value(value: Any, *, language: str, profile: DesignationProfile, place: bool = False) -> Any:
    """One exported value: numbers and dates keep their type; reference data is named in ``language``
    (a place column by the designation profile); the rest is text (control characters removed). Aware
    datetimes are shown in local time, to the minute."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, int | float | Decimal):
        return value
    if isinstance(value, dt.datetime):
        if timezone.is_aware(value):
            value = timezone.localtime(value)
        return value.replace(tzinfo=None, second=0, microsecond=0)
    if isinstance(value, dt.date):
        return value
    if place and hasattr(value, "name_in"):
        return clean_text(profile.place_name(value, language))
    if hasattr(value, "name_in"):
        return clean_text(str(value.name_in(language)))
    if isinstance(value, Promise):
        return clean_text(str(value))
    return clean_text(str(value))


def as_display_text(value: Any) -> str:
    """A cell value as a person reads it (the PDF): dd.mm.yyyy and 24-hour time (#7 point 2)."""
    if isinstance(value, dt.datetime):
        return value.strftime("%d.%m.%Y %H:%M")
    if isinstance(value, dt.date):
        return value.strftime("%d.%m.%Y")
    return as_text(value)


def as_text(value: Any) -> str:
    """A cell value as text (for CSV and PDF): dates in ISO form, times to the minute."""
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, dt.date):
        return value.isoformat()
    if value is None:
        return ""
    return str(value)


def marking_for(classification: int, handling_codes: Iterable[str]) -> tuple[str, list[str]]:
    """The marking line ("RESTRICTED · H1") and the handling codes spelled out."""
    try:
        level = Classification(int(classification))
    except ValueError:
        level = Classification.TOP_SECRET  # an unknown level is treated as the highest, never the lowest
    codes = sorted({code for code in handling_codes if code})
    line = str(level.label).upper()
    if codes:
        line = f"{line} · {', '.join(codes)}"
    details = []
    for code in codes:
        try:
            details.append(str(HandlingCode(code).label))
        except ValueError:
            details.append(code)
    return line, details
