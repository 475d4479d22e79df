"""The owner side of existence-only hit notices (issue #2 point 4): acknowledging one."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone

from kssp.core.audit import audit_record
from kssp.core.exceptions import NotFound
from kssp.core.models.notices import HitNotice
from kssp.core.policy import Actor
from kssp.core.selectors import hit_notice_list_for

# TODO(#2): move to kssp/core/audit_events.py with the other kernel event types.


@transaction.atomic
def hit_notice_acknowledge(*, actor: Actor, public_id: Any) -> HitNotice:
    """Mark a notice addressed to the actor's unit as seen. Idempotent; a notice addressed to another
    unit answers NotFound like a missing one."""
    try:
        notice = hit_notice_list_for(actor=actor).select_for_update().get(public_id=public_id)
    except (HitNotice.DoesNotExist, ValueError, TypeError):
        raise NotFound() from None
    if notice.acknowledged_at is None:
        notice.acknowledged_at = timezone.now()
        notice.save(update_fields=["acknowledged_at", "updated_at"])
        audit_record(actor=actor, event="hit_notice.acknowledged", target=notice,
                     target_institution_id=notice.owner_institution_id)
    return notice
