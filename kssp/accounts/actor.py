"""Building the ``Actor`` (kssp.core.policy) from a user and the membership they act as."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from kssp.accounts.models import Membership, User
from kssp.core.policy import Actor


def memberships_of(user: User) -> list[Membership]:
    return list(
        Membership.objects.valid()
        .filter(user=user)
        .select_related("unit__institution", "role")
        .order_by("valid_from", "pk")
    )


def actor_for(
    user: User | None,
    membership: Membership | None,
    *,
    source: str = "web",
    request_id: str | None = None,
    ip: str | None = None,
) -> Actor:
    """The actor for ``user`` acting as ``membership`` (which must be the user's and valid today)."""
    extra: dict[str, Any] = {"source": source, "ip": ip}
    if request_id:
        extra["request_id"] = request_id
    if user is None or not user.is_active:
        return Actor(user=None, label="anonymous", **extra)
    if membership is None or membership.user_id != user.pk or not membership.is_valid():
        return Actor(user=user, label=user.username, **extra)
    unit = membership.unit
    role = membership.role
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
        **extra,
    )


SESSION_KEY = "kssp_membership_id"


def request_memberships(request: HttpRequest, user: User) -> list[Membership]:
    """``memberships_of(user)`` read once per request (the actor and the account bar both need them)."""
    cached = getattr(request, "_kssp_memberships", None)
    if cached is None or cached[0] != user.pk:
        cached = (user.pk, memberships_of(user))
        request._kssp_memberships = cached  # type: ignore[attr-defined]
    return cached[1]


def acting_membership(request: HttpRequest, user: User) -> Membership | None:
    """The membership chosen in the session if still valid, else the user's first valid one."""
    options = request_memberships(request, user)
    chosen = request.session.get(SESSION_KEY)
    for membership in options:
        if membership.pk == chosen:
            return membership
    return options[0] if options else None


def actor_from_request(request: HttpRequest) -> Actor:
    user = request.user if getattr(request, "user", None) is not None and request.user.is_authenticated else None
    membership = acting_membership(request, user) if user is not None else None  # type: ignore[arg-type]
    return actor_for(
        user,  # type: ignore[arg-type]
        membership,
        source=getattr(request, "source", "web"),
        request_id=getattr(request, "request_id", None),
        ip=getattr(request, "client_ip", None),
    )
