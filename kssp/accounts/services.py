"""Writes on accounts, institutions, units, roles, memberships, clearances and API tokens.

Every function is a service in the sense of ARCHITECTURE rule 1: keyword-only, ``actor`` first,
atomic, validated, and audited in the same transaction.
"""

from __future__ import annotations

import datetime as dt
import secrets
import uuid
from typing import Any

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from kssp.accounts import permissions as perms
from kssp.accounts.models import ApiToken, Clearance, Institution, Membership, Role, Unit, User
from kssp.core.audit import audit_record
from kssp.core.exceptions import ApplicationError, NotFound, PermissionDenied
from kssp.core.permissions import unknown_permissions
from kssp.core.policy import Actor, Scope


def _require(actor: Actor, code: str) -> None:
    if not actor.has_perm(code):
        raise PermissionDenied()


def _system_only(actor: Actor, approval: Any = None) -> None:
    """A person never writes access directly: they propose, and a second person approves
    (``kssp.accounts.services_access``). Only the approval itself (``approval``: the ``AccessChange`` the
    actor is deciding) and seed commands (no user) get here."""
    if actor.user is None:
        return
    if approval is None or approval.decided_by_id != actor.user_id or approval.proposed_by_id == actor.user_id:
        raise PermissionDenied()


def _fields_error(message: str, fields: dict[str, list[str]]) -> ApplicationError:
    return ApplicationError(message, fields=fields)


# --- institutions and units ----------------------------------------------------------------------


def _unit_path(unit: Unit) -> str:
    prefix = unit.parent.path if unit.parent is not None else ""
    return f"{prefix}{unit.pk:06d}."


@transaction.atomic
def unit_create(
    *,
    actor: Actor,
    institution: Institution,
    parent: Unit | None,
    code: str,
    name_sq: str,
    name_sr: str,
    name_en: str,
    kind: str = "unit",
    source: str = "",
) -> Unit:
    """Add a unit under ``parent`` (or at the institution's root); ``source``: the act or page naming it."""
    _require(actor, perms.MEMBERSHIPS_MANAGE)
    if institution.pk != actor.institution_id and actor.scope != Scope.NATIONAL:
        raise NotFound()
    if parent is not None and parent.institution_id != institution.pk:
        raise _fields_error(_("The unit was not created."), {"parent": [_("The parent unit belongs to another institution.")]})
    if Unit.objects.filter(institution=institution, code=code).exists():
        raise _fields_error(_("The unit was not created."), {"code": [_("This institution already has a unit with this code.")]})
    unit = Unit(institution=institution, parent=parent, code=code, name_sq=name_sq, name_sr=name_sr, name_en=name_en, kind=kind, path="")
    unit.full_clean(exclude=["path"])
    unit.save()
    unit.path = _unit_path(unit)
    unit.save(update_fields=["path"])
    audit_record(
        actor=actor,
        event="unit.created",
        target=unit,
        after={"code": code, "institution": institution.code, **({"source": source} if source else {})},
        target_institution_id=institution.pk,
    )
    return unit


def unit_seed(*, institution: Institution, parent: Unit | None, code: str, names: tuple[str, str, str], kind: str) -> Unit:
    """Create or find a unit while seeding reference data (migrations, demo); not audited as a user action."""
    unit = Unit.objects.filter(institution=institution, code=code).first()
    if unit is not None:
        return unit
    unit = Unit.objects.create(
        institution=institution, parent=parent, code=code, name_sq=names[0], name_sr=names[1], name_en=names[2], kind=kind, path=""
    )
    unit.path = _unit_path(unit)
    unit.save(update_fields=["path"])
    return unit


@transaction.atomic
def institution_update(*, actor: Actor, institution: Institution, **changes: Any) -> Institution:
    _require(actor, perms.REFERENCE_EDIT)
    allowed = {"name_sq", "name_sr", "name_en", "abbreviation_sq", "abbreviation_sr", "abbreviation_en", "active", "uses_platform"}
    bad = set(changes) - allowed
    if bad:
        raise _fields_error(_("The institution was not changed."), {name: [_("This field cannot be changed.")] for name in sorted(bad)})
    before = {k: getattr(institution, k) for k in changes}
    for key, value in changes.items():
        setattr(institution, key, value)
    institution.full_clean()
    institution.save()
    audit_record(
        actor=actor, event="institution.updated", target=institution, before=before, after=changes, target_institution_id=institution.pk
    )
    return institution


# --- users, memberships, clearances ---------------------------------------------------------------


@transaction.atomic
def user_create(
    *,
    actor: Actor,
    username: str,
    first_name: str,
    last_name: str,
    email: str = "",
    password: str | None = None,
    preferred_language: str = "",
) -> User:
    """Create a user account. Without a password the user signs in only after a reset link."""
    _require(actor, perms.USERS_MANAGE)
    errors: dict[str, list[str]] = {}
    if User.objects.filter(username__iexact=username).exists():
        errors["username"] = [_("This username is taken.")]
    user = User(
        username=username,
        first_name=first_name,
        last_name=last_name,
        email=email,
        preferred_language=preferred_language,
        public_id=uuid.uuid4(),
    )
    if password:
        try:
            validate_password(password, user)
        except ValidationError as exc:
            errors["password"] = list(exc.messages)
    if errors:
        raise _fields_error(_("The user was not created."), errors)
    if password:
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.full_clean(exclude=["password"])
    user.save()
    audit_record(
        actor=actor,
        event="user.created",
        target=user,
        after={"username": username, "first_name": first_name, "last_name": last_name, "email": email},
        target_institution_id=actor.institution_id,
    )
    return user


@transaction.atomic
def membership_create(
    *, actor: Actor, user: User, unit: Unit, role: Role, valid_from: dt.date, valid_to: dt.date | None = None,
    approval: Any = None,
) -> Membership:
    """Give ``user`` a role in ``unit`` (applies an approved ``AccessChange``; seeds)."""
    _system_only(actor, approval)
    _require(actor, perms.MEMBERSHIPS_MANAGE)
    if unit.institution_id != actor.institution_id and actor.scope != Scope.NATIONAL:
        raise NotFound()
    errors: dict[str, list[str]] = {}
    if valid_to is not None and valid_to < valid_from:
        errors["valid_to"] = [_("The end date is before the start date.")]
    if role.institution_kinds and unit.institution.kind not in role.institution_kinds:
        errors["role"] = [_("This role does not exist in this kind of institution.")]
    if role.privileged and user.pk == actor.user_id:
        errors["role"] = [_("You cannot give yourself a privileged role.")]
    if errors:
        raise _fields_error(_("The membership was not created."), errors)
    membership = Membership.objects.create(user=user, unit=unit, role=role, valid_from=valid_from, valid_to=valid_to)
    audit_record(
        actor=actor,
        event="membership.created",
        target=membership,
        after={"user": user.username, "unit": unit.code, "role": role.code, "valid_from": valid_from, "valid_to": valid_to},
        target_institution_id=unit.institution_id,
    )
    return membership


@transaction.atomic
def membership_end(*, actor: Actor, membership: Membership, reason: str) -> Membership:
    _require(actor, perms.MEMBERSHIPS_MANAGE)
    if membership.unit.institution_id != actor.institution_id and actor.scope != Scope.NATIONAL:
        raise NotFound()
    if not reason.strip():
        raise _fields_error(_("The membership was not ended."), {"reason": [_("Give the reason.")]})
    if membership.revoked_at is not None:
        raise ApplicationError(_("This membership has already ended."), code="already_ended")
    membership.revoked_at = timezone.now()
    membership.save(update_fields=["revoked_at", "updated_at"])
    audit_record(
        actor=actor,
        event="membership.ended",
        target=membership,
        reason=reason.strip(),
        target_institution_id=membership.unit.institution_id,
    )
    _tell_auditors_of_end(actor=actor, membership=membership, reason=reason.strip())
    return membership


def in_each_language(text: Any) -> dict[str, str]:
    """``text()`` in Albanian, Serbian (Latin) and English, for a notification each reader sees in their language."""
    out = {}
    for key, language in (("sq", "sq"), ("sr", "sr-latn"), ("en", "en")):
        with translation.override(language):
            out[key] = str(text())
    return out


def _tell_auditors_of_end(*, actor: Actor, membership: Membership, reason: str) -> None:
    """Ending a membership removes access, so it needs no approver; the institution's auditors are told."""
    from kssp.accounts.notification_kinds import ACCESS_CHANGE
    from kssp.core.notifications import kinds as notification_kinds
    from kssp.core.notifications.recipients import members
    from kssp.core.notifications.services import notify_on_commit

    user = membership.user
    notify_on_commit(
        recipients=members(institution_id=membership.unit.institution_id, permission=perms.AUDIT_INSTITUTION),
        kind=ACCESS_CHANGE.code,
        context={
            "who": (actor.user.get_full_name() or actor.user.username) if actor.user is not None else actor.label,
            "institution": notification_kinds.names(membership.unit.institution),
            "what": in_each_language(lambda: _("%(user)s: membership as %(role)s in %(unit)s ended. Reason: %(reason)s") % {
                "user": user.get_full_name() or user.username, "role": membership.role.name, "unit": membership.unit.name,
                "reason": reason}),
            "status": in_each_language(lambda: _("in effect at once")),
        },
        dedupe_key=f"membership_end:{membership.public_id}",
        exclude_user_ids=[actor.user_id] if actor.user_id else [],
    )


@transaction.atomic
def clearance_record(
    *, actor: Actor, user: User, level: int, valid_from: dt.date, valid_until: dt.date, reference: str = "",
    approval: Any = None,
) -> Clearance:
    """Record a clearance decision (applies an approved ``AccessChange``; seeds)."""
    _system_only(actor, approval)
    _require(actor, perms.CLEARANCES_MANAGE)
    if valid_until < valid_from:
        raise _fields_error(_("The clearance was not recorded."), {"valid_until": [_("The expiry is before the start date.")]})
    clearance = Clearance.objects.create(user=user, level=level, valid_from=valid_from, valid_until=valid_until, reference=reference)
    audit_record(
        actor=actor,
        event="clearance.recorded",
        target=user,
        after={"level": level, "valid_until": valid_until, "reference": reference},
        target_institution_id=actor.institution_id,
    )
    return clearance


@transaction.atomic
def role_update(
    *, actor: Actor, role: Role, permissions: list[str] | None = None, scope: str | None = None, privileged: bool | None = None,
    approval: Any = None,
) -> Role:
    _system_only(actor, approval)
    _require(actor, perms.ROLES_MANAGE)
    before = {"permissions": role.permissions, "scope": role.scope, "privileged": role.privileged}
    if permissions is not None:
        unknown = unknown_permissions(permissions)
        if unknown:
            raise _fields_error(
                _("The role was not changed."), {"permissions": [_("Unknown permission: %(code)s") % {"code": c} for c in unknown]}
            )
        role.permissions = sorted(set(permissions))
    if scope is not None:
        if scope not in Scope.values:
            raise _fields_error(_("The role was not changed."), {"scope": [_("Unknown scope.")]})
        role.scope = scope
    if privileged is not None:
        role.privileged = privileged
    role.save()
    audit_record(
        actor=actor,
        event="role.updated",
        target=role,
        before=before,
        after={"permissions": role.permissions, "scope": role.scope, "privileged": role.privileged},
    )
    return role


# --- acting membership, sign-in events ----------------------------------------------------------


@transaction.atomic
def membership_switch(*, actor: Actor, user: User, membership_public_id: Any) -> Membership:
    """Validate a switch of the acting membership; the caller stores the choice in the session."""
    membership = (
        Membership.objects.valid().filter(user=user, public_id=membership_public_id).select_related("unit__institution", "role").first()
    )
    if membership is None:
        raise NotFound()
    audit_record(actor=actor, event="auth.membership_switched", target=membership, after={"membership": str(membership.public_id)})
    return membership


@transaction.atomic
def login_record(*, actor: Actor, success: bool, username: str) -> None:
    event = "auth.login" if success else "auth.login_failed"
    audit_record(actor=actor, event=event, extra={"username": username[:150]})


@transaction.atomic
def logout_record(*, actor: Actor) -> None:
    audit_record(actor=actor, event="auth.logout")


# --- API tokens ------------------------------------------------------------------------------------


@transaction.atomic
def api_token_create(*, actor: Actor, name: str, expires_at: dt.datetime | None = None) -> tuple[ApiToken, str]:
    """Issue a token bound to the acting membership. The key is returned once and stored hashed."""
    _require(actor, perms.API_TOKENS)
    if not name.strip():
        raise _fields_error(_("The token was not created."), {"name": [_("Give the token a name.")]})
    if expires_at is not None and expires_at <= timezone.now():
        raise _fields_error(_("The token was not created."), {"expires_at": [_("The expiry must be in the future.")]})
    key = secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user_id=actor.ids.user_id,
        membership_id=actor.ids.membership_id,
        name=name.strip(),
        prefix=key[:8],
        key_hash=ApiToken.hash_key(key),
        expires_at=expires_at,
    )
    audit_record(actor=actor, event="api_token.created", target=token, after={"name": token.name, "prefix": token.prefix})
    return token, key


@transaction.atomic
def api_token_revoke(*, actor: Actor, token: ApiToken) -> ApiToken:
    if token.user_id != actor.user_id:
        raise NotFound()
    token.revoked_at = timezone.now()
    token.save(update_fields=["revoked_at", "updated_at"])
    audit_record(actor=actor, event="api_token.revoked", target=token)
    return token
