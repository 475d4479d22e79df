"""Reads on bulletins, always scoped by the actor (ARCHITECTURE rule 2)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import QuerySet

from kssp.bulletins.models import Bulletin
from kssp.bulletins.policies import bulletin_policy
from kssp.core.audit import consultation_record
from kssp.core.exceptions import NotFound
from kssp.core.policy import Actor


def bulletin_list_visible_to(*, actor: Actor, filters: dict[str, Any] | None = None) -> QuerySet[Bulletin]:
    qs = Bulletin.objects.filter(bulletin_policy.visible_q(actor)).select_related(
        "owner_institution", "owner_unit", "created_by"
    )
    if filters:
        from kssp.bulletins.filters import BulletinFilterSet

        qs = BulletinFilterSet(filters, queryset=qs).qs
    return qs.order_by("-created_at")


def bulletin_get_visible_to(*, actor: Actor, public_id: Any, purpose: str = "") -> Bulletin:
    """One bulletin, or NotFound for a missing and a forbidden one alike. Reading a bulletin that holds
    personal data writes a consultation event with the purpose (from the page context by default)."""
    try:
        bulletin = bulletin_list_visible_to(actor=actor).get(public_id=public_id)
    except (Bulletin.DoesNotExist, ValueError, TypeError, DjangoValidationError):
        raise NotFound() from None
    if bulletin.contains_personal_data:
        consultation_record(actor=actor, target=bulletin, purpose=purpose or "bulletin reading", event="bulletin.consulted")
    return bulletin
