"""The owner side of existence-only hit notices (issue #2 point 4): acknowledging one, and sharing the
matched record with the one who asked in one step (issue #7 point 2)."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kssp.core.audit import audit_record
from kssp.core.exceptions import ApplicationError, NotFound
from kssp.core.models.grants import Grant
from kssp.core.models.notices import HitNotice
from kssp.core.policy import Actor
from kssp.core.selectors import hit_notice_list_for, hit_notice_record_for
from kssp.core.services.grants import grant_create

#: Whom "share with the one who asked" shares with: the asking user, or the asking user's unit.
SHARE_WITH_USER = "user"
SHARE_WITH_UNIT = "unit"


def _locked(actor: Actor, public_id: Any) -> HitNotice:
    try:
        return hit_notice_list_for(actor=actor).select_for_update().get(public_id=public_id)
    except (HitNotice.DoesNotExist, ValueError, TypeError):
        raise NotFound() from None


def _acknowledge(actor: Actor, notice: HitNotice) -> None:
    if notice.acknowledged_at is None:
        notice.acknowledged_at = timezone.now()
        notice.save(update_fields=["acknowledged_at", "updated_at"])
        audit_record(actor=actor, event="hit_notice.acknowledged", target=notice,
                     target_institution_id=notice.owner_institution_id)


@transaction.atomic
def hit_notice_acknowledge(*, actor: Actor, public_id: Any) -> HitNotice:
    """Mark a notice addressed to the actor's unit as seen. Idempotent; a notice addressed to another
    unit answers NotFound like a missing one."""
    notice = _locked(actor, public_id)
    _acknowledge(actor, notice)
    return notice


@transaction.atomic
def hit_notice_share(*, actor: Actor, public_id: Any, grantee: str, reason: str) -> Grant:
    """Share the record a notice names with the one who asked (``grantee`` "user") or their unit ("unit"),
    through the kernel's grant service (its checks and its audit event), and mark the notice as seen.

    NotFound for a notice not addressed to the actor's unit or a record the actor may not see;
    PermissionDenied for one the actor may not share; field errors as the grant service gives them."""
    notice = _locked(actor, public_id)
    record = hit_notice_record_for(actor=actor, notice=notice)
    if record is None:
        raise NotFound()
    if grantee == SHARE_WITH_USER:
        grant = grant_create(actor=actor, obj=record, grantee_type=Grant.GranteeType.USER,
                             institution=notice.searcher_institution, user=notice.searcher, reason=reason)
    elif grantee == SHARE_WITH_UNIT:
        grant = grant_create(actor=actor, obj=record, grantee_type=Grant.GranteeType.UNIT,
                             unit=notice.searcher_unit, reason=reason)
    else:
        raise ApplicationError(_("The record was not shared."), fields={"grantee": [_("Choose whom to share with.")]})
    _acknowledge(actor, notice)
    return grant
