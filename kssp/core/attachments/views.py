"""Attachment pages: upload to a record, download, remove.

The panel itself is rendered on every detail page by the ``attachments_panel`` template tag. Uploads
are checked for size before their body is read: the upload view is exempt from the CSRF middleware
only so that it can look at the declared length and install the bounded upload handler first; the
CSRF check then runs (``csrf_protect``) before anything is stored.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_GET, require_POST

from kssp.core.attachments import selectors, services, uploads
from kssp.core.attachments.forms import AttachmentForm, AttachmentRemoveForm
from kssp.core.attachments.policies import attachment_policy
from kssp.core.attachments.responses import download_response
from kssp.core.exceptions import ApplicationError, NotFound
from kssp.core.exceptions import PermissionDenied as ServicePermissionDenied
from kssp.core.forms import apply_service_error
from kssp.core.policy import Actor
from kssp.core.records import access as records
from kssp.core.web import Request

PANEL_TEMPLATE = "attachments/_panel_body.html"



def _record(actor: Actor, record_type: str, record_id: Any) -> Any:
    record = records.get_visible(actor, record_type, record_id)
    if record is None:
        raise Http404
    return record


def _next_url(request: Request) -> str:
    candidate = request.POST.get("next", "") if request.method == "POST" else request.get_full_path()
    if candidate and url_has_allowed_host_and_scheme(candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return candidate
    return ""


def panel_context(
    request: Request,
    record: Any,
    *,
    form: AttachmentForm | None = None,
    remove_form: tuple[Any, AttachmentRemoveForm] | None = None,
    notice: str = "",
    next_url: str | None = None,
) -> dict[str, Any]:
    """Everything the panel shows for ``record``, computed for the request's actor."""
    actor = request.actor
    record_type = records.record_type_for(record)
    if record_type is None or not actor.is_authenticated or not record_type.policy.can(actor, "view", record):
        return {"record": None}
    can_change = record_type.policy.can(actor, "change", record)
    rows = []
    for attachment in selectors.attachment_list_visible_to(actor=actor, record=record):
        if remove_form is not None and remove_form[0] == attachment.public_id:
            this_remove_form = remove_form[1]
        else:
            this_remove_form = AttachmentRemoveForm(auto_id=f"id_attachment_remove_{attachment.public_id.hex[:12]}_%s")
        rows.append({"attachment": attachment, "remove_form": this_remove_form})
    return {
        "record": record,
        "record_type": record_type.label,
        "rows": rows,
        "can_change": can_change,
        "form": form or (AttachmentForm(auto_id="id_attachment_%s") if can_change else None),
        "notice": notice,
        "next_url": _next_url(request) if next_url is None else next_url,
    }


def _respond(request: Request, record: Any, *, ok_message: str = "", status: int = 200, **panel: Any) -> HttpResponse:
    if getattr(request, "htmx", False):
        return render(request, PANEL_TEMPLATE, panel_context(request, record, notice=ok_message, **panel), status=status)
    if status < 400:
        messages.success(request, ok_message)
        return redirect((_next_url(request) or records.record_url(record) or "/") + "#attachments")
    context = panel_context(request, record, **panel)
    context["record_url"] = records.record_url(record)
    context["record_title"] = records.record_title(record)
    return render(request, "attachments/upload_page.html", context, status=status)


def _too_large(request: Request, record: Any, next_url: str) -> HttpResponse:
    form = AttachmentForm(auto_id="id_attachment_%s", data={})
    form.errors.clear()
    form.add_error("file", uploads.too_large_message())
    return _respond(request, record, status=400, form=form, next_url=next_url)


@csrf_exempt  # see the module docstring: the CSRF check follows in _upload_checked
@never_cache
@require_POST
def attachment_upload(request: Request, record_type: str, record_id: Any) -> HttpResponse:
    actor = request.actor
    record = _record(actor, record_type, record_id)  # 404 first: the size of a refused upload says nothing
    if uploads.declared_length(request.META) > uploads.max_request_bytes():
        # Refused before a byte of the body is read: nothing parsed, nothing written. (No CSRF check
        # is needed to refuse; the page to return to is the record's.)
        return _too_large(request, record, records.record_url(record) or "")
    uploads.install_bounded_handler(request)
    return _upload_checked(request, record)


@csrf_protect
def _upload_checked(request: Request, record: Any) -> HttpResponse:
    if uploads.upload_was_too_large(request):
        return _too_large(request, record, _next_url(request))
    form = AttachmentForm(request.POST, request.FILES, auto_id="id_attachment_%s")
    if form.is_valid():
        try:
            attachment = services.attachment_add(
                actor=request.actor, record=record, upload=form.cleaned_data["file"],
                description=form.cleaned_data["description"], evidential=form.cleaned_data["evidential"],
            )
        except NotFound:
            raise Http404 from None
        except ServicePermissionDenied as exc:
            raise PermissionDenied(str(exc.message)) from None
        except ApplicationError as exc:
            apply_service_error(form, exc)
        else:
            message = _("“%(name)s” was attached.") % {"name": attachment.original_name}
            if attachment.gps_removed:
                message += " " + _("Its GPS position was removed.")
            return _respond(request, record, ok_message=message)
    return _respond(request, record, status=400, form=form)


@never_cache
@require_GET
def attachment_download(request: Request, public_id: Any) -> HttpResponseBase:
    purpose = (request.GET.get("purpose") or "").strip()[:300]
    try:
        attachment, handle = selectors.attachment_open_visible_to(actor=request.actor, public_id=public_id, purpose=purpose)
    except NotFound:
        raise Http404 from None
    return download_response(attachment, handle)


@never_cache
@require_POST
def attachment_remove(request: Request, public_id: Any) -> HttpResponse:
    actor = request.actor
    try:
        attachment = selectors.attachment_get_visible_to(actor=actor, public_id=public_id)
    except NotFound:
        raise Http404 from None
    record = attachment_policy.record_of(attachment)
    if record is None:
        raise Http404
    form = AttachmentRemoveForm(request.POST, auto_id=f"id_attachment_remove_{attachment.public_id.hex[:12]}_%s")
    if form.is_valid():
        try:
            services.attachment_remove(actor=actor, attachment=attachment, reason=form.cleaned_data["reason"])
        except NotFound:
            raise Http404 from None
        except ServicePermissionDenied as exc:
            raise PermissionDenied(str(exc.message)) from None
        except ApplicationError as exc:
            apply_service_error(form, exc)
        else:
            return _respond(request, record, ok_message=_("The attachment was removed."))
    return _respond(request, record, status=400, remove_form=(attachment.public_id, form))
