"""Bulletin pages (issue #2 point 7): list with filters and the existence-only check, create, detail
with status timeline, edit, issue/withdraw, statistics. Sharing and the grants panel come from the
kernel (``{% grants_panel %}``, kssp.core.views_grants); sign-in from the LoginRequired middleware.

Views parse input, call one selector or service and render (ARCHITECTURE rules 1-2). A record the
actor may not see answers 404 exactly like a missing one; a service's refusal comes back as field
errors on the form with HTTP 400, and nothing is half-saved because every service is atomic.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from kssp.accounts.forms import filter_form
from kssp.bulletins import permissions as perms
from kssp.bulletins import services
from kssp.bulletins.choices import ALLOWED_TRANSITIONS, BulletinKind, BulletinStatus
from kssp.bulletins.filters import BulletinFilterSet
from kssp.bulletins.forms import BulletinForm, HitCheckForm, TransitionForm, TransitionReasonForm
from kssp.bulletins.models import Bulletin
from kssp.bulletins.selectors import bulletin_get_visible_to, bulletin_list_visible_to
from kssp.core import access_exceptions
from kssp.core.exceptions import PermissionDenied as ServicePermissionDenied
from kssp.core.markings import Classification
from kssp.core.policy import Actor
from kssp.core.records.access import policy_of
from kssp.core.web import Failed, Request, call_or_404, done, purpose_of, require_perm, run_service, wants_fragment

PAGE_SIZE = 25
# Stable purposes for the consultation log (the page the reading happened on); a caller may pass its
# own with ?purpose=… (for example a link from a case file).
PURPOSE_DETAIL = "bulletin detail page"
PURPOSE_EDIT = "bulletin edit page"

def _read(actor: Actor, public_id: Any, purpose: str) -> Bulletin:
    """The bulletin for display; the selector logs the consultation when it holds personal data."""
    return call_or_404(bulletin_get_visible_to, actor=actor, public_id=public_id, purpose=purpose)


def _target(actor: Actor, public_id: Any) -> Bulletin:
    """The bulletin an action is about, not displayed (so no consultation event); 404 if not visible."""
    bulletin = bulletin_list_visible_to(actor=actor).filter(public_id=public_id).first()
    if bulletin is None:
        raise Http404
    return bulletin


# --- list, hit check --------------------------------------------------------------------------------


def _list_context(request: Request) -> dict[str, Any]:
    actor = request.actor
    filterset = BulletinFilterSet(request.GET or None, queryset=bulletin_list_visible_to(actor=actor))
    filter_form(filterset.form)
    page_obj = Paginator(filterset.qs, PAGE_SIZE).get_page(request.GET.get("page"))
    can_create = actor.has_perm(perms.CREATE)
    filtered = any(v for k, v in request.GET.items() if k != "page")
    return {
        "table": {
            "id": "bulletins",
            "url": reverse("bulletins:bulletin_list"),
            "caption": _("Bulletins you may see"),
            "filterset": filterset,
            "page_obj": page_obj,
            "columns": [_("Number"), _("Title"), _("Kind"), _("Classification"), _("Status"), _("Owner"), _("Valid until")],
            "row_template": "bulletins/partials/_bulletin_row.html",
            "empty_message": (
                _("No bulletin matches these filters.") if filtered else _("There are no bulletins you may see yet.")
            ),
            "empty_action_url": reverse("bulletins:bulletin_create") if can_create and not filtered else "",
            "empty_action_label": _("Draft a bulletin"),
        },
        "can_create": can_create,
        "can_check": actor.has_perm(access_exceptions.HITS_CHECK),
        "can_see_statistics": actor.has_perm(access_exceptions.STATS_AGGREGATE),
    }


@never_cache
def bulletin_list(request: Request) -> HttpResponse:
    require_perm(request.actor, perms.VIEW)
    context = _list_context(request)
    if wants_fragment(request):
        response = render(request, "components/table.html#results", context)
    else:
        context["hit_form"] = HitCheckForm() if context["can_check"] else None
        response = render(request, "bulletins/bulletin_list.html", context)
    patch_vary_headers(response, ("HX-Request",))
    return response


def _hit_match(term: str) -> Q:
    # TODO(#2): a ``bulletin_hit_check`` service in bulletins/services.py should own this match.
    return Q(number__iexact=term) | Q(title__icontains=term) | Q(body__icontains=term)


@never_cache
@require_POST
def bulletin_hit_check(request: Request) -> HttpResponse:
    """Existence only: "possible match held by <unit> (<institution>)", never any content."""
    actor = request.actor
    require_perm(actor, perms.VIEW)
    require_perm(actor, access_exceptions.HITS_CHECK)
    form = HitCheckForm(request.POST)
    hits = None
    if form.is_valid():
        result = run_service(
            form, access_exceptions.hit_check, actor=actor, model=Bulletin,
            match=_hit_match(form.cleaned_data["term"].strip()), purpose=form.cleaned_data["purpose"],
        )
        if result:
            hits = result
    status = 200 if hits is not None else 400
    if wants_fragment(request):
        return render(request, "bulletins/bulletin_list.html#hit_check", {"hit_form": form, "hits": hits}, status=status)
    context = _list_context(request)
    context.update(hit_form=form, hits=hits)
    return render(request, "bulletins/bulletin_list.html", context, status=status)


# --- create, edit -----------------------------------------------------------------------------------


@never_cache
def bulletin_create(request: Request) -> HttpResponse:
    actor = request.actor
    require_perm(actor, perms.CREATE)
    form = BulletinForm(request.POST or None, clearance=actor.clearance)
    if request.method == "POST":
        if form.is_valid():
            bulletin = run_service(form, services.bulletin_create, actor=actor, **form.cleaned_data)
            if not isinstance(bulletin, Failed):
                messages.success(request, _("Bulletin %(number)s was saved as a draft.") % {"number": bulletin.number})
                return done(request, reverse("bulletins:bulletin_detail", args=[bulletin.public_id]))
        return render(request, "bulletins/bulletin_form.html", {"form": form, "bulletin": None}, status=400)
    return render(request, "bulletins/bulletin_form.html", {"form": form, "bulletin": None})


@never_cache
def bulletin_update(request: Request, public_id: Any) -> HttpResponse:
    actor = request.actor
    bulletin = _read(actor, public_id, purpose_of(request, PURPOSE_EDIT))
    if not policy_of(Bulletin).can(actor, "change", bulletin):
        raise PermissionDenied
    initial = {name: getattr(bulletin, name) for name in services.EDITABLE}
    form = BulletinForm(request.POST or None, initial=initial, clearance=actor.clearance)
    if request.method == "POST":
        if form.is_valid():
            changes = {k: v for k, v in form.cleaned_data.items() if k in form.changed_data}
            result = run_service(form, services.bulletin_update, actor=actor, bulletin=bulletin, **changes) if changes else bulletin
            if not isinstance(result, Failed):
                if changes:
                    messages.success(request, _("The bulletin was saved."))
                return done(request, reverse("bulletins:bulletin_detail", args=[bulletin.public_id]))
        bulletin.refresh_from_db()
        return render(request, "bulletins/bulletin_form.html", {"form": form, "bulletin": bulletin}, status=400)
    return render(request, "bulletins/bulletin_form.html", {"form": form, "bulletin": bulletin})


# --- detail, status, sharing ------------------------------------------------------------------------


def _detail_context(
    request: Request,
    bulletin: Bulletin,
    *,
    withdraw_form: TransitionReasonForm | None = None,
    status_errors: list[str] | None = None,
) -> dict[str, Any]:
    can_change = policy_of(Bulletin).can(request.actor, "change", bulletin)
    next_statuses = ALLOWED_TRANSITIONS.get(bulletin.status, frozenset()) if can_change else frozenset()
    return {
        "bulletin": bulletin,
        "can_change": can_change and bulletin.status != BulletinStatus.WITHDRAWN,
        "can_issue": BulletinStatus.ISSUED in next_statuses,
        "can_withdraw": BulletinStatus.WITHDRAWN in next_statuses,
        "withdraw_form": withdraw_form
        or TransitionReasonForm(initial={"to": BulletinStatus.WITHDRAWN}, auto_id="id_withdraw_%s"),
        "status_errors": status_errors or [],
    }


@never_cache
def bulletin_detail(request: Request, public_id: Any) -> HttpResponse:
    bulletin = _read(request.actor, public_id, purpose_of(request, PURPOSE_DETAIL))
    return render(request, "bulletins/bulletin_detail.html", _detail_context(request, bulletin))


def _rerender_detail(request: Request, public_id: Any, status: int = 400, **forms: Any) -> HttpResponse:
    # The page shows the content again, so this reading is logged like any other.
    bulletin = _read(request.actor, public_id, PURPOSE_DETAIL)
    return render(request, "bulletins/bulletin_detail.html", _detail_context(request, bulletin, **forms), status=status)


@never_cache
@require_POST
def bulletin_transition(request: Request, public_id: Any) -> HttpResponse:
    """Issue or withdraw (withdrawing asks for a reason)."""
    actor = request.actor
    bulletin = _target(actor, public_id)
    form = TransitionForm(request.POST)
    if form.is_valid():
        result = run_service(form, services.bulletin_transition, actor=actor, bulletin=bulletin,
                      to=form.cleaned_data["to"], reason=form.cleaned_data["reason"])
        if not isinstance(result, Failed):
            if result.status == BulletinStatus.ISSUED:
                messages.success(request, _("The bulletin was issued."))
            else:
                messages.success(request, _("The bulletin was withdrawn."))
            return done(request, reverse("bulletins:bulletin_detail", args=[bulletin.public_id]))
    # Reason errors go on the withdraw form; anything else (a refused change of status) above the buttons.
    withdraw_form = TransitionReasonForm(
        {"to": BulletinStatus.WITHDRAWN, "reason": request.POST.get("reason", "")}, auto_id="id_withdraw_%s"
    )
    withdraw_form.is_valid()
    status_errors = []
    for name, errors in form.errors.items():
        for error in errors:
            if name == "reason":
                withdraw_form.add_error("reason", error)
            else:
                status_errors.append(error)
    return _rerender_detail(request, public_id, withdraw_form=withdraw_form, status_errors=status_errors)


# --- statistics (the aggregate exception) ----------------------------------------------------------


def _chart(chart_id: str, title: str, cells: list[access_exceptions.Cell], labels: dict[Any, Any]) -> dict[str, Any]:
    rows = [(str(labels.get(cell.key, cell.key)), cell.count) for cell in cells]
    return {
        "id": chart_id,
        "title": title,
        "rows": rows,
        "max": max((count for _label, count in rows if count is not None), default=0),
        "threshold": settings.KSSP["SMALL_CELL_THRESHOLD"],
    }


@never_cache
def bulletin_statistics(request: Request) -> HttpResponse:
    """Counts across every institution, small cells suppressed (each view is audited)."""
    actor = request.actor
    require_perm(actor, access_exceptions.STATS_AGGREGATE)
    charts = []
    for group_by, title, labels in (
        ("kind", gettext_lazy("Bulletins by kind"), dict(BulletinKind.choices)),
        ("status", gettext_lazy("Bulletins by status"), dict(BulletinStatus.choices)),
        ("classification", gettext_lazy("Bulletins by classification"), dict(Classification.choices)),
    ):
        try:
            cells = access_exceptions.aggregate_counts(actor=actor, model=Bulletin, group_by=group_by)
        except ServicePermissionDenied:
            raise PermissionDenied from None
        charts.append(_chart(f"chart-{group_by}", str(title), cells, labels))
    return render(request, "bulletins/bulletin_statistics.html", {"charts": charts})
