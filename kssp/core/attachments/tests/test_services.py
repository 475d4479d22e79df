"""Attachments (issue #3 point 2) through the services: the checks on content, GPS removal, hashing,
storage outside any public URL, soft removal, the audit trail, and the policy's two faces."""

from __future__ import annotations

import hashlib

import pytest
from django.core.files.storage import storages
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from kssp.core.attachments import content
from kssp.core.attachments.models import Attachment
from kssp.core.attachments.policies import attachment_policy
from kssp.core.attachments.selectors import attachment_list_visible_to, attachment_open_visible_to
from kssp.core.attachments.services import attachment_add, attachment_remove
from kssp.core.attachments.tests import files
from kssp.core.attachments.uploads import FileTooLarge
from kssp.core.audit import payload_for
from kssp.core.audit.testing import reason_of
from kssp.core.exceptions import ApplicationError, NotFound, PermissionDenied
from kssp.core.markings import Classification
from kssp.core.models import AuditEvent
from kssp.core.services.grants import grant_create, grant_revoke
from kssp.core.testing.recordkind.tests.factories import SampleRecordFactory


def upload(name: str, data: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data)


def add(person, record, name: str, data: bytes, **kwargs) -> Attachment:
    return attachment_add(actor=person.actor, record=record, upload=upload(name, data), **kwargs)


def stored_bytes(attachment: Attachment) -> bytes:
    with storages["default"].open(attachment.stored_name, "rb") as handle:
        return handle.read()


def refusal(person, record, name: str, data: bytes, **kwargs) -> list[str]:
    with pytest.raises(ApplicationError) as caught:
        add(person, record, name, data, **kwargs)
    return [str(m) for m in caught.value.fields["file"]]


# --- the happy path --------------------------------------------------------------------------------


def test_a_pdf_is_stored_with_its_hash_outside_any_public_place_and_audited(world, file_storage):
    # given
    sample = SampleRecordFactory(owner=world.kp_investigator)
    data = files.pdf(b"% statement of the witness")
    # when
    attachment = add(world.kp_investigator, sample, "Deklarata e dëshmitarit.pdf", data, description="Signed statement")
    # then the row describes the file
    assert attachment.original_name == "Deklarata e dëshmitarit.pdf"
    assert attachment.media_type == "application/pdf" and attachment.kind == "pdf"
    assert attachment.size == len(data)
    assert attachment.sha256 == attachment.original_sha256 == hashlib.sha256(data).hexdigest()
    assert attachment.record_public_id == sample.public_id
    assert attachment.owner_institution_id == sample.owner_institution_id and attachment.owner_unit_id == sample.owner_unit_id
    assert attachment.uploaded_by == world.kp_investigator.user
    # and the file sits in the storage under an opaque name that says nothing of the record or the file
    assert stored_bytes(attachment) == data
    assert [p.relative_to(file_storage).as_posix() for p in files.stored_files(file_storage)] == [attachment.stored_name]
    assert attachment.stored_name.startswith("attachments/")
    for telltale in ("Deklarata", ".pdf", str(sample.public_id), sample.number):
        assert telltale not in attachment.stored_name
    # and the audit trail has the event, its payload encrypted with the record's key
    event = AuditEvent.objects.get(event_type="attachment.added", target_public_id=attachment.public_id)
    assert event.payload is None and event.payload_ciphertext is not None
    payload = payload_for(event)
    assert payload["after"]["file_name"] == "Deklarata e dëshmitarit.pdf"
    assert payload["after"]["sha256"] == attachment.sha256
    assert "Deklarata" not in event.target_repr


@pytest.mark.parametrize(
    ("name", "builder", "media_type"),
    [
        ("scan.png", lambda: files.image("PNG", gps=False), "image/png"),
        ("photo.JPG", lambda: files.image("JPEG", gps=False), "image/jpeg"),
        ("scan.tif", lambda: files.image("TIFF", gps=False), "image/tiff"),
        ("notes.txt", lambda: "Shënime: çelësi, Đakovica, Ђаковица\n".encode(), "text/plain; charset=utf-8"),
        ("serials.csv", lambda: b"serial;make\n19Z45Z;Zastava\n", "text/csv; charset=utf-8"),
        ("old.txt", lambda: "Pri\u0161tina".encode("cp1250"), "text/plain"),
        ("report.docx", files.docx, "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
        ("serials.xlsx", files.xlsx, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    ],
)
def test_accepted_kinds_are_stored_with_the_type_found_in_their_content(world, name, builder, media_type):
    sample = SampleRecordFactory(owner=world.kp_investigator)
    attachment = add(world.kp_investigator, sample, name, builder())
    assert attachment.media_type == media_type


# --- refused content: nothing is stored ------------------------------------------------------------


def test_a_pdf_renamed_jpg_is_refused_and_nothing_is_written(world, file_storage):
    # given
    sample = SampleRecordFactory(owner=world.kp_investigator)
    # when
    messages = refusal(world.kp_investigator, sample, "photo.jpg", files.pdf())
    # then
    assert messages == ["The file is a PDF document, not a JPEG image."]
    assert not Attachment.objects.exists()
    assert files.stored_files(file_storage) == []
    assert not AuditEvent.objects.filter(event_type="attachment.added").exists()


@pytest.mark.parametrize(
    ("name", "data", "expected"),
    [
        ("photo.png", files.image("JPEG", gps=False), "The file is a JPEG image, not a PNG image."),
        ("table.csv", files.xlsx(), "The file is an Excel workbook (XLSX), not a CSV table."),
        ("report.pdf", b"MZ\x90\x00" + b"\x00" * 200, "The file is a Windows program; such files are not accepted."),
        ("letter.docm", files.docm(), "The file is an Office document with macros; such files are not accepted."),
        ("letter.docx", files.docm(), "The file is an Office document with macros; such files are not accepted."),
        ("bundle.zip", files.plain_zip(), "The file is a ZIP archive; such files are not accepted."),
        ("page.txt", b"<!DOCTYPE html><html><script>alert(1)</script></html>", "The file is a web page or SVG drawing;"),
        ("blob.pdf", bytes(range(256)) * 4, "This kind of file is not accepted."),
        ("empty.pdf", b"", "The file is empty."),
        ("cut.pdf", b"%PDF-1.4\n1 0 obj<<>>endobj\n", "The PDF document is incomplete (its end is missing)."),
        ("cut.jpg", files.image("JPEG", gps=False)[:300], "The image is damaged or incomplete."),
        ("scan.pdf.exe", files.pdf(), "The file is a PDF document, not a Windows program."),
        ("scan", files.pdf(), "The name of the file does not fit its content: the file is a PDF document. Name it with .pdf at the end."),
    ],
)
def test_content_that_does_not_fit_is_refused_with_a_clear_message(world, file_storage, name, data, expected):
    sample = SampleRecordFactory(owner=world.kp_investigator)
    with pytest.raises(ApplicationError) as caught:
        add(world.kp_investigator, sample, name, data)
    message = " ".join(str(m) for m in caught.value.fields.get("file", []))
    assert message.startswith(expected), message
    assert not Attachment.objects.exists()
    assert files.stored_files(file_storage) == []


def test_an_image_with_too_many_pixels_is_refused(world, monkeypatch):
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 100)
    sample = SampleRecordFactory(owner=world.kp_investigator)
    assert refusal(world.kp_investigator, sample, "big.png", files.image("PNG", gps=False)) == [
        "The image has too many pixels to be checked safely."
    ]


def test_a_file_past_the_limit_is_refused_by_the_service_too(world, settings, file_storage):
    settings.KSSP = {**settings.KSSP, "ATTACHMENT_MAX_BYTES": 1000}
    sample = SampleRecordFactory(owner=world.kp_investigator)
    with pytest.raises(FileTooLarge) as caught:
        add(world.kp_investigator, sample, "big.pdf", files.pdf(b"x" * 2000))
    assert caught.value.status == 413
    assert caught.value.fields == {"file": ["The file is too large: at most 1000\xa0bytes are accepted."]}
    assert not Attachment.objects.exists() and files.stored_files(file_storage) == []


# --- GPS: removed unless evidential ------------------------------------------------------------------


@pytest.mark.parametrize(("fmt", "name"), [("JPEG", "scene.jpg"), ("PNG", "scene.png")])
def test_the_gps_position_is_removed_from_photographs_and_nothing_else_changes(world, fmt, name):
    # given a photograph that records where it was taken
    data = files.image(fmt)
    assert files.gps_of(data)
    sample = SampleRecordFactory(owner=world.kp_investigator)
    # when
    attachment = add(world.kp_investigator, sample, name, data)
    # then the stored file has no position, keeps its other metadata and its pixels
    stored = stored_bytes(attachment)
    assert files.gps_of(stored) == {}
    assert files.make_of(stored) == "KP Forensics Camera"
    assert files.pixels(stored) == files.pixels(data)
    assert attachment.gps_removed is True
    assert attachment.sha256 == hashlib.sha256(stored).hexdigest() != attachment.original_sha256
    assert attachment.original_sha256 == hashlib.sha256(data).hexdigest()
    assert attachment.size == len(stored)


def test_jpeg_image_data_is_copied_byte_for_byte(world):
    data = files.image("JPEG")
    attachment = add(world.kp_investigator, SampleRecordFactory(owner=world.kp_investigator), "scene.jpg", data)
    stored = stored_bytes(attachment)
    start_of_scan = b"\xff\xda"
    assert stored[stored.index(start_of_scan):] == data[data.index(start_of_scan):]


@pytest.mark.parametrize(("fmt", "name"), [("JPEG", "scene.jpg"), ("PNG", "scene.png"), ("TIFF", "scene.tiff")])
def test_an_evidential_file_is_kept_exactly_as_uploaded(world, fmt, name):
    data = files.image(fmt)
    sample = SampleRecordFactory(owner=world.kp_investigator)
    attachment = add(world.kp_investigator, sample, name, data, evidential=True)
    assert stored_bytes(attachment) == data
    assert files.gps_of(stored_bytes(attachment)) == files.GPS
    assert attachment.gps_removed is False and attachment.evidential is True
    assert attachment.sha256 == attachment.original_sha256 == hashlib.sha256(data).hexdigest()


def test_a_record_may_make_all_its_attachments_evidential(world):
    sample = SampleRecordFactory(owner=world.kp_investigator)
    sample.attachments_are_evidential = True
    attachment = add(world.kp_investigator, sample, "scene.jpg", files.image("JPEG"))
    assert attachment.evidential is True and files.gps_of(stored_bytes(attachment)) == files.GPS


def test_a_tiff_with_a_position_must_be_evidential(world):
    sample = SampleRecordFactory(owner=world.kp_investigator)
    [message] = refusal(world.kp_investigator, sample, "scene.tiff", files.image("TIFF"))
    assert message.startswith("This TIFF image records where it was taken")


def test_strip_helpers_leave_files_without_a_position_untouched():
    for fmt, strip in (("JPEG", content.strip_jpeg_gps), ("PNG", content.strip_png_gps)):
        data = files.image(fmt, gps=False)
        assert strip(data) == (data, False)


# --- who may add, see and remove ---------------------------------------------------------------------


def test_only_those_who_may_change_the_record_may_attach(world):
    sample = SampleRecordFactory(owner=world.kp_investigator)
    grant_create(actor=world.kp_investigator.actor, obj=sample, grantee_type="institution",
                 institution=world.customs.membership.unit.institution, reason="joint operation")
    with pytest.raises(PermissionDenied):
        add(world.customs, sample, "note.pdf", files.pdf())
    with pytest.raises(NotFound):
        add(world.prosecutor, sample, "note.pdf", files.pdf())
    assert not Attachment.objects.exists()


def test_attachments_are_seen_exactly_by_those_who_see_the_record(world):
    # given
    sample = SampleRecordFactory(owner=world.kp_investigator)
    attachment = add(world.kp_investigator, sample, "note.pdf", files.pdf())
    grant = grant_create(actor=world.kp_investigator.actor, obj=sample, grantee_type="institution",
                         institution=world.customs.membership.unit.institution, reason="joint operation")
    # then the grantee sees it while the grant lasts
    assert list(attachment_list_visible_to(actor=world.customs.actor)) == [attachment]
    grant_revoke(actor=world.kp_investigator.actor, grant=grant, reason="operation over")
    assert list(attachment_list_visible_to(actor=world.customs.actor)) == []
    with pytest.raises(NotFound):
        attachment_open_visible_to(actor=world.customs.actor, public_id=attachment.public_id)


def test_the_policy_faces_agree(world):
    """visible_q (the database filter) and can(view) (one record) give the same answer for everyone."""
    owners = [world.kp_investigator, world.customs, world.aki]
    attachments = []
    for owner in owners:
        for level in (Classification.UNCLASSIFIED, Classification.RESTRICTED, Classification.SECRET):
            sample = SampleRecordFactory(owner=owner, classification=level)
            attachments.append(add(owner, sample, "n.pdf", files.pdf()))
    grant_create(actor=world.customs.actor, obj=attachment_policy.record_of(attachments[4]), grantee_type="institution",
                 institution=world.kp_investigator.membership.unit.institution, reason="shared")
    people = [world.kp_investigator, world.kp_investigator_other, world.kp_officer, world.kp_low_clearance, world.customs,
              world.aki, world.prosecutor, world.kp_ffp, world.inspector]
    for person in people:
        actor = person.actor
        visible = set(Attachment.objects.filter(attachment_policy.visible_q(actor)).values_list("pk", flat=True))
        for attachment in attachments:
            assert (attachment.pk in visible) == attachment_policy.can(actor, "view", attachment), (person.user.username, attachment)


def test_removal_is_soft_needs_a_reason_and_is_audited(world, file_storage):
    # given
    sample = SampleRecordFactory(owner=world.kp_investigator)
    attachment = add(world.kp_investigator, sample, "wrong.pdf", files.pdf())
    # when no reason is given
    with pytest.raises(ApplicationError) as caught:
        attachment_remove(actor=world.kp_investigator.actor, attachment=attachment, reason="  ")
    assert "reason" in caught.value.fields
    # when it is removed
    attachment_remove(actor=world.kp_investigator.actor, attachment=attachment, reason="Attached to the wrong sample")
    # then it is no longer listed nor served, but the row and the file stay for the audit
    assert list(attachment_list_visible_to(actor=world.kp_investigator.actor, record=sample)) == []
    with pytest.raises(NotFound):
        attachment_open_visible_to(actor=world.kp_investigator.actor, public_id=attachment.public_id)
    attachment.refresh_from_db()
    assert attachment.removed_by == world.kp_investigator.user and attachment.removal_reason == "Attached to the wrong sample"
    assert len(files.stored_files(file_storage)) == 1
    event = AuditEvent.objects.get(event_type="attachment.removed", target_public_id=attachment.public_id)
    assert reason_of(event) == "Attached to the wrong sample"
    # and it cannot be removed twice
    with pytest.raises(NotFound):
        attachment_remove(actor=world.kp_investigator.actor, attachment=attachment, reason="again")


def test_a_grantee_may_not_remove(world):
    sample = SampleRecordFactory(owner=world.kp_investigator)
    attachment = add(world.kp_investigator, sample, "note.pdf", files.pdf())
    grant_create(actor=world.kp_investigator.actor, obj=sample, grantee_type="institution",
                 institution=world.customs.membership.unit.institution, reason="joint operation")
    with pytest.raises(PermissionDenied):
        attachment_remove(actor=world.customs.actor, attachment=attachment, reason="mine now")


def test_a_failed_write_leaves_no_file_behind(world, file_storage, monkeypatch):
    from kssp.core.attachments import services

    def broken(**kwargs):
        raise RuntimeError("audit down")

    monkeypatch.setattr(services, "audit_record", broken)
    sample = SampleRecordFactory(owner=world.kp_investigator)
    with pytest.raises(RuntimeError):
        add(world.kp_investigator, sample, "note.pdf", files.pdf())
    assert not Attachment.objects.exists()
    assert files.stored_files(file_storage) == []


def test_the_daily_sweep_deletes_old_files_no_row_names(world, file_storage):
    import datetime as dt

    from django.utils import timezone

    from kssp.core.attachments.jobs import sweep_orphan_files

    sample = SampleRecordFactory(owner=world.kp_investigator)
    kept = add(world.kp_investigator, sample, "kept.pdf", files.pdf())
    storages["default"].save("attachments/2026/01/orphan", SimpleUploadedFile("x", b"left behind"))
    # a fresh orphan may belong to a transaction still open: kept
    assert sweep_orphan_files(timezone.now()) == {"files": 2, "removed": 0}
    # a day later it is gone, and the attachment's file stays
    assert sweep_orphan_files(timezone.now() + dt.timedelta(days=2)) == {"files": 2, "removed": 1}
    assert [p.relative_to(file_storage).as_posix() for p in files.stored_files(file_storage)] == [kept.stored_name]


def test_retention_deletes_a_removed_attachment_and_then_its_file(world, file_storage, django_capture_on_commit_callbacks):
    from kssp.core.attachments.retention import ATTACHMENTS, delete_attachment
    from kssp.core.retention.registry import declaration_for

    declaration = declaration_for(Attachment)
    assert declaration.retention_class is ATTACHMENTS and declaration.trigger_field == "removed_at"
    sample = SampleRecordFactory(owner=world.kp_investigator)
    removed = add(world.kp_investigator, sample, "old.pdf", files.pdf())
    attachment_remove(actor=world.kp_investigator.actor, attachment=removed, reason="superseded")
    evidential = add(world.kp_investigator, sample, "scene.jpg", files.image("JPEG"), evidential=True)
    attachment_remove(actor=world.kp_investigator.actor, attachment=evidential, reason="superseded")
    # only the removed, non-evidential file is swept
    swept = Attachment.objects.filter(declaration.sweep_filter)
    assert list(swept) == [removed]
    with django_capture_on_commit_callbacks(execute=True):
        assert delete_attachment(actor=world.kp_dpo.actor, obj=removed, review=None)["deleted"] == "attachment"
    assert list(Attachment.objects.all()) == [evidential]
    assert [p.relative_to(file_storage).as_posix() for p in files.stored_files(file_storage)] == [evidential.stored_name]
