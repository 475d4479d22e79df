"""Attachments in the API: the contract, multipart upload with the bad input of issue #3 (a 60 MB
upload, a PDF renamed .jpg), download headers, removal."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from kssp.core.attachments.api.views import AttachmentViewSet
from kssp.core.attachments.models import Attachment
from kssp.core.attachments.policies import attachment_policy
from kssp.core.attachments.services import attachment_add
from kssp.core.attachments.tests import files
from kssp.core.markings import Classification
from kssp.core.models import AuditEvent
from kssp.core.services.grants import grant_create
from kssp.core.testing.contract import ApiContract, assert_error, last_audit_seq
from kssp.core.testing.recordkind.tests.factories import SampleRecordFactory

# The contract tests reach the database through the ``world`` fixture at run time; the marker makes
# pytest-django order them with the other database tests, before the transactional (browser) ones.
pytestmark = pytest.mark.django_db

URL = "/api/v1/attachments/"
MB = 1000 * 1000


def attach(person, sample, name="note.pdf", data=None, **kwargs) -> Attachment:
    return attachment_add(actor=person.actor, record=sample, upload=SimpleUploadedFile(name, data or files.pdf()), **kwargs)


def body(sample, name="note.pdf", data=None, **extra):
    return {"record_type": "recordkind.samplerecord", "record": str(sample.public_id),
            "file": SimpleUploadedFile(name, files.pdf() if data is None else data), **extra}


class TestAttachmentApi(ApiContract):
    viewset = AttachmentViewSet
    list_url = URL
    viewer = "kp_investigator"
    foreign_owner = "customs"
    low_clearance_viewer = "kp_low_clearance"
    high_classification = Classification.RESTRICTED
    sharable = True
    grantee = "customs"
    create_event = "attachment.added"
    list_max_queries = 7

    def make_record(self, world, owner, **options):
        sample = SampleRecordFactory(owner=owner, classification=options.get("classification", Classification.RESTRICTED))
        return attach(owner, sample)

    def grant(self, world, record, owner, grantee):
        return grant_create(
            actor=owner.actor, obj=attachment_policy.record_of(record), grantee_type="institution",
            institution=grantee.membership.unit.institution, reason="contract test",
        )

    def test_contract_create_writes_audit_event(self, request):
        # The upload is multipart, not JSON.
        world = self.world(request)
        sample = SampleRecordFactory(owner=world.kp_investigator)
        since = last_audit_seq()
        response = world.kp_investigator.client().post(URL, body(sample, "scene.jpg", files.image("JPEG")))
        assert response.status_code == 201, response.content[:800]
        item = response.json()
        assert item["record"] == {"type": "recordkind.samplerecord", "public_id": str(sample.public_id)}
        assert item["file_name"] == "scene.jpg" and item["media_type"] == "image/jpeg" and item["gps_removed"] is True
        event = AuditEvent.objects.get(seq__gt=since, event_type="attachment.added")
        assert str(event.target_public_id) == item["public_id"] and event.source == "api"


def test_a_60_mb_upload_is_refused_with_a_field_error_before_its_body_is_read(world, file_storage):
    sample = SampleRecordFactory(owner=world.kp_investigator)
    data, content_type = files.multipart(
        {"record_type": "recordkind.samplerecord", "record": str(sample.public_id)}, "dosja.pdf", files.pdf(b"0" * (60 * MB))
    )
    response = world.kp_investigator.client().generic("POST", URL, data, content_type, headers={"Accept-Language": "en"})
    error = assert_error(response, 413, "file_too_large")
    assert error["fields"] == {"file": ["The file is too large: at most 25.0\xa0MB are accepted."]}
    assert len(response.wsgi_request.environ["wsgi.input"]) > 60 * MB  # never read
    assert not Attachment.objects.exists() and files.stored_files(file_storage) == []


def test_a_pdf_renamed_jpg_is_a_field_error(world, file_storage):
    sample = SampleRecordFactory(owner=world.kp_investigator)
    response = world.kp_investigator.client().post(URL, body(sample, "photo.jpg", files.pdf()), headers={"Accept-Language": "en"})
    error = assert_error(response, 400, "invalid")
    assert error["fields"] == {"file": ["The file is a PDF document, not a JPEG image."]}
    assert not Attachment.objects.exists() and files.stored_files(file_storage) == []


def test_a_record_one_may_not_see_is_404_on_the_record_field(world):
    sample = SampleRecordFactory(owner=world.customs)
    error = assert_error(world.kp_investigator.client().post(URL, body(sample)), 404, "not_found")
    assert list(error["fields"]) == ["record"]
    assert not Attachment.objects.exists()


def test_missing_fields_and_json_are_refused(world):
    client = world.kp_investigator.client()
    error = assert_error(client.post(URL, {}), 400, "invalid")
    assert {"record_type", "record", "file"} <= set(error["fields"])
    assert_error(client.post(URL, {"record": "x"}, content_type="application/json"), 415)


def test_download_through_the_api(world):
    sample = SampleRecordFactory(owner=world.kp_investigator, contains_personal_data=True)
    data = files.pdf(b"% statement")
    attachment = attach(world.kp_investigator, sample, "deklarata.pdf", data)
    url = f"{URL}{attachment.public_id}/download/"
    response = world.kp_investigator.client().get(url, {"purpose": "case 7/2026"})
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == data
    assert response["Content-Disposition"] == "attachment; filename=\"deklarata.pdf\"; filename*=UTF-8''deklarata.pdf"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Type"] == "application/pdf"
    assert AuditEvent.objects.get(event_type="attachment.consulted").purpose == "case 7/2026"
    assert_error(world.customs.client().get(url), 404, "not_found")


def test_remove_through_the_api(world):
    sample = SampleRecordFactory(owner=world.kp_investigator)
    attachment = attach(world.kp_investigator, sample)
    client = world.kp_investigator.client()
    url = f"{URL}{attachment.public_id}/remove/"
    assert "reason" in assert_error(client.post(url, {}, content_type="application/json"), 400)["fields"]
    response = client.post(url, {"reason": "wrong record"}, content_type="application/json")
    assert response.status_code == 200, response.content
    assert_error(client.get(f"{URL}{attachment.public_id}/"), 404)
    assert client.get(URL, {"record": str(sample.public_id)}).json()["count"] == 0
