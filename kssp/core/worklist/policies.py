"""Who sees and handles a work item: whoever may see its record, and no one else.

* ``view``: the actor may see the record (its own policy decides: scope, clearance, grants);
* ``change`` (edit, assign, cancel, reopen): ``view`` and either the record's ``change`` or the actor
  created the task;
* ``complete``: ``change``, or the actor is the assignee (or, for a unit's task, acts in that unit).

Records that can carry tasks: every model whose policy is registered and which is a
``ProtectedRecord``, and any other model registered with ``register_attachable``.
"""

from __future__ import annotations

from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q

from kssp.core.models.grants import ProtectedRecord
from kssp.core.policy import NOTHING, Actor, Policy, register_policy, registered_policies
from kssp.core.worklist.models import WorkItem

_extra_attachable: set[type[models.Model]] = set()


def register_attachable(model: type[models.Model]) -> None:
    """Let tasks attach to ``model`` (its policy must be registered; ProtectedRecords need not)."""
    _extra_attachable.add(model)


def attachable_policies() -> dict[type[models.Model], Policy]:
    return {
        model: policy
        for model, policy in registered_policies().items()
        if (issubclass(model, ProtectedRecord) or model in _extra_attachable) and model is not WorkItem
    }


def is_assignee(actor: Actor, item: WorkItem) -> bool:
    if actor.user is None:
        return False
    if item.assignee_id is not None:
        return bool(item.assignee_id == actor.user_id)
    return item.assigned_unit_id == actor.unit_id


class WorkItemPolicy(Policy):
    model = WorkItem
    actions = ("view", "change", "complete")

    def visible_q(self, actor: Actor) -> Q:
        if not actor.is_authenticated:
            return NOTHING
        q = NOTHING
        for model, policy in attachable_policies().items():
            visible = policy.visible(actor).values("pk")
            q |= Q(content_type=ContentType.objects.get_for_model(model), object_id__in=visible)
        return q

    def record_policy(self, item: WorkItem) -> Policy | None:
        model = item.content_type.model_class()
        return attachable_policies().get(model) if model is not None else None

    def can(self, actor: Actor, action: str, obj: Any) -> bool:
        if not actor.is_authenticated or action not in self.actions:
            return False
        policy = self.record_policy(obj)
        record = obj.record
        if policy is None or record is None or not policy.can(actor, "view", record):
            return False
        if action == "view":
            return True
        may_change = bool(policy.can(actor, "change", record)) or obj.created_by_id == actor.user_id
        if action == "change":
            return may_change
        return may_change or is_assignee(actor, obj)


work_item_policy = register_policy(WorkItemPolicy())
