"""``manage.py backup`` and ``manage.py restore`` (issue #3 point 11): back up, change and destroy data,
restore, and the audit chain verifies on the restored database. SQLite through the online backup API;
PostgreSQL through pg_dump/pg_restore when the suite runs on PostgreSQL. Keys are not in the backup."""

from __future__ import annotations

import io
import os
import re
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import connection, transaction

from kssp.core.audit import audit_record, verify_chain
from kssp.core.models import AuditEvent, AuditHead, NumberSequence
from kssp.core.policy import Actor

pytestmark = pytest.mark.django_db(transaction=True)

ACTOR = Actor.system("backup test")


def write_events(count: int, start: int = 0) -> None:
    for i in range(start, start + count):
        with transaction.atomic():
            audit_record(actor=ACTOR, event="reference.updated", extra={"i": i})


def backup(tmp_path: Path) -> Path:
    out = io.StringIO()
    call_command("backup", output=str(tmp_path), stdout=out)
    match = re.search(r"Backup written: (.+)", out.getvalue())
    assert match, out.getvalue()
    assert "Keys are not in the backup" in out.getvalue()
    return Path(match.group(1).strip())


def restore(path: Path, **options) -> str:
    out = io.StringIO()
    call_command("restore", str(path), interactive=False, stdout=out, **options)
    return out.getvalue()


@pytest.fixture(autouse=True)
def own_file_storage(settings, tmp_path):
    """Backups read and restores write the default storage: never var/files/ in a test."""
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": tmp_path / "files"}},
    }


@pytest.fixture
def trail():
    write_events(5)
    NumberSequence.objects.create(key="backup-test", year=2026, last=7)
    assert verify_chain().ok


def test_backup_change_destroy_restore_and_the_chain_verifies(trail, tmp_path):
    # given a backup
    path = backup(tmp_path)
    assert path.name.startswith("kssp-") and path.suffix == ".tar"
    assert Path(f"{path}.sha256").read_text().split()[0]
    # when data changes and part of the trail is destroyed
    write_events(3, start=5)
    NumberSequence.objects.filter(key="backup-test").update(last=99)
    NumberSequence.objects.create(key="made-after-the-backup", year=2026, last=1)
    if connection.vendor == "sqlite":
        # (PostgreSQL's trigger refuses this; SQLite has only the chain to show it)
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM core_auditevent WHERE seq IN (2, 3)")
        assert not verify_chain().ok
    # and the backup is restored
    output = restore(path)
    # then the database is the backup's, and its audit chain verifies
    assert "Audit chain verified: 5 events." in output
    assert verify_chain().ok
    # (the restore itself is the restored chain's next event; the backup's own event came after its copy)
    assert list(AuditEvent.objects.order_by("seq").values_list("seq", flat=True)) == [1, 2, 3, 4, 5, 6]
    assert AuditEvent.objects.get(seq=6).event_type == "backup.restored"
    assert not AuditEvent.objects.filter(event_type="backup.created").exists()
    assert AuditHead.objects.get(pk=1).seq == 6
    assert NumberSequence.objects.get(key="backup-test").last == 7
    assert not NumberSequence.objects.filter(key="made-after-the-backup").exists()
    # and the platform goes on writing on the restored chain
    write_events(1, start=100)
    assert verify_chain().ok


def test_the_keys_are_not_in_the_backup(tmp_path, settings):
    # given distinctive keys (the test keys are runs of one byte, found in any file)
    settings.AUDIT_HMAC_KEY, settings.AUDIT_ANCHOR_KEY, settings.DATA_KEY = (os.urandom(32) for _ in range(3))
    settings.SECRET_KEY = "test-" + os.urandom(24).hex()
    write_events(3)
    path = backup(tmp_path)
    if connection.vendor != "sqlite":
        pytest.skip("a pg_dump custom-format file is compressed; the SQLite file is searched byte by byte")
    data = path.read_bytes()
    for secret in (settings.AUDIT_HMAC_KEY, settings.AUDIT_ANCHOR_KEY, settings.DATA_KEY):
        assert secret not in data and secret.hex().encode() not in data
    assert settings.SECRET_KEY.encode() not in data


def test_a_restore_with_other_keys_reports_a_broken_chain(trail, tmp_path, settings):
    path = backup(tmp_path)
    settings.AUDIT_HMAC_KEY = bytes.fromhex("ab" * 32)
    with pytest.raises(CommandError, match="does not verify after the restore"):
        restore(path)


def test_a_damaged_backup_is_refused_and_nothing_changes(trail, tmp_path):
    path = backup(tmp_path)
    write_events(2, start=5)
    with path.open("r+b") as handle:
        handle.seek(200)
        handle.write(b"\x00\xff\x00\xff")
    with pytest.raises(CommandError, match="does not match its SHA-256"):
        restore(path)
    assert AuditEvent.objects.count() == 8 and verify_chain().ok  # 5, the backup's event, 2 more


def test_a_file_that_is_no_backup_is_refused(trail, tmp_path):
    junk = tmp_path / "notes.txt"
    junk.write_text("not a database")
    with pytest.raises(CommandError, match="is not a backup archive of manage.py backup"):
        restore(junk)
    with pytest.raises(CommandError, match="No backup file"):
        restore(tmp_path / "missing.sqlite3")
    assert AuditEvent.objects.count() == 5


def test_a_backup_of_the_other_engine_is_refused(trail, tmp_path):
    other = tmp_path / "other-engine.backup"
    other.write_bytes(b"PGDMP\x01\x0e\x00" if connection.vendor == "sqlite" else b"SQLite format 3\x00" + b"\x00" * 100)
    with pytest.raises(CommandError, match="backup, but the database is"):
        restore(other)
    assert AuditEvent.objects.count() == 5


def test_backup_refuses_to_overwrite_a_file(trail, tmp_path):
    existing = tmp_path / "taken.bin"
    existing.write_text("keep me")
    with pytest.raises(CommandError, match="exists"):
        call_command("backup", output=str(existing), stdout=io.StringIO())
    assert existing.read_text() == "keep me"
