"""Writing audit events. Called by services inside their transaction (rule 1); never by views."""

from __future__ import annotations

import datetime as dt
import json
from typing import TYPE_CHECKING, Any

from django.db import models, transaction
from django.utils import timezone

from kssp.core.audit import crypto
from kssp.core.audit.registry import event_type as lookup_event_type
from kssp.core.models.audit import AuditDataKey, AuditEvent, AuditHead

if TYPE_CHECKING:
    from kssp.core.policy import Actor

CHAIN_FIELDS = (
    "seq",
    "occurred_at",
    "event_type",
    "category",
    "actor_id",
    "actor_label",
    "membership_id",
    "actor_institution_id",
    "source",
    "request_id",
    "ip",
    "target_type",
    "target_id",
    "target_public_id",
    "target_repr",
    "target_institution_id",
    "reason",
    "purpose",
    "case_ref",
    "data_key_id",
    "payload_digest",
    "prev_hmac",
)


def _norm(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    if value is None:
        return ""
    return str(value)


def chain_message(event: AuditEvent) -> bytes:
    return crypto.canonical_json([_norm(getattr(event, name)) for name in CHAIN_FIELDS])


def compute_hmac(event: AuditEvent) -> str:
    return crypto.chain_mac(chain_message(event))


def _label(model: type[models.Model]) -> str:
    return f"{model._meta.app_label}.{model._meta.model_name}"


def _data_key_for(subject: models.Model) -> tuple[int, bytes]:
    """The subject's payload key, created on first use (the caller holds the head lock)."""
    row = AuditDataKey.objects.filter(subject_type=_label(type(subject)), subject_id=str(subject.pk)).first()
    if row is not None and row.wrapped_key:
        return row.pk, crypto.unwrap_data_key(bytes(row.wrapped_key))
    key, wrapped = crypto.new_data_key()
    if row is None:
        row = AuditDataKey.objects.create(subject_type=_label(type(subject)), subject_id=str(subject.pk), wrapped_key=wrapped)
    else:
        # The old key was shredded: new events about the subject get a fresh key of their own.
        row.wrapped_key, row.shredded_at, row.shred_reason = wrapped, None, ""
        row.save(update_fields=["wrapped_key", "shredded_at", "shred_reason"])
    return row.pk, key


def locked_head() -> AuditHead:
    """Lock the head row (created by migration 0002; recreated if a test runner flushed the table)."""
    head = AuditHead.objects.select_for_update().filter(pk=1).first()
    if head is None:
        AuditHead.objects.get_or_create(pk=1, defaults={"seq": 0, "hmac": "0" * 64})
        head = AuditHead.objects.select_for_update().get(pk=1)
    return head


def audit_record(
    *,
    actor: Actor,
    event: str,
    target: models.Model | None = None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    extra: dict[str, Any] | None = None,
    reason: str = "",
    purpose: str = "",
    case_ref: str = "",
    data_subject: models.Model | None = None,
    target_institution_id: int | None = None,
) -> AuditEvent:
    """Append one event to the chain in the caller's transaction.

    The head row is locked (``SELECT … FOR UPDATE`` on PostgreSQL; SQLite's IMMEDIATE transaction
    already serialises writers), so concurrent writers get consecutive sequence numbers and no fork.
    """
    spec = lookup_event_type(event)
    if spec.reason_required and not reason.strip():
        raise ValueError(f"audit event {event} requires a reason")
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("audit_record must run inside the service's transaction")

    payload: dict[str, Any] = {}
    if before is not None:
        payload["before"] = before
    if after is not None:
        payload["after"] = after
    if extra:
        payload["extra"] = extra
    # Dates, UUIDs and decimals become their JSON text once, so the stored payload is what was digested.
    payload = json.loads(crypto.canonical_json(payload))

    head = locked_head()
    data_key_id = None
    ciphertext = None
    stored_payload: dict[str, Any] | None = payload or None
    if payload and spec.personal_data:
        subject = data_subject or target
        if subject is None:
            raise ValueError(f"audit event {event} holds personal data and needs a subject")
        data_key_id, key = _data_key_for(subject)
        ciphertext = crypto.encrypt(key, crypto.canonical_json(payload))
        stored_payload = None

    if target_institution_id is None and target is not None:
        target_institution_id = getattr(target, "owner_institution_id", None)

    evt = AuditEvent(
        seq=head.seq + 1,
        occurred_at=timezone.now(),
        event_type=spec.code,
        category=spec.category,
        actor_id=actor.user_id,
        actor_label=actor.label[:200],
        membership_id=actor.membership_id,
        actor_institution_id=actor.institution_id,
        source=actor.source,
        request_id=actor.request_id or "",
        ip=actor.ip,
        target_type=_label(type(target)) if target is not None else "",
        target_id=str(target.pk) if target is not None else "",
        target_public_id=getattr(target, "public_id", None) if target is not None else None,
        target_repr=str(target)[:300] if target is not None else "",
        target_institution_id=target_institution_id,
        reason=reason,
        purpose=purpose[:300],
        case_ref=case_ref[:100],
        payload=stored_payload,
        payload_ciphertext=ciphertext,
        data_key_id=data_key_id,
        payload_digest=crypto.digest(payload),
        prev_hmac=head.hmac,
    )
    evt.hmac = compute_hmac(evt)
    evt.save(force_insert=True)
    head.seq, head.hmac = evt.seq, evt.hmac
    head.save(update_fields=["seq", "hmac", "updated_at"])
    return evt


def consultation_record(
    *, actor: Actor, target: models.Model, purpose: str, case_ref: str = "", event: str = "record.consulted"
) -> AuditEvent:
    """Log that ``actor`` read a record holding personal data, with the purpose (LED Art. 25)."""
    with transaction.atomic():
        return audit_record(actor=actor, event=event, target=target, purpose=purpose, case_ref=case_ref)


def payload_for(evt: AuditEvent) -> dict[str, Any] | None:
    """The readable payload, or None if it was shredded. Callers check who may read it."""
    if evt.payload_ciphertext is None:
        return evt.payload
    if evt.data_key_id is None:
        return None
    row = AuditDataKey.objects.filter(pk=evt.data_key_id).first()
    if row is None or not row.wrapped_key:
        return None
    try:
        plain = crypto.decrypt(crypto.unwrap_data_key(bytes(row.wrapped_key)), bytes(evt.payload_ciphertext))
    except Exception:  # noqa: BLE001 - a key issued after a shred cannot open older payloads
        return None
    return json.loads(plain)


def shred_subject(*, subject_type: str, subject_id: str, reason: str) -> bool:
    """Destroy the key of one subject's audit payloads (retention's crypto-shredding). The chain stays valid."""
    updated = AuditDataKey.objects.filter(subject_type=subject_type, subject_id=subject_id, wrapped_key__isnull=False).update(
        wrapped_key=None, shredded_at=timezone.now(), shred_reason=reason
    )
    return bool(updated)
