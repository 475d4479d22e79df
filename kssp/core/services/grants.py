"""Sharing a protected record by grant, and revoking it (issue #2 point 4)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kssp.core.audit import audit_record
from kssp.core.exceptions import ApplicationError, NotFound, PermissionDenied
from kssp.core.models.grants import Grant
from kssp.core.notifications import hooks as notifications
from kssp.core.policy import INTELLIGENCE_KIND, Actor, policy_for
from kssp.core.records.registry import declaration_for


def _grant_snapshot(grant: Grant) -> dict[str, Any]:
    return {
        "grant": str(grant.public_id),
        "kind": grant.kind,
        "grantee_type": grant.grantee_type,
        "grantee_institution": grant.grantee_institution.code,
        "grantee_unit": grant.grantee_unit.code if grant.grantee_unit else None,
        "grantee_user": grant.grantee_user.username if grant.grantee_user else None,
        "may_reshare": grant.may_reshare,
        "expires_at": grant.expires_at,
        "legal_basis": grant.legal_basis,
        "reason": grant.reason,
    }


@transaction.atomic
def grant_create(
    *,
    actor: Actor,
    obj: Any,
    grantee_type: str,
    institution: Any = None,
    unit: Any = None,
    user: Any = None,
    reason: str,
    expires_at: dt.datetime | None = None,
    may_reshare: bool = False,
    kind: str = Grant.Kind.SHARE,
    legal_basis: str = "",
) -> Grant:
    """Share ``obj`` with an institution, a unit or a named user.

    Refused, with a field-level error: a grant to oneself; a grantee who could not read the record
    (a named user whose clearance is too low); a grant outlasting the actor's own grant; anything into
    or out of the Intelligence Agency that is not a dissemination with a legal basis. An actor who may
    not see the record gets NotFound, one who sees but may not share gets PermissionDenied.
    """
    policy = policy_for(type(obj))
    if not policy.can(actor, "view", obj):
        raise NotFound()
    if not policy.can(actor, "share", obj):
        raise PermissionDenied(_("You may not share this record."))
    declaration = declaration_for(type(obj))
    if declaration is not None and not declaration.may_share(obj):
        raise ApplicationError(_("This record can no longer be shared."), code="not_shareable")

    errors: dict[str, list[str]] = {}
    reason = (reason or "").strip()
    if not reason:
        errors.setdefault("reason", []).append(_("Give the reason for sharing."))
    if grantee_type not in Grant.GranteeType.values:
        errors.setdefault("grantee_type", []).append(_("Choose whom to share with."))
    if expires_at is not None and expires_at <= timezone.now():
        errors.setdefault("expires_at", []).append(_("The expiry must be in the future."))

    if grantee_type == Grant.GranteeType.UNIT:
        if unit is None:
            errors.setdefault("unit", []).append(_("Choose a unit."))
        else:
            institution = unit.institution
    elif grantee_type == Grant.GranteeType.USER:
        if user is None:
            errors.setdefault("user", []).append(_("Choose a user."))
        elif user.pk == actor.user_id:
            errors.setdefault("user", []).append(_("You cannot share a record with yourself."))
        elif institution is None:
            errors.setdefault("institution", []).append(_("Choose the institution the user acts for."))
        elif not user.memberships.valid().filter(unit__institution=institution).exists():
            errors.setdefault("user", []).append(_("This user has no current membership in the chosen institution."))
        elif user.clearance_level() < obj.classification:
            errors.setdefault("user", []).append(_("This user's security clearance does not reach the record's classification."))
    if grantee_type == Grant.GranteeType.INSTITUTION and institution is None:
        errors.setdefault("institution", []).append(_("Choose an institution."))
    if grantee_type == Grant.GranteeType.INSTITUTION and institution is not None and institution.pk == obj.owner_institution_id:
        errors.setdefault("institution", []).append(_("The owning institution already holds this record."))

    # The actor may pass on no more than the actor has.
    own_grants = [] if policy.in_scope(actor, obj) else policy.active_grants(actor, obj)
    if own_grants:
        limit = max((g.expires_at for g in own_grants if g.expires_at), default=None)
        if any(g.expires_at is None for g in own_grants):
            limit = None
        if limit is not None and (expires_at is None or expires_at > limit):
            errors.setdefault("expires_at", []).append(
                _("The grant cannot outlast your own access, which ends on %(date)s.")
                % {"date": timezone.localtime(limit).strftime("%d.%m.%Y %H:%M")}
            )
        if may_reshare and not any(g.may_reshare for g in own_grants):
            errors.setdefault("may_reshare", []).append(_("You may not allow further sharing."))

    crosses_intelligence = (
        institution is not None and institution.kind == INTELLIGENCE_KIND
    ) or actor.institution_kind == INTELLIGENCE_KIND
    if crosses_intelligence and institution is not None and institution.pk != actor.institution_id:
        if kind != Grant.Kind.DISSEMINATION:
            errors.setdefault("kind", []).append(_("The Intelligence Agency exchanges records only by dissemination."))
        if not legal_basis.strip():
            errors.setdefault("legal_basis", []).append(_("A dissemination needs its legal basis."))
    if kind == Grant.Kind.DISSEMINATION and not legal_basis.strip():
        errors.setdefault("legal_basis", []).append(_("A dissemination needs its legal basis."))

    if not errors:
        # The same grantee twice would be two grants to revoke for one access: refuse the second.
        same = Grant.objects.for_object(obj).active().filter(kind=kind, grantee_type=grantee_type)
        if grantee_type == Grant.GranteeType.INSTITUTION:
            field, same = "institution", same.filter(grantee_institution=institution)
        elif grantee_type == Grant.GranteeType.UNIT:
            field, same = "unit", same.filter(grantee_unit=unit)
        else:
            field, same = "user", same.filter(grantee_user=user, grantee_institution=institution)
        if same.exists():
            errors[field] = [_("The record is already shared with them; revoke that grant first to change it.")]

    if errors:
        raise ApplicationError(_("The record was not shared."), fields=errors)

    grant = Grant.objects.create(
        content_type=ContentType.objects.get_for_model(type(obj)),
        object_id=obj.pk,
        kind=kind,
        grantee_type=grantee_type,
        grantee_institution=institution,
        grantee_unit=unit if grantee_type == Grant.GranteeType.UNIT else None,
        grantee_user=user if grantee_type == Grant.GranteeType.USER else None,
        reason=reason,
        legal_basis=legal_basis.strip(),
        may_reshare=may_reshare,
        expires_at=expires_at,
        granted_by=actor.user,
        granted_by_institution_id=actor.institution_id,
        parent=own_grants[0] if own_grants else None,
    )
    audit_record(actor=actor, event="grant.created", target=obj, after=_grant_snapshot(grant), reason=reason)
    notifications.grant_created(grant)  # the grantee is told, after the commit
    return grant


@transaction.atomic
def grant_revoke(*, actor: Actor, grant: Grant, reason: str) -> Grant:
    """End a grant (and the re-shares made under it). The granter or the owner side may revoke."""
    obj = grant.content_type.get_object_for_this_type(pk=grant.object_id)
    policy = policy_for(type(obj))
    if not policy.can(actor, "view", obj):
        raise NotFound()
    is_granter = grant.granted_by_id == actor.user_id and grant.granted_by_institution_id == actor.institution_id
    if not (is_granter or (policy.in_scope(actor, obj) and policy.can(actor, "share", obj))):
        raise PermissionDenied(_("Only the one who shared or the owner may revoke this grant."))
    if not (reason or "").strip():
        raise ApplicationError(_("The grant was not revoked."), fields={"reason": [_("Give the reason for revoking.")]})
    if grant.revoked_at is not None:
        raise ApplicationError(_("This grant is already revoked."), code="already_revoked")
    now = timezone.now()
    pending = [grant]
    while pending:
        current = pending.pop()
        if current.revoked_at is None:
            current.revoked_at, current.revoked_by, current.revoke_reason = now, actor.user, reason.strip()
            current.save(update_fields=["revoked_at", "revoked_by", "revoke_reason", "updated_at"])
            audit_record(actor=actor, event="grant.revoked", target=obj, before=_grant_snapshot(current), reason=reason.strip())
            notifications.grant_revoked(current)
        pending.extend(current.reshares.filter(revoked_at__isnull=True))
    return grant


def grants_for(*, actor: Actor, obj: Any) -> list[Grant]:
    """Grants on a record, for those who may share it (the owner side) or who made them."""
    policy = policy_for(type(obj))
    qs = Grant.objects.for_object(obj).select_related("grantee_institution", "grantee_unit", "grantee_user", "granted_by")
    if policy.in_scope(actor, obj) and policy.can(actor, "share", obj):
        return list(qs)
    return [g for g in qs if g.granted_by_id == actor.user_id]
