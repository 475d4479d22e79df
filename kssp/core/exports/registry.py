"""What modules may export: each registers its exportables in its own ``exports.py``.

Two kinds:

* ``RecordExport`` — a list of records: the module's list selector (so only what the actor may see is
  ever exported), its FilterSet (the same one the list page and the API use) and the columns;
* ``StatisticsExport`` — counts across institutions through the aggregate exception
  (``kssp.core.access_exceptions.aggregate_breakdowns``), small cells suppressed (primary and
  secondary suppression).

Registration (``kssp/<module>/exports.py``, found by ``ExportsConfig.ready()``)::

    from kssp.core.exports.registry import Column, RecordExport, register

    register(RecordExport(
        name="bulletins", label=_("Bulletins"), record_type="bulletins.bulletin",
        permission=perms.VIEW, select=lambda actor: bulletin_list_visible_to(actor=actor),
        filterset_class=BulletinFilterSet, columns=[Column("number", _("Number")), ...],
        back_url_name="bulletins:bulletin_list",
    ))

Then ``/exports/bulletins/?<filters>`` is the export page and ``POST /api/v1/exports/`` with
``{"exportable": "bulletins", ...}`` the API.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db.models import Model, QuerySet
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_filters import FilterSet

from kssp.core import access_exceptions
from kssp.core.exceptions import ApplicationError
from kssp.core.markings import Classification
from kssp.core.policy import Actor
from kssp.core.suppression import SUPPRESSED_MARK

MAX_RECORD_IDS = 1000  # record ids kept in the audit event; beyond, the count and the filters say what


@dataclass(frozen=True)
class Column:
    """One exported column. ``value(obj)`` reads the cell; by default the attribute ``key`` (dotted
    paths follow relations), shown through ``get_<key>_display()`` when the field has choices.
    Reference data with sq/sr/en names is named in the export's language; in a ``place`` column (a
    municipality, a crossing point) as the designation profile writes places ("Prishtinë/Priština").
    ``width`` is relative (PDF and XLSX); ``numeric`` right-aligns in PDF; ``block`` text is printed
    under its row across the page in PDF (a column in CSV and XLSX)."""

    key: str
    label: str | Promise
    value: Callable[[Any], Any] | None = None
    width: float = 1.0
    numeric: bool = False
    place: bool = False
    block: bool = False  # long text (a bulletin's body): in the PDF a full-width line under the row

    def get(self, obj: Any) -> Any:
        if self.value is not None:
            return self.value(obj)
        if isinstance(obj, Mapping):
            return obj.get(self.key)
        *path, last = self.key.split(".")
        for name in path:
            obj = getattr(obj, name, None)
            if obj is None:
                return None
        display = getattr(obj, f"get_{last}_display", None)
        if callable(display):
            return display()
        return getattr(obj, last, None)


@dataclass
class Collected:
    """What an export will contain, read before the disclosure is recorded."""

    rows: list[list[Any]]
    classification: int = Classification.UNCLASSIFIED
    handling_codes: set[str] = field(default_factory=set)
    record_ids: list[str] = field(default_factory=list)
    suppressed: int = 0
    notes: list[str] = field(default_factory=list)
    statistics: bool = False  # rows are counts, not records

    @property
    def count(self) -> int:
        return len(self.rows)


def max_rows(fmt: str) -> int:
    """The most rows one export may hold in this format (PDF pages take long to lay out)."""
    if fmt == "pdf":
        return int(settings.KSSP.get("EXPORT_MAX_PDF_ROWS", 5_000))
    return int(settings.KSSP.get("EXPORT_MAX_ROWS", 50_000))


def too_many(count_limit: int, fmt: str) -> ApplicationError:
    if fmt == "pdf":
        message = _("At most %(limit)s rows fit in a PDF export. Narrow the filters, or choose CSV or XLSX.")
        return ApplicationError(_("The export was not made."), fields={"format": [message % {"limit": count_limit}]})
    message = _("At most %(limit)s rows can be exported at once. Narrow the filters.")
    return ApplicationError(_("The export was not made."), fields={"filters": [message % {"limit": count_limit}]})


def collect_rows(objects: Iterable[Any], columns: Sequence[Column], *, limit: int, fmt: str) -> Collected:
    """Read the rows of ``objects`` (records or mappings), at most ``limit``; note the highest
    classification, the handling codes and the ids of the records."""
    if isinstance(objects, QuerySet):
        objects = objects[: limit + 1]
    collected = Collected(rows=[])
    for index, obj in enumerate(objects):
        if index >= limit:
            raise too_many(limit, fmt)
        collected.rows.append([column.get(obj) for column in columns])
        level = obj.get("classification") if isinstance(obj, Mapping) else getattr(obj, "classification", None)
        if level is not None:
            collected.classification = max(collected.classification, int(level))
        code = obj.get("handling_code") if isinstance(obj, Mapping) else getattr(obj, "handling_code", "")
        if code:
            collected.handling_codes.add(str(code))
        public_id = obj.get("public_id") if isinstance(obj, Mapping) else getattr(obj, "public_id", None)
        if public_id is not None and len(collected.record_ids) < MAX_RECORD_IDS:
            collected.record_ids.append(str(public_id))
    return collected


class Exportable:
    """Base of the two kinds. ``name`` is the URL slug; ``permission`` the code the actor needs."""

    name: str
    label: str | Promise
    record_type: str
    permission: str
    back_url_name: str
    classification: int  # the lowest marking the file carries, whatever its rows say
    kind: str = ""

    def available_to(self, actor: Actor) -> bool:
        return actor.is_authenticated and actor.has_perm(self.permission)

    def export_columns(self) -> list[Column]:
        raise NotImplementedError

    def filter_names(self) -> list[str]:
        return []

    def filterset(self, actor: Actor, data: Mapping[str, Any] | None) -> Any:
        return None

    def describe_filters(self, actor: Actor, data: Mapping[str, Any]) -> list[tuple[str, str]]:
        return []

    def clean_filters(self, data: Mapping[str, Any]) -> dict[str, str]:
        """The filters as the audit event stores them: known names, non-empty, bounded."""
        out = {}
        for name in self.filter_names():
            value = data.get(name)
            text = "" if value is None else str(value).strip()
            if text:
                out[name] = text[:200]
        return out

    def collect(self, actor: Actor, filters: Mapping[str, Any], *, fmt: str) -> Collected:
        raise NotImplementedError


@dataclass
class RecordExport(Exportable):
    name: str
    label: str | Promise
    record_type: str
    permission: str
    select: Callable[[Actor], QuerySet[Any]]
    columns: Sequence[Column]
    filterset_class: type[FilterSet] | None = None
    back_url_name: str = ""
    classification: int = Classification.UNCLASSIFIED
    kind: str = "records"

    def export_columns(self) -> list[Column]:
        return list(self.columns)

    def filter_names(self) -> list[str]:
        if self.filterset_class is None:
            return []
        return list(self.filterset_class.base_filters)

    def filterset(self, actor: Actor, data: Mapping[str, Any] | None) -> Any:
        if self.filterset_class is None:
            return None
        known = {k: v for k, v in (data or {}).items() if k in self.filter_names() and v not in (None, "")}
        return self.filterset_class(known or None, queryset=self.select(actor))

    def describe_filters(self, actor: Actor, data: Mapping[str, Any]) -> list[tuple[str, str]]:
        """The active filters as (label, value) for people: a choice shows its label, not its code."""
        filterset = self.filterset(actor, data)
        if filterset is None:
            return []
        described = []
        for name, value in self.clean_filters(data).items():
            form_field = filterset.form.fields.get(name)
            if form_field is None:
                continue
            choices = {str(k): str(v) for k, v in getattr(form_field, "choices", ())}
            described.append((str(form_field.label), choices.get(value, value)))
        return described

    def queryset(self, actor: Actor, filters: Mapping[str, Any]) -> QuerySet[Any]:
        """The records to export: the selector's visible records, filtered; bad filters are field errors."""
        filterset = self.filterset(actor, filters)
        if filterset is None:
            return self.select(actor)
        if filterset.is_bound and not filterset.is_valid():
            fields = {f"filters.{name}": [str(m) for m in messages] for name, messages in filterset.form.errors.items()}
            raise ApplicationError(_("The filters are not valid."), fields=fields)
        return filterset.qs  # type: ignore[no-any-return]

    def collect(self, actor: Actor, filters: Mapping[str, Any], *, fmt: str) -> Collected:
        return collect_rows(self.queryset(actor, filters), self.columns, limit=max_rows(fmt), fmt=fmt)


@dataclass(frozen=True)
class Grouping:
    """One breakdown of a statistics export: the field counted by, its heading, and its value labels."""

    group_by: str
    label: str | Promise
    value_labels: Callable[[], Mapping[Any, Any]] | None = None


@dataclass
class StatisticsExport(Exportable):
    name: str
    label: str | Promise
    record_type: str
    model: type[Model]
    groupings: Sequence[Grouping]
    permission: str = access_exceptions.STATS_AGGREGATE
    back_url_name: str = ""
    classification: int = Classification.UNCLASSIFIED
    kind: str = "statistics"

    def export_columns(self) -> list[Column]:
        return [
            Column("grouping", gettext_lazy("Breakdown"), width=1.2),
            Column("value", gettext_lazy("Value"), width=1.5),
            Column("count", gettext_lazy("Records"), width=0.8, numeric=True),
        ]

    def collect(self, actor: Actor, filters: Mapping[str, Any], *, fmt: str) -> Collected:
        """Counts through the aggregate exception (which audits each breakdown); a suppressed cell is
        written ``SUPPRESSED_MARK``, never its count."""
        threshold = settings.KSSP["SMALL_CELL_THRESHOLD"]
        collected = Collected(rows=[], classification=self.classification, statistics=True)
        breakdowns = access_exceptions.aggregate_breakdowns(  # all at once: see aggregate_breakdowns
            actor=actor, model=self.model, group_bys=[grouping.group_by for grouping in self.groupings])
        for grouping in self.groupings:
            cells = breakdowns[grouping.group_by]
            labels = grouping.value_labels() if grouping.value_labels is not None else {}
            for cell in cells:
                if cell.suppressed:
                    collected.suppressed += 1
                count: Any = SUPPRESSED_MARK if cell.count is None else cell.count
                collected.rows.append([grouping.label, labels.get(cell.key, cell.key), count])
        collected.notes.append(
            _("Counts across every institution. A count marked “%(mark)s” is suppressed: fewer than %(n)s of its "
              "records, but some, belong to other institutions, or it is hidden so that such a count cannot be "
              "worked out from the other counts and the totals.") % {"n": threshold, "mark": SUPPRESSED_MARK}
        )
        if len(collected.rows) > max_rows(fmt):
            raise too_many(max_rows(fmt), fmt)
        return collected


_registry: dict[str, Exportable] = {}


def register(exportable: Exportable) -> Exportable:
    """Add ``exportable`` under its name. Registering the same name from another module is an error."""
    existing = _registry.get(exportable.name)
    if existing is not None and existing.record_type != exportable.record_type:
        raise ValueError(f"exportable {exportable.name!r} registered twice")
    _registry[exportable.name] = exportable
    return exportable


def get_exportable(name: str) -> Exportable:
    """The exportable named ``name``; ``KeyError`` when there is none."""
    return _registry[name]


def registered_exportables() -> dict[str, Exportable]:
    return dict(sorted(_registry.items()))


def exportables_for(actor: Actor) -> list[Exportable]:
    return [e for e in registered_exportables().values() if e.available_to(actor)]
