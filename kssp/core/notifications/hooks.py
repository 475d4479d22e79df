"""Notifications for the kernel's own events, scheduled after the commit of the service that raised them.

* ``hit_notices_created``: an existence-only check hit records a unit holds → the members of that
  unit who may read that type of record are told who checked and why (one notification per unit and
  check; the record is linked only for a single hit, and only to those who may see it).
* ``grant_created`` / ``grant_revoked``: the grantee is told — a named user; the members of a unit
  (and its sub-units) who may read the type; for an institution, its members who may read *and share*
  the type (those who route incoming material), or if none, those who may read it. Only people whose
  clearance reaches the record's classification are told; the granter is not.

The callbacks are robust (a failure is logged and never undoes the grant or the check).
"""

from __future__ import annotations

import functools
from collections import defaultdict
from typing import Any

from django.db import transaction

from kssp.core.models.scoping import every_row
from kssp.core.notifications import kinds


def _on_commit(func: Any, *args: Any) -> None:
    transaction.on_commit(functools.partial(func, *args), robust=True)


# --- hit notices ---------------------------------------------------------------------------------------


def hit_notices_created(notices: list[Any]) -> None:
    if notices:
        _on_commit(_notify_hit_notices, [n.pk for n in notices])


def hit_check_limit_reached(notices: list[Any]) -> None:
    """A user reached the per-record limit of checks on records a unit holds: its members are told."""
    if notices:
        _on_commit(_notify_hit_notices, [n.pk for n in notices], kinds.HIT_CHECK_LIMIT.code)


def _notify_hit_notices(ids: list[int], kind: str = kinds.HIT_NOTICE.code) -> None:
    from kssp.core.models.notices import HitNotice
    from kssp.core.notifications.recipients import members
    from kssp.core.notifications.services import notify
    from kssp.core.notifications.targets import policy_of

    notices = list(
        HitNotice.objects.filter(pk__in=ids).select_related(
            "content_type", "searcher", "searcher_unit", "searcher_institution"
        ).order_by("pk")
    )
    by_unit: dict[int, list[HitNotice]] = defaultdict(list)
    for notice in notices:
        by_unit[notice.owner_unit_id].append(notice)
    for unit_id, group in by_unit.items():
        first = group[0]
        model = first.content_type.model_class()
        policy = policy_of(model) if model is not None else None
        target = None
        if model is not None and len(group) == 1:
            target = every_row(model, reason="the record a hit notice names, for its owner").filter(pk=first.object_id).first()
        notify(
            recipients=members(unit_ids=[unit_id], permission=getattr(policy, "view_perm", None)),
            kind=kind,
            target=target,
            context={
                "searcher": str(first.searcher),
                "searcher_unit": kinds.names(first.searcher_unit),
                "searcher_institution": kinds.names(first.searcher_institution),
                "count": len(group),
                "purpose": first.purpose,
                "limit": hit_check_limit(),
            },
            dedupe_key=f"{kind}:{first.public_id}",
            exclude_user_ids=[first.searcher_id],
        )


def hit_check_limit() -> int:
    from django.conf import settings

    return int(getattr(settings, "KSSP_HIT_CHECK_PER_RECORD", 5))


# --- grants ----------------------------------------------------------------------------------------------


def grant_created(grant: Any) -> None:
    _on_commit(_notify_grant, grant.pk, kinds.GRANT_RECEIVED.code)


def grant_revoked(grant: Any) -> None:
    _on_commit(_notify_grant, grant.pk, kinds.GRANT_REVOKED.code)


def grant_recipients(grant: Any, record: Any) -> list[Any]:
    from kssp.core.models.grants import Grant
    from kssp.core.notifications.recipients import members, user_in_institution
    from kssp.core.notifications.targets import policy_of

    policy = policy_of(type(record))
    view_perm = getattr(policy, "view_perm", None)
    share_perm = getattr(policy, "share_perm", None)
    level = int(getattr(record, "classification", 0) or 0)
    if grant.grantee_type == Grant.GranteeType.USER and grant.grantee_user_id:
        return [user_in_institution(grant.grantee_user_id, grant.grantee_institution_id)]
    if grant.grantee_type == Grant.GranteeType.UNIT and grant.grantee_unit_id:
        return members(unit_path_prefix=grant.grantee_unit.path, permission=view_perm, min_clearance=level)
    routing = members(
        institution_id=grant.grantee_institution_id, permission=view_perm,
        any_permission=[share_perm] if share_perm else (), min_clearance=level,
    )
    return routing or members(institution_id=grant.grantee_institution_id, permission=view_perm, min_clearance=level)


def _grantee_name(grant: Any) -> Any:
    from kssp.core.models.grants import Grant

    if grant.grantee_type == Grant.GranteeType.USER and grant.grantee_user_id:
        return str(grant.grantee_user)
    if grant.grantee_type == Grant.GranteeType.UNIT and grant.grantee_unit_id:
        return kinds.names(grant.grantee_unit)
    return kinds.names(grant.grantee_institution)


def _notify_grant(pk: int, kind: str) -> None:
    from kssp.core.models.grants import Grant
    from kssp.core.notifications.services import notify

    grant = Grant.objects.select_related(
        "content_type", "grantee_institution", "grantee_unit", "grantee_user", "granted_by_institution"
    ).get(pk=pk)
    model = grant.content_type.model_class()
    record = None
    if model is not None:
        record = every_row(model, reason="the record of a grant, to tell the grantee").filter(pk=grant.object_id).first()
    if record is None:
        return
    actor_user = grant.revoked_by_id if kind == kinds.GRANT_REVOKED.code else grant.granted_by_id
    notify(
        recipients=grant_recipients(grant, record),
        kind=kind,
        target=record,
        context={
            "granter_institution": kinds.names(grant.granted_by_institution or getattr(record, "owner_institution", None)),
            "record_type": kinds.record_type(model),
            "grantee": _grantee_name(grant),
        },
        dedupe_key=f"{kind}:{grant.public_id}",
        exclude_user_ids=[actor_user] if actor_user else [],
    )
