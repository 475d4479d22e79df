"""Kernel reads: the home page summary, the audit trail and consultation log, hit notices, grants."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet

from kssp.core.exceptions import NotFound
from kssp.core.models.audit import AuditEvent
from kssp.core.models.grants import Grant, ProtectedRecord
from kssp.core.models.notices import HitNotice
from kssp.core.policy import NOTHING, Actor, registered_policies

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


def hit_notice_get_for(*, actor: Actor, public_id: Any) -> HitNotice:
    """One notice addressed to the actor's unit; NotFound for any other (like a missing one)."""
    try:
        return hit_notice_list_for(actor=actor).get(public_id=public_id)
    except (HitNotice.DoesNotExist, ValueError, TypeError, ValidationError):
        raise NotFound() from None


def hit_notice_record_for(*, actor: Actor, notice: HitNotice) -> Any:
    """The record a notice names, if the actor may see it (a member cleared below it may not): else None.
    Not a reading of the record: the page shows its number and title as any panel would."""
    model = notice.content_type.model_class()
    if model is None or not hasattr(model._default_manager, "visible_to"):
        return None
    return model._default_manager.visible_to(actor).filter(pk=notice.object_id).first()


def home_summary(*, actor: Actor) -> dict[str, Any]:
    return {
        "hit_notices": list(hit_notice_list_for(actor=actor).filter(acknowledged_at__isnull=True)[:10]),
    }


def _visible_records_q(actor: Actor) -> Q:
    """Grants whose record the actor can see now (for every registered protected-record model)."""
    q = NOTHING
    protected = [model for model in registered_policies() if issubclass(model, ProtectedRecord)]
    content_types = ContentType.objects.get_for_models(*protected)  # one query while the cache is cold
    for model in protected:
        visible = model._default_manager.visible_to(actor).values("pk")
        q |= Q(content_type=content_types[model], object_id__in=visible)
    return q


def grant_list_visible_to(*, actor: Actor) -> QuerySet[Grant]:
    """Grants the actor made (as the acting institution) or that name the actor, on records the actor
    can see. A grant on a record the actor can no longer see is not listed: listing it would say the
    record exists."""
    if not actor.is_authenticated:
        return Grant.objects.none()
    given = Q(granted_by_id=actor.user_id, granted_by_institution_id=actor.institution_id)
    received = Q(pk__in=Grant.objects.naming(actor).values("pk"))
    return (
        Grant.objects.filter(given | received)
        .filter(_visible_records_q(actor))
        .select_related("grantee_institution", "grantee_unit", "grantee_user", "granted_by")
        .order_by("-created_at", "-pk")
    )


def grant_get_visible_to(*, actor: Actor, public_id: Any) -> Grant:
    grant = grant_list_visible_to(actor=actor).filter(public_id=public_id).first()
    if grant is None:
        raise NotFound()
    return grant


def record_public_ids(grants: Iterable[Grant]) -> dict[tuple[int, int], Any]:
    """``{(content_type_id, object_id): public_id}`` for the grants' records, one query per type."""
    wanted: dict[int, set[int]] = defaultdict(set)
    for grant in grants:
        wanted[grant.content_type_id].add(grant.object_id)
    out: dict[tuple[int, int], Any] = {}
    for ct_id, ids in wanted.items():
        model = ContentType.objects.get_for_id(ct_id).model_class()
        if model is None:
            continue
        rows = model._default_manager
        if hasattr(rows, "unscoped"):
            rows = rows.unscoped(reason="the records of grants already filtered by visibility")
        for pk, public_id in rows.filter(pk__in=ids).values_list("pk", "public_id"):
            out[(ct_id, pk)] = public_id
    return out


def records_across_the_wall(model: type[Any], *, exception: str) -> QuerySet[Any]:
    """Every record of a protected type, for the two audited exceptions only (existence-only hit
    notices, suppressed aggregate counts; ``kssp.core.access_exceptions``), which never return a record
    to the caller."""
    return model._default_manager.unscoped(reason=f"audited access exception: {exception}")  # type: ignore[no-any-return]

