"""Test helpers for the audit trail: play the attacker, write events. Imported by tests only."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

from django.db import connection, transaction

from kssp.core.models.audit import AuditEvent

AUDIT_TABLES = ("core_auditevent", "core_auditanchor", "core_audithead", "core_auditdatakey")


@contextlib.contextmanager
def tampering() -> Iterator[None]:
    """Let a test play an attacker who owns the database: on PostgreSQL the audit triggers are lifted first
    (``ALTER TABLE … DISABLE TRIGGER``, which only the owner can do), and put back afterwards."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            for table in AUDIT_TABLES:
                cursor.execute(f"ALTER TABLE {table} DISABLE TRIGGER USER")  # noqa: S608
    try:
        yield
    finally:
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                for table in AUDIT_TABLES:
                    cursor.execute(f"ALTER TABLE {table} ENABLE TRIGGER USER")  # noqa: S608


def write_events(n: int, actor: Any = None, *, start: int = 0) -> list[AuditEvent]:
    """``n`` plain events, each in its own transaction (payload ``{"extra": {"i": start + k}}``)."""
    from kssp.core.audit import audit_record
    from kssp.core.policy import Actor

    actor = actor or Actor.system()
    events = []
    for i in range(start, start + n):
        with transaction.atomic():
            events.append(audit_record(actor=actor, event="reference.updated", extra={"i": i}))
    return events


def reason_of(event: AuditEvent) -> str:
    """The reason an event was written with, as a reader allowed to see it reads it (sealed in the
    encrypted payload since reasons left the clear ``reason`` column; older rows: the column)."""
    from kssp.core.audit import reveal_reasons

    fresh = AuditEvent.objects.get(pk=event.pk)
    return str(reveal_reasons([fresh])[0].reason)


def events_with_reason(reason: str, **filters: Any) -> list[AuditEvent]:
    """The events matching ``filters`` whose reason is ``reason`` (what ``filter(reason=…)`` found while
    reasons were stored in the clear)."""
    from kssp.core.audit import reveal_reasons

    return [evt for evt in reveal_reasons(list(AuditEvent.objects.filter(**filters))) if evt.reason == reason]
