"""The policy of a declared record type, derived from its declaration.

* A protected record (``ProtectedRecord``) gets the kernel's need-to-know policy (scope, clearance,
  handling code, grants) with the declaration's permission codes; ``append_only`` takes away "change".
* A dependent record (``parent`` set) is visible exactly when its parent is, changed by whoever may
  change the parent, and never shared on its own.
* In both, the declaration's ``narrow_q``/``narrow`` is ANDed in: it can hide, never reveal.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db.models import Q

from kssp.core.policy import NOTHING, Actor, Policy, ProtectedRecordPolicy

if TYPE_CHECKING:
    from kssp.core.records.declaration import RecordType


class DeclaredPolicy(ProtectedRecordPolicy):
    declaration: RecordType

    def __init__(self, declaration: RecordType):
        self.declaration = declaration
        self.model = declaration.model  # type: ignore[misc]
        self.view_perm = declaration.view_perm  # type: ignore[misc]
        self.change_perm = declaration.change_perm  # type: ignore[misc]
        self.share_perm = declaration.share_perm  # type: ignore[misc]

    def visible_q(self, actor: Actor) -> Q:
        q = super().visible_q(actor)
        extra = self.declaration.narrow_q(actor)
        return q & extra if extra is not None and q is not NOTHING else q

    def can(self, actor: Actor, action: str, obj: Any) -> bool:
        if action == "change" and self.declaration.append_only:
            return False
        if not super().can(actor, action, obj):
            return False
        return self.declaration.narrow(actor, obj)


class DependentPolicy(Policy):
    """Visibility inherited from the parent record."""

    actions = ("view", "change")

    def __init__(self, declaration: RecordType):
        self.declaration = declaration
        self.model = declaration.model  # type: ignore[misc]

    @property
    def parent_declaration(self) -> RecordType:
        from kssp.core.records.registry import declaration_for

        parent = declaration_for(self.declaration.parent_model)
        if parent is None:
            raise LookupError(f"{self.declaration.label}: parent {self.declaration.parent_model} is not declared")
        return parent

    def _permitted(self, actor: Actor) -> bool:
        return not self.declaration.view_perm or actor.has_perm(self.declaration.view_perm)

    def visible_q(self, actor: Actor) -> Q:
        if not actor.is_authenticated or not self._permitted(actor):
            return NOTHING
        parent = self.parent_declaration
        parents = parent.model._default_manager.visible_to(actor).values("pk")  # type: ignore[attr-defined]
        q = Q(**{f"{self.declaration.parent}__in": parents})
        extra = self.declaration.narrow_q(actor)
        return q & extra if extra is not None else q

    def can(self, actor: Actor, action: str, obj: Any) -> bool:
        if not actor.is_authenticated or not self._permitted(actor):
            return False
        parent_obj = getattr(obj, str(self.declaration.parent))
        parent = self.parent_declaration
        if action == "view":
            allowed = parent.can(actor, "view", parent_obj)
        elif action == "change":
            allowed = (
                not self.declaration.append_only
                and parent.can(actor, "change", parent_obj)
                and (not self.declaration.change_perm or actor.has_perm(self.declaration.change_perm))
            )
        else:
            return False
        return allowed and self.declaration.narrow(actor, obj)

    def in_scope(self, actor: Actor, obj: Any) -> bool:
        return self.parent_declaration.policy.in_scope(actor, getattr(obj, str(self.declaration.parent)))


def policy_for_declaration(declaration: RecordType) -> Policy:
    if declaration.is_dependent:
        return DependentPolicy(declaration)
    return DeclaredPolicy(declaration)
