"""Reads on the directory (institutions, units, users, memberships, roles) and API tokens, always
scoped by the actor (ARCHITECTURE rule 2).

TODO(#2): these belong in ``kssp/accounts/selectors.py`` (with the directory pages); they live here
until that module exists.

Rules:

* institutions and roles are reference data: every signed-in actor sees them all;
* units and users need ``directory.view``; the Intelligence Agency's units and staff are seen only
  from inside it (users-review point 4);
* users: those with a valid membership in the actor's institution (every institution but the
  Intelligence Agency for a national scope); administrators (``users.manage``/``memberships.manage``)
  also see anyone who ever held a membership in their institution and accounts that were never
  placed in any unit (a new account they are about to place);
* memberships: one's own, and those in the institutions one administers;
* API tokens: one's own.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet

from kssp.accounts import permissions as perms
from kssp.accounts.models import ApiToken, Institution, Membership, Role, Unit, User
from kssp.core.exceptions import NotFound
from kssp.core.policy import INTELLIGENCE_KIND, Actor, Scope


def _get(qs: QuerySet[Any], **lookup: Any) -> Any:
    try:
        obj = qs.filter(**lookup).first()
    except (ValueError, TypeError):  # a malformed key is a missing record
        obj = None
    if obj is None:
        raise NotFound()
    return obj


def _institutions_in_sight_q(actor: Actor, prefix: str) -> Q:
    """Institutions whose staff and structure the actor may see: not the Intelligence Agency's, unless
    the actor is in it."""
    return ~Q(**{f"{prefix}kind": INTELLIGENCE_KIND}) | Q(**{f"{prefix}pk": actor.institution_id})


def _administers_q(actor: Actor, prefix: str) -> Q:
    """Institutions the actor administers: its own, or every one in sight for a national scope."""
    if actor.effective_scope == Scope.NATIONAL:
        return _institutions_in_sight_q(actor, prefix)
    return Q(**{f"{prefix}pk": actor.institution_id})


def is_administrator(actor: Actor) -> bool:
    return actor.has_perm(perms.MEMBERSHIPS_MANAGE) or actor.has_perm(perms.USERS_MANAGE)


# --- institutions, units, roles ----------------------------------------------------------------


def institution_list_visible_to(*, actor: Actor) -> QuerySet[Institution]:
    if not actor.is_authenticated:
        return Institution.objects.none()
    return Institution.objects.select_related("administrative_owner").order_by("code")


def institution_get_visible_to(*, actor: Actor, public_id: Any) -> Institution:
    return _get(institution_list_visible_to(actor=actor), public_id=public_id)  # type: ignore[no-any-return]


def institution_list_administered_by(*, actor: Actor) -> QuerySet[Institution]:
    if not actor.is_authenticated or not actor.has_perm(perms.MEMBERSHIPS_MANAGE):
        return Institution.objects.none()
    return Institution.objects.filter(_administers_q(actor, "")).order_by("code")


def unit_list_visible_to(*, actor: Actor) -> QuerySet[Unit]:
    if not actor.is_authenticated or not actor.has_perm(perms.DIRECTORY_VIEW):
        return Unit.objects.none()
    return (
        Unit.objects.filter(_institutions_in_sight_q(actor, "institution__"))
        .select_related("institution", "parent")
        .order_by("institution__code", "path")
    )


def unit_get_visible_to(*, actor: Actor, public_id: Any) -> Unit:
    return _get(unit_list_visible_to(actor=actor), public_id=public_id)  # type: ignore[no-any-return]


def unit_list_administered_by(*, actor: Actor) -> QuerySet[Unit]:
    if not actor.is_authenticated or not actor.has_perm(perms.MEMBERSHIPS_MANAGE):
        return Unit.objects.none()
    return Unit.objects.filter(_administers_q(actor, "institution__")).select_related("institution")


def role_list_visible_to(*, actor: Actor) -> QuerySet[Role]:
    if not actor.is_authenticated:
        return Role.objects.none()
    return Role.objects.order_by("code")


def role_get_visible_to(*, actor: Actor, code: str) -> Role:
    return _get(role_list_visible_to(actor=actor), code=code)  # type: ignore[no-any-return]


# --- users and memberships -----------------------------------------------------------------------


def _membership_scope_q(actor: Actor, prefix: str = "") -> Q:
    """Memberships (as a filter on ``prefix``+membership fields) in the part of the directory in sight."""
    if actor.effective_scope == Scope.NATIONAL:
        return _institutions_in_sight_q(actor, f"{prefix}unit__institution__")
    return Q(**{f"{prefix}unit__institution_id": actor.institution_id})


def user_list_visible_to(*, actor: Actor) -> QuerySet[User]:
    if not actor.is_authenticated:
        return User.objects.none()
    admin = is_administrator(actor)
    if not actor.has_perm(perms.DIRECTORY_VIEW) and not admin:
        return User.objects.none()
    valid = Membership.objects.valid().filter(user=OuterRef("pk"))
    q: Any = Exists(valid.filter(_membership_scope_q(actor)))
    if admin:
        q = q | Exists(Membership.objects.filter(user=OuterRef("pk")).filter(_administers_q(actor, "unit__institution__")))
        # A new account not yet placed anywhere (former staff of another institution stay out of sight).
        q = q | ~Exists(Membership.objects.filter(user=OuterRef("pk")))
    in_sight = Membership.objects.valid().filter(_membership_scope_q(actor)).select_related("unit__institution", "role")
    return (
        User.objects.filter(q, public_id__isnull=False, is_active=True)
        .prefetch_related(Prefetch("memberships", queryset=in_sight.order_by("valid_from", "pk"), to_attr="memberships_in_sight"))
        .order_by("username")
    )


def user_get_visible_to(*, actor: Actor, public_id: Any) -> User:
    return _get(user_list_visible_to(actor=actor), public_id=public_id)  # type: ignore[no-any-return]


def user_for_grant(*, actor: Actor, public_id: Any, institution: Institution | None) -> User | None:
    """A named grantee: a user with a valid membership in ``institution`` (which must be in sight), or
    with no institution given, a user in the actor's directory."""
    if not actor.is_authenticated:
        return None
    if institution is None:
        qs = user_list_visible_to(actor=actor)
    else:
        if institution.kind == INTELLIGENCE_KIND and institution.pk != actor.institution_id:
            return None
        qs = User.objects.filter(
            Exists(Membership.objects.valid().filter(user=OuterRef("pk"), unit__institution=institution)), is_active=True
        )
    try:
        return qs.filter(public_id=public_id).first()
    except (ValueError, TypeError):
        return None


def membership_list_visible_to(*, actor: Actor) -> QuerySet[Membership]:
    if not actor.is_authenticated:
        return Membership.objects.none()
    q = Q(user_id=actor.user_id)
    if actor.has_perm(perms.MEMBERSHIPS_MANAGE):
        q |= _administers_q(actor, "unit__institution__")
    return (
        Membership.objects.filter(q)
        .select_related("user", "unit__institution", "role")
        .order_by("user__username", "valid_from", "pk")
    )


def membership_get_visible_to(*, actor: Actor, public_id: Any) -> Membership:
    return _get(membership_list_visible_to(actor=actor), public_id=public_id)  # type: ignore[no-any-return]


# --- API tokens -----------------------------------------------------------------------------------


def api_token_list_visible_to(*, actor: Actor) -> QuerySet[ApiToken]:
    user_id = actor.user_id
    if not actor.is_authenticated or user_id is None:
        return ApiToken.objects.none()
    return (
        ApiToken.objects.filter(user_id=user_id)
        .select_related("membership__unit__institution", "membership__role")
        .order_by("-created_at", "-pk")
    )


def api_token_get_visible_to(*, actor: Actor, public_id: Any) -> ApiToken:
    return _get(api_token_list_visible_to(actor=actor), public_id=public_id)  # type: ignore[no-any-return]
