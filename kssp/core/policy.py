"""The policy layer (ARCHITECTURE rule 3): one policy per model, with two faces that must agree.

* ``visible_q(actor)`` is a database filter, used by every list, count, search and export;
* ``can(actor, action, obj)`` answers for one loaded record.

``ProtectedRecordPolicy`` is the need-to-know mechanism every module reuses: clearance ≥ classification,
and either the record lies in the acting membership's scope or an active grant names the actor, the
actor's unit (or an ancestor unit) or the actor's institution. Anything else is invisible and answers
404. The two audited exceptions (existence-only hit notices, aggregate statistics) live in
``kssp.core.exceptions_access``; there are no others.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any, ClassVar

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kssp.core.markings import NO_RESHARE_HANDLING


class Scope(models.TextChoices):
    OWN_UNIT = "own_unit", _("own unit")
    UNIT_SUBTREE = "unit_subtree", _("unit and the units below it")
    INSTITUTION = "institution", _("whole institution")
    NATIONAL = "national", _("national")


INTELLIGENCE_KIND = "intelligence"


@dataclass(frozen=True)
class ActingIds:
    """The ids of an authenticated actor, non-optional (for services that write on its behalf)."""

    user_id: int
    membership_id: int
    institution_id: int
    unit_id: int


@dataclass(frozen=True)
class Actor:
    """Who is acting, as which membership, from where. Built once per request, task or command and
    passed explicitly to every selector and service (never read from a global)."""

    user: Any  # the accounts User (core does not import accounts), or None for the system
    label: str
    membership_id: int | None = None
    institution_id: int | None = None
    institution_kind: str = ""
    unit_id: int | None = None
    unit_path: str = ""
    unit_ancestor_ids: tuple[int, ...] = ()
    role_code: str = ""
    scope: str = Scope.OWN_UNIT
    permissions: frozenset[str] = field(default_factory=frozenset)
    clearance: int = 0
    privileged: bool = False
    source: str = "web"
    request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    ip: str | None = None

    @property
    def user_id(self) -> int | None:
        return self.user.pk if self.user is not None else None

    @property
    def is_authenticated(self) -> bool:
        return self.user is not None and self.membership_id is not None

    @property
    def ids(self) -> ActingIds:
        if self.user is None or self.membership_id is None or self.institution_id is None or self.unit_id is None:
            raise PermissionError("this operation needs a signed-in actor acting as a membership")
        return ActingIds(self.user.pk, self.membership_id, self.institution_id, self.unit_id)

    def has_perm(self, code: str) -> bool:
        return code in self.permissions

    @property
    def effective_scope(self) -> str:
        # The Intelligence Agency never sees into another tenant by scope (users-review point 4).
        if self.scope == Scope.NATIONAL and self.institution_kind == INTELLIGENCE_KIND:
            return Scope.INSTITUTION
        return self.scope

    @classmethod
    def system(cls, label: str = "system", *, source: str = "system") -> Actor:
        return cls(user=None, label=label, source=source)


class Policy:
    """Base of every model policy. Subclasses set ``model`` and implement both faces."""

    model: ClassVar[type[Any]]
    actions: ClassVar[tuple[str, ...]] = ("view",)

    def visible_q(self, actor: Actor) -> Q:
        raise NotImplementedError

    def can(self, actor: Actor, action: str, obj: Any) -> bool:
        raise NotImplementedError

    def visible(self, actor: Actor) -> models.QuerySet[Any]:
        manager = self.model._default_manager
        if hasattr(manager, "visible_to"):  # a declared record type: the same filter, scoped
            return manager.visible_to(actor)  # type: ignore[no-any-return]
        return manager.filter(self.visible_q(actor))

    def in_scope(self, actor: Actor, obj: Any) -> bool:
        """Whether ``obj`` lies in the actor's own reach (not by grant). Models without scope: no."""
        return False

    def active_grants(self, actor: Actor, obj: Any) -> list[Any]:
        return []


NOTHING = Q(pk__in=[])

_registry: dict[type[Any], Policy] = {}


def register_policy(policy: Policy) -> Policy:
    _registry[policy.model] = policy
    return policy


def unregister_policy(model: type[Any]) -> None:
    _registry.pop(model, None)


def policy_for(model: type[Any]) -> Policy:
    return _registry[model]


def registered_policies() -> dict[type[Any], Policy]:
    return dict(_registry)


class ProtectedRecordPolicy(Policy):
    """Need-to-know for models built on ``kssp.core.models.ProtectedRecord``.

    ``view_perm``, ``change_perm`` and ``share_perm`` are permission codes from the role catalogue.
    Grants give sight (and, with ``may_reshare``, the right to pass the record on); changing a record
    needs the owner's scope.
    """

    view_perm: ClassVar[str]
    change_perm: ClassVar[str]
    share_perm: ClassVar[str]
    actions = ("view", "change", "share")

    # --- the database face -------------------------------------------------------------------
    def scope_q(self, actor: Actor) -> Q:
        scope = actor.effective_scope
        if scope == Scope.NATIONAL:
            return ~Q(owner_institution__kind=INTELLIGENCE_KIND) | Q(owner_institution_id=actor.institution_id)
        if scope == Scope.INSTITUTION:
            return Q(owner_institution_id=actor.institution_id)
        if scope == Scope.UNIT_SUBTREE:
            return Q(owner_unit__path__startswith=actor.unit_path)
        return Q(owner_unit_id=actor.unit_id)

    def grant_q(self, actor: Actor) -> Q:
        from kssp.core.models.grants import Grant

        ids = Grant.objects.active().for_model(self.model).naming(actor).values("object_id")
        return Q(pk__in=ids)

    def visible_q(self, actor: Actor) -> Q:
        if not actor.is_authenticated or not actor.has_perm(self.view_perm):
            return NOTHING
        return Q(classification__lte=actor.clearance) & (self.scope_q(actor) | self.grant_q(actor))

    # --- the Python face ---------------------------------------------------------------------
    def in_scope(self, actor: Actor, obj: Any) -> bool:
        scope = actor.effective_scope
        if scope == Scope.NATIONAL:
            return obj.owner_institution.kind != INTELLIGENCE_KIND or obj.owner_institution_id == actor.institution_id
        if scope == Scope.INSTITUTION:
            return bool(obj.owner_institution_id == actor.institution_id)
        if scope == Scope.UNIT_SUBTREE:
            return bool(obj.owner_unit.path.startswith(actor.unit_path))
        return bool(obj.owner_unit_id == actor.unit_id)

    def active_grants(self, actor: Actor, obj: Any) -> list[Any]:
        from kssp.core.models.grants import Grant

        return list(Grant.objects.active().for_object(obj).naming(actor))

    def can(self, actor: Actor, action: str, obj: Any) -> bool:
        if not actor.is_authenticated or not actor.has_perm(self.view_perm):
            return False
        if obj.classification > actor.clearance:
            return False
        in_scope = self.in_scope(actor, obj)
        grants = [] if in_scope else self.active_grants(actor, obj)
        if not in_scope and not grants:
            return False
        if action == "view":
            return True
        if action == "change":
            return in_scope and actor.has_perm(self.change_perm)
        if action == "share":
            if not actor.has_perm(self.share_perm):
                return False
            if in_scope:
                return True
            if obj.handling_code in NO_RESHARE_HANDLING:
                return False
            return any(g.may_reshare for g in grants)
        return False


def now() -> Any:
    return timezone.now()
