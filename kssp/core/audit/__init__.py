"""Audit API used by every service: ``audit_record`` for writes, ``consultation_record`` for reads."""

from kssp.core.audit.registry import AuditEventType, event_type, register, registered_types
from kssp.core.audit.service import audit_record, consultation_record, payload_for
from kssp.core.audit.verify import VerifyResult, verify_chain

__all__ = [
    "AuditEventType",
    "VerifyResult",
    "audit_record",
    "consultation_record",
    "event_type",
    "payload_for",
    "register",
    "registered_types",
    "verify_chain",
]
