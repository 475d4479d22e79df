"""Issue #6 point 6 on PostgreSQL: events and anchors refuse UPDATE and DELETE, the head accepts only an
UPDATE forward to the last event (every event before it present), data keys accept only the UPDATE that
destroys the wrapped key; for every role, the owner included (triggers). ``audit_harden_db`` adds the
privileges (and TRUNCATE) for the application's role. Run with DATABASE_URL pointing at PostgreSQL."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from kssp.core.audit import AuditEntry, audit_record, audit_record_many, verify_chain
from kssp.core.audit.anchor import anchor_write
from kssp.core.audit.service import shred_subject
from kssp.core.audit.testing import write_events
from kssp.core.models import AuditDataKey, AuditEvent, AuditHead
from kssp.core.policy import Actor

pytestmark = [
    pytest.mark.postgres_only,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL triggers and roles"),
]


def refused(statement: str, params: tuple = (), match: str = "") -> None:
    with pytest.raises(DatabaseError, match=match), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(statement, params)


@pytest.mark.django_db
def test_events_refuse_update_and_delete():
    write_events(2)
    refused("UPDATE core_auditevent SET reason = 'x'", match="core_auditevent is append-only")
    refused("UPDATE core_auditevent SET payload = '{}'::jsonb WHERE seq = 1", match="append-only")
    refused("DELETE FROM core_auditevent WHERE seq = 2", match="append-only")
    assert AuditEvent.objects.count() == 2 and verify_chain().ok


@pytest.mark.django_db
def test_anchors_refuse_update_and_delete():
    write_events(2)
    anchor_write()
    refused("UPDATE core_auditanchor SET seq = 1", match="core_auditanchor is append-only")
    refused("UPDATE core_auditanchor SET public_key = 'x', signature = 'y'", match="append-only")
    refused("DELETE FROM core_auditanchor", match="append-only")
    assert verify_chain().ok


@pytest.mark.django_db
def test_the_head_moves_only_forward_to_the_last_event():
    events = write_events(3)
    refused("UPDATE core_audithead SET seq = 2, hmac = %s", (events[1].hmac,), match="only moves forward")
    refused("UPDATE core_audithead SET hmac = %s", ("e" * 64,), match="only moves forward")
    refused("UPDATE core_audithead SET seq = 4, hmac = %s", ("e" * 64,), match="must name the last event")
    refused("DELETE FROM core_audithead", match="DELETE refused")
    refused("INSERT INTO core_audithead (id, seq, hmac, updated_at) VALUES (2, 0, %s, now())", ("0" * 64,), match="exists already")
    # an event slipped in after a gap cannot be made the head
    gap = AuditEvent.objects.get(seq=3)
    gap.pk, gap.seq = None, 5
    gap.save(force_insert=True)
    refused("UPDATE core_audithead SET seq = 5, hmac = %s", (gap.hmac,), match="every event before it present")
    assert AuditHead.objects.get(pk=1).seq == 3


@pytest.mark.django_db
def test_the_head_follows_single_and_bulk_appends():
    write_events(2)
    with transaction.atomic():
        audit_record_many(actor=Actor.system(), events=[AuditEntry(event="reference.updated", extra={"k": k}) for k in range(5)])
    assert AuditHead.objects.get(pk=1).seq == 7
    with transaction.atomic():
        audit_record(actor=Actor.system(), event="reference.updated")
    assert AuditHead.objects.get(pk=1).seq == 8 and verify_chain().ok


@pytest.mark.django_db
def test_data_keys_accept_only_being_destroyed(django_user_model):
    subject = django_user_model.objects.create(username="data-subject")
    with transaction.atomic():
        evt = audit_record(actor=Actor.system(), event="user.updated", target=subject, after={"name": "Džemajl"})
    key_id = evt.data_key_id
    refused("DELETE FROM core_auditdatakey", match="can only be destroyed")
    refused("UPDATE core_auditdatakey SET wrapped_key = %s WHERE id = %s", (b"\x00" * 60, key_id), match="can only be destroyed")
    refused("UPDATE core_auditdatakey SET subject_id = 'other' WHERE id = %s", (key_id,), match="can only be destroyed")
    # no record of the shred
    refused("UPDATE core_auditdatakey SET wrapped_key = NULL WHERE id = %s", (key_id,), match="can only be destroyed")
    assert shred_subject(subject_type="accounts.user", subject_id=str(subject.pk), reason="retention")
    refused(
        "UPDATE core_auditdatakey SET wrapped_key = %s, shredded_at = NULL WHERE id = %s", (b"\x00" * 60, key_id),
        match="can only be destroyed",
    )
    assert AuditDataKey.objects.get(pk=key_id).shredded_at is not None
    result = verify_chain()
    assert result.ok and result.shredded == 1


@pytest.mark.django_db(transaction=True)
def test_audit_harden_db_leaves_the_app_role_only_what_the_trail_needs():
    import psycopg

    write_events(1)
    anchor_write()
    role = "kssp_app_audit_test"
    tables = ("core_auditevent", "core_auditanchor", "core_audithead", "core_auditdatakey")
    with connection.cursor() as cursor:
        cursor.execute(f"DROP ROLE IF EXISTS {role}")
        cursor.execute(f"CREATE ROLE {role} LOGIN")
        for table in tables:
            cursor.execute(f"GRANT ALL ON {table} TO {role}")
    try:
        call_command("audit_harden_db", "--role", role, stdout=io.StringIO())
        settings_dict = connection.settings_dict
        with psycopg.connect(
            host=settings_dict["HOST"], port=settings_dict["PORT"], dbname=settings_dict["NAME"], user=role, autocommit=True
        ) as app:
            assert app.execute("SELECT count(*) FROM core_auditevent").fetchone()[0] == 1
            assert app.execute("SELECT seq FROM core_audithead").fetchone()[0] == 1
            # the app can still sign an anchor (INSERT), but change nothing it wrote
            app.execute(
                "INSERT INTO core_auditanchor (version, day, signed_at, seq, hmac, signature, public_key, created_at)"
                " VALUES (2, %s, %s, 99, 'x', 'y', 'z', now())",
                (timezone.localdate(), timezone.now()),
            )
            refused_for_app = [
                *(f"{verb} core_auditevent" for verb in ("DELETE FROM", "TRUNCATE")),
                "UPDATE core_auditevent SET reason = 'x'",
                *(f"{verb} core_auditanchor" for verb in ("DELETE FROM", "TRUNCATE")),
                "UPDATE core_auditanchor SET seq = 1",
                "DELETE FROM core_audithead",
                "TRUNCATE core_audithead",
                "INSERT INTO core_audithead (id, seq, hmac, updated_at) VALUES (2, 0, 'x', now())",
                "DELETE FROM core_auditdatakey",
                "TRUNCATE core_auditdatakey",
            ]
            for statement in refused_for_app:
                with pytest.raises(psycopg.errors.InsufficientPrivilege):
                    app.execute(statement)
    finally:
        with connection.cursor() as cursor:
            for table in tables:
                cursor.execute(f"REVOKE ALL ON {table} FROM {role}")
            cursor.execute(f"DROP ROLE IF EXISTS {role}")
