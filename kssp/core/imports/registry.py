"""Import types: each module registers what it can import (issue #3 point 5).

A module describes its file once::

    register_import_type(ImportType(
        code="bulletins",
        label=_("Bulletins"),
        permission="bulletins.create",
        columns=(
            Column("title", _("Title"), required=True, max_length=200),
            Column("classification", _("Classification"), kind="choice", choices=Classification.choices, coerce=int),
            Column("valid_until", _("Valid until"), kind="date"),
            Column("body", _("Text"), required=True, free_text=True),
        ),
        validate_row=validate_bulletin_row,   # (actor, values) -> clean values, or raise RowInvalid
        writes=services.writes,               # the type's RecordWrites: create_many in chunks
    ))

A record type usually needs none of this: its declaration says ``import_type = Imports(services.writes,
description=...)`` (``kssp.core.records.Imports``) and ``derive`` builds the type from it: a column per
model field, each row checked by the service's own rules, promotion through ``create_many``.

The framework reads the file, parses every cell by its column (type, required, length, choices,
validators), then calls ``validate_row`` for the rules that need the whole row or the actor, and
stores the outcome in the staging table. Promotion runs later: with ``writes`` (the type's
``RecordWrites``) the framework creates the records in short chunks through ``writes.create_many``,
hidden until one short final switch makes them all visible with their audit events (so a long import
never holds the database's write lock); a type with only ``promote`` has it called in one transaction
the framework opens, creating the records through the module's services. Either way any refusal leaves
no record.

Cells are text and are never evaluated: a cell that starts like a spreadsheet formula (``= + - @``,
a tab or a carriage return) is an error in a column where a formula is not a plausible value, and a
warning (kept as text) in a free-text column.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import Any, NamedTuple

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import translation
from django.utils.functional import Promise, lazy
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from kssp.core.exceptions import ApplicationError
from kssp.core.forms import TEXT_MAX
from kssp.core.imports.messages import Msg, from_validation_error, stored
from kssp.core.policy import Actor

KINDS = ("text", "integer", "boolean", "date", "choice")

TRUE_WORDS = frozenset({"1", "true", "yes", "y", "x", "po", "p", "da", "д", "да"})
FALSE_WORDS = frozenset({"0", "false", "no", "n", "jo", "j", "ne", "не"})
DATE_FORMATS = ("%Y-%m-%d", "%d.%m.%Y", "%d.%m.%Y.")

# OWASP "CSV Injection": what a spreadsheet may run as a formula (with the full-width forms).
FORMULA_START = ("=", "@", "\uff1d", "\uff20")
SIGN_START = ("+", "-", "\uff0b", "\uff0d")
CONTROL_START = ("\t", "\r")
# A sign followed only by digits and separators is a number or a telephone number, not a formula.
_SIGNED_NUMBER = re.compile(r"^[+\-\uff0b\uff0d][\d\s.,()/]*$")

MSG_REQUIRED = _("This column is required.")
MSG_TOO_LONG = _("At most %(limit)s characters (this cell has %(length)s).")
MSG_NOT_INTEGER = _("“%(value)s” is not a whole number.")
MSG_TOO_SMALL = _("The number must be at least %(limit)s.")
MSG_TOO_LARGE = _("The number must be at most %(limit)s.")
MSG_NOT_BOOLEAN = _("“%(value)s” is not yes or no. Write 1 or 0 (or yes/no, po/jo, da/ne).")
MSG_NOT_DATE = _("“%(value)s” is not a date. Write it as 2026-03-31 or 31.03.2026.")
MSG_NOT_CHOICE = _("“%(value)s” is not one of: %(allowed)s.")
MSG_FORMULA = _(
    "“%(value)s” looks like a spreadsheet formula. Formulas are never evaluated here; type the value itself."
)
MSG_FORMULA_KEPT = _("This cell starts like a spreadsheet formula; it was kept as plain text and will not be evaluated.")


_SUSPECT_FIRST = frozenset(FORMULA_START + SIGN_START + CONTROL_START + (" ",))


def looks_like_formula(text: str) -> bool:
    """Whether a spreadsheet could run ``text`` as a formula (the cell is still only ever text here)."""
    if not text or text[0] not in _SUSPECT_FIRST:
        return False
    if text.startswith(CONTROL_START):
        return True
    stripped = text.lstrip(" ")
    if stripped.startswith(FORMULA_START):
        return True
    return stripped.startswith(SIGN_START) and not _SIGNED_NUMBER.match(stripped)


class RowInvalid(Exception):
    """Raised by a type's ``validate_row``: ``{column name (or "" for the row): [messages]}``.

    A message is a ``gettext_lazy`` string or a ``Msg(lazy, **params)``, so that the report shows it
    in the reader's language."""

    def __init__(self, fields: Mapping[str, Sequence[Msg | str | Promise]]):
        self.fields = {name: list(messages) for name, messages in fields.items()}
        super().__init__(str(self.fields))


@dataclass(frozen=True)
class Column:
    """One column of an import file.

    ``kind``: text | integer | boolean | date | choice. ``choices``: (value, label) pairs; a cell may
    hold the value or its label in any of the platform's languages (case does not matter);
    ``coerce`` turns the matched value into the stored type. ``free_text``: a cell starting like a
    formula is plausible here (a warning, not an error). ``validators``: callables raising Django's
    ``ValidationError`` on the parsed value.
    """

    name: str
    label: str | Promise
    kind: str = "text"
    required: bool = False
    max_length: int | None = None
    choices: Sequence[tuple[Any, Any]] = ()
    coerce: Callable[[Any], Any] | None = None
    min_value: int | None = None
    max_value: int | None = None
    default: Any = None
    free_text: bool = False
    validators: tuple[Callable[[Any], None], ...] = ()
    help_text: str | Promise = ""

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"unknown column kind {self.kind!r}")
        if self.kind == "choice" and not self.choices:
            raise ValueError(f"column {self.name!r} of kind choice needs choices")

    def empty_value(self) -> Any:
        if self.default is not None:
            return self.default
        if self.kind == "boolean":
            return False
        if self.kind == "text":
            return ""
        return None


class StagedValues(NamedTuple):
    """One staged row as ``promote`` receives it: its row number in the file and its clean values."""

    row_number: int
    values: dict[str, Any]


@dataclass(frozen=True)
class ImportType:
    code: str
    label: str | Promise
    permission: str
    columns: tuple[Column, ...]
    promote: Callable[[Actor, Iterator[StagedValues]], int] | None = None
    validate_row: Callable[[Actor, dict[str, Any]], dict[str, Any]] | None = None
    description: str | Promise = ""
    max_rows: int | None = None
    # The record type's ``RecordWrites`` (kssp.core.services.records): with it, promotion writes the
    # records in short chunks (``create_many``), hidden until one short final switch, instead of calling
    # ``promote`` row by row in one long transaction.
    writes: Any = None
    _choice_maps: dict[str, dict[str, Any]] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        names = [c.name for c in self.columns]
        if len(set(names)) != len(names):
            raise ValueError(f"import type {self.code!r} names a column twice")
        if self.promote is None and self.writes is None:
            raise ValueError(f"import type {self.code!r} needs writes (or a promote function)")

    @property
    def column_map(self) -> dict[str, Column]:
        return {c.name: c for c in self.columns}

    @property
    def required_columns(self) -> list[str]:
        return [c.name for c in self.columns if c.required]

    def labels(self) -> dict[str, str]:
        return {c.name: str(c.label) for c in self.columns}

    def row_limit(self) -> int:
        return self.max_rows or int(settings.KSSP.get("IMPORT_MAX_ROWS", 100_000))

    def may_use(self, actor: Actor) -> bool:
        return actor.is_authenticated and actor.has_perm(self.permission)

    # --- parsing cells ---------------------------------------------------------------------------
    def choice_map(self, column: Column) -> dict[str, Any]:
        """Every accepted spelling of a choice (value and label in each language, casefolded)."""
        cached = self._choice_maps.get(column.name)
        if cached is not None:
            return cached
        mapping: dict[str, Any] = {}
        for value, _label in column.choices:
            mapping[str(value).strip().casefold()] = value
        for code, _name in settings.LANGUAGES:
            with translation.override(code):
                for value, label in column.choices:
                    mapping.setdefault(str(label).strip().casefold(), value)
        self._choice_maps[column.name] = mapping
        return mapping

    def parse_row(
        self, actor: Actor, raw: Mapping[str, str], *, extra_cells: bool = False
    ) -> tuple[dict[str, Any] | None, list[dict[str, Any]], list[dict[str, Any]]]:
        """``(clean values or None, errors, warnings)`` for one row; messages in their stored form."""
        errors: list[dict[str, Any]] = []
        warnings: list[dict[str, Any]] = []
        values: dict[str, Any] = {}
        if extra_cells:
            errors.append(stored("", _("This row has more cells than the header has columns.")))
        for column in self.columns:
            text = raw.get(column.name, "") or ""
            if looks_like_formula(text):
                if column.kind == "text" and column.free_text:
                    warnings.append(stored(column.name, MSG_FORMULA_KEPT))
                else:
                    errors.append(stored(column.name, Msg(MSG_FORMULA, value=text[:60])))
                    continue
            value = text.strip()
            if not value:
                if column.required:
                    errors.append(stored(column.name, MSG_REQUIRED))
                else:
                    values[column.name] = column.empty_value()
                continue
            try:
                parsed = self._parse_cell(column, value)
                for validator in column.validators:
                    validator(parsed)
            except ValidationError as exc:
                errors.extend(from_validation_error(column.name, exc))
                continue
            values[column.name] = parsed
        if errors or self.validate_row is None:
            return (None if errors else values), errors, warnings
        try:
            clean = self.validate_row(actor, values)
        except RowInvalid as exc:
            for name, messages in exc.fields.items():
                errors.extend(stored(name, message) for message in messages)
            return None, errors, warnings
        except ValidationError as exc:
            by_field = exc.error_dict if hasattr(exc, "error_dict") else {"": exc.error_list}
            for name, field_errors in by_field.items():
                for error in field_errors:
                    errors.extend(from_validation_error("" if name == "__all__" else name, error))
            return None, errors, warnings
        return clean, errors, warnings

    def _parse_cell(self, column: Column, value: str) -> Any:
        kind = column.kind
        if kind == "text":
            if column.max_length is not None and len(value) > column.max_length:
                raise ValidationError(MSG_TOO_LONG, params={"limit": column.max_length, "length": len(value)})
            return value
        if kind == "integer":
            try:
                number = int(value.replace(" ", ""))
            except ValueError:
                raise ValidationError(MSG_NOT_INTEGER, params={"value": value[:60]}) from None
            if column.min_value is not None and number < column.min_value:
                raise ValidationError(MSG_TOO_SMALL, params={"limit": column.min_value})
            if column.max_value is not None and number > column.max_value:
                raise ValidationError(MSG_TOO_LARGE, params={"limit": column.max_value})
            return number
        if kind == "boolean":
            word = value.casefold()
            if word in TRUE_WORDS:
                return True
            if word in FALSE_WORDS:
                return False
            raise ValidationError(MSG_NOT_BOOLEAN, params={"value": value[:60]})
        if kind == "date":
            for fmt in DATE_FORMATS:
                try:
                    return dt.datetime.strptime(value, fmt).date()  # noqa: DTZ007 - a calendar date, no time
                except ValueError:
                    continue
            raise ValidationError(MSG_NOT_DATE, params={"value": value[:60]})
        # choice
        matched = self.choice_map(column).get(value.casefold(), _NO_MATCH)
        if matched is _NO_MATCH:
            allowed = ", ".join(str(v) for v, _label in column.choices)
            raise ValidationError(MSG_NOT_CHOICE, params={"value": value[:60], "allowed": allowed})
        return column.coerce(matched) if column.coerce is not None else matched

    # --- stored values ---------------------------------------------------------------------------
    def to_json(self, values: Mapping[str, Any]) -> dict[str, Any]:
        return {k: (v.isoformat() if isinstance(v, dt.date) else v) for k, v in values.items()}

    def from_json(self, values: Mapping[str, Any]) -> dict[str, Any]:
        out = dict(values)
        for column in self.columns:
            if column.kind == "date" and isinstance(out.get(column.name), str):
                out[column.name] = dt.date.fromisoformat(out[column.name])
        return out


_NO_MATCH = object()
_types: dict[str, ImportType] = {}


def register_import_type(spec: ImportType) -> ImportType:
    """Register (or re-register, e.g. after a reload) an import type under its code."""
    _types[spec.code] = spec
    return spec


def import_type(code: str) -> ImportType | None:
    return _types.get(code)


def registered_import_types() -> dict[str, ImportType]:
    return dict(sorted(_types.items()))


def import_types_for(actor: Actor) -> list[ImportType]:
    """The types ``actor`` may import (by each type's permission), in label order."""
    return sorted((t for t in _types.values() if t.may_use(actor)), key=lambda t: str(t.label))


# --- an import type derived from a record type's declaration -------------------------------------------

# Help the kernel gives the columns of its own fields (the markings every protected record carries).
KERNEL_HELP = {
    "classification": _("0 unclassified … 4 top secret; at most your clearance."),
    "handling_code": _("H0, H1, H2, H3 or empty."),
}
HELP_NO_BY_DEFAULT = _("1 or 0; empty: 0.")


def column_from_field(model_field: Any, **overrides: Any) -> Column:
    """The column of one model field: its verbose name as the label; a choice, boolean, date, integer or
    text column by the field; required where the field may be neither blank nor left to its default;
    the field's length (free text: the form's limit, ``TEXT_MAX``), range, choices (their values or
    labels, stored as the field stores them) and default. ``overrides`` replace any of these."""
    f = model_field
    derived: dict[str, Any] = {"name": f.name, "label": capfirst(f.verbose_name), "help_text": KERNEL_HELP.get(f.name, "")}
    if f.choices:
        derived.update(kind="choice", choices=f.choices, coerce=f.to_python)
    elif isinstance(f, models.BooleanField):
        derived.update(kind="boolean", help_text=HELP_NO_BY_DEFAULT if f.get_default() is False else "")
    elif isinstance(f, models.DateField) and not isinstance(f, models.DateTimeField):
        derived["kind"] = "date"
    elif isinstance(f, models.IntegerField) and not f.is_relation:
        derived.update(kind="integer", **{
            ("min_value" if isinstance(v, MinValueValidator) else "max_value"): v.limit_value
            for v in f.validators if isinstance(v, MinValueValidator | MaxValueValidator)
        })
    elif isinstance(f, models.CharField | models.TextField):
        derived.update(max_length=f.max_length or TEXT_MAX, free_text=isinstance(f, models.TextField))
    else:
        raise TypeError(f"{f.model._meta.label}.{f.name}: an import column cannot be derived from a {type(f).__name__}")
    if f.has_default():
        derived["default"] = f.get_default()
    elif f.empty_strings_allowed and not f.null:
        derived["default"] = ""
    derived["required"] = not f.blank and not f.has_default()
    return Column(**{**derived, **overrides})


def derive(declaration: Any) -> ImportType:
    """The import type of a record-type declaration: its hand-made ``ImportType`` as it is, or the one
    its ``Imports`` describes (``kssp.core.records.Imports``)."""
    spec = declaration.import_type
    if isinstance(spec, ImportType):
        return spec
    model = declaration.model
    names = spec.fields or tuple(spec.writes.editable)
    return ImportType(
        code=spec.code or f"{model._meta.model_name}s",
        label=lazy(lambda: declaration.plural_label, str)(),
        description=spec.description,
        permission=declaration.create_perm,
        columns=tuple(column_from_field(model._meta.get_field(name), **spec.columns.get(name, {})) for name in names),
        validate_row=partial(service_rules, spec.writes),
        writes=spec.writes,
    )


def service_rules(writes: Any, actor: Actor, values: dict[str, Any]) -> dict[str, Any]:
    """A row as the type's service would take it (``RecordWrites.check_new``), its refusals per field.
    A refused row is checked again with no language active, so that its messages are their msgids,
    which the report translates for each reader (a message the service built with parameters is shown
    as it was built); a good row, the usual case, is checked once and without switching languages."""
    try:
        return dict(writes.check_new(actor=actor, data=dict(values)))
    except ApplicationError:
        pass
    with translation.override(None):
        try:
            return dict(writes.check_new(actor=actor, data=values))
        except ApplicationError as exc:
            raise RowInvalid(exc.fields or {"": [str(exc.message)]}) from None
