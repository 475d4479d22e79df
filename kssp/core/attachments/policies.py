"""Who sees an attachment and who may add or remove one: exactly those who may see, respectively
change, the record it is attached to (through that record's own policy)."""

from __future__ import annotations

from typing import Any

from django.db.models import Q

from kssp.core.attachments.models import Attachment
from kssp.core.policy import NOTHING, Actor, Policy, register_policy
from kssp.core.records import access as records


class AttachmentPolicy(Policy):
    model = Attachment
    actions = ("view", "remove")

    def visible_q(self, actor: Actor, *, of: Any = None) -> Q:
        """``of``: only attachments of records of that model (or record's type) are asked about."""
        if not actor.is_authenticated:
            return NOTHING
        return records.visible_records_q(actor, "content_type", "object_id", of=of)

    def record_of(self, obj: Attachment) -> Any | None:
        return records.records_by_key({(obj.content_type_id, obj.object_id)}).get((obj.content_type_id, obj.object_id))

    def can(self, actor: Actor, action: str, obj: Attachment) -> bool:
        if not actor.is_authenticated:
            return False
        record = self.record_of(obj)
        if record is None:
            return False
        if action == "view":
            return records.can(actor, "view", record)
        if action == "remove":
            return obj.removed_at is None and records.can(actor, "change", record)
        return False


attachment_policy = AttachmentPolicy()
register_policy(attachment_policy)
