"""Audit trail and consultation log pages (issue #2 point 5).

Three roles search the trail, each within its scope (``kssp.core.selectors.audit_visible_q``): the
external inspector (IPA) sees every event, an internal auditor the events by or about the auditor's
institution, a DPO the consultation and disclosure events of the DPO's institution. Another scope's
event answers 404. Every search, every event opened and every export is itself written to the trail
(``kssp.core.services.audit_ui``); an export asks for its purpose and recipient.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.apps import apps
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.paginator import Paginator
from django.db.models import Max, QuerySet
from django.http import Http404, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from kssp.core.audit import payload_read, registered_types, reveal_reasons
from kssp.core.exceptions import ApplicationError, NotFound
from kssp.core.exceptions import PermissionDenied as ServicePermissionDenied
from kssp.core.export_csv import streaming_csv_response
from kssp.core.filters import AuditEventFilterSet
from kssp.core.forms import apply_service_error, bootstrap, filter_form
from kssp.core.models.audit import AuditEvent
from kssp.core.policy import Actor
from kssp.core.selectors import (
    AUDIT_ALL,
    AUDIT_CONSULTATIONS,
    AUDIT_INSTITUTION,
    audit_event_get_visible_to,
    audit_event_list_visible_to,
    can_search_audit,
)
from kssp.core.services.audit_ui import AUDIT_EXPORT, audit_chain_verify, audit_export_record, audit_search_record
from kssp.core.web import Request, wants_fragment

AUDIT_VERIFY = "audit.verify"
PAGE_SIZE = 50
EXPORT_BATCH = 500
MAX_SEQ = 2**63 - 1


# --- helpers ------------------------------------------------------------------------------------


def _require_search(actor: Actor) -> None:
    if not can_search_audit(actor):
        raise DjangoPermissionDenied


def _scope_description(actor: Actor) -> str:
    if actor.has_perm(AUDIT_ALL):
        return _("You see the audit trail of every institution (read-only inspection).")
    if actor.has_perm(AUDIT_INSTITUTION):
        return _("You see the events made by your institution's members or about its records.")
    if actor.has_perm(AUDIT_CONSULTATIONS):
        return _("You see your institution's consultation log: readings and disclosures of personal data.")
    return ""


def _filterset(data: Mapping[str, Any] | None, actor: Actor) -> AuditEventFilterSet:
    """The shared FilterSet over the actor's visible events (scope first, filters second)."""
    filterset = AuditEventFilterSet(data or None, queryset=audit_event_list_visible_to(actor=actor))
    form = filter_form(filterset.form)  # dates as dd.mm.yyyy text inputs with the calendar (#7 point 2)
    form.fields["event_type"].widget.attrs["list"] = "kssp-audit-event-types"
    form.fields["record"].widget.attrs["spellcheck"] = "false"
    return filterset


def _filtered(filterset: AuditEventFilterSet) -> QuerySet[AuditEvent] | None:
    """The filtered events, or None when the filters are not valid (never the unfiltered list)."""
    if not filterset.is_bound:
        return filterset.qs.order_by("-seq")
    if not filterset.is_valid():
        return None
    data = filterset.form.cleaned_data
    after, before = data.get("after"), data.get("before")
    if after and before and before < after:
        filterset.form.add_error("before", _("The end date is before the start date."))
        return None
    return filterset.qs.order_by("-seq")


def _active_filters(filterset: AuditEventFilterSet) -> dict[str, str]:
    if not filterset.is_bound:
        return {}
    return {name: str(filterset.data.get(name, "")) for name in filterset.filters if filterset.data.get(name)}


def _annotate(events: list[AuditEvent]) -> list[AuditEvent]:
    """Attach display values: event label, local time, the actor's institution and membership, the
    record's institution, the reason (decrypted). Institutions and memberships live in ``accounts``, which the kernel does not
    import; they are resolved by model name, in two queries per batch."""
    types = registered_types()
    institution_model = apps.get_model("accounts", "Institution")
    membership_model = apps.get_model("accounts", "Membership")
    institution_ids = {e.actor_institution_id for e in events} | {e.target_institution_id for e in events}
    institution_ids.discard(None)
    institutions = {i.pk: i for i in institution_model._default_manager.filter(pk__in=institution_ids)}
    membership_ids = {e.membership_id for e in events if e.membership_id is not None}
    memberships = {
        m.pk: m for m in membership_model._default_manager.filter(pk__in=membership_ids).select_related("role", "unit")
    }
    zone = timezone.get_default_timezone()
    for event in events:
        spec = types.get(event.event_type)
        event.label = spec.label if spec is not None else event.event_type  # type: ignore[attr-defined]
        event.local_time = timezone.localtime(event.occurred_at, zone)  # type: ignore[attr-defined]
        event.actor_institution = institutions.get(event.actor_institution_id)  # type: ignore[attr-defined]
        event.target_institution = institutions.get(event.target_institution_id)  # type: ignore[attr-defined]
        membership = memberships.get(event.membership_id)
        event.membership_label = f"{membership.role.name}, {membership.unit.name}" if membership is not None else ""  # type: ignore[attr-defined]
    reveal_reasons(events)  # typed reasons are sealed in the encrypted payload; "erased" once shredded
    return events


def _event_types() -> list[tuple[str, str]]:
    return [(code, str(spec.label)) for code, spec in registered_types().items()]


# --- the list -----------------------------------------------------------------------------------


@never_cache
def event_list(request: Request) -> HttpResponse:
    """The trail within the actor's scope, filtered, newest first. The search itself is logged."""
    actor = request.actor
    _require_search(actor)
    filterset = _filterset(request.GET, actor)
    events = _filtered(filterset)
    if events is None:
        page_obj = Paginator(AuditEvent.objects.none(), PAGE_SIZE).get_page(1)
    else:
        page_obj = Paginator(events, PAGE_SIZE).get_page(request.GET.get("page"))
        page_obj.object_list = _annotate(list(page_obj.object_list))
        audit_search_record(
            actor=actor, filters=_active_filters(filterset), results=page_obj.paginator.count, page=page_obj.number
        )
    filtered = bool(_active_filters(filterset))
    context = {
        "table": {
            "id": "audit",
            "url": reverse("audit:event_list"),
            "caption": _("Audit events you may see"),
            "filterset": filterset,
            "page_obj": page_obj,
            "columns": [
                _("No."), _("Time"), _("Event"), _("Actor"), _("Membership / institution"), _("Source"), _("Record"),
                _("Reason / purpose"), _("Request id"), _("IP address"),
            ],
            "row_template": "audit/partials/_event_row.html",
            "empty_message": _("No event matches these filters.") if filtered or events is None else _("No events yet."),
        },
        "scope_description": _scope_description(actor),
        "event_types": _event_types(),
        "can_export": actor.has_perm(AUDIT_EXPORT),
        "can_verify": actor.has_perm(AUDIT_VERIFY),
        "query": _querystring(filterset),
    }
    template = "audit/partials/_results.html" if wants_fragment(request) else "audit/event_list.html"
    response = render(request, template, context, status=200 if events is not None else 400)
    patch_vary_headers(response, ("HX-Request",))
    return response


def _querystring(filterset: AuditEventFilterSet) -> str:
    return urlencode(_active_filters(filterset))


# --- one event ----------------------------------------------------------------------------------


@never_cache
def event_detail(request: Request, seq: int) -> HttpResponse:
    actor = request.actor
    _require_search(actor)
    if seq > MAX_SEQ:
        raise Http404  # beyond a 64-bit integer: no such event (and no database overflow)
    try:
        event = audit_event_get_visible_to(actor=actor, seq=seq)
    except NotFound:
        raise Http404 from None
    _annotate([event])
    encrypted = event.payload_ciphertext is not None
    read = payload_read(event)
    payload = read.payload
    # "shredded": its key was destroyed by retention; "undecryptable": the ciphertext or key was tampered
    # with (audit_verify names it), never shown as an erasure.
    payload_state = {"plain": "readable", "decrypted": "readable"}.get(read.state, read.state)
    if payload_state == "readable" and not payload:
        payload_state = "empty"
    audit_search_record(actor=actor, filters={}, event_seq=event.seq)
    context = {
        "event": event,
        "payload_state": payload_state,
        "payload_json": json.dumps(payload, ensure_ascii=False, indent=2, sort_keys=True) if payload else "",
        "encrypted": encrypted,
    }
    return render(request, "audit/event_detail.html", context)


# --- export -------------------------------------------------------------------------------------


class AuditExportForm(forms.Form):
    """Purpose and recipient of an export. The form parses; the service refuses a blank or overlong value too."""

    purpose = forms.CharField(
        label=gettext_lazy("Purpose of the export"), max_length=300,
        help_text=gettext_lazy("For example: inspection no. 12/2025, complaint of a data subject."),
    )
    recipient = forms.CharField(
        label=gettext_lazy("Recipient"), max_length=200,
        help_text=gettext_lazy("Who receives the file (person and institution)."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        bootstrap(self)


def _header() -> list[str]:
    return [
        _("Sequence"), _("Time (Central European Time)"), _("Event type"), _("Event"), _("Category"), _("Actor"),
        _("Membership"), _("Actor's institution"), _("Source"), _("Record type"), _("Record id"), _("Record"),
        _("Record's institution"), _("Reason"), _("Purpose"), _("Case reference"), _("Request id"), _("IP address"),
    ]


def _row(event: AuditEvent) -> list[Any]:
    actor_inst = getattr(event, "actor_institution", None)
    target_inst = getattr(event, "target_institution", None)
    return [
        event.seq,
        event.local_time.isoformat(timespec="seconds"),  # type: ignore[attr-defined]
        event.event_type,
        str(event.label),  # type: ignore[attr-defined]
        str(event.get_category_display()),
        event.actor_label,
        event.membership_label,  # type: ignore[attr-defined]
        actor_inst.code if actor_inst is not None else "",
        str(event.get_source_display()),
        event.target_type,
        str(event.target_public_id) if event.target_public_id else "",
        event.target_repr,
        target_inst.code if target_inst is not None else "",
        event.reason,
        event.purpose,
        event.case_ref,
        event.request_id,
        event.ip or "",
    ]


def _export_rows(events: QuerySet[AuditEvent], up_to_seq: int) -> Iterator[list[Any]]:
    """Rows newest first, fetched in keyset batches (no long-lived cursor), never past ``up_to_seq``."""
    last = up_to_seq + 1
    while True:
        batch = list(events.filter(seq__lt=last).order_by("-seq")[:EXPORT_BATCH])
        if not batch:
            return
        yield from (_row(e) for e in _annotate(batch))
        last = batch[-1].seq


@never_cache
@require_http_methods(["GET", "POST"])
def event_export(request: Request) -> HttpResponse | StreamingHttpResponse:
    """GET: the form (the current filters ride along in the query string). POST: record, then stream."""
    actor = request.actor
    _require_search(actor)
    if not actor.has_perm(AUDIT_EXPORT):
        raise DjangoPermissionDenied
    filterset = _filterset(request.GET, actor)
    events = _filtered(filterset)
    form = AuditExportForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and events is not None and form.is_valid():
        up_to_seq = events.aggregate(last=Max("seq"))["last"] or 0
        bounded = events.filter(seq__lte=up_to_seq)
        try:
            audit_export_record(
                actor=actor, filters=_active_filters(filterset), purpose=form.cleaned_data["purpose"],
                recipient=form.cleaned_data["recipient"], rows=bounded.count(), up_to_seq=up_to_seq,
            )
        except ServicePermissionDenied:
            raise DjangoPermissionDenied from None
        except ApplicationError as exc:
            apply_service_error(form, exc)
        else:
            stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
            return streaming_csv_response(f"audit-{stamp}.csv", _header(), _export_rows(bounded, up_to_seq))
    context = {
        "form": form,
        "filterset": filterset,
        "filters_valid": events is not None,
        "active_filters": _describe_filters(filterset),
        "count": events.count() if events is not None else 0,
        "query": _querystring(filterset),
    }
    return render(request, "audit/export.html", context, status=400 if form.errors or events is None else 200)


def _describe_filters(filterset: AuditEventFilterSet) -> list[tuple[str, str]]:
    """The active filters as (label, value) for people: a choice shows its label, not its code."""
    described = []
    for name, value in _active_filters(filterset).items():
        field = filterset.form.fields.get(name)
        if field is None:
            continue
        choices = {str(k): str(v) for k, v in getattr(field, "choices", ())}
        described.append((str(field.label), choices.get(value, value)))
    return described


# --- chain verification -------------------------------------------------------------------------


@never_cache
@require_POST
def chain_verify(request: Request) -> HttpResponse:
    """Run the full chain verification (``manage.py audit_verify`` does the same) and show the answer."""
    actor = request.actor
    if not actor.is_authenticated or not actor.has_perm(AUDIT_VERIFY):
        raise DjangoPermissionDenied
    result = audit_chain_verify(actor=actor)
    return render(request, "audit/verify.html", {"result": result}, status=200)
