"""Registered audit event types (Sentry's audit-log registry): a stable code, a label, and what the
event demands (a reason; encrypted payload because it holds personal data, or because it holds text
that people type: ``free_text``, e.g. an export's filters and recipient)."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.functional import Promise


@dataclass(frozen=True)
class AuditEventType:
    code: str
    label: str | Promise
    category: str = "write"
    personal_data: bool = False
    reason_required: bool = False
    description: str = ""
    free_text: bool = False


_types: dict[str, AuditEventType] = {}


def register(
    code: str,
    label: str | Promise,
    *,
    category: str = "write",
    personal_data: bool = False,
    reason_required: bool = False,
    description: str = "",
    free_text: bool = False,
) -> AuditEventType:
    if code in _types and _types[code].label != label:
        raise ValueError(f"audit event type {code!r} registered twice")
    evt = AuditEventType(code, label, category, personal_data, reason_required, description, free_text)
    _types[code] = evt
    return evt


def event_type(code: str) -> AuditEventType:
    try:
        return _types[code]
    except KeyError:
        raise LookupError(f"unregistered audit event type {code!r}") from None


def registered_types() -> dict[str, AuditEventType]:
    return dict(sorted(_types.items()))
