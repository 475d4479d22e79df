"""Reads on bulletins, always scoped by the actor (ARCHITECTURE rule 2)."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from kssp.bulletins.models import Bulletin
from kssp.core.policy import Actor
from kssp.core.records.access import record_get_visible_to, record_list_visible_to


def bulletin_list_visible_to(*, actor: Actor, filters: dict[str, Any] | None = None) -> QuerySet[Bulletin]:
    qs = record_list_visible_to(actor=actor, model=Bulletin)
    if filters:
        from kssp.bulletins.filters import BulletinFilterSet

        qs = BulletinFilterSet(filters, queryset=qs).qs
    return qs.order_by("-created_at")


def bulletin_get_visible_to(*, actor: Actor, public_id: Any, purpose: str = "") -> Bulletin:
    """One bulletin, or NotFound for a missing and a forbidden one alike. Reading a bulletin that holds
    personal data writes a consultation event with the purpose (from the page context by default)."""
    bulletin: Bulletin = record_get_visible_to(actor=actor, model=Bulletin, public_id=public_id, purpose=purpose)
    return bulletin
