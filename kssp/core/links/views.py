"""The links panel's actions: add a link from the page's record, remove one, and the record picker.

The panel itself is rendered on every detail page by the ``links_panel`` template tag; these views
answer its forms. With htmx they return the panel again (with field errors and status 400 when the
service refused); without, they redirect back to the page, or show the panel on a page of its own
when there are errors to show.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from kssp.core.exceptions import ApplicationError, NotFound
from kssp.core.exceptions import PermissionDenied as ServicePermissionDenied
from kssp.core.form_tokens import already_sent_message, create_once
from kssp.core.forms import apply_service_error
from kssp.core.links import selectors, services
from kssp.core.links.forms import KIND_FIELDS, LinkForm, LinkRemoveForm
from kssp.core.links.models import RecordLink
from kssp.core.policy import Actor
from kssp.core.records import access as records
from kssp.core.web import Request

PANEL_TEMPLATE = "links/_panel_body.html"


def connection_model(record: Any, other: Any) -> type[Any]:
    """The table a link between these two records lands in (for the form token's bookkeeping)."""
    from kssp.core.parties.models import PartyLink

    return PartyLink if services.takes_role(record, other) else RecordLink


def _record(actor: Actor, record_type: str, record_id: Any) -> Any:
    record = records.get_visible(actor, record_type, record_id)
    if record is None:
        raise Http404
    return record


def panel_context(
    request: Request,
    record: Any,
    *,
    form: LinkForm | None = None,
    remove_form: tuple[Any, LinkRemoveForm] | None = None,
    notice: str = "",
) -> dict[str, Any]:
    """Everything the panel shows for ``record``, computed for the request's actor."""
    actor = request.actor
    record_type = records.record_type_for(record)
    if record_type is None or not actor.is_authenticated or not record_type.policy.can(actor, "view", record):
        return {"record": None}
    rows = selectors.link_rows_for(actor=actor, record=record)
    for row in rows:
        if remove_form is not None and remove_form[0] == row.link.public_id:
            row.remove_form = remove_form[1]
        else:
            row.remove_form = LinkRemoveForm(auto_id=f"id_link_remove_{row.link.public_id.hex[:12]}_%s")
    can_link = record_type.policy.can(actor, "change", record)
    picked: list[selectors.Candidate] = []
    chosen = getattr(form, "picked", None) if form is not None and form.is_bound else None
    if chosen is not None:
        # The record picked stays chosen when the form comes back with errors.
        other = records.get_visible(actor, *chosen)
        if other is not None:
            picked = [selectors.candidate_for(actor, other)]
    return {
        "record": record,
        "record_type": record_type.label,
        "rows": rows,
        "can_link": can_link,
        "form": form or (LinkForm(auto_id="id_link_%s", initial={"target_type": record_type.label}, record=record) if can_link else None),
        "notice": notice,
        "next_url": _next_url(request),
        "picked": picked,
        "fields_url": reverse("links:link_fields", args=[record_type.label, record.public_id]),
    }


def _next_url(request: Request) -> str:
    """The page to go back to: the ``next`` field of a panel form, else the page that renders the panel."""
    candidate = request.POST.get("next", "") if request.method == "POST" else request.get_full_path()
    if candidate and url_has_allowed_host_and_scheme(candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return candidate
    return ""


def _respond(request: Request, record: Any, *, ok_message: str = "", status: int = 200, **panel: Any) -> HttpResponse:
    if getattr(request, "htmx", False):
        return render(request, PANEL_TEMPLATE, panel_context(request, record, notice=ok_message, **panel), status=status)
    if status < 400:
        messages.success(request, ok_message)
        return redirect((_next_url(request) or records.record_url(record) or "/") + "#links")
    context = panel_context(request, record, **panel)
    context["record_url"] = records.record_url(record)
    context["record_title"] = records.record_title(record)
    return render(request, "links/link_page.html", context, status=status)


def _other_end(actor: Actor, form: LinkForm) -> tuple[Any, str]:
    """The record to link (picked, or given by kind and number) and the form field that named it. It is
    looked up even when other fields are wrong, so that one answer names every mistake."""
    data = form.cleaned_data
    field = "find" if form.picked is not None else "target"
    if form.picked is not None:
        other, matches = records.get_visible(actor, *form.picked), 1
    elif data.get("target") and data.get("target_type"):
        other, matches = records.find_visible(actor, data["target_type"], data["target"])
    else:
        return None, field
    if other is None:
        if matches > 1:
            form.add_error(field, _("Several records have this number. Give the public id instead."))
        else:
            form.add_error(field, _("There is no such record, or you may not see it."))
    return other, field


@never_cache
@require_POST
def link_add(request: Request, record_type: str, record_id: Any) -> HttpResponse:
    """The panel's one link form: a party's role in a record or a typed record link, whichever the two
    ends call for (``services.connection_create`` decides); sent twice with the same form token, one link."""
    actor = request.actor
    record = _record(actor, record_type, record_id)
    form = LinkForm(request.POST, auto_id="id_link_%s", record=record)
    valid = form.is_valid()
    other, field = _other_end(actor, form)
    if valid and other is not None:
        code, outgoing = form.direction()
        data = form.cleaned_data
        try:
            done = create_once(
                request, form, model=connection_model(record, other),
                create=lambda: services.connection_create(
                    actor=actor, record=record, other=other, link_type=code, outgoing=outgoing,
                    evidential=data["evidential"], reason=data["reason"], **form.role_fields(),
                ),
            )
        except NotFound as exc:
            if not exc.fields:
                raise Http404 from None
            apply_service_error(form, exc, aliases={"target": field})
        except ServicePermissionDenied as exc:
            raise PermissionDenied(str(exc.message)) from None
        except ApplicationError as exc:
            apply_service_error(form, exc, aliases={"target": field})
        else:
            message = _("The records were linked.") if done.created else already_sent_message()
            return _respond(request, record, ok_message=message)
    return _respond(request, record, status=400, form=form)


@never_cache
@require_GET
def link_fields(request: Request, record_type: str, record_id: Any) -> HttpResponse:
    """The part of the link form that follows from the record picked: the party's role (with the
    data-subject category and protection flags for a person) or the type of link. What was typed stays."""
    record = _record(request.actor, record_type, record_id)
    pick = request.GET.get("pick", "")
    other_label = pick.rpartition(":")[0] if pick else request.GET.get("target_type", "")
    keep = {name: request.GET.get(name) for name in KIND_FIELDS if name in request.GET}
    form = LinkForm(auto_id="id_link_%s", initial=keep, record=record, other_label=other_label)
    return render(request, "links/_link_fields.html", {"form": form})


@never_cache
@require_POST
def link_remove(request: Request, record_type: str, record_id: Any, link_id: Any) -> HttpResponse:
    """Remove a link of either kind (a role or a record link) from the panel, with a reason."""
    actor = request.actor
    record = _record(actor, record_type, record_id)
    row = next((r for r in selectors.link_rows_for(actor=actor, record=record) if r.link.public_id == link_id), None)
    if row is None:
        raise Http404
    form = LinkRemoveForm(request.POST, auto_id=f"id_link_remove_{row.link.public_id.hex[:12]}_%s")
    if form.is_valid():
        try:
            services.connection_remove(actor=actor, link=row.link, reason=form.cleaned_data["reason"])
        except NotFound:
            raise Http404 from None
        except ServicePermissionDenied as exc:
            raise PermissionDenied(str(exc.message)) from None
        except ApplicationError as exc:
            apply_service_error(form, exc)
        else:
            return _respond(request, record, ok_message=_("The link was removed."))
    return _respond(request, record, status=400, remove_form=(row.link.public_id, form))


@never_cache
@require_GET
def record_search(request: Request) -> HttpResponse:
    """Options for the record picker: records of the chosen type the actor may see, by number."""
    actor = request.actor
    found = records.search_visible(actor, request.GET.get("target_type", ""), request.GET.get("target", ""))
    options = [{"value": records.record_number(r), "label": records.record_title(r)} for r in found]
    return render(request, "links/_search_options.html", {"options": options})


@never_cache
@require_GET
def record_find(request: Request) -> HttpResponse:
    """The picker's choices: records of every kind the actor may see matching the typed name, number,
    plate, VIN or serial (the kernel's search, each type through its own selector), without the record
    being linked from. Persons found are a reading, logged with the purpose "linking records"."""
    actor = request.actor
    text = request.GET.get("find", "").strip()
    exclude = records.get_visible(actor, request.GET.get("record_type", ""), request.GET.get("record_id", ""))
    candidates = selectors.link_candidates(actor=actor, text=text, exclude=exclude) if len(text) >= 2 else []
    fields_url = ""
    if exclude is not None:
        declaration = records.record_type_for(exclude)
        if declaration is not None:
            fields_url = reverse("links:link_fields", args=[declaration.label, exclude.public_id])
    return render(request, "links/_candidates.html", {"candidates": candidates, "text": text, "fields_url": fields_url, "autoload": True})
