"""Loading the reference data of issue #2 point 6 from ``kssp/core/data/*.csv`` and pycountry.

One loader serves the data migration (historical models taken from ``apps``) and
``manage.py load_reference_data`` (live models). The rules:

* a row is matched by its natural key (``code``; ``number`` for legal acts; act, article and
  paragraph for offences) and updated in place. Nothing is deleted, and a row whose values did not
  change is not written, so a second run changes nothing;
* every row is checked: an unknown code, an empty required value, a bad date or flag, an unknown
  choice or a value the model refuses raises ``ReferenceDataError`` naming the file and the line.
  The whole load is one transaction, so a bad file changes nothing;
* countries come from pycountry (ISO 3166-1) with its Albanian and Serbian catalogues. Serbian is
  stored in Latin script: the ``sr@latin`` name where the catalogue has one, otherwise the Cyrillic
  ``sr`` name transliterated. ``former_countries.csv`` adds the ISO 3166-3 countries of manufacture
  and ``countries_local.csv`` adds XK and supplies names that pycountry lacks.
"""

from __future__ import annotations

import csv
import datetime as dt
import gettext as gnu_gettext
from collections.abc import Callable, Collection, Iterator, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any, Literal

import pycountry
from django.apps import apps as global_apps
from django.apps.registry import Apps
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils.translation import gettext as _

DATA_DIR = Path(__file__).resolve().parent / "data"
LANGUAGE_CODES = frozenset({"sq", "sr", "tr", "bs", "rom"})
_TRUE = frozenset({"true", "yes", "1"})
_FALSE = frozenset({"false", "no", "0"})
_NAME_COLUMNS = ("name_sq", "name_sr", "name_en")
_CODED_COLUMNS = ("code", *_NAME_COLUMNS)

# Serbian Cyrillic → Latin, for names pycountry ships only in Cyrillic.
_CYRILLIC = {
    **dict(zip("абвгдђежзијклмнопрстћуфхцчш", "abvgdđežzijklmnoprstćufhcčš", strict=True)),
    "љ": "lj",
    "њ": "nj",
    "џ": "dž",
}


class ReferenceDataError(ValueError):
    """A reference-data row is wrong. The message names the file and the line."""

    def __init__(self, source: str, line: int | None, message: str) -> None:
        self.source, self.line, self.message = source, line, message
        where = _("%(file)s, line %(line)d") % {"file": source, "line": line} if line else source
        super().__init__(f"{where}: {message}")


@dataclass(frozen=True)
class ReferenceModels:
    """The model classes the loader writes: live ones, or a migration's historical ones."""

    district: type[models.Model]
    police_region: type[models.Model]
    border_directorate: type[models.Model]
    municipality: type[models.Model]
    crossing_point: type[models.Model]
    country: type[models.Model]
    legal_act: type[models.Model]
    offence: type[models.Model]

    @classmethod
    def from_apps(cls, apps: Apps | None = None) -> ReferenceModels:
        """Take the models from a migration's ``apps`` (or from the live registry)."""
        registry = apps or global_apps

        def get(name: str) -> type[models.Model]:
            return registry.get_model("core", name)

        return cls(
            district=get("District"),
            police_region=get("PoliceRegion"),
            border_directorate=get("BorderDirectorate"),
            municipality=get("Municipality"),
            crossing_point=get("CrossingPoint"),
            country=get("Country"),
            legal_act=get("LegalAct"),
            offence=get("Offence"),
        )


@dataclass(frozen=True)
class Change:
    """One row the loader wrote: the changed fields before (empty when created) and after."""

    table: str
    status: Literal["created", "updated"]
    obj: models.Model
    before: dict[str, Any]
    after: dict[str, Any]


@dataclass
class Counts:
    """How many rows of one table the loader created, updated and left unchanged."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0

    @property
    def total(self) -> int:
        return self.created + self.updated + self.unchanged


OnChange = Callable[[Change], None]


# --- reading and checking rows ------------------------------------------------------------------


@dataclass(frozen=True)
class _Row:
    """One CSV row with its line number; the accessors parse a column or raise naming the line."""

    source: str
    line: int | None
    values: dict[str, str]

    def error(self, message: str) -> ReferenceDataError:
        return ReferenceDataError(self.source, self.line, message)

    def text(self, column: str, *, required: bool = False) -> str:
        value = self.values.get(column, "")
        if required and not value:
            raise self.error(_("The column “%(column)s” is empty.") % {"column": column})
        return value

    def date(self, column: str) -> dt.date | None:
        value = self.values.get(column, "")
        if not value:
            return None
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            raise self.error(
                _("“%(value)s” in “%(column)s” is not a date (YYYY-MM-DD).") % {"value": value, "column": column}
            ) from None

    def flag(self, column: str, *, default: bool | None = None) -> bool | None:
        value = self.values.get(column, "").lower()
        if not value:
            return default
        if value in _TRUE:
            return True
        if value in _FALSE:
            return False
        raise self.error(_("“%(value)s” in “%(column)s” is not true or false.") % {"value": value, "column": column})

    def codes(self, column: str, allowed: Collection[str]) -> list[str]:
        """A semicolon-separated list whose items must all be in ``allowed``."""
        items = [item.strip() for item in self.values.get(column, "").split(";") if item.strip()]
        unknown = [item for item in items if item not in allowed]
        if unknown:
            raise self.error(
                _("Unknown value(s) %(values)s in “%(column)s”; expected %(allowed)s.")
                % {"values": ", ".join(unknown), "column": column, "allowed": ", ".join(sorted(allowed))}
            )
        return items

    def ref(self, column: str, keys: dict[str, int], *, required: bool = True) -> int | None:
        """The primary key of the row another table knows by the code in ``column``."""
        code = self.text(column, required=required)
        if not code:
            return None
        if code not in keys:
            raise self.error(_("Unknown code “%(code)s” in “%(column)s”.") % {"code": code, "column": column})
        return keys[code]

    def period(self) -> tuple[dt.date | None, dt.date | None]:
        """``valid_from`` and ``valid_to``; the first may not follow the second."""
        start, end = self.date("valid_from"), self.date("valid_to")
        if start and end and start > end:
            raise self.error(_("“valid_from” is after “valid_to”."))
        return start, end


def _read(path: Path, columns: Sequence[str]) -> Iterator[_Row]:
    """The rows of a UTF-8 CSV file whose header holds at least ``columns``; blank lines are skipped."""
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.reader(handle)
        try:
            header = [name.strip() for name in next(reader, [])]
            missing = [column for column in columns if column not in header]
            if missing:
                raise ReferenceDataError(path.name, 1, _("Missing column(s): %(columns)s.") % {"columns": ", ".join(missing)})
            for fields in reader:
                if not any(value.strip() for value in fields):
                    continue
                if len(fields) != len(header):
                    raise ReferenceDataError(
                        path.name,
                        reader.line_num,
                        _("The row has %(found)d fields; the header has %(expected)d.")
                        % {"found": len(fields), "expected": len(header)},
                    )
                yield _Row(path.name, reader.line_num, {name: value.strip() for name, value in zip(header, fields, strict=True)})
        except csv.Error as exc:
            raise ReferenceDataError(path.name, reader.line_num, str(exc)) from exc


def _unique(row: _Row, key: Any, seen: set[Any]) -> None:
    if key in seen:
        raise row.error(_("“%(key)s” appears twice.") % {"key": key if not isinstance(key, tuple) else " ".join(key)})
    seen.add(key)


def _keys(model: type[models.Model], field_name: str = "code") -> dict[str, int]:
    return dict(model._default_manager.values_list(field_name, "pk"))


# --- writing --------------------------------------------------------------------------------------


@dataclass
class _Table:
    """Upserts the rows of one table: validate with the model, write only what changed, report it."""

    name: str
    model: type[models.Model]
    on_change: OnChange | None
    counts: Counts = field(default_factory=Counts)

    def upsert(self, row: _Row, lookup: dict[str, Any], values: dict[str, Any]) -> models.Model:
        obj = self.model._default_manager.filter(**lookup).first()
        created = obj is None
        if obj is None:
            obj = self.model(**lookup)
        changed = {name: value for name, value in values.items() if created or getattr(obj, name) != value}
        if not changed:
            self.counts.unchanged += 1
            return obj
        before = {} if created else {name: getattr(obj, name) for name in changed}
        for name, value in changed.items():
            setattr(obj, name, value)
        try:
            obj.full_clean(validate_unique=False, validate_constraints=False)
        except ValidationError as exc:
            problems = "; ".join(f"{name}: {' '.join(str(m) for m in messages)}" for name, messages in exc.message_dict.items())
            raise row.error(problems) from exc
        obj.save()
        if created:
            self.counts.created += 1
        else:
            self.counts.updated += 1
        if self.on_change is not None:
            after = {**lookup, **values} if created else changed
            self.on_change(Change(self.name, "created" if created else "updated", obj, before, after))
        return obj


def _names(row: _Row) -> dict[str, str]:
    return {column: row.text(column, required=True) for column in _NAME_COLUMNS}


def _load_coded(table: _Table, path: Path) -> None:
    """Districts, police regions, Border Police directorates: a code and three names."""
    seen: set[str] = set()
    for row in _read(path, _CODED_COLUMNS):
        code = row.text("code", required=True)
        _unique(row, code, seen)
        table.upsert(row, {"code": code}, _names(row))


def _load_municipalities(table: _Table, path: Path, districts: dict[str, int], regions: dict[str, int]) -> None:
    columns = (*_CODED_COLUMNS, "name_en_dual", "district", "police_region", "majority_community", "official_languages")
    seen: set[str] = set()
    for row in _read(path, columns):
        code = row.text("code", required=True)
        _unique(row, code, seen)
        languages = row.codes("official_languages", LANGUAGE_CODES)
        if not languages:
            raise row.error(_("The column “%(column)s” is empty.") % {"column": "official_languages"})
        table.upsert(
            row,
            {"code": code},
            {
                **_names(row),
                "name_en_dual": row.text("name_en_dual", required=True),
                "district_id": row.ref("district", districts),
                "police_region_id": row.ref("police_region", regions),
                "majority_community": row.text("majority_community"),
                "official_languages": languages,
            },
        )


def _load_crossing_points(
    table: _Table, path: Path, directorates: dict[str, int], municipalities: dict[str, int], countries: dict[str, int]
) -> None:
    from kssp.core.models.reference import CrossingPoint

    columns = (
        "code",
        "kind",
        "traffic",
        "customs_presence",
        "hours",
        "seasonal",
        "directorate",
        "municipality",
        "neighbour",
        *_NAME_COLUMNS,
        "other_side_name",
        "opened_on",
        "active",
        "note",
    )
    seen: set[str] = set()
    for row in _read(path, columns):
        code = row.text("code", required=True)
        _unique(row, code, seen)
        table.upsert(
            row,
            {"code": code},
            {
                **_names(row),
                "kind": row.text("kind", required=True),
                "traffic": row.codes("traffic", CrossingPoint.Traffic.values),
                "customs_presence": row.flag("customs_presence", default=True),
                "hours": row.text("hours"),
                "seasonal": row.flag("seasonal", default=False),
                "directorate_id": row.ref("directorate", directorates, required=False),
                "municipality_id": row.ref("municipality", municipalities),
                "neighbour_id": row.ref("neighbour", countries, required=False),
                "other_side_name": row.text("other_side_name"),
                "opened_on": row.date("opened_on"),
                "active": row.flag("active", default=True),
                "note": row.text("note"),
            },
        )


# --- countries ------------------------------------------------------------------------------------


@cache
def _catalogue(language: str) -> dict[str, str]:
    """pycountry's ISO 3166-1 names in ``language`` (msgid → msgstr; empty if not shipped)."""
    translation = gnu_gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=[language], fallback=True)
    # GNUTranslations keeps the parsed catalogue here; membership tells "not translated" from "same word".
    return dict(getattr(translation, "_catalog", {}))


def cyrillic_to_latin(text: str) -> str:
    """Serbian Cyrillic → Latin (Љ before a capital becomes "LJ", otherwise "Lj")."""
    out: list[str] = []
    for index, char in enumerate(text):
        latin = _CYRILLIC.get(char.lower())
        if latin is None:
            out.append(char)
        elif not char.isupper():
            out.append(latin)
        else:
            following = text[index + 1 : index + 2]
            out.append(latin.upper() if len(latin) > 1 and following.isupper() else latin.capitalize())
    return "".join(out)


def _iso_names(country: Any) -> dict[str, str]:
    """English, Albanian and Serbian (Latin) names: the common name where the catalogue has it, else the
    ISO short name; English where no catalogue translates either."""
    msgids = [name for name in (getattr(country, "common_name", None), country.name) if name]
    english = msgids[0]
    albanian = next((_catalogue("sq")[m] for m in msgids if m in _catalogue("sq")), english)
    serbian = english
    for msgid in msgids:
        if msgid in _catalogue("sr@latin"):
            serbian = _catalogue("sr@latin")[msgid]
            break
        if msgid in _catalogue("sr"):
            serbian = cyrillic_to_latin(_catalogue("sr")[msgid])
            break
    return {"name_sq": albanian, "name_sr": serbian, "name_en": english}


@dataclass
class _CountrySpec:
    """The values to store for one country, and the row they came from (for error messages)."""

    row: _Row
    values: dict[str, Any]


def _country_specs(data_dir: Path) -> dict[str, _CountrySpec]:
    """Every country to store, by code: ISO 3166-1, then the former countries, then local additions."""
    specs: dict[str, _CountrySpec] = {}
    for country in pycountry.countries:
        specs[country.alpha_2] = _CountrySpec(
            _Row("pycountry", None, {}),
            {
                **_iso_names(country),
                "alpha3": country.alpha_3,
                "numeric": country.numeric,
                "is_former": False,
                "user_assigned": False,
                "valid_from": None,
                "valid_to": None,
                "note": "",
            },
        )

    seen: set[str] = set()
    for row in _read(data_dir / "former_countries.csv", (*_CODED_COLUMNS, "valid_from", "valid_to", "note")):
        code = row.text("code", required=True)
        _unique(row, code, seen)
        historic = pycountry.historic_countries.get(alpha_4=code)
        valid_from, valid_to = row.period()
        if valid_to is None:
            raise row.error(_("A former country needs “valid_to”."))
        specs[code] = _CountrySpec(
            row,
            {
                **_names(row),
                "alpha3": getattr(historic, "alpha_3", ""),
                "numeric": getattr(historic, "numeric", ""),
                "is_former": True,
                "user_assigned": False,
                "valid_from": valid_from,
                "valid_to": valid_to,
                "note": row.text("note"),
            },
        )

    seen = set()
    for row in _read(data_dir / "countries_local.csv", ("code", "alpha3", "numeric", "user_assigned", *_NAME_COLUMNS, "note")):
        code = row.text("code", required=True)
        _unique(row, code, seen)
        given: dict[str, Any] = {name: row.text(name) for name in ("alpha3", "numeric", *_NAME_COLUMNS, "note") if row.text(name)}
        user_assigned = row.flag("user_assigned")
        if user_assigned is not None:
            given["user_assigned"] = user_assigned
        if code in specs:
            specs[code] = _CountrySpec(row, {**specs[code].values, **given})
        else:
            specs[code] = _CountrySpec(
                row,
                {
                    "alpha3": "",
                    "numeric": "",
                    "is_former": False,
                    "user_assigned": False,
                    "valid_from": None,
                    "valid_to": None,
                    "note": "",
                    **given,
                    **_names(row),
                },
            )
    return specs


# --- legal acts and offences ------------------------------------------------------------------------


def _load_legal_acts(table: _Table, path: Path) -> None:
    """Acts are written replacements first, so that ``replaced_by`` always points at a stored act."""
    columns = (
        "number",
        "kind",
        "title_sq",
        "title_sr",
        "title_en",
        "gazette_ref",
        "valid_from",
        "valid_to",
        "replaced_by",
        "needs_verification",
    )
    pending: list[tuple[_Row, str, str, dict[str, Any]]] = []
    seen: set[str] = set()
    for row in _read(path, columns):
        number = row.text("number", required=True)
        _unique(row, number, seen)
        valid_from, valid_to = row.period()
        replaced_by = row.text("replaced_by")
        if replaced_by == number:
            raise row.error(_("An act cannot replace itself."))
        if replaced_by and valid_to is None:
            raise row.error(_("An act replaced by another needs “valid_to”."))
        pending.append(
            (
                row,
                number,
                replaced_by,
                {
                    "kind": row.text("kind", required=True),
                    **{column: row.text(column, required=True) for column in ("title_sq", "title_sr", "title_en")},
                    "gazette_ref": row.text("gazette_ref"),
                    "valid_from": valid_from,
                    "valid_to": valid_to,
                    "needs_verification": row.flag("needs_verification", default=False),
                },
            )
        )

    stored = _keys(table.model, "number")
    while pending:
        waiting = [item for item in pending if item[2] in seen and item[2] not in stored]
        ready = [item for item in pending if item not in waiting]
        if not ready:
            raise waiting[0][0].error(_("“replaced_by” forms a cycle."))
        for row, number, _replaced_by, values in ready:
            values["replaced_by_id"] = row.ref("replaced_by", stored, required=False)
            stored[number] = table.upsert(row, {"number": number}, values).pk
        pending = waiting


def _load_offences(table: _Table, path: Path, acts: dict[str, int]) -> None:
    columns = ("act", "article", "paragraph", "title_sq", "title_sr", "title_en", "valid_from", "valid_to", "needs_verification")
    seen: set[tuple[str, str, str]] = set()
    for row in _read(path, columns):
        act_id = row.ref("act", acts)
        article, paragraph = row.text("article", required=True), row.text("paragraph")
        _unique(row, (row.text("act"), article, paragraph), seen)
        valid_from, valid_to = row.period()
        table.upsert(
            row,
            {"act_id": act_id, "article": article, "paragraph": paragraph},
            {
                **{column: row.text(column, required=True) for column in ("title_sq", "title_sr", "title_en")},
                "valid_from": valid_from,
                "valid_to": valid_to,
                "needs_verification": row.flag("needs_verification", default=False),
            },
        )


# --- classification marks ----------------------------------------------------------------------------

# Serbia's classification marks (Law on Classified Information, RS Official Gazette 104/09): never the marks
# of Kosovo's Law 03/L-178 in any language (issue #7 point 1).
FOREIGN_CLASSIFICATION_MARKS = ("Državna tajna", "Strogo poverljivo", "Interno")


@dataclass(frozen=True)
class ClassificationMark:
    """The mark of one level of Law 03/L-178 in each language, as ``classification_marks.csv`` gives it."""

    level: int
    code: str
    mark_sq: str
    mark_sr: str
    mark_en: str
    needs_verification: bool
    source: str


def classification_marks(data_dir: Path = DATA_DIR) -> list[ClassificationMark]:
    """The classification marks the catalogues must use, one per level of ``markings.Classification``.

    The marks are not stored in the database (the levels are code); the catalogues translate the level
    labels, and ``test_reference_data`` holds each catalogue to this file. A mark still marked [V] carries
    ``needs_verification``.
    """
    from kssp.core.markings import Classification

    columns = ("level", "code", "mark_sq", "mark_sr", "mark_en", "needs_verification", "source")
    marks: list[ClassificationMark] = []
    seen: set[str] = set()
    for row in _read(data_dir / "classification_marks.csv", columns):
        code = row.text("code", required=True)
        _unique(row, code, seen)
        level = row.text("level", required=True)
        if code not in Classification.names or str(Classification[code].value) != level:
            raise row.error(_("Unknown code “%(code)s” in “%(column)s”.") % {"code": f"{level} {code}", "column": "code"})
        names = {column: row.text(column, required=True) for column in ("mark_sq", "mark_sr", "mark_en")}
        for column, mark in names.items():
            if any(foreign.lower() in mark.lower() for foreign in FOREIGN_CLASSIFICATION_MARKS):
                raise row.error(
                    _("“%(value)s” in “%(column)s” is a classification mark of another state’s law.")
                    % {"value": mark, "column": column}
                )
        marks.append(
            ClassificationMark(
                level=int(level),
                code=code,
                needs_verification=bool(row.flag("needs_verification", default=True)),
                source=row.text("source"),
                **names,
            )
        )
    if seen != set(Classification.names):
        missing = ", ".join(sorted(set(Classification.names) - seen))
        raise ReferenceDataError("classification_marks.csv", None, _("Missing classification level(s): %(levels)s.") % {"levels": missing})
    return marks


# --- entry point ------------------------------------------------------------------------------------


def load_all(
    reference_models: ReferenceModels | None = None, *, data_dir: Path = DATA_DIR, on_change: OnChange | None = None
) -> dict[str, Counts]:
    """Load every reference table in one transaction and return the counts per table.

    ``on_change`` is called for each row created or updated (inside the transaction), so that the
    management command can audit it; the data migration passes nothing.
    """
    m = reference_models or ReferenceModels.from_apps()
    tables = {
        name: _Table(name, model, on_change)
        for name, model in (
            ("districts", m.district),
            ("police_regions", m.police_region),
            ("border_directorates", m.border_directorate),
            ("municipalities", m.municipality),
            ("countries", m.country),
            ("crossing_points", m.crossing_point),
            ("legal_acts", m.legal_act),
            ("offences", m.offence),
        )
    }
    with transaction.atomic():
        _load_coded(tables["districts"], data_dir / "districts.csv")
        _load_coded(tables["police_regions"], data_dir / "police_regions.csv")
        _load_coded(tables["border_directorates"], data_dir / "border_directorates.csv")
        _load_municipalities(tables["municipalities"], data_dir / "municipalities.csv", _keys(m.district), _keys(m.police_region))
        for code, spec in _country_specs(data_dir).items():
            tables["countries"].upsert(spec.row, {"code": code}, spec.values)
        _load_crossing_points(
            tables["crossing_points"],
            data_dir / "crossing_points.csv",
            _keys(m.border_directorate),
            _keys(m.municipality),
            _keys(m.country),
        )
        _load_legal_acts(tables["legal_acts"], data_dir / "legal_acts.csv")
        _load_offences(tables["offences"], data_dir / "offences.csv", _keys(m.legal_act, "number"))
    return {name: table.counts for name, table in tables.items()}
