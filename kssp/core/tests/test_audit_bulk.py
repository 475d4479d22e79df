"""Issue #6 point 6: a bulk append for batch operations (import promotion, destruction batches): many
events in one INSERT, in the same dense chain, verified like any other."""

from __future__ import annotations

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from kssp.core.audit import AuditEntry, audit_record_many, payload_read, verify_chain
from kssp.core.audit.testing import tampering, write_events
from kssp.core.models import AuditDataKey, AuditEvent, AuditHead
from kssp.core.policy import Actor

pytestmark = pytest.mark.django_db


def batch(users, n: int = 30) -> list[AuditEntry]:
    """Plain events and, every third, an encrypted one about one of ``users``."""
    entries = []
    for i in range(n):
        if i % 3 == 0:
            entries.append(AuditEntry(event="user.updated", target=users[(i // 3) % len(users)], before={"i": i}, after={"i": i + 1}))
        else:
            entries.append(AuditEntry(event="reference.updated", extra={"row": i}, reason=f"row {i}"))
    return entries


@pytest.fixture
def users(django_user_model):
    return [django_user_model.objects.create(username=f"subject-{i}") for i in range(3)]


def test_a_batch_is_one_insert_in_the_same_dense_chain(users):
    write_events(2)
    with CaptureQueriesContext(connection) as queries, transaction.atomic():
        events = audit_record_many(actor=Actor.system(label="import"), events=batch(users))
    inserts = [q["sql"] for q in queries.captured_queries if q["sql"].startswith('INSERT INTO "core_auditevent"')]
    assert len(inserts) == 1
    head_updates = [q["sql"] for q in queries.captured_queries if q["sql"].startswith('UPDATE "core_audithead"')]
    assert len(head_updates) == 1
    assert [e.seq for e in events] == list(range(3, 33))
    assert events[0].prev_hmac == AuditEvent.objects.get(seq=2).hmac
    assert all(b.prev_hmac == a.hmac for a, b in zip(events, events[1:], strict=False))
    assert AuditHead.objects.get(pk=1).seq == 32
    write_events(1, start=50)  # single appends continue the same chain
    result = verify_chain()
    assert result.ok and result.checked == 33


def test_personal_data_in_a_batch_is_encrypted_with_each_subjects_key(users):
    with transaction.atomic():
        events = audit_record_many(actor=Actor.system(), events=batch(users, n=9))
    encrypted = [e for e in events if e.event_type == "user.updated"]
    assert all(e.payload is None and e.payload_ciphertext for e in encrypted)
    assert AuditDataKey.objects.count() == 3  # one key per subject, not per event
    stored = AuditEvent.objects.get(seq=encrypted[1].seq)  # row 3, about the second subject
    assert payload_read(stored).payload == {"before": {"i": 3}, "after": {"i": 4}}


@pytest.mark.parametrize(
    ("where", "change", "kind"),
    [
        (5, {"payload": {"extra": {"row": "forged"}}}, "payload_changed"),
        (7, {"reason": "forged"}, "changed"),
        (4, {"payload_ciphertext": b"\x00" * 40}, "undecryptable"),
    ],
)
def test_tampering_inside_a_batch_is_named(users, where, change, kind):
    with transaction.atomic():
        audit_record_many(actor=Actor.system(), events=batch(users, n=10))
    with tampering():
        AuditEvent.objects.filter(seq=where).update(**change)
    result = verify_chain()
    assert (result.ok, result.kind, result.seq) == (False, kind, where)


def test_a_batch_is_all_or_nothing_and_checked_before_writing(users):
    entries = [*batch(users, n=4), AuditEntry(event="grant.revoked", reason=" ")]
    with pytest.raises(ValueError, match="requires a reason"), transaction.atomic():
        audit_record_many(actor=Actor.system(), events=entries)
    with pytest.raises(LookupError), transaction.atomic():
        audit_record_many(actor=Actor.system(), events=[*batch(users, n=2), AuditEntry(event="no.such.event")])
    with pytest.raises(ValueError, match="needs a subject"), transaction.atomic():
        audit_record_many(actor=Actor.system(), events=[AuditEntry(event="user.updated", after={"name": "x"})])
    assert not AuditEvent.objects.exists() and AuditHead.objects.get(pk=1).seq == 0


def test_an_empty_batch_writes_nothing():
    with transaction.atomic():
        assert audit_record_many(actor=Actor.system(), events=[]) == []
    assert not AuditEvent.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_a_batch_outside_a_transaction_is_refused(users):
    with pytest.raises(RuntimeError, match="transaction"):
        audit_record_many(actor=Actor.system(), events=batch(users, n=2))
