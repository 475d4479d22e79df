"""Audit API used by every service.

* ``audit_record(actor=, event=, target=, before=, after=, extra=, reason=, purpose=, case_ref=,
  data_subject=, target_institution_id=)`` appends one event inside the caller's transaction.
* ``audit_record_many(actor=, events=[AuditEntry(event=, target=, before=, after=, extra=, reason=, ...)])``
  appends a batch for batch operations (import promotion, destruction batches): consecutive events of
  the same dense chain, checked first (all or nothing), written with one INSERT, the head moved once.
  Call it inside the service's transaction, like ``audit_record``; it returns the saved events.
* ``audit_prepare_many(actor=, events=)`` builds a batch (payloads, encryption, keys) without appending
  it; ``audit_append_prepared(events)`` appends it later (an import's chunks, then its final switch).
* ``with audit_batch():`` gathers the events that services write one by one inside the block (import
  promotion calls the module's services row by row) and appends them the same way when the block ends.
* ``consultation_record(actor=, target=, purpose=)`` logs a read of personal data.
* ``reveal_reasons(events)`` puts the typed reasons (sealed in the encrypted payloads) back on events
  read for display; ``shred_event_text(seq=, reason=)`` erases the free text of an event about no record.
* ``payload_read(event)`` gives the payload with its state (plain, decrypted, empty, shredded,
  undecryptable); ``payload_for(event)`` just the payload or None.
* ``verify_chain()`` checks everything (see ``kssp.core.audit.verify``); ``anchor.anchor_write()`` signs
  the head (``manage.py audit_anchor``, the sweeper).
"""

from kssp.core.audit.registry import AuditEventType, event_type, register, registered_types
from kssp.core.audit.service import (
    AuditEntry,
    PayloadRead,
    audit_append_prepared,
    audit_batch,
    audit_prepare_many,
    audit_record,
    audit_record_many,
    consultation_record,
    payload_for,
    payload_read,
    reveal_reasons,
    shred_event_text,
)
from kssp.core.audit.verify import Fault, VerifyResult, verify_chain

__all__ = [
    "AuditEntry",
    "AuditEventType",
    "Fault",
    "PayloadRead",
    "VerifyResult",
    "audit_append_prepared",
    "audit_batch",
    "audit_prepare_many",
    "audit_record",
    "audit_record_many",
    "consultation_record",
    "event_type",
    "payload_for",
    "payload_read",
    "register",
    "registered_types",
    "reveal_reasons",
    "shred_event_text",
    "verify_chain",
]
