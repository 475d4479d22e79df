"""Who sees and who may remove a record link.

A link is visible exactly when the actor may see both of its ends (each through its own policy), so a
link never tells that a record one may not see exists; it may be removed by whoever may change either
end.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q

from kssp.core.links.models import RecordLink
from kssp.core.policy import NOTHING, Actor, Policy, register_policy
from kssp.core.records import access as records


def link_ends(link: RecordLink) -> tuple[Any | None, Any | None]:
    """The two records of a link (None for an end whose type is no longer a record type)."""
    found = records.records_by_key({(link.from_type_id, link.from_id), (link.to_type_id, link.to_id)})
    return found.get((link.from_type_id, link.from_id)), found.get((link.to_type_id, link.to_id))


class RecordLinkPolicy(Policy):
    model = RecordLink
    actions = ("view", "remove")

    def visible_q(self, actor: Actor) -> Q:
        if not actor.is_authenticated:
            return NOTHING
        return records.visible_records_q(actor, "from_type", "from_id") & records.visible_records_q(actor, "to_type", "to_id")

    def can(self, actor: Actor, action: str, obj: RecordLink) -> bool:
        if not actor.is_authenticated:
            return False
        source, target = link_ends(obj)
        if source is None or target is None:
            return False
        if not (records.can(actor, "view", source) and records.can(actor, "view", target)):
            return False
        if action == "view":
            return True
        if action == "remove":
            return obj.removed_at is None and (records.can(actor, "change", source) or records.can(actor, "change", target))
        return False


record_link_policy = RecordLinkPolicy()
register_policy(record_link_policy)
