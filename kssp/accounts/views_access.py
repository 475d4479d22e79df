"""Administration pages for an institution's people (issue #7 point 2) and the second-person approval
of access changes (point 3): the people of one's institution, onboarding a person (account + first
membership proposal), and the list of proposed changes with approve/reject.

Everything goes through ``kssp.accounts.services_access``; a change the actor may not see answers 404,
a decision the actor may not take 403, bad input field errors.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.db.models import Prefetch
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from kssp.accounts import permissions as perms
from kssp.accounts import services_access
from kssp.accounts.forms_directory import DecisionForm, OnboardForm, RoleChangeForm
from kssp.accounts.models import AccessChange, Clearance, Membership, Role
from kssp.core.exceptions import NotFound
from kssp.core.policy import Actor
from kssp.core.web import Failed, Request, run_service


def _require_admin(actor: Actor) -> None:
    from django.core.exceptions import PermissionDenied

    if not actor.is_authenticated or not (actor.has_perm(perms.MEMBERSHIPS_MANAGE) or actor.has_perm(perms.USERS_MANAGE)):
        raise PermissionDenied


@never_cache
def people_list(request: Request) -> HttpResponse:
    actor = request.actor
    _require_admin(actor)
    today = timezone.localdate()
    current = Membership.objects.valid().filter(unit__institution_id=int(actor.institution_id or 0)).select_related("unit", "role")
    clearances = Clearance.objects.filter(revoked_at__isnull=True, valid_from__lte=today, valid_until__gte=today)
    people = services_access.people_of_institution(actor=actor).prefetch_related(
        Prefetch("memberships", queryset=current.order_by("valid_from", "pk"), to_attr="current_memberships"),
        Prefetch("clearances", queryset=clearances, to_attr="valid_clearances"),
    )
    pending = set(AccessChange.objects.filter(
        institution_id=int(actor.institution_id or 0), status=AccessChange.Status.PROPOSED, user__isnull=False
    ).values_list("user_id", flat=True))
    rows = []
    for person in people:
        clearance = max(person.valid_clearances, key=lambda c: (c.level, c.valid_until), default=None)  # type: ignore[attr-defined]
        rows.append({"user": person, "memberships": person.current_memberships,  # type: ignore[attr-defined]
                     "clearance": clearance, "pending": person.pk in pending})
    context = {
        "rows": rows,
        "can_onboard": actor.has_perm(perms.USERS_MANAGE) and actor.has_perm(perms.MEMBERSHIPS_MANAGE),
        "can_import_units": actor.has_perm(perms.MEMBERSHIPS_MANAGE),
        "pending_count": services_access.access_change_list_visible_to(actor=actor).filter(
            status=AccessChange.Status.PROPOSED).count(),
    }
    return render(request, "directory/people.html", context)


@never_cache
def person_onboard(request: Request) -> HttpResponse:
    from django.core.exceptions import PermissionDenied

    actor = request.actor
    if not (actor.is_authenticated and actor.has_perm(perms.USERS_MANAGE) and actor.has_perm(perms.MEMBERSHIPS_MANAGE)):
        raise PermissionDenied
    form = OnboardForm(request.POST if request.method == "POST" else None, institution_id=int(actor.institution_id or 0))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        change = run_service(
            form, services_access.person_onboard, actor=actor, username=data["username"], first_name=data["first_name"],
            last_name=data["last_name"], email=data["email"], preferred_language=data["preferred_language"],
            unit=data["unit"], role=data["role"], valid_from=data["valid_from"], valid_to=data["valid_to"],
        )
        if not isinstance(change, Failed):
            messages.success(request, _("The account of %(user)s was created. Their membership takes effect when a "
                                        "second administrator approves it.") % {"user": change.user})
            return redirect("directory:access_change_detail", change.public_id)
    context = {
        "form": form, "heading": _("Onboard a person"), "submit": _("Create the account and propose the membership"),
        "intro": _("The account gets no permission until a second administrator approves its first membership. "
                   "The person then sets a password with a reset link."),
        "back": reverse("directory:people"),
    }
    return render(request, "directory/form.html", context, status=400 if form.errors else 200)


@never_cache
def access_change_list(request: Request) -> HttpResponse:
    actor = request.actor
    if not actor.is_authenticated:
        raise Http404
    changes = services_access.access_change_list_visible_to(actor=actor)
    pending = list(changes.filter(status=AccessChange.Status.PROPOSED))
    decided = list(changes.exclude(status=AccessChange.Status.PROPOSED)[:50])
    for change in [*pending, *decided]:
        change.description = services_access.describe(change)  # type: ignore[attr-defined]
    return render(request, "directory/access_changes.html", {"pending": pending, "decided": decided})


def _can_approve(actor: Actor, change: AccessChange) -> bool:
    return (change.status == AccessChange.Status.PROPOSED and services_access.may_decide(actor, change)
            and change.proposed_by_id != actor.user_id and change.user_id != actor.user_id)


def _can_reject(actor: Actor, change: AccessChange) -> bool:
    return (change.status == AccessChange.Status.PROPOSED and services_access.may_decide(actor, change)
            and change.user_id != actor.user_id)


@never_cache
def access_change_detail(request: Request, public_id: Any) -> HttpResponse:
    actor = request.actor
    try:
        change = services_access.access_change_get_visible_to(actor=actor, public_id=public_id)
    except NotFound:
        raise Http404 from None
    form = DecisionForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        if form.cleaned_data["decision"] == "approve":
            result = run_service(form, services_access.access_change_approve, actor=actor, change=change)
            done = _("The change was approved and has taken effect.")
        else:
            result = run_service(form, services_access.access_change_reject, actor=actor, change=change,
                                 reason=form.cleaned_data["reason"])
            done = _("The change was rejected.")
        if not isinstance(result, Failed):
            messages.success(request, done)
            return redirect("directory:access_change_detail", change.public_id)
    change.description = services_access.describe(change)  # type: ignore[attr-defined]
    details = change.details
    context = {
        "change": change,
        "form": form,
        "can_approve": _can_approve(actor, change),
        "can_reject": _can_reject(actor, change),
        "is_proposer": change.proposed_by_id == actor.user_id,
        "concerns_actor": change.user_id == actor.user_id,
        "decision_date": dt.date.fromisoformat(details["decision_date"]) if details.get("decision_date") else None,
    }
    return render(request, "directory/access_change_detail.html", context, status=400 if form.errors else 200)


@never_cache
def role_change(request: Request, code: str) -> HttpResponse:
    """Propose a change to a role: platform administrators of the operating institution only (403 for
    anyone else, institution administrators included); it takes effect when a second one approves it."""
    from django.core.exceptions import PermissionDenied

    actor = request.actor
    role = Role.objects.filter(code=code).first()
    if role is None:
        raise Http404
    if not services_access.is_platform_administrator(actor):
        raise PermissionDenied
    form = RoleChangeForm(request.POST if request.method == "POST" else None, role=role)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        change = run_service(form, services_access.role_change_propose, actor=actor, role=role,
                             permissions=data["permissions"], scope=data["scope"], privileged=data["privileged"])
        if not isinstance(change, Failed):
            messages.success(request, _("The change to the role %(role)s was proposed. It takes effect when a second "
                                        "platform administrator approves it.") % {"role": role.name})
            return redirect("directory:access_change_detail", change.public_id)
    return render(request, "directory/role_change.html", {"form": form, "role": role},
                  status=400 if form.errors else 200)
