"""Task pages: "My tasks", a new task for a record (the panel's form, also a page of its own), a
task's page with its actions (complete, cancel, reopen, assign).

Views parse input, call one selector or service and render. A task or record the actor may not see
answers 404 exactly like a missing one; a refusal comes back as field errors with HTTP 400.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, QueryDict
from django.shortcuts import render
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from kssp.core.exceptions import NotFound
from kssp.core.form_tokens import add_form_token, already_sent_message
from kssp.core.forms import filter_form
from kssp.core.notifications.targets import model_label, record_label, record_url
from kssp.core.policy import Actor
from kssp.core.web import Failed, Request, done, run_create, run_service, wants_fragment
from kssp.core.worklist import selectors, services
from kssp.core.worklist.choices import ALLOWED_TRANSITIONS, WorkItemStatus
from kssp.core.worklist.filters import WorkItemFilterSet
from kssp.core.worklist.forms import AssignForm, TransitionForm, WorkItemForm
from kssp.core.worklist.models import WorkItem
from kssp.core.worklist.policies import work_item_policy

PAGE_SIZE = 25
DEFAULT_FILTERS = {"scope": "mine", "status": WorkItemStatus.OPEN}


def _require_membership(actor: Actor) -> None:
    if not actor.is_authenticated:
        raise PermissionDenied


# --- my tasks ------------------------------------------------------------------------------------------


@never_cache
def my_tasks(request: Request) -> HttpResponse:
    actor = request.actor
    _require_membership(actor)
    data = request.GET if request.GET else QueryDict(mutable=True)
    if not request.GET:
        data.update(DEFAULT_FILTERS)
    filterset = WorkItemFilterSet(data, queryset=selectors.work_item_list_visible_to(actor=actor), request=request)
    filter_form(filterset.form)
    page_obj = Paginator(filterset.qs, PAGE_SIZE).get_page(request.GET.get("page"))
    page_obj.object_list = selectors.task_rows(page_obj.object_list)
    context = {
        "table": {
            "id": "tasks",
            "url": reverse("worklist:my_tasks"),
            "caption": _("Tasks"),
            "filterset": filterset,
            "page_obj": page_obj,
            "columns": [_("Task"), _("Record"), _("Assigned to"), _("Due"), _("Status")],
            "row_template": "worklist/partials/_row.html",
            "empty_message": _("No task matches these filters."),
            "empty_action_url": "",
            "empty_action_label": "",
        },
    }
    if wants_fragment(request):
        response = render(request, "components/table.html#results", context)
    else:
        response = render(request, "worklist/my_tasks.html", context)
    patch_vary_headers(response, ("HX-Request",))
    return response


# --- a new task for a record -----------------------------------------------------------------------------


def _record_from(actor: Actor, data: Any) -> Any:
    try:
        return selectors.record_get_visible_to(actor=actor, record_type=data.get("record_type", ""), public_id=data.get("record", ""))
    except NotFound:
        raise Http404 from None


@never_cache
def work_item_new(request: Request) -> HttpResponse:
    """GET ?record_type=bulletins.bulletin&record=<uuid>: the form; POST: create and go back to the record."""
    actor = request.actor
    _require_membership(actor)
    source = request.POST if request.method == "POST" else request.GET
    record = _record_from(actor, source)
    initial = {"record_type": model_label(record), "record": record.public_id}  # type: ignore[attr-defined]
    form = add_form_token(WorkItemForm(request.POST or None, initial=initial, actor=actor, record=record))
    context = {"form": form, "record": record, "record_label": record_label(record), "record_url": record_url(record)}
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            result = run_create(
                request, form, services.work_item_create, model=WorkItem, actor=actor, record=record, title=data["title"],
                description=data["description"], assignee=data["assignee"], unit=data["unit"],
                due_at=data["due_at"], due_date=data["due_date"],
            )
            if not isinstance(result, Failed):
                item = result.obj
                if result.created:
                    messages.success(request, _("The task was added."))
                else:
                    messages.info(request, already_sent_message(item.title))
                return done(request, (record_url(record) or item.get_absolute_url()) + "#tasks")
        return render(request, "worklist/work_item_form.html", context, status=400)
    return render(request, "worklist/work_item_form.html", context)


# --- one task -------------------------------------------------------------------------------------------


def _item(actor: Actor, public_id: Any) -> WorkItem:
    try:
        return selectors.work_item_get_visible_to(actor=actor, public_id=public_id)
    except NotFound:
        raise Http404 from None


def _detail_context(request: Request, item: WorkItem, **forms: Any) -> dict[str, Any]:
    actor = request.actor
    record = item.record
    can_change = work_item_policy.can(actor, "change", item)
    can_complete = work_item_policy.can(actor, "complete", item)
    allowed = ALLOWED_TRANSITIONS.get(item.status, frozenset())
    return {
        "item": item,
        "record": record,
        "record_label": record_label(record) if record is not None else "",
        "record_url": record_url(record) if record is not None else None,
        "can_complete": can_complete and WorkItemStatus.DONE in allowed,
        "can_cancel": can_change and WorkItemStatus.CANCELLED in allowed,
        "can_reopen": can_change and WorkItemStatus.OPEN in allowed,
        "can_assign": can_change and item.status == WorkItemStatus.OPEN,
        "assign_form": forms.get("assign_form") or AssignForm(actor=actor, record=record, auto_id="id_assign_%s"),
        "cancel_form": forms.get("cancel_form") or TransitionForm(initial={"to": WorkItemStatus.CANCELLED}, auto_id="id_cancel_%s"),
        "reopen_form": forms.get("reopen_form") or TransitionForm(initial={"to": WorkItemStatus.OPEN}, auto_id="id_reopen_%s"),
        "status_errors": forms.get("status_errors", []),
    }


@never_cache
def work_item_detail(request: Request, public_id: Any) -> HttpResponse:
    actor = request.actor
    _require_membership(actor)
    item = _item(actor, public_id)
    return render(request, "worklist/work_item_detail.html", _detail_context(request, item))


@never_cache
@require_POST
def work_item_transition(request: Request, public_id: Any) -> HttpResponse:
    actor = request.actor
    _require_membership(actor)
    item = _item(actor, public_id)
    prefixes: dict[str, str] = {WorkItemStatus.CANCELLED: "cancel", WorkItemStatus.OPEN: "reopen"}
    prefix = prefixes.get(request.POST.get("to", ""), "done")
    form = TransitionForm(request.POST, auto_id=f"id_{prefix}_%s")
    if form.is_valid():
        result = run_service(form, services.work_item_transition, actor=actor, item=item, to=form.cleaned_data["to"],
                      reason=form.cleaned_data["reason"])
        if not isinstance(result, Failed):
            messages.success(request, {
                WorkItemStatus.DONE: _("The task is done."),
                WorkItemStatus.CANCELLED: _("The task was cancelled."),
                WorkItemStatus.OPEN: _("The task was reopened."),
            }[WorkItemStatus(result.status)])
            return done(request, item.get_absolute_url())
    item.refresh_from_db()
    forms: dict[str, Any] = {"status_errors": [str(e) for e in form.non_field_errors()] + [str(e) for e in form.errors.get("to", [])]}
    if prefix in ("cancel", "reopen"):
        forms[f"{prefix}_form"] = form
    else:
        forms["status_errors"] += [str(e) for e in form.errors.get("reason", [])]
    return render(request, "worklist/work_item_detail.html", _detail_context(request, item, **forms), status=400)


@never_cache
@require_POST
def work_item_assign(request: Request, public_id: Any) -> HttpResponse:
    actor = request.actor
    _require_membership(actor)
    item = _item(actor, public_id)
    form = AssignForm(request.POST, actor=actor, record=item.record, auto_id="id_assign_%s")
    if form.is_valid():
        result = run_service(form, services.work_item_assign, actor=actor, item=item, assignee=form.cleaned_data["assignee"],
                      unit=form.cleaned_data["unit"])
        if not isinstance(result, Failed):
            messages.success(request, _("The task was assigned."))
            return done(request, item.get_absolute_url())
    item.refresh_from_db()
    return render(request, "worklist/work_item_detail.html", _detail_context(request, item, assign_form=form), status=400)
