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

from typing import Any, ClassVar

from django.db import models
from django.db.models import Q
from django.utils import timezone

# Who is acting lives below the models (kssp.core.actor); re-exported here, where callers have always found it.
from kssp.core.actor import INTELLIGENCE_KIND as INTELLIGENCE_KIND
from kssp.core.actor import ActingIds as ActingIds
from kssp.core.actor import Actor as Actor
from kssp.core.actor import Scope as Scope
from kssp.core.markings import NO_RESHARE_HANDLING


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
            # The subtree as unit ids, not a join on the unit path: an index on ``owner_unit`` serves it.
            return Q(owner_unit_id__in=actor.unit_subtree_ids)
        return Q(owner_unit_id=actor.unit_id)

    def grant_q(self, actor: Actor) -> Q:
        from kssp.core.models.grants import Grant

        ids = Grant.objects.active().for_model(self.model).naming(actor).values("object_id")
        return Q(pk__in=ids)

    def visible_q(self, actor: Actor) -> Q:
        if not actor.is_authenticated or not actor.has_perm(self.view_perm):
            return NOTHING
        # A record an import is still writing (``import_pending``) is nobody's until the import's final switch.
        return Q(import_pending__isnull=True, classification__lte=actor.clearance) & (self.scope_q(actor) | self.grant_q(actor))

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
        if obj.classification > actor.clearance or getattr(obj, "import_pending", None) is not None:
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
