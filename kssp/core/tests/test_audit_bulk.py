"""Issue #6 point 6: a bulk append for batch operations (import promotion, destruction batches): many
events in one INSERT, in the same dense chain, verified like any other. ``audit_batch`` gathers the
events that services write one at a time (import promotion calls the module's services row by row)
into that one INSERT, with the trail a reader sees unchanged."""

from __future__ import annotations

import dataclasses

import pytest
from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from kssp.core.audit import AuditEntry, audit_batch, audit_record, audit_record_many, payload_read, verify_chain
from kssp.core.audit.service import EVENT_KEY_SUBJECT
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
    # one key per subject, not per event; the batch's reasons about no record share one key of the batch
    assert AuditDataKey.objects.exclude(subject_type=EVENT_KEY_SUBJECT).count() == 3
    assert AuditDataKey.objects.filter(subject_type=EVENT_KEY_SUBJECT).count() == 1
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


# --- audit_batch: events written one at a time by services, appended together ---------------------


def service(actor: Actor, name: str, *, fail_after_audit: bool = False):
    """A module service as promotion calls it: its own atomic block (a savepoint inside the promotion),
    one record, one personal-data event about it and one plain event."""
    with transaction.atomic():
        user = get_user_model().objects.create(username=name)
        audit_record(actor=actor, event="user.created", target=user, after={"username": name})
        audit_record(actor=actor, event="reference.updated", extra={"row": name})
        if fail_after_audit:
            raise ValueError(f"{name} refused")
    return user


def rename_users(*prefixes: str) -> None:
    for user in get_user_model().objects.all():
        if user.username.startswith(prefixes):
            user.username = f"renamed-{user.pk}"
            user.save(update_fields=["username"])


def trail(since: int = 0) -> list[tuple]:
    """What a reader of the trail sees, without the positions and MACs."""
    out = []
    for evt in AuditEvent.objects.filter(seq__gt=since).order_by("seq"):
        read = payload_read(evt)
        out.append((evt.event_type, evt.category, evt.target_type, evt.target_repr, evt.actor_label, evt.source,
                    evt.reason, read.state, read.payload))
    return out


def test_audit_batch_appends_what_services_write_one_by_one_with_one_insert():
    write_events(1)
    actor = Actor.system(label="import")
    with CaptureQueriesContext(connection) as queries, transaction.atomic(), audit_batch():
        for n in range(4):
            service(actor, f"batch-{n}")
        assert AuditEvent.objects.count() == 1  # gathered, not written yet
    inserts = [q["sql"] for q in queries.captured_queries if q["sql"].startswith('INSERT INTO "core_auditevent"')]
    head_updates = [q["sql"] for q in queries.captured_queries if q["sql"].startswith('UPDATE "core_audithead"')]
    assert len(inserts) == 1 and len(head_updates) == 1
    assert list(AuditEvent.objects.values_list("seq", flat=True)) == list(range(1, 10))
    assert AuditHead.objects.get(pk=1).seq == 9
    assert [state for *_, state, _payload in trail()] == ["plain", *(["decrypted", "plain"] * 4)]
    assert AuditDataKey.objects.count() == 4  # one key per subject, as with single appends
    assert verify_chain().ok


def test_audit_batch_writes_the_same_trail_as_single_appends():
    actor = Actor.system(label="import")
    with transaction.atomic():
        for n in range(3):
            service(actor, f"single-{n}")
    single = trail()
    rename_users("single-")  # free the names; the users created below are new subjects with new keys
    mark = AuditHead.objects.get(pk=1).seq
    with transaction.atomic(), audit_batch():
        for n in range(3):
            service(actor, f"single-{n}")
    batched = trail(since=mark)
    assert batched == single
    assert verify_chain().ok


def test_events_of_a_savepoint_rolled_back_inside_the_batch_are_dropped_and_the_rest_re_chained():
    write_events(2)
    actor = Actor.system()
    with transaction.atomic(), audit_batch():
        service(actor, "kept-1")
        with pytest.raises(ValueError, match="refused"):
            service(actor, "refused", fail_after_audit=True)  # the caller goes on, as a lenient module may
        service(actor, "kept-2")
    assert not get_user_model().objects.filter(username="refused").exists()
    assert [(t[0], t[8]) for t in trail(since=2)] == [
        ("user.created", {"after": {"username": "kept-1"}}),
        ("reference.updated", {"extra": {"row": "kept-1"}}),
        ("user.created", {"after": {"username": "kept-2"}}),
        ("reference.updated", {"extra": {"row": "kept-2"}}),
    ]
    assert list(AuditEvent.objects.values_list("seq", flat=True)) == [1, 2, 3, 4, 5, 6]
    result = verify_chain()
    assert result.ok and result.checked == 6 and AuditHead.objects.get(pk=1).seq == 6


def test_an_exception_leaving_the_batch_rolls_back_its_work_and_writes_no_event():
    write_events(1)
    actor = Actor.system()
    with transaction.atomic():
        with pytest.raises(ValueError), audit_batch():
            service(actor, "first")
            service(actor, "second", fail_after_audit=True)
        assert not get_user_model().objects.filter(username__in=["first", "second"]).exists()
        write_events(1, start=1)  # the transaction goes on; the chain continues from the head
    assert list(AuditEvent.objects.values_list("seq", "event_type")) == [(1, "reference.updated"), (2, "reference.updated")]
    assert verify_chain().ok


def test_a_nested_batch_and_audit_record_many_join_the_outer_batch(users):
    actor = Actor.system()
    with CaptureQueriesContext(connection) as queries, transaction.atomic(), audit_batch():
        service(actor, "outer")
        with audit_batch():
            audit_record_many(actor=actor, events=batch(users, n=3))
        service(actor, "after")
    inserts = [q["sql"] for q in queries.captured_queries if q["sql"].startswith('INSERT INTO "core_auditevent"')]
    assert len(inserts) == 1
    assert list(AuditEvent.objects.values_list("seq", flat=True)) == list(range(1, 8))
    assert verify_chain().ok


@pytest.mark.django_db(transaction=True)
def test_audit_batch_needs_the_callers_transaction():
    with pytest.raises(RuntimeError, match="transaction"), audit_batch():
        pass


def test_a_checkpoint_appends_early_only_where_no_inner_savepoint_is_open():
    actor = Actor.system()
    with CaptureQueriesContext(connection) as queries, transaction.atomic(), audit_batch(flush_at=4) as gathered:
        for n in range(5):
            with transaction.atomic():
                service(actor, f"row-{n}")
                gathered.checkpoint()  # inside a savepoint: never appends
            gathered.checkpoint()  # between rows: appends once 4 events wait
        assert gathered.flushes == 2
    inserts = [q["sql"] for q in queries.captured_queries if q["sql"].startswith('INSERT INTO "core_auditevent"')]
    assert len(inserts) == 3  # rows 0-1, rows 2-3, then row 4 when the block ends
    assert AuditEvent.objects.count() == 10 and verify_chain().ok


# --- import promotion ------------------------------------------------------------------------------

PROMOTE_CODE = "audit-batch-test"


@pytest.fixture
def import_type_for_audit():
    """A kernel-only import type whose promote calls ``service`` row by row, like a module's."""
    from kssp.core.imports import registry
    from kssp.core.imports.registry import Column, ImportType

    class AnyoneMayImport(ImportType):
        def may_use(self, actor: Actor) -> bool:
            return actor.is_authenticated

    def promote(actor: Actor, rows) -> int:
        created = 0
        for row in rows:
            try:
                service(actor, row.values["name"], fail_after_audit=row.values.get("skip", False))
            except ValueError:
                continue  # a lenient module skips a row its service refused
            created += 1
        return created

    spec = registry.register_import_type(
        AnyoneMayImport(code=PROMOTE_CODE, label="Audit batch test", permission="-", columns=(Column("name", "Name"),), promote=promote)
    )
    yield spec
    registry._types.pop(PROMOTE_CODE, None)


def validated_batch(person, rows: list[dict]):
    import hashlib

    from kssp.core.imports.models import ImportBatch, ImportStatus, StagedRow

    batch = ImportBatch.objects.create(
        import_type=PROMOTE_CODE, status=ImportStatus.VALIDATED, owner_institution=person.membership.unit.institution,
        owner_unit=person.membership.unit, created_by=person.user, filename="rows.csv", file_format="csv", file_size=1,
        file_sha256=hashlib.sha256(b"x").hexdigest(), rows_total=len(rows), rows_done=len(rows), rows_valid=len(rows),
    )
    StagedRow.objects.bulk_create(
        StagedRow(batch=batch, row_number=n, raw=row, cleaned=row) for n, row in enumerate(rows, start=1)
    )
    return batch


def test_import_promotion_appends_its_per_row_events_with_one_insert_in_the_same_chain(world, import_type_for_audit):
    from kssp.core.imports.services import import_batch_promote

    person = world.kp_investigator
    write_events(2)
    batch_ = validated_batch(person, [{"name": f"imported-{n}"} for n in range(6)])
    with CaptureQueriesContext(connection) as queries:
        promoted = import_batch_promote(actor=person.actor, batch=batch_)
    assert promoted.records_created == 6
    inserts = [q["sql"] for q in queries.captured_queries if q["sql"].startswith('INSERT INTO "core_auditevent"')]
    head_updates = [q["sql"] for q in queries.captured_queries if q["sql"].startswith('UPDATE "core_audithead"')]
    assert len(inserts) == 1 and len(head_updates) == 1
    events = list(AuditEvent.objects.filter(seq__gt=2).order_by("seq"))
    assert [e.seq for e in events] == list(range(3, 16))  # 6 rows x 2 events, then import.promoted
    assert [e.event_type for e in events[-3:]] == ["user.created", "reference.updated", "import.promoted"]
    assert events[0].prev_hmac == AuditEvent.objects.get(seq=2).hmac
    assert all(e.actor_label == person.actor.label for e in events)
    assert verify_chain().ok


def test_import_promotion_writes_the_trail_readers_saw_before_the_bulk_append(world, import_type_for_audit):
    """The same rows promoted through the services one event at a time (no batch) and through promotion."""
    from kssp.core.imports import registry
    from kssp.core.imports.services import import_batch_promote

    person = world.kp_investigator
    rows = [{"name": "alpha"}, {"name": "beta", "skip": True}, {"name": "gamma"}]
    with transaction.atomic():
        registry.import_type(PROMOTE_CODE).promote(person.actor, iter(
            registry.StagedValues(n, row) for n, row in enumerate(rows, start=1)
        ))
    one_by_one = trail()
    rename_users("alpha", "gamma")
    mark = AuditHead.objects.get(pk=1).seq
    batch_ = validated_batch(person, rows)
    import_batch_promote(actor=person.actor, batch=batch_)
    promoted = trail(since=mark)
    assert promoted[:-1] == one_by_one  # the refused row left no event either way
    assert promoted[-1][0] == "import.promoted" and promoted[-1][8]["after"]["records_created"] == 2
    assert verify_chain().ok


def test_a_refused_import_promotion_writes_no_event_and_leaves_the_head(world, import_type_for_audit):
    from kssp.core.exceptions import ApplicationError
    from kssp.core.imports import registry
    from kssp.core.imports.services import import_batch_promote

    person = world.kp_investigator
    write_events(1)
    head = AuditHead.objects.get(pk=1)
    batch_ = validated_batch(person, [{"name": "one"}, {"name": "two"}])
    def refuse_second(actor, rows):
        for row in rows:
            if row.values["name"] == "two":
                raise ApplicationError("refused", code="invalid")
            service(actor, row.values["name"])
        return 2

    registry.register_import_type(dataclasses.replace(import_type_for_audit, promote=refuse_second))
    with pytest.raises(ApplicationError):
        import_batch_promote(actor=person.actor, batch=batch_)
    assert AuditHead.objects.get(pk=1).hmac == head.hmac and AuditEvent.objects.count() == 1
    assert not get_user_model().objects.filter(username="one").exists()
    assert verify_chain().ok


def test_a_very_large_promotion_appends_in_a_few_inserts_between_rows(world, import_type_for_audit, monkeypatch):
    from kssp.core.audit import service as audit_service
    from kssp.core.imports.services import import_batch_promote

    monkeypatch.setattr(audit_service, "DEFAULT_BATCH_FLUSH_AT", 6)
    person = world.kp_investigator
    batch_ = validated_batch(person, [{"name": f"big-{n}"} for n in range(7)])
    with CaptureQueriesContext(connection) as queries:
        import_batch_promote(actor=person.actor, batch=batch_)
    inserts = [q["sql"] for q in queries.captured_queries if q["sql"].startswith('INSERT INTO "core_auditevent"')]
    assert len(inserts) == 3  # rows 1-3, rows 4-6, row 7 and import.promoted
    result = verify_chain()
    assert result.ok and result.checked == 15
