"""The audit chain: dense sequence, HMAC chain, append-only, crypto-shredding (issue #2 point 5).

Payload, anchor and file checks (issue #6 point 6) are in ``test_audit_verify.py``, ``test_audit_anchor.py``,
``test_audit_bulk.py`` and ``test_audit_postgres.py``."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, transaction

from kssp.core.audit import audit_record, payload_for, verify_chain
from kssp.core.audit.service import shred_subject
from kssp.core.audit.testing import tampering, write_events
from kssp.core.models import AuditDataKey, AuditEvent, AuditHead
from kssp.core.policy import Actor

ROOT = Path(__file__).resolve().parents[3]


@pytest.mark.django_db
def test_events_get_a_dense_sequence_and_the_chain_verifies():
    events = write_events(5)
    assert [e.seq for e in events] == [1, 2, 3, 4, 5]
    assert events[1].prev_hmac == events[0].hmac
    result = verify_chain()
    assert result.ok and result.checked == 5
    assert AuditHead.objects.get(pk=1).seq == 5


@pytest.mark.django_db(transaction=True)
def test_audit_record_outside_a_transaction_is_refused():
    with pytest.raises(RuntimeError):
        audit_record(actor=Actor.system(), event="reference.updated")


@pytest.mark.django_db
def test_reason_is_enforced_for_events_that_require_it():
    with pytest.raises(ValueError), transaction.atomic():
        audit_record(actor=Actor.system(), event="grant.revoked", reason="  ")
    assert AuditEvent.objects.count() == 0


@pytest.mark.django_db
def test_unregistered_event_type_is_refused():
    with pytest.raises(LookupError), transaction.atomic():
        audit_record(actor=Actor.system(), event="no.such.event")


@pytest.mark.django_db
def test_a_changed_row_is_named():
    write_events(4)
    with tampering():
        AuditEvent.objects.filter(seq=3).update(actor_label="someone else")
    result = verify_chain()
    assert (result.ok, result.kind, result.seq) == (False, "changed", 3)


@pytest.mark.django_db
def test_a_changed_payload_digest_is_named_changed():
    write_events(3)
    with tampering():
        AuditEvent.objects.filter(seq=2).update(payload_digest="0" * 64)
    result = verify_chain()
    assert (result.kind, result.seq) == ("changed", 2)


@pytest.mark.django_db
def test_reordered_rows_are_named():
    write_events(5)
    with tampering():
        AuditEvent.objects.filter(seq=2).update(seq=-2)
        AuditEvent.objects.filter(seq=4).update(seq=2)
        AuditEvent.objects.filter(seq=-2).update(seq=4)
    result = verify_chain()
    assert (result.ok, result.kind, result.seq) == (False, "reordered", 2)


@pytest.mark.django_db
def test_a_deleted_row_is_named():
    write_events(5)
    with tampering():
        AuditEvent.objects.filter(seq=3).delete()
    result = verify_chain()
    assert (result.ok, result.kind, result.seq) == (False, "missing", 3)


@pytest.mark.django_db
def test_a_removed_tail_is_caught_by_the_head():
    write_events(5)
    with tampering():
        AuditEvent.objects.filter(seq__gte=4).delete()
    result = verify_chain()
    assert (result.ok, result.kind, result.seq) == (False, "missing", 4)


@pytest.mark.django_db
def test_an_inserted_row_is_named():
    events = write_events(4)
    with tampering():
        # The forger makes room at position 3 and slips in a row linked to event 2.
        for seq in (4, 3):
            AuditEvent.objects.filter(seq=seq).update(seq=seq + 1)
        forged = AuditEvent.objects.get(seq=5)
        forged.pk = None
        forged.seq = 3
        forged.prev_hmac = events[1].hmac
        forged.actor_label = "forger"
        forged.hmac = "f" * 64
        forged.save(force_insert=True)
    result = verify_chain()
    assert (result.ok, result.kind, result.seq) == (False, "inserted", 3)


@pytest.mark.django_db
def test_a_forged_row_linked_to_nothing_is_named_inserted():
    write_events(3)
    with tampering():
        forged = AuditEvent.objects.get(seq=3)
        forged.pk = None
        forged.seq = 4
        forged.prev_hmac = "a" * 64
        forged.hmac = "f" * 64
        forged.save(force_insert=True)
        AuditHead.objects.filter(pk=1).update(seq=4, hmac=forged.hmac)
    result = verify_chain()
    assert (result.ok, result.kind, result.seq) == (False, "inserted", 4)


@pytest.mark.django_db
def test_audit_verify_command_reports_ok_and_failure():
    write_events(2)
    call_command("audit_verify")
    with tampering():
        AuditEvent.objects.filter(seq=1).update(reason="edited")
    with pytest.raises(CommandError, match=r"changed.*event 1"):
        call_command("audit_verify")


@pytest.mark.django_db
def test_personal_payloads_are_encrypted_and_shredding_keeps_the_chain(django_user_model):
    subject = django_user_model.objects.create(username="data-subject")
    with transaction.atomic():
        evt = audit_record(
            actor=Actor.system(), event="user.updated", target=subject, before={"name": "Xhemajl"}, after={"name": "Džemajl"}
        )
    evt.refresh_from_db()
    assert evt.payload is None and evt.payload_ciphertext
    assert b"Xhemajl" not in bytes(evt.payload_ciphertext)
    assert payload_for(evt) == {"before": {"name": "Xhemajl"}, "after": {"name": "Džemajl"}}

    assert shred_subject(subject_type="accounts.user", subject_id=str(subject.pk), reason="retention")
    assert payload_for(evt) is None
    assert AuditDataKey.objects.get(pk=evt.data_key_id).shredded_at is not None
    assert verify_chain().ok


WRITER = """
import os, sys, django
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django.setup()
from django.db import transaction
from kssp.core.audit import audit_record
from kssp.core.policy import Actor
actor = Actor.system(label=sys.argv[1])
sys.stdout.write("ready\\n"); sys.stdout.flush()
sys.stdin.readline()
for i in range(int(sys.argv[2])):
    with transaction.atomic():
        audit_record(actor=actor, event="reference.updated", extra={"i": i})
print("done")
"""


def _database_env() -> dict[str, str]:
    settings_dict = connection.settings_dict
    env = dict(os.environ, KSSP_TESTING="1", PYTHONPATH=str(ROOT))
    if connection.vendor == "postgresql":
        user = settings_dict["USER"] or "postgres"
        env["DATABASE_URL"] = f"postgres://{user}@{settings_dict['HOST']}:{settings_dict['PORT']}/{settings_dict['NAME']}"
    else:
        env["DATABASE_URL"] = f"sqlite://{settings_dict['NAME']}"
    return env


@pytest.mark.django_db(transaction=True)
def test_two_processes_writing_at_the_same_moment_do_not_fork_the_chain():
    write_events(1)
    env = _database_env()
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", WRITER, f"writer{n}", "40"],
            cwd=ROOT,
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for n in range(2)
    ]
    for proc in procs:
        assert proc.stdout.readline().strip() == "ready"
    for proc in procs:  # release both at once
        proc.stdin.write("go\n")
        proc.stdin.flush()
    for proc in procs:
        out, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err
    seqs = list(AuditEvent.objects.order_by("seq").values_list("seq", flat=True))
    assert seqs == list(range(1, 82))
    assert set(AuditEvent.objects.values_list("actor_label", flat=True)) == {"system", "writer0", "writer1"}
    assert verify_chain().ok


def test_audit_harden_db_refuses_sqlite():
    if connection.vendor == "postgresql":
        pytest.skip("SQLite answer")
    with pytest.raises(CommandError, match="PostgreSQL"):
        call_command("audit_harden_db", "--role", "x")
