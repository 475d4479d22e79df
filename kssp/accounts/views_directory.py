"""Directory pages: institutions by kind, an institution's unit tree, the role catalogue; and for an
institution's administrators, the members of a unit, granting and ending memberships and recording
clearances (issue #2 points 2-3).

Every page needs ``directory.view``. An administrator acts on units of the acting membership's own
institution only: another institution's unit or membership answers 404 (ARCHITECTURE rule 2), and an
action the actor's role does not include answers 403. Writes go through ``kssp.accounts.services``,
whose refusals come back as field errors.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.contrib import messages
from django.db.models import Prefetch
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from kssp.accounts import permissions as perms
from kssp.accounts import services, services_access
from kssp.accounts.choices import InstitutionKind
from kssp.accounts.forms_directory import ClearanceForm, MembershipEndForm, MembershipGrantForm
from kssp.accounts.models import Clearance, Institution, Membership, Role, Unit
from kssp.core.permissions import registered_permissions
from kssp.core.policy import Actor, Scope
from kssp.core.translit import latin_to_cyrillic
from kssp.core.web import Failed, Request, require_perm, run_service

# --- helpers (reads; TODO(#2): move to kssp/accounts/selectors.py) --------------------------------


def _abbreviation(institution: Institution) -> str:
    lang = (get_language() or "sq").lower()
    if lang.startswith("sr"):
        text = institution.abbreviation_sr
        return latin_to_cyrillic(text) if lang.endswith("cyrl") else text
    return institution.abbreviation_en if lang.startswith("en") else institution.abbreviation_sq


def _admin_unit(actor: Actor, public_id: Any) -> Unit:
    """A unit of the actor's own institution, or 404 (another institution's unit looks missing)."""
    if actor.institution_id is None:
        raise Http404
    unit = (
        Unit.objects.select_related("institution", "parent")
        .filter(public_id=public_id, institution_id=actor.institution_id)
        .first()
    )
    if unit is None:
        raise Http404
    return unit


def _admin_membership(actor: Actor, public_id: Any) -> Membership:
    if actor.institution_id is None:
        raise Http404
    membership = (
        Membership.objects.select_related("user", "role", "unit__institution")
        .filter(public_id=public_id, unit__institution_id=actor.institution_id)
        .first()
    )
    if membership is None:
        raise Http404
    return membership


def _is_admin_of(actor: Actor, institution: Institution) -> bool:
    return actor.has_perm(perms.MEMBERSHIPS_MANAGE) and actor.institution_id == institution.pk


@dataclass
class UnitNode:
    unit: Unit
    children: list[UnitNode] = field(default_factory=list)


def _unit_tree(institution: Institution) -> list[UnitNode]:
    nodes: dict[int, UnitNode] = {}
    roots: list[UnitNode] = []
    for unit in Unit.objects.filter(institution=institution, active=True).order_by("path"):
        node = nodes[unit.pk] = UnitNode(unit)
        parent = nodes.get(unit.parent_id) if unit.parent_id else None
        (parent.children if parent is not None else roots).append(node)
    return roots


def _status(membership: Membership, today: dt.date) -> str:
    if membership.revoked_at is not None or (membership.valid_to is not None and membership.valid_to < today):
        return "ended"
    if membership.valid_from > today:
        return "upcoming"
    return "current"


# --- directory ------------------------------------------------------------------------------------


def institution_list(request: Request) -> HttpResponse:
    require_perm(request.actor, perms.DIRECTORY_VIEW)
    by_kind: dict[str, list[Institution]] = {}
    for institution in Institution.objects.filter(active=True).select_related("administrative_owner"):
        institution.abbreviation = _abbreviation(institution)  # type: ignore[attr-defined]
        by_kind.setdefault(institution.kind, []).append(institution)
    groups = [
        (kind, label, sorted(by_kind[kind], key=lambda i: i.name.casefold()))
        for kind, label in InstitutionKind.choices
        if kind in by_kind
    ]
    return render(request, "directory/institution_list.html", {"groups": groups})


def institution_detail(request: Request, public_id: Any) -> HttpResponse:
    actor = request.actor
    require_perm(actor, perms.DIRECTORY_VIEW)
    institution = Institution.objects.select_related("administrative_owner").filter(public_id=public_id).first()
    if institution is None:
        raise Http404
    institution.abbreviation = _abbreviation(institution)  # type: ignore[attr-defined]
    context = {
        "institution": institution,
        "tree": _unit_tree(institution),
        "is_admin": _is_admin_of(actor, institution),
    }
    return render(request, "directory/institution_detail.html", context)


def role_list(request: Request) -> HttpResponse:
    require_perm(request.actor, perms.DIRECTORY_VIEW)
    catalogue = registered_permissions()
    kinds = dict(InstitutionKind.choices)
    scopes = dict(Scope.choices)
    roles = []
    for role in Role.objects.order_by("code"):
        roles.append({
            "role": role,
            "scope_label": scopes.get(role.scope, role.scope),
            "permissions": [
                (code, catalogue[code].label if code in catalogue else code, catalogue[code].group if code in catalogue else "")
                for code in sorted(role.permissions)
            ],
            "kinds": [kinds.get(kind, kind) for kind in role.institution_kinds],
        })
    context = {"roles": roles, "can_propose": services_access.is_platform_administrator(request.actor)}
    return render(request, "directory/role_list.html", context)


# --- administration of the own institution --------------------------------------------------------


@never_cache
def unit_members(request: Request, public_id: Any) -> HttpResponse:
    actor = request.actor
    require_perm(actor, perms.MEMBERSHIPS_MANAGE)
    unit = _admin_unit(actor, public_id)
    today = timezone.localdate()
    valid_clearances = Clearance.objects.filter(revoked_at__isnull=True, valid_from__lte=today, valid_until__gte=today)
    memberships = (
        Membership.objects.filter(unit=unit)
        .select_related("user", "role")
        .prefetch_related(Prefetch("user__clearances", queryset=valid_clearances, to_attr="valid_clearances"))
        .order_by("user__last_name", "user__first_name", "valid_from")
    )
    rows: dict[str, list[dict[str, Any]]] = {"current": [], "upcoming": [], "ended": []}
    for membership in memberships:
        valid = membership.user.valid_clearances  # type: ignore[attr-defined]
        clearance = max(valid, key=lambda c: (c.level, c.valid_until), default=None)
        rows[_status(membership, today)].append({"membership": membership, "clearance": clearance})
    context = {
        "unit": unit,
        "rows": rows,
        "can_clear": actor.has_perm(perms.CLEARANCES_MANAGE),
    }
    return render(request, "directory/unit_members.html", context)


def _form_page(request: Request, form: Any, *, heading: str, intro: str, submit: str, back: str, status: int) -> HttpResponse:
    context = {"form": form, "heading": heading, "intro": intro, "submit": submit, "back": back}
    return render(request, "directory/form.html", context, status=status)


@never_cache
def membership_grant(request: Request, public_id: Any) -> HttpResponse:
    actor = request.actor
    require_perm(actor, perms.MEMBERSHIPS_MANAGE)
    unit = _admin_unit(actor, public_id)
    back = reverse("directory:unit_members", args=[unit.public_id])
    form = MembershipGrantForm(request.POST if request.method == "POST" else None, unit=unit)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        change = run_service(
            form, services_access.membership_propose, actor=actor, user=data["username"], unit=unit, role=data["role"],
            valid_from=data["valid_from"], valid_to=data["valid_to"], aliases={"user": "username"},
        )
        if not isinstance(change, Failed):
            messages.success(request, _("Proposed: %(user)s as %(role)s in %(unit)s. It takes effect when a second "
                                        "administrator approves it.")
                             % {"user": change.user, "role": data["role"].name, "unit": unit.name})
            return redirect("directory:access_change_detail", change.public_id)
    return _form_page(
        request, form, heading=_("Propose a membership in %(unit)s") % {"unit": unit.name},
        intro=_("A membership gives a user a role in this unit for a period; it is the only source of permissions. "
                "It takes effect when a second administrator approves it; nobody proposes their own."),
        submit=_("Propose"), back=back, status=400 if form.errors else 200,
    )


@never_cache
def membership_end(request: Request, public_id: Any) -> HttpResponse:
    actor = request.actor
    require_perm(actor, perms.MEMBERSHIPS_MANAGE)
    membership = _admin_membership(actor, public_id)
    if membership.revoked_at is not None:
        raise Http404
    back = reverse("directory:unit_members", args=[membership.unit.public_id])
    form = MembershipEndForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        ended = run_service(form, services.membership_end, actor=actor, membership=membership, reason=form.cleaned_data["reason"])
        if not isinstance(ended, Failed):
            messages.success(request, _("The membership of %(user)s was ended.") % {"user": membership.user})
            return redirect(back)
    return _form_page(
        request, form,
        heading=_("End the membership of %(user)s") % {"user": membership.user},
        intro=_("%(role)s in %(unit)s, valid from %(start)s. The user loses this role's permissions at once.")
        % {"role": membership.role.name, "unit": membership.unit.name, "start": membership.valid_from.strftime("%d.%m.%Y")},
        submit=_("End the membership"), back=back, status=400 if form.errors else 200,
    )


@never_cache
def clearance_record(request: Request, public_id: Any) -> HttpResponse:
    actor = request.actor
    require_perm(actor, perms.CLEARANCES_MANAGE)
    membership = _admin_membership(actor, public_id)
    if _status(membership, timezone.localdate()) == "ended":
        raise Http404
    back = reverse("directory:unit_members", args=[membership.unit.public_id])
    form = ClearanceForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        change = run_service(
            form, services_access.clearance_propose, actor=actor, user=membership.user, level=data["level"],
            decision_number=data["decision_number"], decision_date=data["decision_date"],
            valid_from=data["valid_from"], valid_until=data["valid_until"],
        )
        if not isinstance(change, Failed):
            messages.success(request, _("The clearance decision on %(user)s was recorded for approval. It takes effect "
                                        "when a second administrator approves it.") % {"user": membership.user})
            return redirect("directory:access_change_detail", change.public_id)
    return _form_page(
        request, form,
        heading=_("Record a security clearance for %(user)s") % {"user": membership.user},
        intro=_("Record the vetting authority's decision: its number, date and expiry. The user's access follows "
                "its level once a second administrator approves it; nobody records their own."),
        submit=_("Record the decision"), back=back, status=400 if form.errors else 200,
    )
