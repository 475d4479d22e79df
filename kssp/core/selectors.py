"""Kernel reads: the home page summary, the audit trail and consultation log, hit notices."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from kssp.core.exceptions import NotFound
from kssp.core.models.audit import AuditEvent
from kssp.core.models.notices import HitNotice
from kssp.core.policy import NOTHING, Actor

AUDIT_INSTITUTION = "audit.view_institution"
AUDIT_CONSULTATIONS = "audit.view_consultations"
AUDIT_ALL = "audit.view_all"


def audit_visible_q(actor: Actor) -> Q:
    """Who may search which part of the trail (issue #2 point 5).

    * the external inspector (IPA): every event, read-only;
    * an internal auditor: events by or about the auditor's institution;
    * a DPO: the consultation log of the DPO's institution (reads of personal data, disclosures).
    """
    if not actor.is_authenticated:
        return NOTHING
    if actor.has_perm(AUDIT_ALL):
        return Q()
    own = Q(actor_institution_id=actor.institution_id) | Q(target_institution_id=actor.institution_id)
    q = NOTHING
    if actor.has_perm(AUDIT_INSTITUTION):
        q |= own
    if actor.has_perm(AUDIT_CONSULTATIONS):
        q |= own & Q(category__in=[AuditEvent.Category.CONSULTATION, AuditEvent.Category.DISCLOSURE])
    return q


def can_search_audit(actor: Actor) -> bool:
    return actor.is_authenticated and any(actor.has_perm(p) for p in (AUDIT_ALL, AUDIT_INSTITUTION, AUDIT_CONSULTATIONS))


def audit_event_list_visible_to(*, actor: Actor, filters: dict[str, Any] | None = None) -> QuerySet[AuditEvent]:
    qs = AuditEvent.objects.filter(audit_visible_q(actor)).defer("payload_ciphertext")
    if filters:
        from kssp.core.filters import AuditEventFilterSet

        qs = AuditEventFilterSet(filters, queryset=qs).qs
    return qs.order_by("-seq")


def audit_event_get_visible_to(*, actor: Actor, seq: int) -> AuditEvent:
    event = AuditEvent.objects.filter(audit_visible_q(actor), seq=seq).first()
    if event is None:
        raise NotFound()
    return event


def hit_notice_list_for(*, actor: Actor) -> QuerySet[HitNotice]:
    """Hit notices addressed to the actor's unit (the owner side of the existence-only exception)."""
    if not actor.is_authenticated:
        return HitNotice.objects.none()
    return HitNotice.objects.filter(owner_unit_id=actor.unit_id).select_related(
        "searcher", "searcher_institution", "searcher_unit", "content_type"
    )


def home_summary(*, actor: Actor) -> dict[str, Any]:
    return {
        "hit_notices": list(hit_notice_list_for(actor=actor).filter(acknowledged_at__isnull=True)[:10]),
    }
