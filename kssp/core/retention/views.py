"""The DPO's retention pages (issue #3 point 8): the review list with the table of retention classes,
and one review with its decision.

A review another institution's DPO handles answers 404 like a missing one. A refused decision (no
reason, your own proposal, already decided) or a refused execution (not approved) comes back as a
translated message on the page with HTTP 400, and nothing changed: every service is atomic.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from kssp.core.exceptions import ApplicationError, NotFound
from kssp.core.exceptions import PermissionDenied as ServicePermissionDenied
from kssp.core.forms import filter_form
from kssp.core.policy import Actor
from kssp.core.retention import permissions as perms
from kssp.core.retention import services
from kssp.core.retention.filters import OPEN, RetentionReviewFilterSet
from kssp.core.retention.forms import DecisionForm, ProposeForm
from kssp.core.retention.models import RetentionReview, ReviewStatus
from kssp.core.retention.policies import retention_review_policy
from kssp.core.retention.registry import Action, registered_classes
from kssp.core.retention.selectors import retention_class_table, review_get_visible_to, review_list_visible_to
from kssp.core.web import Failed, Request, done, run_service

PAGE_SIZE = 50


def _actor(request: Request) -> Actor:
    actor: Actor = request.actor
    if not actor.is_authenticated or not any(actor.has_perm(code) for code in perms.ANY):
        raise PermissionDenied
    return actor


def _review(actor: Actor, public_id: Any) -> RetentionReview:
    try:
        return review_get_visible_to(actor=actor, public_id=public_id)
    except NotFound:
        raise Http404 from None


@never_cache
def review_list(request: Request) -> HttpResponse:
    actor = _actor(request)
    data = request.GET.copy()
    if "state" not in data:
        data["state"] = OPEN  # the open reviews first; "All" is a choice of the filter
    filterset = RetentionReviewFilterSet(data, queryset=review_list_visible_to(actor=actor))
    filter_form(filterset.form)
    page_obj = Paginator(filterset.qs, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "table": {
            "id": "reviews",
            "url": reverse("retention:review_list"),
            "caption": _("Records due for a retention decision"),
            "filterset": filterset,
            "page_obj": page_obj,
            "columns": [_("Record"), _("Retention class"), _("Due"), _("Proposed action"), _("Proposed by"), _("Status")],
            "row_template": "retention/partials/_review_row.html",
            "empty_message": _("No retention review matches these filters."),
        },
        "classes": registered_classes(),
        "class_rows": retention_class_table(),
        "can_decide": actor.has_perm(perms.REVIEW),
    }
    htmx = getattr(request, "htmx", None)
    if htmx and not htmx.boosted:
        response = render(request, "components/table.html#results", context)
    else:
        response = render(request, "retention/review_list.html", context)
    patch_vary_headers(response, ("HX-Request",))
    return response


def _detail_context(actor: Actor, review: RetentionReview, **forms: Any) -> dict[str, Any]:
    rc = registered_classes().get(review.class_code)
    can_decide = retention_review_policy.can(actor, "decide", review) and review.status == ReviewStatus.PROPOSED
    can_propose = retention_review_policy.can(actor, "propose", review) and review.status == ReviewStatus.PROPOSED
    return {
        "review": review,
        "retention_class": rc,
        "can_approve": can_decide and review.proposed_action != Action.REVIEW,
        "can_reject": can_decide,
        "own_proposal": review.proposed_by_id is not None and review.proposed_by_id == actor.user_id,
        "can_propose": can_propose,
        "can_execute": retention_review_policy.can(actor, "execute", review) and review.status == ReviewStatus.APPROVED,
        "approve_form": forms.get("approve_form") or DecisionForm(initial={"decision": "approve"}, auto_id="id_approve_%s"),
        "reject_form": forms.get("reject_form") or DecisionForm(initial={"decision": "reject"}, auto_id="id_reject_%s"),
        "propose_form": forms.get("propose_form") or ProposeForm(auto_id="id_propose_%s"),
        "execute_errors": forms.get("execute_errors", []),
        "timeline": _timeline(review),
    }


def _timeline(review: RetentionReview) -> list[dict[str, Any]]:
    events: list[dict[str, Any]] = []
    if review.source != "request":
        events.append({"when": review.created_at, "kind": "draft", "title": _("Flagged by the sweeper"), "detail": ""})
    if review.proposed_by_id is not None:
        events.append({"when": review.proposed_at, "kind": "draft", "detail": review.proposal_reason,
                       "title": _("%(action)s proposed by %(who)s") % {
                           "action": review.get_proposed_action_display(), "who": review.proposed_by}})
    if review.decided_at:
        kind = "issued" if review.status != ReviewStatus.REJECTED else "withdrawn"
        events.append({"when": review.decided_at, "kind": kind, "detail": review.decision_reason,
                       "title": (_("Approved by %(who)s") if kind == "issued" else _("Kept by decision of %(who)s"))
                       % {"who": review.decided_by}})
    if review.executed_at:
        events.append({"when": review.executed_at, "kind": "issued", "detail": "", "title": review.get_status_display()})
    return sorted(events, key=lambda e: e["when"])


@never_cache
def review_detail(request: Request, public_id: Any) -> HttpResponse:
    actor = _actor(request)
    return render(request, "retention/review_detail.html", _detail_context(actor, _review(actor, public_id)))


@never_cache
@require_POST
def review_decide(request: Request, public_id: Any) -> HttpResponse:
    actor = _actor(request)
    review = _review(actor, public_id)
    decision = request.POST.get("decision", "")
    prefix = "id_approve_%s" if decision == "approve" else "id_reject_%s"
    form = DecisionForm(request.POST, auto_id=prefix)
    if form.is_valid():
        result = run_service(form, services.retention_review_decide, actor=actor, review=review,
                      decision=form.cleaned_data["decision"], reason=form.cleaned_data["reason"])
        if not isinstance(result, Failed):
            if result.status == ReviewStatus.APPROVED:
                messages.success(request, _("Approved. The action will be carried out by the next sweep."))
            else:
                messages.success(request, _("Rejected: the data are kept and will be reviewed again."))
            return done(request, reverse("retention:review_detail", args=[review.public_id]))
    key = "approve_form" if decision == "approve" else "reject_form"
    review.refresh_from_db()
    return render(request, "retention/review_detail.html", _detail_context(actor, review, **{key: form}), status=400)


@never_cache
@require_POST
def review_propose(request: Request, public_id: Any) -> HttpResponse:
    actor = _actor(request)
    review = _review(actor, public_id)
    form = ProposeForm(request.POST, auto_id="id_propose_%s")
    if form.is_valid():
        result = run_service(form, services.retention_review_propose, actor=actor, review=review,
                      action=form.cleaned_data["action"], reason=form.cleaned_data["reason"])
        if not isinstance(result, Failed):
            messages.success(request, _("Proposed. Another data protection officer must approve it."))
            return done(request, reverse("retention:review_detail", args=[review.public_id]))
    review.refresh_from_db()
    return render(request, "retention/review_detail.html", _detail_context(actor, review, propose_form=form), status=400)


@never_cache
@require_POST
def review_execute(request: Request, public_id: Any) -> HttpResponse:
    """Carry out an approved action now instead of at the next sweep."""
    actor = _actor(request)
    review = _review(actor, public_id)
    try:
        result = services.retention_review_execute(actor=actor, review=review)
    except ServicePermissionDenied as exc:
        raise PermissionDenied(str(exc.message)) from None
    except NotFound:
        raise Http404 from None
    except ApplicationError as exc:
        review.refresh_from_db()
        context = _detail_context(actor, review, execute_errors=[str(exc.message)])
        return render(request, "retention/review_detail.html", context, status=400)
    if result.status == ReviewStatus.EXECUTED:
        messages.success(request, _("The action was carried out."))
    else:
        messages.error(request, _("The action was not carried out: %(status)s.") % {"status": result.get_status_display()})
    return done(request, reverse("retention:review_detail", args=[review.public_id]))
