"""Exports as disclosures (issue #3 point 6).

``export(...)`` is what modules call: it validates the request, reads the rows, records the disclosure
in the audit trail (who; what — record type, count, filters, record ids —; purpose; recipient) in its
own short transaction **before** the file exists, then writes the file in the chosen format and
designation profile, marked with the highest classification of its rows. ``export_registered(...)``
does the same for a registered exportable (``registry.py``): the permission, the module's selector
(only visible records) and its FilterSet.

Bad input (no purpose, no recipient, an unknown format, profile or language, invalid filters, too many
rows) is an ``ApplicationError`` with field messages, raised before anything is written.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.apps import apps
from django.conf import settings
from django.db import models, transaction
from django.http import HttpResponse
from django.utils import timezone, translation
from django.utils.text import slugify
from django.utils.translation import gettext as _

from kssp.core.audit import audit_record
from kssp.core.exceptions import ApplicationError, NotFound, PermissionDenied
from kssp.core.export_csv import file_response
from kssp.core.exports.document import DocumentColumn, ExportDocument, cell_value, clean_text, marking_for
from kssp.core.exports.pdf import write_pdf
from kssp.core.exports.profiles import PROFILES, DesignationProfile, default_profile
from kssp.core.exports.registry import Collected, Column, collect_rows, get_exportable, max_rows, too_many
from kssp.core.exports.writers import write_csv, write_xlsx
from kssp.core.models.audit import AuditEvent
from kssp.core.policy import Actor

EXPORT_EVENT = "export.disclosed"
FORMATS = {
    "csv": ("text/csv; charset=utf-8", "csv"),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx"),
    "pdf": ("application/pdf", "pdf"),
}
PURPOSE_MAX = 300
RECIPIENT_MAX = 200


@dataclass(frozen=True)
class ExportFile:
    filename: str
    content_type: str
    content: bytes
    count: int
    event: AuditEvent

    def response(self) -> HttpResponse:
        return file_response(self.filename, self.content, self.content_type)


def _languages() -> list[str]:
    return [code for code, _label in settings.LANGUAGES]


def validate_request(*, purpose: str, recipient: str, fmt: str, profile: str, language: str) -> dict[str, str]:
    """The cleaned request, or an ApplicationError naming every field that is wrong."""
    purpose, recipient = (purpose or "").strip(), (recipient or "").strip()
    errors: dict[str, list[str]] = {}
    if not purpose:
        errors["purpose"] = [_("Give the purpose of the export.")]
    elif len(purpose) > PURPOSE_MAX:
        errors["purpose"] = [_("Keep the purpose under %(n)s characters.") % {"n": PURPOSE_MAX}]
    if not recipient:
        errors["recipient"] = [_("Name who receives the export.")]
    elif len(recipient) > RECIPIENT_MAX:
        errors["recipient"] = [_("Keep the recipient under %(n)s characters.") % {"n": RECIPIENT_MAX}]
    if fmt not in FORMATS:
        errors["format"] = [_("Choose CSV, XLSX or PDF.")]
    if profile not in PROFILES:
        errors["profile"] = [_("Choose the institutional or the status-neutral designation.")]
    if language not in _languages():
        errors["language"] = [_("Choose one of the platform's languages.")]
    if errors:
        raise ApplicationError(_("The export was not made."), fields=errors)
    return {"purpose": clean_text(purpose), "recipient": clean_text(recipient)}


def _institution_name(actor: Actor, language: str) -> str:
    if actor.institution_id is None:
        return ""
    institution = apps.get_model("accounts", "Institution")._default_manager.filter(pk=actor.institution_id).first()
    return str(institution.name_in(language)) if institution is not None else ""


def _document(
    *,
    actor: Actor,
    title: str,
    columns: Sequence[Column],
    collected: Collected,
    profile: DesignationProfile,
    language: str,
    purpose: str,
    recipient: str,
    filters_described: Sequence[tuple[str, str]],
    when: Any,
) -> ExportDocument:
    """The document in the export's language (the caller holds ``translation.override``)."""
    marking, details = marking_for(collected.classification, collected.handling_codes)
    institution = _institution_name(actor, language)
    filters_text = "; ".join(f"{label}: {value}" for label, value in filters_described) or _("none")
    meta = [
        (_("Exported by"), f"{actor.label}, {institution}" if institution else actor.label),
        (_("Exported at"), timezone.localtime(when).strftime("%d.%m.%Y %H:%M")),
        (_("Purpose"), purpose),
        (_("Recipient"), recipient),
        (_("Filters"), filters_text),
        (_("Rows") if collected.statistics else _("Records"), str(collected.count)),
        (_("Designation"), profile.label),
    ]
    if collected.suppressed:
        meta.append((_("Suppressed cells"), str(collected.suppressed)))
    return ExportDocument(
        title=clean_text(str(title)),
        columns=[DocumentColumn(str(c.label), c.width, c.numeric, c.place, getattr(c, "block", False)) for c in columns],
        rows=[
            [cell_value(v, language=language, profile=profile, place=c.place) for c, v in zip(columns, row, strict=False)]
            for row in collected.rows
        ],
        marking=marking,
        marking_details=details,
        profile=profile,
        designation=profile.designation(),
        footnote=profile.footnote(),
        institution=institution,
        language=language,
        meta=meta,
        notes=list(collected.notes),
    )


WRITERS = {"csv": write_csv, "xlsx": write_xlsx, "pdf": write_pdf}


def export_file(
    *,
    actor: Actor,
    queryset_or_rows: models.QuerySet[Any] | Iterable[Any] | Collected,
    columns: Sequence[Column],
    format: str,
    purpose: str,
    recipient: str,
    title: str,
    profile: str | None = None,
    classification: int | None = None,
    language: str | None = None,
    record_type: str = "",
    exportable: str = "",
    filters: Mapping[str, Any] | None = None,
    filters_described: Sequence[tuple[str, str]] = (),
    filename_stem: str = "export",
) -> ExportFile:
    """Record the disclosure, then produce the file. The rows must come from the module's selector
    (what the actor may see); ``classification`` raises the marking above that of the rows."""
    if not actor.is_authenticated:
        raise PermissionDenied()
    profile = profile or default_profile()
    language = language or translation.get_language() or settings.LANGUAGE_CODE
    cleaned = validate_request(purpose=purpose, recipient=recipient, fmt=format, profile=profile, language=language)
    with translation.override(language):
        if isinstance(queryset_or_rows, Collected):
            collected = queryset_or_rows
            if collected.count > max_rows(format):
                raise too_many(max_rows(format), format)
        else:
            collected = collect_rows(queryset_or_rows, columns, limit=max_rows(format), fmt=format)
    if classification is not None:
        collected.classification = max(collected.classification, int(classification))
    chosen = PROFILES[profile]
    when = timezone.now()

    with transaction.atomic():
        event = audit_record(
            actor=actor, event=EXPORT_EVENT, purpose=cleaned["purpose"],
            extra={
                "exportable": exportable,
                "record_type": record_type,
                "title": str(title)[:200],
                "count": collected.count,
                "filters": dict(filters or {}),
                "format": format,
                "profile": profile,
                "language": language,
                "recipient": cleaned["recipient"],
                "classification": collected.classification,
                "handling_codes": sorted(collected.handling_codes),
                "suppressed_cells": collected.suppressed,
                "record_ids": collected.record_ids,
                "record_ids_complete": None if collected.statistics else len(collected.record_ids) == collected.count,
            },
        )

    with translation.override(language):
        doc = _document(
            actor=actor, title=title, columns=columns, collected=collected, profile=chosen, language=language,
            purpose=cleaned["purpose"], recipient=cleaned["recipient"], filters_described=filters_described, when=when,
        )
        content = WRITERS[format](doc)
    content_type, extension = FORMATS[format]
    return ExportFile(export_filename(title, filename_stem, when, event.seq, extension), content_type, content,
                      collected.count, event)


def export_filename(title: Any, stem: str, when: Any, seq: int, extension: str) -> str:
    """The file's name in the export's language (its title), to the second, with the audit event's
    number: two exports in the same minute (or second) never share a name (#7 point 2)."""
    name = slugify(str(title), allow_unicode=True)[:60].strip("-") or stem
    return f"{name}-{timezone.localtime(when).strftime('%Y%m%d-%H%M%S')}-{seq}.{extension}"


def export(
    *,
    actor: Actor,
    queryset_or_rows: models.QuerySet[Any] | Iterable[Any] | Collected,
    columns: Sequence[Column],
    format: str,
    purpose: str,
    recipient: str,
    title: str,
    profile: str | None = None,
    classification: int | None = None,
    **options: Any,
) -> HttpResponse:
    """``export_file`` answered as a download (``Content-Disposition: attachment``, no caching)."""
    return export_file(
        actor=actor, queryset_or_rows=queryset_or_rows, columns=columns, format=format, purpose=purpose,
        recipient=recipient, title=title, profile=profile, classification=classification, **options,
    ).response()


def export_registered(
    *,
    actor: Actor,
    name: str,
    filters: Mapping[str, Any] | None,
    format: str,
    purpose: str,
    recipient: str,
    profile: str | None = None,
    language: str | None = None,
) -> ExportFile:
    """Export through a registered exportable: its permission, its selector and FilterSet, its columns.

    An unknown name is ``NotFound``; an actor without the exportable's permission ``PermissionDenied``.
    The request is validated before any row is read, so a refused export reads and writes nothing.
    """
    try:
        exportable = get_exportable(name)
    except KeyError:
        raise NotFound() from None
    if not exportable.available_to(actor):
        raise PermissionDenied()
    profile = profile or default_profile()
    language = language or translation.get_language() or settings.LANGUAGE_CODE
    validate_request(purpose=purpose, recipient=recipient, fmt=format, profile=profile, language=language)
    filters = filters or {}
    with translation.override(language):
        collected = exportable.collect(actor, filters, fmt=format)
        described = exportable.describe_filters(actor, filters)
        title = str(exportable.label)
    return export_file(
        actor=actor, queryset_or_rows=collected, columns=exportable.export_columns(), format=format, purpose=purpose,
        recipient=recipient, title=title, profile=profile, classification=exportable.classification, language=language,
        record_type=exportable.record_type, exportable=exportable.name, filters=exportable.clean_filters(filters),
        filters_described=described, filename_stem=exportable.name,
    )
