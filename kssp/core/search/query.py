"""What a search box was given: the text, what it looks like, and a record it names directly.

``parse_query`` is pure (no database): it cleans the text and recognises the kinds of identifiers
people type or scan into the header box, so that each registered type can say which kinds it handles:

========================  =====================================================================
kind                      recognised from
========================  =====================================================================
``qr``                    a QR payload: ``kssp:<type>:<uuid>``, or a URL or path holding a UUID
``public_id``             a bare UUID (also set, with ``qr``, for the two forms above)
``case_number``           court and prosecution numbers: ``PP/I nr. 123/2024``, ``P.nr.45/24``
``record_number``         platform numbers ``<PREFIX>-<INSTITUTION>-<YEAR>-<N>`` (``BUL-KP-2026-000123``)
``exhibit_number``        a platform number whose prefix is an exhibit prefix (``EXH-KP-2026-000045``)
``plate``                 Kosovo plates ``01-123-AB`` and regional ``BG 123-AB`` (spaces, dashes optional)
``vin``                   a 17-character vehicle identification number (no I, O, Q)
``personal_number``       a 10-digit Kosovo personal number
``serial``                one token of letters and digits with at least one digit (``19Z45Z``)
``name``                  letters only, any script (Latin with ë ç č ć đ š ž, Cyrillic), 1-5 words
``text``                  always: every query is also free text
========================  =====================================================================

A query may have several kinds (``0112345678`` is both a personal number and a serial); ``primary``
is the most specific one, shown to the user as "looks like".
"""

from __future__ import annotations

import re
import unicodedata
import uuid
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

MAX_LENGTH = 200
MIN_LENGTH = 2

QR = "qr"
PUBLIC_ID = "public_id"
CASE_NUMBER = "case_number"
RECORD_NUMBER = "record_number"
EXHIBIT_NUMBER = "exhibit_number"
PLATE = "plate"
VIN = "vin"
PERSONAL_NUMBER = "personal_number"
SERIAL = "serial"
NAME = "name"
TEXT = "text"

#: Most specific first: the first kind a query has is its ``primary`` kind.
KIND_ORDER = (QR, PUBLIC_ID, EXHIBIT_NUMBER, RECORD_NUMBER, CASE_NUMBER, PLATE, VIN, PERSONAL_NUMBER, SERIAL, NAME, TEXT)

KIND_LABELS: dict[str, str | Promise] = {
    QR: _("QR code"),
    PUBLIC_ID: _("record identifier"),
    CASE_NUMBER: _("case number"),
    RECORD_NUMBER: _("record number"),
    EXHIBIT_NUMBER: _("exhibit number"),
    PLATE: _("licence plate"),
    VIN: _("vehicle identification number"),
    PERSONAL_NUMBER: _("personal number"),
    SERIAL: _("serial number"),
    NAME: _("name"),
    TEXT: _("text"),
}

#: Prefixes of platform numbers that name exhibits (the evidence module numbers items ``EXH-…``).
EXHIBIT_PREFIXES = frozenset({"EXH", "EV", "EVD"})

QR_SCHEME = "kssp"
_UUID = re.compile(r"[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}")
_QR_PAYLOAD = re.compile(r"^kssp:([a-z][a-z0-9_-]{0,39}):(\S+)$", re.IGNORECASE)
_RECORD_NUMBER = re.compile(r"^([A-Z]{2,6})-[A-Z0-9]{2,12}-(?:19|20)\d{2}-\d{1,8}$")
_CASE_NUMBER = re.compile(
    r"^(?:[A-ZËÇŠŽČĆĐ]{1,6}\s*[./]?\s*){0,3}(?:I{1,3}\s*[./]?\s*)?(?:NR|BR)?\s*\.?\s*\d{1,7}\s*/\s*(?:\d{2}|(?:19|20)\d{2})$"
)
_PLATE_KS = re.compile(r"^\d{2}[ -]?\d{3,4}[ -]?[A-Z]{2}$")
_PLATE_REGIONAL = re.compile(r"^[A-ZŠŽČĆĐ]{2}[ -]?\d{3,4}[ -]?[A-ZŠŽČĆĐ]{2}$")
_VIN = re.compile(r"^[A-HJ-NPR-Z0-9]{17}$")
_SERIAL = re.compile(r"^(?=.*\d)[A-Z0-9][A-Z0-9./-]{1,39}$")
_NAME_WORD = re.compile(r"^[^\W\d_]+(?:['’-][^\W\d_]+)*\.?$")
_SPACE = re.compile(r"\s+")


def _clean(raw: str) -> str:
    """Normalised text: NFC, control characters dropped, runs of spaces collapsed, trimmed."""
    text = unicodedata.normalize("NFC", raw or "")
    text = "".join(ch if unicodedata.category(ch)[0] != "C" else " " for ch in text)
    return _SPACE.sub(" ", text).strip()


def compact(text: str) -> str:
    """Upper-case letters and digits only: ``01-123 ab`` → ``01123AB`` (plates, serials, VINs)."""
    return "".join(ch for ch in text.upper() if ch.isalnum())


def _uuid(text: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(text)
    except (ValueError, AttributeError, TypeError):
        return None


@dataclass(frozen=True)
class SearchQuery:
    """One search as the registered types receive it.

    ``text`` is the cleaned text; ``upper`` its upper-case form; ``compact`` letters and digits only.
    ``public_id`` is set when the text names a record directly (QR payload, URL, UUID), and
    ``qr_type`` when the payload names a registered type (``kssp:<type>:<uuid>``). ``purpose`` and
    ``case_ref`` are what the user gave for searches that log a consultation (persons).
    """

    text: str
    kinds: frozenset[str] = field(default_factory=frozenset)
    public_id: uuid.UUID | None = None
    qr_type: str | None = None
    purpose: str = ""
    case_ref: str = ""

    @property
    def upper(self) -> str:
        return self.text.upper()

    @property
    def compact(self) -> str:
        return compact(self.text)

    @property
    def words(self) -> list[str]:
        return self.text.split(" ")

    @property
    def primary(self) -> str:
        return next(kind for kind in KIND_ORDER if kind in self.kinds)

    @property
    def primary_label(self) -> str:
        return str(KIND_LABELS[self.primary])

    def has(self, *kinds: str) -> bool:
        return any(kind in self.kinds for kind in kinds)


class QueryError(ValueError):
    """The text cannot be searched; ``message`` says why (translated)."""

    def __init__(self, message: str | Promise) -> None:
        self.message = message
        super().__init__(str(message))


def _qr(text: str) -> tuple[uuid.UUID, str | None] | None:
    """(public id, type code or None) for a QR payload or a link to a record, else None."""
    match = _QR_PAYLOAD.match(text)
    if match:
        public_id = _uuid(match.group(2))
        return (public_id, match.group(1).lower()) if public_id is not None else None
    if text.startswith(("http://", "https://", "/")) and " " not in text:
        path = urlsplit(text).path if not text.startswith("/") else text.split("?", 1)[0]
        found = _UUID.findall(path)
        if len(found) >= 1:
            public_id = _uuid(found[0])
            return (public_id, None) if public_id is not None else None
    return None


def recognise(text: str) -> tuple[frozenset[str], uuid.UUID | None, str | None]:
    """The kinds of ``text`` (already cleaned), the public id it names and the type its QR names."""
    kinds = {TEXT}
    qr = _qr(text)
    if qr is not None:
        return frozenset({QR, PUBLIC_ID, TEXT}), qr[0], qr[1]
    bare = _uuid(text) if _UUID.fullmatch(text) else None
    if bare is not None:
        return frozenset({PUBLIC_ID, TEXT}), bare, None
    upper = text.upper()
    tight = compact(text)
    record = _RECORD_NUMBER.match(upper)
    if record:
        kinds.add(EXHIBIT_NUMBER if record.group(1) in EXHIBIT_PREFIXES else RECORD_NUMBER)
    if _CASE_NUMBER.match(upper):
        kinds.add(CASE_NUMBER)
    if _PLATE_KS.match(upper) or _PLATE_REGIONAL.match(upper):
        kinds.add(PLATE)
    if _VIN.match(tight) and len(text) == 17:
        kinds.add(VIN)
    if text.isdigit() and len(text) == 10:
        kinds.add(PERSONAL_NUMBER)
    if " " not in text and _SERIAL.match(upper) and not (kinds & {CASE_NUMBER, RECORD_NUMBER, EXHIBIT_NUMBER}):
        kinds.add(SERIAL)
    words = text.split(" ")
    if 1 <= len(words) <= 5 and all(_NAME_WORD.match(word) for word in words):
        kinds.add(NAME)
    return frozenset(kinds), None, None


def parse_query(raw: str, *, purpose: str = "", case_ref: str = "") -> SearchQuery:
    """Clean and recognise ``raw``; raise ``QueryError`` for text that cannot be searched."""
    text = _clean(raw)
    if not text:
        raise QueryError(_("Type what you are looking for."))
    if len(text) > MAX_LENGTH:
        raise QueryError(_("Search for at most %(max)s characters.") % {"max": MAX_LENGTH})
    kinds, public_id, qr_type = recognise(text)
    if public_id is None and len(text) < MIN_LENGTH:
        raise QueryError(_("Type at least %(min)s characters.") % {"min": MIN_LENGTH})
    return SearchQuery(
        text=text, kinds=kinds, public_id=public_id, qr_type=qr_type,
        purpose=_clean(purpose)[:300], case_ref=_clean(case_ref)[:100],
    )
