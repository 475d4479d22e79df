"""A notification is its recipient's alone: no scope, no grant, no exception."""

from __future__ import annotations

from typing import Any

from django.db.models import Q

from kssp.core.notifications.models import Notification
from kssp.core.policy import NOTHING, Actor, Policy, register_policy


class NotificationPolicy(Policy):
    model = Notification
    actions = ("view", "change")

    def visible_q(self, actor: Actor) -> Q:
        if actor.user is None:
            return NOTHING
        return Q(recipient_id=actor.user_id)

    def can(self, actor: Actor, action: str, obj: Any) -> bool:
        return actor.user is not None and action in self.actions and obj.recipient_id == actor.user_id


notification_policy = register_policy(NotificationPolicy())
