"""Import pages (issue #3 point 5): my imports, upload, the batch page (progress bar while the worker
validates, then the row-by-row report), the report as CSV, promote, discard, resume.

Views parse input, call one selector or service and render. A batch the actor may not see answers
404 like a missing one; a service's refusal is shown as a message (or on the upload form) and
nothing is half-written, because each service is atomic and promotion is all-or-nothing.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.files.uploadhandler import FileUploadHandler, StopUpload
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_GET, require_POST

from kssp.core.exceptions import ApplicationError, NotFound
from kssp.core.exceptions import PermissionDenied as ServicePermissionDenied
from kssp.core.export_csv import streaming_csv_response
from kssp.core.forms import apply_service_error, filter_form
from kssp.core.imports import selectors, services
from kssp.core.imports.filters import ImportBatchFilterSet, StagedRowFilterSet
from kssp.core.imports.forms import UploadForm
from kssp.core.imports.messages import render_all
from kssp.core.imports.models import FINAL, RUNNING, ImportBatch, ImportStatus
from kssp.core.imports.policies import import_batch_policy
from kssp.core.imports.registry import ImportType, import_type, import_types_for
from kssp.core.imports.validation import is_stale, lease_seconds
from kssp.core.policy import Actor
from kssp.core.web import Request, wants_fragment

PAGE_SIZE = 25
REPORT_PAGE_SIZE = 50
UPLOAD_SLACK = 64 * 1024  # the multipart envelope around the file


def _require_actor(actor: Actor) -> None:
    if not actor.is_authenticated:
        raise PermissionDenied


def _batch(actor: Actor, public_id: Any) -> ImportBatch:
    try:
        return selectors.import_batch_get_visible_to(actor=actor, public_id=public_id)
    except NotFound:
        raise Http404 from None


def _declared_length(request: Request) -> int:
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0)
    except (TypeError, ValueError):
        return 0


# --- my imports -----------------------------------------------------------------------------------------


@never_cache
def batch_list(request: Request) -> HttpResponse:
    actor = request.actor
    _require_actor(actor)
    filterset = ImportBatchFilterSet(request.GET or None, queryset=selectors.import_batch_list_visible_to(actor=actor))
    filter_form(filterset.form)
    can_upload = selectors.may_import(actor)
    filtered = any(v for k, v in request.GET.items() if k != "page")
    context = {
        "table": {
            "id": "imports",
            "url": reverse("imports:batch_list"),
            "caption": _("Your imports"),
            "filterset": filterset,
            "page_obj": Paginator(filterset.qs, PAGE_SIZE).get_page(request.GET.get("page")),
            "columns": [_("File"), _("Kind of import"), _("Status"), _("Rows"), _("With errors"), _("Uploaded")],
            "row_template": "imports/partials/_batch_row.html",
            "empty_message": _("No import matches these filters.") if filtered else _("You have not imported any file yet."),
            "empty_action_url": reverse("imports:batch_upload") if can_upload and not filtered else "",
            "empty_action_label": _("Import a file"),
        },
        "can_upload": can_upload,
    }
    if wants_fragment(request):
        response = render(request, "components/table.html#results", context)
    else:
        response = render(request, "imports/batch_list.html", context)
    patch_vary_headers(response, ("HX-Request",))
    return response


# --- upload ----------------------------------------------------------------------------------------------


class SizeLimitUploadHandler(FileUploadHandler):
    """Stops reading an upload as soon as it passes the limit (for a body without a truthful length)."""

    def __init__(self, request: HttpRequest, limit: int) -> None:
        super().__init__(request)
        self.limit = limit
        self.exceeded = False

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes:
        if start + len(raw_data) > self.limit:
            self.exceeded = True
            raise StopUpload(connection_reset=True)
        return raw_data

    def file_complete(self, file_size: int) -> None:
        return None


def _too_large(form: UploadForm) -> UploadForm:
    """The bound form with only the size refusal on the file field."""
    form.is_valid()
    form.errors.clear()
    form.add_error("file", services.too_large_message())
    return form


def _upload_context(actor: Actor, form: UploadForm, types: list[ImportType]) -> dict[str, Any]:
    return {"form": form, "types": types, "max_mb": services.max_upload_bytes() // (1024 * 1024)}


@never_cache
@csrf_exempt  # CSRF is checked by _upload below, after the size check (Django's pattern for upload handlers)
def batch_upload(request: Request) -> HttpResponse:
    actor = request.actor
    _require_actor(actor)
    types = import_types_for(actor)
    if not types:
        raise PermissionDenied
    if request.method == "POST":
        limit = services.max_upload_bytes()
        if _declared_length(request) > limit + UPLOAD_SLACK:
            # Refused before a byte of the body is read.
            form = _too_large(UploadForm({}, types=types))
            return render(request, "imports/batch_upload.html", _upload_context(actor, form, types), status=413)
        handler = SizeLimitUploadHandler(request, limit)
        request.upload_handlers = [handler, *request.upload_handlers]
        return _upload(request, actor, types, handler)
    return _upload(request, actor, types, None)


@csrf_protect
def _upload(request: Request, actor: Actor, types: list[ImportType], handler: SizeLimitUploadHandler | None) -> HttpResponse:
    if request.method != "POST":
        form = UploadForm(types=types)
        return render(request, "imports/batch_upload.html", _upload_context(actor, form, types))
    form = UploadForm(request.POST, request.FILES, types=types)
    if handler is not None and handler.exceeded:
        form = _too_large(form)
        return render(request, "imports/batch_upload.html", _upload_context(actor, form, types), status=413)
    if form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            batch = services.import_batch_create(
                actor=actor, import_type_code=form.cleaned_data["import_type"], filename=upload.name, content=upload.read(),
            )
        except ServicePermissionDenied:
            raise PermissionDenied from None
        except ApplicationError as exc:
            apply_service_error(form, exc)
        else:
            return redirect("imports:batch_detail", public_id=batch.public_id)
    return render(request, "imports/batch_upload.html", _upload_context(actor, form, types), status=400)


@never_cache
@require_GET
def type_template(request: Request, code: str) -> HttpResponseBase:
    """An empty file with the type's header row, to fill in."""
    actor = request.actor
    spec = import_type(code)
    if spec is None or not spec.may_use(actor):
        raise Http404
    return streaming_csv_response(f"{spec.code}-import.csv", [c.name for c in spec.columns], [])


# --- the batch page ----------------------------------------------------------------------------------


def _state(actor: Actor, batch: ImportBatch) -> dict[str, Any]:
    spec = import_type(batch.import_type)
    running = batch.status in RUNNING
    stale = running and is_stale(batch)
    may_promote = import_batch_policy.can(actor, "promote", batch)
    failure = render_all([batch.failure]) if batch.failure else []
    return {
        "batch": batch,
        "spec": spec,
        "type_label": spec.label if spec else batch.import_type,
        "running": running,
        "stale": stale,
        "lease_minutes": max(1, lease_seconds() // 60),
        "failure": failure[0]["message"] if failure else "",
        "can_promote": may_promote and batch.status in (ImportStatus.VALIDATED, ImportStatus.PROMOTING) and not batch.rows_invalid,
        "can_discard": batch.status not in FINAL,
        "can_resume": stale and may_promote,
        "has_report": batch.status not in RUNNING and batch.status != ImportStatus.DISCARDED,
    }


def _report_rows(page: Any, spec: ImportType | None) -> list[dict[str, Any]]:
    labels = spec.labels() if spec else {}
    rows = []
    for row in page.object_list:
        rows.append({
            "row_number": row.row_number,
            "has_errors": row.has_errors,
            "has_warnings": row.has_warnings,
            "errors": render_all(row.errors, labels),
            "warnings": render_all(row.warnings, labels),
            "cells": [(name, labels.get(name, name), value) for name, value in row.raw.items()],
        })
    return rows


@never_cache
def batch_detail(request: Request, public_id: Any) -> HttpResponse:
    actor = request.actor
    batch = _batch(actor, public_id)
    context = _state(actor, batch)
    url = reverse("imports:batch_detail", args=[batch.public_id])
    if context["has_report"]:
        filterset = StagedRowFilterSet(request.GET or None, queryset=selectors.staged_rows_of(batch=batch))
        filter_form(filterset.form)
        page_obj = Paginator(filterset.qs.order_by("row_number"), REPORT_PAGE_SIZE).get_page(request.GET.get("page"))
        page_obj.object_list = _report_rows(page_obj, context["spec"])  # type: ignore[misc]
        context["table"] = {
            "id": "report",
            "url": url,
            "caption": _("Row-by-row report"),
            "filterset": filterset,
            "page_obj": page_obj,
            "columns": [_("Row"), _("Outcome"), _("Messages"), _("Cells as read")],
            "row_template": "imports/partials/_report_row.html",
            "empty_message": _("No row matches this filter."),
        }
        context["download_url"] = reverse("imports:batch_report", args=[batch.public_id])
        context["outcome"] = request.GET.get("outcome", "")
    if wants_fragment(request) and context["has_report"]:
        response = render(request, "components/table.html#results", context)
    else:
        response = render(request, "imports/batch_detail.html", context)
    patch_vary_headers(response, ("HX-Request",))
    return response


@never_cache
@require_GET
def batch_progress(request: Request, public_id: Any) -> HttpResponse:
    """The progress panel, polled by htmx while the worker validates; once it is done, the whole page
    reloads to show the report."""
    actor = request.actor
    batch = _batch(actor, public_id)
    context = {**_state(actor, batch), "polling": True}
    response = render(request, "imports/partials/_progress.html", context)
    if not context["running"] and request.GET.get("polling"):
        response["HX-Refresh"] = "true"
    return response


# --- the report as a file ---------------------------------------------------------------------------------


def _report_lines(rows: Any, spec: ImportType | None, header: list[str]) -> Iterator[list[Any]]:
    labels = spec.labels() if spec else {}
    for row in rows:
        outcome = _("error") if row.has_errors else (_("warning") if row.has_warnings else _("valid"))
        notes = "; ".join(f"{m['label'] or _('row')}: {m['message']}" for m in render_all(row.errors + row.warnings, labels))
        yield [row.row_number, outcome, notes, *(row.raw.get(name, "") for name in header)]


@never_cache
@require_GET
def batch_report(request: Request, public_id: Any) -> HttpResponseBase:
    """The report as CSV (UTF-8 with BOM; every cell that a spreadsheet could run as a formula is
    neutralised with an apostrophe). The download is audited before it is streamed."""
    actor = request.actor
    batch = _batch(actor, public_id)
    spec = import_type(batch.import_type)
    filters = {"outcome": request.GET.get("outcome", "")}
    rows = selectors.staged_rows_of(batch=batch, filters=filters).only(
        "row_number", "raw", "errors", "warnings", "has_errors", "has_warnings"
    )
    services.import_report_download_record(actor=actor, batch=batch, outcome=filters["outcome"], rows=rows.count())
    header = list(batch.header)
    columns = [_("Row"), _("Outcome"), _("Messages"), *header]
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    return streaming_csv_response(f"import-report-{stamp}.csv", columns, _report_lines(rows.iterator(chunk_size=2000), spec, header))


# --- actions ----------------------------------------------------------------------------------------------


def _act(request: Request, public_id: Any, service: Any, done: str) -> HttpResponse:
    actor = request.actor
    batch = _batch(actor, public_id)
    try:
        service(actor=actor, batch=batch)
    except NotFound:
        raise Http404 from None
    except ServicePermissionDenied as exc:
        raise PermissionDenied(str(exc.message)) from None
    except ApplicationError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, done)
    return redirect("imports:batch_detail", public_id=batch.public_id)


@never_cache
@require_POST
def batch_promote(request: Request, public_id: Any) -> HttpResponse:
    return _act(request, public_id, services.import_batch_promote, _("The rows were imported."))


@never_cache
@require_POST
def batch_discard(request: Request, public_id: Any) -> HttpResponse:
    return _act(request, public_id, services.import_batch_discard, _("The import was discarded; its rows were deleted."))


@never_cache
@require_POST
def batch_resume(request: Request, public_id: Any) -> HttpResponse:
    return _act(request, public_id, services.import_batch_resume, _("Validation will go on from the last saved row."))
