"""Backups hold the database and every stored file with their hashes, and restore checks both (issue #7
point 3: "a restore reports success with 0 of 7 files"). Files are made through the attachment service,
backed up, wiped, restored and compared byte for byte; a changed, missing or added member is refused
before anything changes. Runs on SQLite and, with ``DATABASE_URL``, on PostgreSQL (pg_dump/pg_restore)."""

from __future__ import annotations

import hashlib
import io
import shutil
import tarfile
from pathlib import Path

import pytest
from django.core.files.storage import storages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command

from kssp.core.attachments.models import Attachment
from kssp.core.attachments.services import attachment_add
from kssp.core.attachments.tests import files
from kssp.core.audit import verify_chain
from kssp.core.models import AuditEvent
from kssp.core.testing.recordkind.tests.factories import SampleRecordFactory
from kssp.core.tests.test_backup import backup, restore

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def file_storage(settings, tmp_path):
    location = tmp_path / "files"
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": location}},
    }
    return location


@pytest.fixture
def seven_files(world, file_storage):
    """Seven attachments on a record, made through the service; their bytes by stored name."""
    record = SampleRecordFactory(owner=world.kp_investigator)
    made = {}
    for i in range(6):
        data = files.pdf(f"% statement {i} ".encode() + bytes(range(256)) * (i + 1))
        made[i] = (attachment_add(actor=world.kp_investigator.actor, record=record,
                                  upload=SimpleUploadedFile(f"statement-{i}.pdf", data)), data)
    photo = files.image("PNG", gps=False)
    made[6] = (attachment_add(actor=world.kp_investigator.actor, record=record,
                              upload=SimpleUploadedFile("photo.png", photo)), photo)
    return {attachment.stored_name: data for attachment, data in made.values()}


def stored(file_storage: Path) -> dict[str, bytes]:
    return {p.relative_to(file_storage).as_posix(): p.read_bytes() for p in file_storage.rglob("*") if p.is_file()}


def members(archive: Path) -> dict[str, bytes]:
    with tarfile.open(archive) as tar:
        return {info.name: tar.extractfile(info).read() for info in tar.getmembers()}  # type: ignore[union-attr]


def rewrite(archive: Path, contents: dict[str, bytes]) -> None:
    """Write ``contents`` as the archive (what someone with the file could do), dropping the .sha256."""
    archive.unlink()
    Path(f"{archive}.sha256").unlink(missing_ok=True)
    with tarfile.open(archive, "w") as tar:
        for name, data in contents.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))


def test_a_backup_holds_every_stored_file_and_a_restore_brings_them_back_byte_for_byte(seven_files, file_storage, tmp_path):
    # given seven files stored through the attachment service
    assert stored(file_storage) == seven_files and len(seven_files) == 7
    # when the platform is backed up
    archive = backup(tmp_path / "backups")
    # and the backup is in the audit trail with the archive's hash
    taken = AuditEvent.objects.get(event_type="backup.created")
    assert taken.payload["extra"]["files"] == 7 and taken.payload["extra"]["sha256"] == Path(f"{archive}.sha256").read_text().split()[0]
    # then the archive holds the database, every file and a manifest with each member's SHA-256
    inside = members(archive)
    assert set(inside) == {"database.sqlite3" if "database.sqlite3" in inside else "database.pgdump", "manifest.json",
                           *(f"files/{name}" for name in seven_files)}
    for name, data in seven_files.items():
        assert inside[f"files/{name}"] == data
        assert hashlib.sha256(data).hexdigest() in inside["manifest.json"].decode()
    # when the files are wiped and the rows deleted
    shutil.rmtree(file_storage)
    Attachment.objects.all().delete()
    # and the archive is restored
    output = restore(archive)
    # then every file is back with the same bytes, and the restore says so
    assert "Files restored: 7 of 7" in output
    assert "Attachments: 7 of 7 files present and matching the database's SHA-256." in output
    assert stored(file_storage) == seven_files
    assert Attachment.objects.count() == 7
    for attachment in Attachment.objects.all():
        with storages["default"].open(attachment.stored_name, "rb") as handle:
            assert hashlib.sha256(handle.read()).hexdigest() == attachment.sha256
    assert verify_chain().ok
    restored = AuditEvent.objects.order_by("-seq").first()
    assert restored is not None and restored.event_type == "backup.restored"
    assert restored.payload["extra"]["files"] == 7 and restored.payload["extra"]["chain_verified"] is True


def test_an_archive_with_a_changed_file_is_refused_naming_it_and_its_hashes_and_nothing_changes(seven_files, file_storage, tmp_path):
    archive = backup(tmp_path / "backups")
    contents = members(archive)
    victim = sorted(n for n in contents if n.startswith("files/"))[0]
    expected = hashlib.sha256(contents[victim]).hexdigest()
    data = contents[victim]
    contents[victim] = data[:20] + bytes([data[20] ^ 0x01]) + data[21:]  # one bit
    found = hashlib.sha256(contents[victim]).hexdigest()
    rewrite(archive, contents)  # the .sha256 beside it is gone too: only the manifest can tell
    events = AuditEvent.objects.count()
    Attachment.objects.filter(stored_name=victim[len("files/"):]).update(description="changed after the backup")
    with pytest.raises(CommandError) as refused:
        restore(archive)
    message = str(refused.value)
    assert victim in message and expected in message and found in message and "Nothing was restored" in message
    # nothing was touched: the files and the database are as they were
    assert stored(file_storage) == seven_files
    assert Attachment.objects.filter(description="changed after the backup").count() == 1
    assert AuditEvent.objects.count() == events


def test_an_archive_with_a_missing_file_is_refused(seven_files, file_storage, tmp_path):
    archive = backup(tmp_path / "backups")
    contents = members(archive)
    victim = sorted(n for n in contents if n.startswith("files/"))[-1]
    del contents[victim]
    rewrite(archive, contents)
    shutil.rmtree(file_storage)
    with pytest.raises(CommandError, match=f"{victim} is missing from the archive .*SHA-256 [0-9a-f]{{64}}"):
        restore(archive)
    assert not file_storage.exists()  # nothing written


def test_an_archive_with_an_added_file_or_without_a_manifest_is_refused(seven_files, file_storage, tmp_path):
    archive = backup(tmp_path / "backups")
    contents = members(archive)
    rewrite(archive, {**contents, "files/attachments/planted.pdf": b"%PDF-1.4 planted"})
    with pytest.raises(CommandError, match="files/attachments/planted.pdf is in the archive but not in its manifest"):
        restore(archive)
    del contents["manifest.json"]
    rewrite(archive, contents)
    with pytest.raises(CommandError, match="has no manifest.json"):
        restore(archive)
    assert stored(file_storage) == seven_files


def test_a_damaged_archive_is_refused_by_its_sha256_with_both_hashes(seven_files, file_storage, tmp_path):
    archive = backup(tmp_path / "backups")
    with archive.open("r+b") as handle:
        handle.seek(1024 + 100)
        handle.write(b"\x00\xff\x00\xff")
    with pytest.raises(CommandError, match=r"does not match its SHA-256 .*expected [0-9a-f]{64}, found [0-9a-f]{64}"):
        restore(archive)
    assert stored(file_storage) == seven_files


def test_check_verifies_an_archive_without_changing_anything(seven_files, file_storage, tmp_path):
    archive = backup(tmp_path / "backups")
    shutil.rmtree(file_storage)
    output = restore(archive, check=True)
    assert "OK:" in output and "7 files" in output and "Nothing was changed" in output
    for data in seven_files.values():
        assert hashlib.sha256(data).hexdigest() in output
    assert not file_storage.exists()


def test_a_restore_says_which_attachment_files_the_backup_did_not_hold(seven_files, file_storage, tmp_path):
    # a file lost from the storage before the backup: the backup warns, the restore counts 6 of 7
    lost = sorted(seven_files)[0]
    (file_storage / lost).unlink()
    err = io.StringIO()
    archive = tmp_path / "kssp.tar"
    call_command("backup", output=str(archive), stdout=io.StringIO(), stderr=err)
    assert "1 attachment file(s) named by the database were not in the storage" in err.getvalue()
    with pytest.raises(CommandError, match="1 of 7 attachment files are missing"):
        restore(archive)
    # the database and the six files are back, the chain verifies, and the gap is on record
    assert verify_chain().ok and len(stored(file_storage)) == 6
    restored = AuditEvent.objects.order_by("-seq").first()
    assert restored is not None and restored.event_type == "backup.restored"
    assert restored.payload["extra"]["attachment_files_missing"] == 1
