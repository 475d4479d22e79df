"""Staff side of the public site: the inbox of messages from the public and one message, with the
answer the sender reads on the status page. Mounted outside /public/ (staff requests keep their
address for the audit trail); needs ``portal.review`` (``portal.respond`` to answer)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from kssp.core.exceptions import ApplicationError, NotFound
from kssp.core.exceptions import PermissionDenied as ServicePermissionDenied
from kssp.core.forms import apply_service_error, filter_form
from kssp.core.policy import Actor
from kssp.core.records.access import policy_of
from kssp.core.web import Request, require_perm
from kssp.portal import permissions as perms
from kssp.portal import services
from kssp.portal.choices import ALLOWED_TRANSITIONS
from kssp.portal.filters import PublicSubmissionFilterSet
from kssp.portal.forms import TransitionForm
from kssp.portal.models import PublicSubmission
from kssp.portal.selectors import (
    public_submission_get_visible_to,
    public_submission_list_visible_to,
    reads_new_messages,
    receiving_unit,
)

PAGE_SIZE = 25
PURPOSE_DETAIL = "message from the public: inbox"


def _read(actor: Actor, public_id: Any) -> PublicSubmission:
    try:
        return public_submission_get_visible_to(actor=actor, public_id=public_id, purpose=PURPOSE_DETAIL)
    except NotFound:
        raise Http404 from None


@never_cache
def submission_list(request: Request) -> HttpResponse:
    actor = request.actor
    require_perm(actor, perms.REVIEW)
    filterset = PublicSubmissionFilterSet(request.GET or None, queryset=public_submission_list_visible_to(actor=actor))
    filter_form(filterset.form)
    page_obj = Paginator(filterset.qs, PAGE_SIZE).get_page(request.GET.get("page"))
    filtered = any(v for k, v in request.GET.items() if k != "page")
    table = {
        "id": "public-messages",
        "url": reverse("portal_staff:submission_list"),
        "caption": _("Messages from the public you may read"),
        "filterset": filterset,
        "page_obj": page_obj,
        "columns": [_("Received"), _("Topic"), _("Status"), _("Language"), _("Receiving unit")],
        "row_template": "portal/staff/_submission_row.html",
        # Only what the reader may see is counted: other units' messages may exist, so never "none yet".
        "empty_message": _("No message you may read matches these filters.")
        if filtered else _("There are no messages from the public that you may read."),
    }
    if getattr(request, "htmx", None) and not request.htmx.boosted:  # type: ignore[attr-defined]
        return render(request, "components/table.html#results", {"table": table})
    unit = receiving_unit()
    context = {"table": table, "receiving_unit": unit, "reads_new": reads_new_messages(actor=actor, unit=unit)}
    return render(request, "portal/staff/submission_list.html", context)


def _detail(request: Request, submission: PublicSubmission, form: TransitionForm | None = None, status: int = 200) -> HttpResponse:
    actor = request.actor
    can_respond = policy_of(PublicSubmission).can(actor, "change", submission)
    next_statuses = ALLOWED_TRANSITIONS.get(submission.status, frozenset())
    if form is None and can_respond and next_statuses:
        form = TransitionForm(initial={"public_reply": submission.public_reply})
    if form is not None:
        form.fields["to"].choices = [(v, label) for v, label in form.fields["to"].choices if v in next_statuses]  # type: ignore[attr-defined]
    context = {"submission": submission, "form": form if can_respond and next_statuses else None}
    return render(request, "portal/staff/submission_detail.html", context, status=status)


@never_cache
def submission_detail(request: Request, public_id: Any) -> HttpResponse:
    # Without portal.review nothing is visible: the selector answers 404, like for a missing record.
    actor = request.actor
    return _detail(request, _read(actor, public_id))


@never_cache
@require_POST
def submission_transition(request: Request, public_id: Any) -> HttpResponse:
    actor = request.actor
    submission = public_submission_list_visible_to(actor=actor).filter(public_id=public_id).first()
    if submission is None:
        raise Http404
    form = TransitionForm(request.POST)
    if form.is_valid():
        try:
            services.public_submission_transition(
                actor=actor, submission=submission, to=form.cleaned_data["to"], public_reply=form.cleaned_data["public_reply"]
            )
        except NotFound:
            raise Http404 from None
        except ServicePermissionDenied as exc:
            raise PermissionDenied(str(exc.message)) from None
        except ApplicationError as exc:
            apply_service_error(form, exc)
        else:
            messages.success(request, _("The message was updated."))
            return redirect("portal_staff:submission_detail", public_id=submission.public_id)
    submission.refresh_from_db()
    # The page shows the message again: that reading is logged too.
    return _detail(request, _read(actor, public_id), form=form, status=400)
