"""Who receives a notification: people found through their memberships.

The kernel does not import ``kssp.accounts``; memberships, users and clearances are reached through
the ORM by app label (``apps.get_model("accounts", …)``). Functions return ``Recipient`` values that
``services.notify`` accepts.

``membership_actor`` builds the ``Actor`` a membership would act as, to ask a policy whether a person
could see a record (never to write in that person's name). ``accounts`` may plug in its own builder
with ``register_actor_factory(actor_for)``; the fallback below mirrors it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.apps import apps
from django.db.models import Q
from django.utils import timezone

from kssp.core.policy import Actor

logger = logging.getLogger(__name__)

#: No event notifies more people than this (an institution-wide grant in a large institution).
MAX_RECIPIENTS = 200


@dataclass(frozen=True)
class Recipient:
    user_id: int
    membership_id: int | None = None
    unit_id: int | None = None
    institution_id: int | None = None


def _membership_model() -> Any:
    return apps.get_model("accounts", "Membership")


def valid_memberships() -> Any:
    """Today's valid memberships of active users, with unit, institution, role and user loaded."""
    return (
        _membership_model()
        .objects.valid()
        .filter(user__is_active=True)
        .select_related("user", "role", "unit__institution")
        .order_by("user_id", "valid_from", "pk")
    )


def _cleared_user_ids(user_ids: Iterable[int], level: int) -> set[int]:
    if level <= 0:
        return set(user_ids)
    today = timezone.localdate()
    clearance = apps.get_model("accounts", "Clearance")
    return set(
        clearance.objects.filter(
            user_id__in=list(user_ids), revoked_at__isnull=True, valid_from__lte=today, valid_until__gte=today, level__gte=level
        ).values_list("user_id", flat=True)
    )


def members(
    *,
    unit_ids: Iterable[int] | None = None,
    unit_path_prefix: str | None = None,
    institution_id: int | None = None,
    permission: str | None = None,
    any_permission: Iterable[str] = (),
    min_clearance: int = 0,
    exclude_user_ids: Iterable[int] = (),
    limit: int = MAX_RECIPIENTS,
) -> list[Recipient]:
    """One recipient per person among the valid memberships that match every criterion given.

    ``permission``: the role must hold it; ``any_permission``: at least one of them; ``min_clearance``:
    the person's valid clearance reaches this level (a record's classification). A person with two
    matching memberships is addressed as the first one.
    """
    q = Q()
    if unit_ids is not None:
        q &= Q(unit_id__in=list(unit_ids))
    if unit_path_prefix is not None:
        q &= Q(unit__path__startswith=unit_path_prefix)
    if institution_id is not None:
        q &= Q(unit__institution_id=institution_id)
    wanted_any = tuple(any_permission)
    excluded = set(exclude_user_ids)
    chosen: dict[int, Recipient] = {}
    for membership in valid_memberships().filter(q):
        if membership.user_id in chosen or membership.user_id in excluded:
            continue
        perms = set(membership.role.permissions or ())
        if permission and permission not in perms:
            continue
        if wanted_any and not perms.intersection(wanted_any):
            continue
        chosen[membership.user_id] = Recipient(
            membership.user_id, membership.pk, membership.unit_id, membership.unit.institution_id
        )
    if min_clearance:
        cleared = _cleared_user_ids(chosen, min_clearance)
        chosen = {uid: r for uid, r in chosen.items() if uid in cleared}
    result = list(chosen.values())
    if len(result) > limit:
        logger.warning("notification recipients capped at %s of %s", limit, len(result))
        result = result[:limit]
    return result


def user_in_institution(user_id: int, institution_id: int | None) -> Recipient:
    """A named person, addressed as their membership in ``institution_id`` when they have one."""
    qs = valid_memberships().filter(user_id=user_id)
    if institution_id is not None:
        qs = qs.filter(unit__institution_id=institution_id)
    membership = qs.first()
    if membership is None:
        return Recipient(user_id, None, None, institution_id)
    return Recipient(user_id, membership.pk, membership.unit_id, membership.unit.institution_id)


# --- the actor a membership would act as ---------------------------------------------------------

ActorFactory = Callable[..., Actor]
_actor_factory: list[ActorFactory] = []


def register_actor_factory(factory: ActorFactory) -> None:
    """``factory(user, membership, source=...)`` → Actor (``kssp.accounts.actor.actor_for``)."""
    _actor_factory[:] = [factory]


def membership_actor(membership: Any) -> Actor:
    """The actor ``membership`` acts as, for policy questions ("could this person see it?")."""
    user = membership.user
    if _actor_factory:
        return _actor_factory[0](user, membership, source="system")
    if not user.is_active or not membership.is_valid():
        return Actor(user=user, label=user.username, source="system")
    unit, role = membership.unit, membership.role
    return Actor(
        user=user,
        label=f"{user.username} ({role.code}@{unit.institution.code})",
        membership_id=membership.pk,
        institution_id=unit.institution_id,
        institution_kind=unit.institution.kind,
        unit_id=unit.pk,
        unit_path=unit.path,
        unit_ancestor_ids=unit.ancestor_ids(),
        role_code=role.code,
        scope=role.scope,
        permissions=frozenset(role.permissions),
        clearance=user.clearance_level(),
        privileged=role.privileged,
        source="system",
    )
