"""Changes to access that need a second person (issue #7 point 3).

Nobody raises their own access: a membership, a security clearance or a change to a role definition is
*proposed* by one person and takes effect only when a *second* person approves it. Neither may be the
person the change benefits. Role definitions are platform-wide, so only platform administrators of the
operating institution (``KSSP["OPERATING_INSTITUTION"]``) propose and approve role changes; institution
administrators cannot touch them. A clearance is recorded from the vetting authority's decision (its
number, date and expiry). Each step is audited (``access_change.*``) and the institution's auditors are
notified.

The low-level writers (``kssp.accounts.services.membership_create``/``clearance_record``/``role_update``)
refuse any actor who is a person; they serve the approval below and the seed commands.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from kssp.accounts import permissions as perms
from kssp.accounts import services
from kssp.accounts.models import AccessChange, Clearance, Institution, Membership, Role, Unit, User
from kssp.accounts.notification_kinds import ACCESS_CHANGE
from kssp.core.audit import audit_record
from kssp.core.exceptions import ApplicationError, NotFound, PermissionDenied
from kssp.core.markings import Classification
from kssp.core.notifications import kinds as notification_kinds
from kssp.core.notifications.recipients import Recipient, members
from kssp.core.notifications.services import notify_on_commit
from kssp.core.permissions import unknown_permissions
from kssp.core.policy import Actor, Scope

Kind = AccessChange.Kind
Status = AccessChange.Status

#: The permission a person needs to propose or decide each kind of change.
DECIDE_PERMISSION = {Kind.MEMBERSHIP: perms.MEMBERSHIPS_MANAGE, Kind.CLEARANCE: perms.CLEARANCES_MANAGE,
                     Kind.ROLE: perms.ROLES_MANAGE}


def operating_institution() -> Institution | None:
    return Institution.objects.filter(code=settings.KSSP.get("OPERATING_INSTITUTION", "MPB")).first()


def is_platform_administrator(actor: Actor) -> bool:
    """``roles.manage`` held through a membership in the operating institution."""
    if not actor.is_authenticated or not actor.has_perm(perms.ROLES_MANAGE):
        return False
    operator = operating_institution()
    return operator is not None and actor.institution_id == operator.pk


def _administers(actor: Actor, institution_id: int) -> bool:
    return institution_id == actor.institution_id


def may_decide(actor: Actor, change: AccessChange) -> bool:
    """Whether ``actor`` holds the power to propose or decide ``change`` (not yet the four-eyes rule)."""
    if not actor.is_authenticated:
        return False
    if change.kind == Kind.ROLE:
        return is_platform_administrator(actor)
    return actor.has_perm(DECIDE_PERMISSION[Kind(change.kind)]) and _administers(actor, change.institution_id)


# --- reads -----------------------------------------------------------------------------------------


def access_change_list_visible_to(*, actor: Actor) -> QuerySet[AccessChange]:
    """Changes the actor proposed, may decide, or audits (their institution's, with ``audit.view_institution``);
    role changes are seen by platform administrators."""
    if not actor.is_authenticated:
        return AccessChange.objects.none()
    q = Q(proposed_by_id=actor.user_id)
    for kind, code in DECIDE_PERMISSION.items():
        if kind != Kind.ROLE and actor.has_perm(code):
            q |= Q(kind=kind, institution_id=actor.institution_id)
    if actor.has_perm(perms.AUDIT_INSTITUTION):
        q |= Q(institution_id=actor.institution_id)
    if is_platform_administrator(actor):
        q |= Q(kind=Kind.ROLE)
    return AccessChange.objects.filter(q).select_related(
        "institution", "user", "unit__institution", "role", "proposed_by", "decided_by"
    ).order_by("-created_at", "-pk")


def access_change_get_visible_to(*, actor: Actor, public_id: Any) -> AccessChange:
    try:
        change = access_change_list_visible_to(actor=actor).filter(public_id=public_id).first()
    except (ValueError, TypeError):
        change = None
    if change is None:
        raise NotFound()
    return change


# --- helpers ---------------------------------------------------------------------------------------


def _name(user: User | None) -> str:
    if user is None:
        return ""
    return user.get_full_name() or user.username


def describe(change: AccessChange) -> str:
    """One line saying what the change does, in the current language."""
    d = change.details
    if change.kind == Kind.MEMBERSHIP and change.role is not None and change.unit is not None:
        return _("%(user)s as %(role)s in %(unit)s from %(start)s") % {
            "user": _name(change.user), "role": change.role.name, "unit": change.unit.name,
            "start": _date(d.get("valid_from")),
        }
    if change.kind == Kind.CLEARANCE:
        return _("%(user)s: security clearance %(level)s by decision %(number)s of %(date)s, valid until %(until)s") % {
            "user": _name(change.user), "level": Classification(int(d.get("level", 0))).label,
            "number": d.get("decision_number", ""), "date": _date(d.get("decision_date")), "until": _date(d.get("valid_until")),
        }
    if change.kind == Kind.ROLE and change.role is not None:
        parts = []
        if "permissions" in d:
            added = sorted(set(d["permissions"]) - set(change.role.permissions))
            removed = sorted(set(change.role.permissions) - set(d["permissions"]))
            if added:
                parts.append(_("adds %(codes)s") % {"codes": ", ".join(added)})
            if removed:
                parts.append(_("removes %(codes)s") % {"codes": ", ".join(removed)})
        if "scope" in d:
            parts.append(_("scope: %(scope)s") % {"scope": Scope(d["scope"]).label})
        if "privileged" in d:
            parts.append(_("privileged: %(value)s") % {"value": _("yes") if d["privileged"] else _("no")})
        return _("Role %(role)s: %(changes)s") % {"role": change.role.name, "changes": "; ".join(parts) or "—"}
    return str(change)


def _date(value: Any) -> str:
    if not value:
        return "—"
    return dt.date.fromisoformat(str(value)).strftime("%d.%m.%Y")


def _notify(change: AccessChange, *, actor: Actor) -> None:
    """After the commit: the institution's auditors and the people who may decide (a proposal), or the
    proposer (a decision). Nobody is told of their own action."""
    decider_permission = DECIDE_PERMISSION[Kind(change.kind)]
    recipients = list(members(institution_id=change.institution_id, permission=perms.AUDIT_INSTITUTION))
    if change.status == Status.PROPOSED:
        recipients += members(institution_id=change.institution_id, permission=decider_permission)
    else:
        recipients.append(Recipient(int(change.proposed_by_id)))
    notify_on_commit(
        recipients=recipients,
        kind=ACCESS_CHANGE.code,
        context={
            "who": _name(actor.user),
            "institution": notification_kinds.names(change.institution),
            "status": services.in_each_language(change.get_status_display),
            "what": services.in_each_language(lambda: describe(change)),
        },
        dedupe_key=f"access_change:{change.public_id}:{change.status}",
        exclude_user_ids=[actor.user_id] if actor.user_id else [],
    )


def _audit_after(change: AccessChange) -> dict[str, Any]:
    return {
        "kind": change.kind, "status": change.status, "institution": change.institution.code,
        "user": change.user.username if change.user else None, "unit": change.unit.code if change.unit else None,
        "role": change.role.code if change.role else None, "details": change.details,
    }


def _not_for_oneself(actor: Actor, user: User | None, field: str) -> None:
    if user is not None and user.pk == actor.user_id:
        raise ApplicationError(
            _("The change was not proposed."),
            fields={field: [_("Nobody proposes a change to their own access; ask another administrator.")]},
            code="self_grant",
        )


def _propose(actor: Actor, change: AccessChange) -> AccessChange:
    change.proposed_by = actor.user
    change.status = Status.PROPOSED
    change.save()
    audit_record(actor=actor, event="access_change.proposed", target=change, after=_audit_after(change),
                 target_institution_id=change.institution_id)
    _notify(change, actor=actor)
    return change


# --- proposals -------------------------------------------------------------------------------------


@transaction.atomic
def membership_propose(
    *, actor: Actor, user: User, unit: Unit, role: Role, valid_from: dt.date, valid_to: dt.date | None = None
) -> AccessChange:
    """Propose a membership of ``user`` (never the actor) in ``unit`` of the actor's own institution."""
    if not actor.has_perm(perms.MEMBERSHIPS_MANAGE):
        raise PermissionDenied()
    if not _administers(actor, unit.institution_id):
        raise NotFound(fields={"unit": [_("Not found.")]})
    _not_for_oneself(actor, user, "user")
    errors: dict[str, list[str]] = {}
    if valid_to is not None and valid_to < valid_from:
        errors["valid_to"] = [_("The end date is before the start date.")]
    if role.institution_kinds and unit.institution.kind not in role.institution_kinds:
        errors["role"] = [_("This role does not exist in this kind of institution.")]
    if role.code == "platform_administrator":
        operator = operating_institution()
        if operator is None or unit.institution_id != operator.pk:
            errors["role"] = [_("Only the institution that operates the platform has platform administrators.")]
    if not user.is_active or user.public_id is None:
        errors["user"] = [_("There is no active user with this username.")]
    if errors:
        raise ApplicationError(_("The change was not proposed."), fields=errors)
    change = AccessChange(
        kind=Kind.MEMBERSHIP, institution=unit.institution, user=user, unit=unit, role=role,
        details={"valid_from": valid_from.isoformat(), "valid_to": valid_to.isoformat() if valid_to else None},
    )
    return _propose(actor, change)


@transaction.atomic
def clearance_propose(
    *,
    actor: Actor,
    user: User,
    level: int,
    decision_number: str,
    decision_date: dt.date | None,
    valid_from: dt.date,
    valid_until: dt.date,
) -> AccessChange:
    """Propose recording the vetting authority's decision on ``user`` (a member of the actor's institution,
    never the actor)."""
    if not actor.has_perm(perms.CLEARANCES_MANAGE):
        raise PermissionDenied()
    if not Membership.objects.filter(user=user, unit__institution_id=int(actor.institution_id or 0)).exists():
        raise NotFound(fields={"user": [_("Not found.")]})
    _not_for_oneself(actor, user, "user")
    errors: dict[str, list[str]] = {}
    today = timezone.localdate()
    if level not in Classification.values:
        errors["level"] = [_("Unknown level.")]
    if not decision_number.strip():
        errors["decision_number"] = [_("Give the number of the vetting authority's decision.")]
    if decision_date is None:
        errors["decision_date"] = [_("Give the date of the vetting authority's decision.")]
    elif decision_date > today:
        errors["decision_date"] = [_("The decision date is in the future.")]
    if valid_until < valid_from:
        errors["valid_until"] = [_("The expiry is before the start date.")]
    elif valid_until < today:
        errors["valid_until"] = [_("This decision has already expired.")]
    if errors:
        raise ApplicationError(_("The change was not proposed."), fields=errors)
    assert decision_date is not None
    membership = Membership.objects.filter(user=user, unit__institution_id=int(actor.institution_id or 0)).select_related(
        "unit__institution").first()
    assert membership is not None
    change = AccessChange(
        kind=Kind.CLEARANCE, institution=membership.unit.institution, user=user,
        details={"level": int(level), "decision_number": decision_number.strip(), "decision_date": decision_date.isoformat(),
                 "valid_from": valid_from.isoformat(), "valid_until": valid_until.isoformat()},
    )
    return _propose(actor, change)


@transaction.atomic
def role_change_propose(
    *, actor: Actor, role: Role, permissions: list[str] | None = None, scope: str | None = None,
    privileged: bool | None = None,
) -> AccessChange:
    """Propose a change to a (platform-wide) role: platform administrators of the operating institution only."""
    if not is_platform_administrator(actor):
        raise PermissionDenied()
    errors: dict[str, list[str]] = {}
    details: dict[str, Any] = {}
    if permissions is not None:
        unknown = unknown_permissions(permissions)
        if unknown:
            errors["permissions"] = [_("Unknown permission: %(code)s") % {"code": c} for c in unknown]
        elif sorted(set(permissions)) != sorted(role.permissions):
            details["permissions"] = sorted(set(permissions))
    if scope is not None:
        if scope not in Scope.values:
            errors["scope"] = [_("Unknown scope.")]
        elif scope != role.scope:
            details["scope"] = scope
    if privileged is not None and privileged != role.privileged:
        details["privileged"] = bool(privileged)
    if errors:
        raise ApplicationError(_("The change was not proposed."), fields=errors)
    if not details:
        raise ApplicationError(_("The change was not proposed."), fields={"permissions": [_("Nothing would change.")]},
                               code="no_change")
    operator = operating_institution()
    assert operator is not None  # is_platform_administrator checked it
    change = AccessChange(kind=Kind.ROLE, institution=operator, role=role, details=details)
    return _propose(actor, change)


# --- decisions -------------------------------------------------------------------------------------


def _check_decider(actor: Actor, change: AccessChange) -> None:
    if not may_decide(actor, change):
        raise PermissionDenied()
    if change.status != Status.PROPOSED:
        raise ApplicationError(_("This change has already been decided."), code="already_decided")
    if change.user_id is not None and change.user_id == actor.user_id:
        raise PermissionDenied(_("This change concerns you: another administrator must decide it."), code="self_grant")


@transaction.atomic
def access_change_approve(*, actor: Actor, change: AccessChange) -> AccessChange:
    """Approve and apply ``change``: by a second person (not its proposer, not the person it concerns)."""
    change = AccessChange.objects.select_for_update(of=("self",)).select_related("institution", "user", "unit__institution", "role").get(
        pk=change.pk)
    _check_decider(actor, change)
    if change.proposed_by_id == actor.user_id:
        raise PermissionDenied(_("You proposed this change: a second administrator must approve it."), code="four_eyes")
    change.decided_by = actor.user  # the writers below check that the actor is deciding this change
    d = change.details
    if change.kind == Kind.MEMBERSHIP:
        assert change.user is not None and change.unit is not None and change.role is not None
        change.membership = services.membership_create(
            actor=actor, user=change.user, unit=change.unit, role=change.role,
            valid_from=dt.date.fromisoformat(d["valid_from"]),
            valid_to=dt.date.fromisoformat(d["valid_to"]) if d.get("valid_to") else None, approval=change,
        )
    elif change.kind == Kind.CLEARANCE:
        assert change.user is not None
        clearance = services.clearance_record(
            actor=actor, user=change.user, level=int(d["level"]), valid_from=dt.date.fromisoformat(d["valid_from"]),
            valid_until=dt.date.fromisoformat(d["valid_until"]), reference=d["decision_number"], approval=change,
        )
        Clearance.objects.filter(pk=clearance.pk).update(
            decision_date=dt.date.fromisoformat(d["decision_date"]), recorded_by=change.proposed_by_id, approved_by=actor.user_id)
        change.clearance = clearance
    else:
        assert change.role is not None
        services.role_update(actor=actor, role=change.role, permissions=d.get("permissions"), scope=d.get("scope"),
                             privileged=d.get("privileged"), approval=change)
    change.status = Status.APPROVED
    change.decided_by = actor.user
    change.decided_at = timezone.now()
    change.save()
    audit_record(actor=actor, event="access_change.approved", target=change, after=_audit_after(change),
                 target_institution_id=change.institution_id)
    _notify(change, actor=actor)
    return change


@transaction.atomic
def access_change_reject(*, actor: Actor, change: AccessChange, reason: str) -> AccessChange:
    """Reject ``change`` (its proposer may withdraw it this way) with a reason."""
    change = AccessChange.objects.select_for_update(of=("self",)).select_related("institution", "user", "role").get(pk=change.pk)
    _check_decider(actor, change)
    if not reason.strip():
        raise ApplicationError(_("The change was not rejected."), fields={"reason": [_("Give the reason.")]})
    change.status = Status.REJECTED
    change.decided_by = actor.user
    change.decided_at = timezone.now()
    change.decision_note = reason.strip()
    change.save()
    audit_record(actor=actor, event="access_change.rejected", target=change, after=_audit_after(change),
                 reason=reason.strip(), target_institution_id=change.institution_id)
    _notify(change, actor=actor)
    return change


# --- onboarding -----------------------------------------------------------------------------------


@transaction.atomic
def person_onboard(
    *,
    actor: Actor,
    username: str,
    first_name: str,
    last_name: str,
    unit: Unit,
    role: Role,
    valid_from: dt.date,
    valid_to: dt.date | None = None,
    email: str = "",
    preferred_language: str = "",
) -> AccessChange:
    """Create a person's account and propose their first membership (which a second administrator
    approves). The account holds no permission until then; it signs in after a password reset link."""
    if not (actor.has_perm(perms.USERS_MANAGE) and actor.has_perm(perms.MEMBERSHIPS_MANAGE)):
        raise PermissionDenied()
    if not _administers(actor, unit.institution_id):
        raise NotFound(fields={"unit": [_("Not found.")]})
    user = services.user_create(actor=actor, username=username.strip(), first_name=first_name.strip(),
                                last_name=last_name.strip(), email=email.strip(), preferred_language=preferred_language)
    return membership_propose(actor=actor, user=user, unit=unit, role=role, valid_from=valid_from, valid_to=valid_to)


def people_of_institution(*, actor: Actor) -> QuerySet[User]:
    """The people who hold or held a membership in the actor's institution, or wait for their first one
    there (for its administrators)."""
    if not actor.is_authenticated or not (actor.has_perm(perms.MEMBERSHIPS_MANAGE) or actor.has_perm(perms.USERS_MANAGE)):
        return User.objects.none()
    in_institution = Q(memberships__unit__institution_id=actor.institution_id) | Q(
        access_changes__institution_id=actor.institution_id, access_changes__kind=Kind.MEMBERSHIP,
        access_changes__status=Status.PROPOSED)
    return User.objects.filter(in_institution, public_id__isnull=False).distinct().order_by("last_name", "first_name", "username")
