"""Writing audit events. Called by services inside their transaction (rule 1); never by views.

* ``audit_record(actor=, event=, ...)`` appends one event.
* ``audit_record_many(actor=, events=[AuditEntry(...), ...])`` appends a batch (import promotion,
  destruction batches) as consecutive events of the same chain, with one INSERT and one move of the head.
* ``with audit_batch():`` gathers every event that the code inside writes (through ``audit_record`` or
  ``audit_record_many``, for example the module services an import promotion calls row by row) and
  appends them with one INSERT when the block ends; see ``audit_batch``.
* ``payload_read(evt)`` tells a readable payload from a shredded one and from one that cannot be decrypted;
  ``payload_for(evt)`` is its short form (the payload, or None).
* ``shred_subject(...)`` destroys a subject's data key (retention's crypto-shredding).
* ``reveal_reasons(events)`` puts the typed reason back on events read for display (it is sealed in
  the encrypted payload, never in a clear column: see "Free text" below).

Free text. A reason that people type (sharing, withdrawing, merging, removing a link…) may name a
person. It is not stored in the ``reason`` column (which the MAC covers in clear, so nothing could ever
erase it) but in the payload, as ``payload["reason"]``, and the payload is then encrypted with the data
key of the event's subject record (``data_subject`` or ``target``), exactly like a personal payload: the
chain covers the reason through the payload digest, and ``shred_subject`` erases it with the record's
other personal data. Event types registered ``free_text=True`` (exports: filters, search text, recipient)
are sealed the same way. An event with no subject record gets a key of its own (``EVENT_KEY_SUBJECT``; one
per write: an event, or a batch of ``audit_record_many``): typed text about no record cannot be erased
with a record, but it can be erased on its own (``shred_event_text``, on a data subject's request or at
the end of the trail's retention), and no clear column ever holds it. Events written before this rule
keep their reason in the column: their MAC covers it there, so they still verify unchanged (the MAC's
fields did not change; new events carry ``""``).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextvars import ContextVar
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from cryptography.exceptions import InvalidTag
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kssp.core.audit import crypto
from kssp.core.audit.registry import AuditEventType
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


def _norm(value: Any) -> str:
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    if value is None:
        return ""
    return str(value)


def chain_message_of(values: Sequence[Any]) -> bytes:
    """The bytes the MAC covers, from the values of ``CHAIN_FIELDS`` in that order."""
    return crypto.canonical_json([_norm(v) for v in values])


def chain_message(event: AuditEvent) -> bytes:
    return chain_message_of([getattr(event, name) for name in CHAIN_FIELDS])


def compute_hmac(event: AuditEvent) -> str:
    return crypto.chain_mac(chain_message(event))


def _label(model: type[models.Model]) -> str:
    return f"{model._meta.app_label}.{model._meta.model_name}"


def _data_key_for(subject: models.Model) -> tuple[int, bytes]:
    """The subject's live payload key, created on first use (the caller holds the head lock).

    A destroyed key is never brought back: after a shred, new events about the subject get a new key
    row, so that the older payloads stay "shredded" and never become "could not decrypt".
    """
    label, key_id = _label(type(subject)), str(subject.pk)
    row = AuditDataKey.objects.filter(subject_type=label, subject_id=key_id, shredded_at__isnull=True).first()
    if row is not None and row.wrapped_key:
        return row.pk, crypto.unwrap_data_key(bytes(row.wrapped_key))
    key, wrapped = crypto.new_data_key()
    row = AuditDataKey.objects.create(subject_type=label, subject_id=key_id, wrapped_key=wrapped)
    return row.pk, key


_target_namer: Callable[[models.Model], str | None] | None = None


def set_target_namer(namer: Callable[[models.Model], str | None]) -> None:
    """Install how declared record types are named in the chain (``kssp.core.records`` does, when the
    kernel app is ready: ``RecordType.audit_label``). The audit package imports no record registry."""
    global _target_namer
    _target_namer = namer


def target_label(target: models.Model) -> str:
    """How the chain names a target (``target_repr``, which the MAC covers and nothing can erase): a
    declared record type by its number, or its public id where it has none, never a title or a name;
    anything else by its ``str``."""
    name = _target_namer(target) if _target_namer is not None else None
    return name if name is not None else str(target)


def locked_head() -> AuditHead:
    """Lock the head row (created by migration 0002; recreated if a test runner flushed the table)."""
    head = AuditHead.objects.select_for_update().filter(pk=1).first()
    if head is None:
        AuditHead.objects.get_or_create(pk=1, defaults={"seq": 0, "hmac": crypto.GENESIS})
        head = AuditHead.objects.select_for_update().get(pk=1)
    return head


@dataclass(frozen=True)
class AuditEntry:
    """One event of a batch for ``audit_record_many``: the arguments of ``audit_record`` but the actor."""

    event: str
    target: models.Model | None = None
    before: dict[str, Any] | None = None
    after: dict[str, Any] | None = None
    extra: dict[str, Any] | None = None
    reason: str = ""
    purpose: str = ""
    case_ref: str = ""
    data_subject: models.Model | None = None
    target_institution_id: int | None = None


def _checked_spec(entry: AuditEntry) -> AuditEventType:
    spec = lookup_event_type(entry.event)
    if spec.reason_required and not entry.reason.strip():
        raise ValueError(f"audit event {entry.event} requires a reason")
    has_payload = entry.before is not None or entry.after is not None or bool(entry.extra)
    if spec.personal_data and has_payload and (entry.data_subject or entry.target) is None:
        raise ValueError(f"audit event {entry.event} holds personal data and needs a subject")
    return spec


def _sealed(spec: AuditEventType, entry: AuditEntry) -> bool:
    """Whether the event's payload is encrypted: personal data, free text, or a typed reason."""
    return spec.personal_data or spec.free_text or bool(entry.reason)


def _require_transaction(name: str) -> None:
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError(f"{name} must run inside the service's transaction")


#: ``AuditDataKey.subject_type`` of the keys made for one event's free text when it names no record.
EVENT_KEY_SUBJECT = "core.auditevent"


class _KeyRing:
    """Subjects' data keys met while building events (one lookup per subject)."""

    def __init__(self) -> None:
        self._keys: dict[tuple[type[models.Model], Any], tuple[int, bytes]] = {}
        self._loose: tuple[int, bytes] | None = None

    def prime(self, subjects: Sequence[models.Model]) -> None:
        """Look up (and create, for new subjects) the live keys of many subjects at once: one query per
        500 subjects and one bulk INSERT, instead of a query and an INSERT per subject (an import of
        thousands of records holding personal data)."""
        by_label: dict[str, dict[str, models.Model]] = {}
        for subject in subjects:
            if (type(subject), subject.pk) not in self._keys:
                by_label.setdefault(_label(type(subject)), {})[str(subject.pk)] = subject
        for label, wanted in by_label.items():
            ids = list(wanted)
            for start in range(0, len(ids), 500):
                rows = AuditDataKey.objects.filter(
                    subject_type=label, subject_id__in=ids[start:start + 500], shredded_at__isnull=True
                ).values_list("pk", "subject_id", "wrapped_key")
                for pk, subject_id, wrapped in rows:
                    if wrapped:
                        subject = wanted[subject_id]
                        self._keys[(type(subject), subject.pk)] = (pk, crypto.unwrap_data_key(bytes(wrapped)))
            missing = [subject for subject_id, subject in wanted.items() if (type(subject), subject.pk) not in self._keys]
            fresh = [(subject, *crypto.new_data_key()) for subject in missing]
            rows_made = AuditDataKey.objects.bulk_create(
                [AuditDataKey(subject_type=label, subject_id=str(subject.pk), wrapped_key=wrapped) for subject, _key, wrapped in fresh]
            )
            for (subject, key, _wrapped), row in zip(fresh, rows_made, strict=True):
                self._keys[(type(subject), subject.pk)] = (row.pk, key)

    def key_for(self, subject: models.Model) -> tuple[int, bytes]:
        ident = (type(subject), subject.pk)
        if ident not in self._keys:
            self._keys[ident] = _data_key_for(subject)
        return self._keys[ident]

    def event_key(self) -> tuple[int, bytes]:
        """The key for free text that names no record: a new one for each write (one event, or one batch
        of ``audit_record_many``), shared with no other write."""
        if self._loose is None:
            key, wrapped = crypto.new_data_key()
            row = AuditDataKey.objects.create(subject_type=EVENT_KEY_SUBJECT, subject_id=uuid.uuid4().hex, wrapped_key=wrapped)
            self._loose = (row.pk, key)
        return self._loose


def _build(
    *, actor: Actor, spec: AuditEventType, entry: AuditEntry, seq: int, prev_hmac: str, now: dt.datetime, keys: _KeyRing
) -> AuditEvent:
    payload: dict[str, Any] = {}
    if entry.before is not None:
        payload["before"] = entry.before
    if entry.after is not None:
        payload["after"] = entry.after
    if entry.extra:
        payload["extra"] = entry.extra
    if entry.reason:
        payload["reason"] = entry.reason  # sealed below, never in the clear ``reason`` column
    # Dates, UUIDs and decimals become their JSON text once, so the stored payload is what was digested.
    payload = crypto.normalise_payload(payload)
    plaintext = crypto.canonical_json(payload)

    data_key_id = None
    ciphertext = None
    stored_payload: dict[str, Any] | None = payload or None
    if payload and _sealed(spec, entry):
        subject = entry.data_subject or entry.target
        # A personal payload always has a subject (checked by _checked_spec); free text may name none.
        data_key_id, key = keys.key_for(subject) if subject is not None else keys.event_key()
        ciphertext = crypto.encrypt(key, plaintext)
        stored_payload = None

    target = entry.target
    target_institution_id = entry.target_institution_id
    if target_institution_id is None and target is not None:
        target_institution_id = getattr(target, "owner_institution_id", None)

    evt = AuditEvent(
        seq=seq,
        occurred_at=now,
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
        target_repr=target_label(target)[:300] if target is not None else "",
        target_institution_id=target_institution_id,
        reason="",  # the reason is in the sealed payload (see the module's "Free text")
        purpose=entry.purpose[:300],
        case_ref=entry.case_ref[:100],
        payload=stored_payload,
        payload_ciphertext=ciphertext,
        data_key_id=data_key_id,
        payload_digest=hashlib.sha256(plaintext).hexdigest(),
        prev_hmac=prev_hmac,
    )
    evt.hmac = compute_hmac(evt)
    return evt


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
    Inside ``audit_batch`` the event is built and chained the same way but saved when the block ends.
    """
    entry = AuditEntry(
        event=event, target=target, before=before, after=after, extra=extra, reason=reason, purpose=purpose,
        case_ref=case_ref, data_subject=data_subject, target_institution_id=target_institution_id,
    )
    spec = _checked_spec(entry)
    _require_transaction("audit_record")
    batch = _open_batch()
    if batch is not None:
        return batch.add(actor=actor, spec=spec, entry=entry, now=timezone.now(), keys=_KeyRing())
    head = locked_head()
    evt = _build(actor=actor, spec=spec, entry=entry, seq=head.seq + 1, prev_hmac=head.hmac, now=timezone.now(), keys=_KeyRing())
    evt.save(force_insert=True)
    head.seq, head.hmac = evt.seq, evt.hmac
    head.save(update_fields=["seq", "hmac", "updated_at"])
    return evt


def audit_record_many(*, actor: Actor, events: Sequence[AuditEntry]) -> list[AuditEvent]:
    """Append a batch of events, in the order given, to the chain in the caller's transaction.

    The batch gets consecutive sequence numbers in the same dense chain as single events (each event's
    MAC covers the one before it), is written with one INSERT (on SQLite Django splits a very large
    batch into several statements of at most 999 parameters, in the same transaction) and moves the
    head once, to its last event. Every entry is checked before anything is written: an unregistered
    type or a missing reason writes nothing. Returns the events, saved. An empty batch writes nothing.
    Inside ``audit_batch`` the events join the block's and are saved when it ends.
    """
    specs = [_checked_spec(entry) for entry in events]
    _require_transaction("audit_record_many")
    if not specs:
        return []
    now = timezone.now()
    keys = _KeyRing()
    batch = _open_batch()
    if batch is not None:
        return [batch.add(actor=actor, spec=spec, entry=entry, now=now, keys=keys) for spec, entry in zip(specs, events, strict=True)]
    head = locked_head()
    subjects = [entry.data_subject or entry.target for spec, entry in zip(specs, events, strict=True) if _sealed(spec, entry)]
    keys.prime([subject for subject in subjects if subject is not None])
    built: list[AuditEvent] = []
    seq, prev_hmac = head.seq, head.hmac
    for spec, entry in zip(specs, events, strict=True):
        seq += 1
        evt = _build(actor=actor, spec=spec, entry=entry, seq=seq, prev_hmac=prev_hmac, now=now, keys=keys)
        built.append(evt)
        prev_hmac = evt.hmac
    AuditEvent.objects.bulk_create(built)
    head.seq, head.hmac = built[-1].seq, built[-1].hmac
    head.save(update_fields=["seq", "hmac", "updated_at"])
    return built


def audit_prepare_many(*, actor: Actor, events: Sequence[AuditEntry]) -> list[AuditEvent]:
    """Build a batch of events without appending them: payloads normalised, digested and (personal
    data) encrypted, the subjects' keys looked up or created in bulk. Nothing joins the chain yet;
    ``audit_append_prepared`` does, later, in the transaction that makes the subjects visible (an import
    builds its events chunk by chunk and appends them all in its short final switch)."""
    specs = [_checked_spec(entry) for entry in events]
    _require_transaction("audit_prepare_many")
    if not specs:
        return []
    now = timezone.now()
    keys = _KeyRing()
    subjects = [entry.data_subject or entry.target for spec, entry in zip(specs, events, strict=True) if _sealed(spec, entry)]
    keys.prime([subject for subject in subjects if subject is not None])
    return [_build(actor=actor, spec=spec, entry=entry, seq=0, prev_hmac="", now=now, keys=keys)
            for spec, entry in zip(specs, events, strict=True)]


def audit_append_prepared(events: Sequence[AuditEvent]) -> list[AuditEvent]:
    """Append events built by ``audit_prepare_many`` to the chain, in the order given, in the caller's
    transaction: their time is now, their sequence numbers follow the head, each MAC covers the one
    before; one bulk INSERT and the head moved once (as ``audit_record_many``)."""
    _require_transaction("audit_append_prepared")
    if not events:
        return []
    head = locked_head()
    now = timezone.now()
    seq, prev_hmac = head.seq, head.hmac
    for evt in events:
        seq += 1
        evt.seq, evt.prev_hmac, evt.occurred_at = seq, prev_hmac, now
        evt.hmac = compute_hmac(evt)
        prev_hmac = evt.hmac
    AuditEvent.objects.bulk_create(events)
    head.seq, head.hmac = seq, prev_hmac
    head.save(update_fields=["seq", "hmac", "updated_at"])
    return list(events)


class _Pending:
    """Marks one gathered event as registered under the savepoints open when it was written.

    It is handed to ``transaction.on_commit`` as a callback that does nothing: Django drops the callbacks
    of a savepoint that is rolled back, so an event whose marker is gone at the flush belongs to work that
    was undone (a service that failed inside a savepoint its caller caught) and is not appended."""

    __slots__ = ("batch", "event")

    def __init__(self, batch: _Batch, event: AuditEvent) -> None:
        self.batch, self.event = batch, event

    def __call__(self) -> None:
        return None


class _Batch:
    """The events gathered by ``audit_batch``, built and chained as they come, appended at ``flush``."""

    def __init__(self, *, flush_at: int) -> None:
        self.connection = transaction.get_connection()
        self.base = tuple(self.connection.savepoint_ids)
        self.flush_at = flush_at
        self.head = locked_head()
        self.pending: list[_Pending] = []
        self.flushes = 0

    def add(self, *, actor: Actor, spec: AuditEventType, entry: AuditEntry, now: dt.datetime, keys: _KeyRing) -> AuditEvent:
        last = self.pending[-1].event if self.pending else None
        seq, prev_hmac = (last.seq, last.hmac) if last is not None else (self.head.seq, self.head.hmac)
        evt = _build(actor=actor, spec=spec, entry=entry, seq=seq + 1, prev_hmac=prev_hmac, now=now, keys=keys)
        marker = _Pending(self, evt)
        transaction.on_commit(marker, using=self.connection.alias)
        self.pending.append(marker)
        return evt

    def checkpoint(self) -> None:
        """Append what was gathered if there is a lot of it and no savepoint opened inside the batch is
        still open (between two rows of an import), so that a very large batch holds bounded memory."""
        if len(self.pending) >= self.flush_at and tuple(self.connection.savepoint_ids) == self.base:
            self.flush()

    def flush(self) -> None:
        """Append the events whose work was not rolled back, re-chained if some were dropped, with one
        INSERT, and move the head once."""
        pending, self.pending = self.pending, []
        if not pending:
            return
        alive = {id(func) for _sids, func, _robust in self.connection.run_on_commit if isinstance(func, _Pending)}
        ours = {id(marker) for marker in pending}
        self.connection.run_on_commit = [
            item for item in self.connection.run_on_commit if id(item[1]) not in ours
        ]
        events = [marker.event for marker in pending if id(marker) in alive]
        if not events:
            return
        seq, prev_hmac = self.head.seq, self.head.hmac
        for evt in events:
            seq += 1
            if evt.seq != seq or evt.prev_hmac != prev_hmac:
                evt.seq, evt.prev_hmac = seq, prev_hmac
                evt.hmac = compute_hmac(evt)
            prev_hmac = evt.hmac
        AuditEvent.objects.bulk_create(events)
        self.head.seq, self.head.hmac = seq, prev_hmac
        self.head.save(update_fields=["seq", "hmac", "updated_at"])
        self.flushes += 1


_BATCH: ContextVar[_Batch | None] = ContextVar("kssp_audit_batch", default=None)


def _open_batch() -> _Batch | None:
    batch = _BATCH.get()
    if batch is not None and batch.connection is transaction.get_connection():
        return batch
    return None


DEFAULT_BATCH_FLUSH_AT = 10_000


@contextlib.contextmanager
def audit_batch(*, flush_at: int | None = None) -> Iterator[_Batch]:
    """Gather the events written inside the block and append them together when it ends.

    For batch operations whose records are written by services that audit one record at a time (import
    promotion): ``audit_record`` and ``audit_record_many`` inside the block build and chain their events
    as usual (same order, types, payloads and encryption as without the block) and return them, but the
    events are saved only when the block ends, with one INSERT, and the head moves once. The block is a
    savepoint of the caller's transaction (it must be inside one) and takes the head lock at its start,
    so the events are consecutive. An exception leaving the block rolls back its work and writes no event.

    Until the block ends a returned event has no primary key, and its sequence number is provisional:
    the events of a savepoint rolled back inside the block (a failed service whose caller went on) are
    dropped and the rest re-chained. ``checkpoint()`` on the yielded object appends early once
    ``flush_at`` events (default ``DEFAULT_BATCH_FLUSH_AT``) are waiting, if called where no inner
    savepoint is open (between two rows), to bound the memory of a very large batch: an import of more
    rows than that is appended in a few INSERTs instead of one. A nested ``audit_batch`` joins the outer one.
    """
    _require_transaction("audit_batch")
    outer = _open_batch()
    with transaction.atomic():
        if outer is not None:
            yield outer
            return
        batch = _Batch(flush_at=DEFAULT_BATCH_FLUSH_AT if flush_at is None else flush_at)
        token = _BATCH.set(batch)
        try:
            yield batch
            batch.flush()
        finally:
            _BATCH.reset(token)


def consultation_record(
    *, actor: Actor, target: models.Model, purpose: str, case_ref: str = "", event: str = "record.consulted"
) -> AuditEvent:
    """Log that ``actor`` read a record holding personal data, with the purpose (LED Art. 25)."""
    with transaction.atomic():
        return audit_record(actor=actor, event=event, target=target, purpose=purpose, case_ref=case_ref)


PayloadState = Literal["empty", "plain", "decrypted", "shredded", "undecryptable"]


@dataclass(frozen=True)
class PayloadRead:
    """What an event's payload is now: ``plain`` or ``decrypted`` (with the payload), ``empty``,
    ``shredded`` (its key was destroyed by retention), or ``undecryptable`` (its key is there but the
    ciphertext does not open: changed, swapped, or the master key is not the one it was sealed with)."""

    state: PayloadState
    payload: dict[str, Any] | None = None


def payload_read(evt: AuditEvent) -> PayloadRead:
    """The event's payload and its state. Callers check who may read it."""
    if evt.payload_ciphertext is None and evt.data_key_id is None:
        return PayloadRead("plain", evt.payload) if evt.payload else PayloadRead("empty")
    if evt.payload_ciphertext is None or evt.data_key_id is None:
        return PayloadRead("undecryptable")
    row = AuditDataKey.objects.filter(pk=evt.data_key_id).first()
    if row is None:
        return PayloadRead("undecryptable")
    if not row.wrapped_key:
        return PayloadRead("shredded" if row.shredded_at is not None else "undecryptable")
    try:
        plain = crypto.decrypt(crypto.unwrap_data_key(bytes(row.wrapped_key)), bytes(evt.payload_ciphertext))
    except (InvalidTag, ValueError):
        return PayloadRead("undecryptable")
    return PayloadRead("decrypted", json.loads(plain))


def payload_for(evt: AuditEvent) -> dict[str, Any] | None:
    """The readable payload, or None (none recorded, shredded, or undecryptable: see ``payload_read``)."""
    return payload_read(evt).payload


def shred_subject(*, subject_type: str, subject_id: str, reason: str) -> bool:
    """Destroy the key of one subject's audit payloads (retention's crypto-shredding). The chain stays valid.

    This is the only change a data key accepts (on PostgreSQL a trigger refuses any other)."""
    updated = AuditDataKey.objects.filter(
        subject_type=subject_type, subject_id=subject_id, shredded_at__isnull=True, wrapped_key__isnull=False
    ).update(wrapped_key=None, shredded_at=timezone.now(), shred_reason=reason)
    return bool(updated)


def shred_event_text(*, seq: int, reason: str) -> bool:
    """Destroy the key of one event's free text that names no record (``EVENT_KEY_SUBJECT``): an export's
    filters that named a person, on a data subject's request. The chain stays valid; a key that belongs to
    a record is left alone (``shred_subject`` erases a record's data)."""
    key_id = AuditEvent.objects.filter(seq=seq).values_list("data_key_id", flat=True).first()
    if key_id is None:
        return False
    updated = AuditDataKey.objects.filter(
        pk=key_id, subject_type=EVENT_KEY_SUBJECT, shredded_at__isnull=True, wrapped_key__isnull=False
    ).update(wrapped_key=None, shredded_at=timezone.now(), shred_reason=reason)
    return bool(updated)


def reveal_reasons(events: Sequence[AuditEvent], *, payloads: bool = False) -> Sequence[AuditEvent]:
    """Put the reason of each event read for display back on it (in memory only: events are never saved
    again, and on PostgreSQL a trigger refuses any UPDATE).

    A reason written since reasons are sealed lives in the encrypted payload: it is decrypted while its
    key exists; once the key is shredded the event's reason reads as erased (for types that require one).
    Events of older rows keep the reason of their column. Two queries for the whole list (payloads and
    keys). With ``payloads=True`` an event whose payload is encrypted only because of its reason (not
    personal data) also gets its decrypted payload back (a record timeline's formatters read its status).
    Callers decide who may read the trail; this is for readers allowed to see the events' reasons."""
    wanted = {evt.pk: evt for evt in events if not evt.reason and evt.data_key_id is not None}
    if not wanted:
        return events
    rows = dict(AuditEvent.objects.filter(pk__in=wanted).values_list("pk", "payload_ciphertext"))
    key_rows = {
        pk: (wrapped, shredded_at)
        for pk, wrapped, shredded_at in AuditDataKey.objects.filter(
            pk__in={evt.data_key_id for evt in wanted.values()}
        ).values_list("pk", "wrapped_key", "shredded_at")
    }
    keys: dict[int, bytes | None] = {}
    for pk, evt in wanted.items():
        spec = _registered_type(evt.event_type)
        wrapped, shredded_at = key_rows.get(evt.data_key_id, (None, None))  # type: ignore[arg-type]
        ciphertext = rows.get(pk)
        if not wrapped or ciphertext is None:
            if shredded_at is not None and spec is not None and spec.reason_required:
                evt.reason = _("(erased by retention)")
            continue
        if evt.data_key_id not in keys:
            try:
                keys[evt.data_key_id] = crypto.unwrap_data_key(bytes(wrapped))  # type: ignore[index]
            except (InvalidTag, ValueError):
                keys[evt.data_key_id] = None  # type: ignore[index]
        key = keys[evt.data_key_id]  # type: ignore[index]
        if key is None:
            continue
        try:
            payload = json.loads(crypto.decrypt(key, bytes(ciphertext)))
        except (InvalidTag, ValueError):
            continue  # tampered: audit_verify names it; nothing is shown
        evt.reason = str(payload.get("reason", ""))
        if payloads and spec is not None and not spec.personal_data and not spec.free_text:
            evt.payload = payload
    return events


def _registered_type(code: str) -> AuditEventType | None:
    try:
        return lookup_event_type(code)
    except LookupError:
        return None
