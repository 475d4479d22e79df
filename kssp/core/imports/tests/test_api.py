"""The import-batches API resource: the contract every resource meets, plus multipart upload,
progress, the row report, promote, discard, resume and the error shape for bad input."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from kssp.core.imports import services
from kssp.core.imports.api.views import ImportBatchViewSet
from kssp.core.imports.models import ImportBatch, ImportStatus
from kssp.core.imports.tests.conftest import csv_bytes, sample_row
from kssp.core.models import AuditEvent
from kssp.core.testing.contract import ApiContract, assert_error, last_audit_seq

URL = "/api/v1/import-batches/"
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


def make_batch(person, rows=None):
    return services.import_batch_create(actor=person.actor, import_type_code="samples", filename="a.csv",
                                        content=csv_bytes(rows or [sample_row(1)]))


def upload(client, content, name="a.csv", code="samples"):
    return client.post(URL, {"import_type": code, "file": SimpleUploadedFile(name, content)}, **EN)


class TestImportBatchApi(ApiContract):
    viewset = ImportBatchViewSet
    list_url = URL
    viewer = "kp_investigator"
    foreign_owner = "customs"
    unpermitted = "inspector"
    create_event = "import.uploaded"
    list_max_queries = 6

    def make_record(self, world, owner, **options):
        return make_batch(owner)

    def test_contract_create_writes_audit_event(self, request):
        # Uploads are multipart, not JSON: the same contract, with a file.
        world = self.world(request)
        since = last_audit_seq()
        response = upload(self.person(world, self.viewer).client(), csv_bytes([sample_row(1)]))
        assert response.status_code == 201, response.content[:800]
        events = list(AuditEvent.objects.filter(seq__gt=since, event_type=self.create_event))
        assert [str(e.target_public_id) for e in events] == [response.json()["public_id"]]
        assert all(e.source == "api" for e in events)


pytestmark = pytest.mark.django_db


def test_upload_then_progress_report_and_promote(world, sample_model, django_capture_on_commit_callbacks):
    client = world.kp_investigator.client()
    with django_capture_on_commit_callbacks(execute=True):
        response = upload(client, csv_bytes([sample_row(1), sample_row(2, title="")]))
    assert response.status_code == 201
    body = response.json()
    assert (body["import_type"], body["status"], body["rows_total"]) == ("samples", "uploaded", 2)
    assert "id" not in body and "actor_snapshot" not in body

    detail = client.get(f"{URL}{body['public_id']}/").json()
    assert (detail["status"], detail["progress"], detail["rows_invalid"]) == ("invalid", 100, 1)

    rows = client.get(f"{URL}{body['public_id']}/rows/", {"outcome": "errors"}, **EN).json()
    assert rows["count"] == 1
    assert rows["results"][0]["row_number"] == 2 and rows["results"][0]["outcome"] == "error"
    assert rows["results"][0]["errors"] == [{"field": "title", "label": "Title", "message": "This column is required."}]
    assert rows["results"][0]["values"]["body"] == "Serial AK-000002 reported stolen."

    error = assert_error(client.post(f"{URL}{body['public_id']}/promote/", **EN), 400, "not_promotable")
    assert "1 row has errors" in error["message"]
    assert not sample_model.objects.unscoped(reason="test").exists()

    discarded = client.post(f"{URL}{body['public_id']}/discard/").json()
    assert discarded["status"] == "discarded"


def test_promote_through_the_api(world, sample_model, django_capture_on_commit_callbacks):
    person = world.kp_investigator
    with django_capture_on_commit_callbacks(execute=True):
        batch = make_batch(person, [sample_row(1), sample_row(2)])
    response = person.client().post(f"{URL}{batch.public_id}/promote/")
    assert response.status_code == 200 and response.json()["status"] == "promoted"
    assert response.json()["records_created"] == 2 == sample_model.objects.unscoped(reason="test").count()
    assert AuditEvent.objects.filter(event_type="import.promoted", source="api").count() == 1


def test_a_failed_promotion_is_an_error_with_the_row(world, sample_model, django_capture_on_commit_callbacks):
    from django.apps import apps

    person = world.kp_investigator
    with django_capture_on_commit_callbacks(execute=True):
        batch = make_batch(person, [sample_row(1), sample_row(2, classification=3)])
    apps.get_model("accounts", "Clearance").objects.filter(user=person.user).update(level=1)
    error = assert_error(person.client().post(f"{URL}{batch.public_id}/promote/", **EN), 400, "promotion_failed")
    assert "Row 2 was refused" in error["message"]
    assert not sample_model.objects.unscoped(reason="test").exists()
    detail = person.client().get(f"{URL}{batch.public_id}/", **EN).json()
    assert detail["status"] == "validated" and "Row 2" in detail["failure"]


@pytest.mark.parametrize(
    ("content", "name", "field"),
    [(b"%PDF-1.7", "a.csv", "file"), (b"title,body,colour\r\nA,B,C\r\n", "a.csv", "file"), (b"title,body\r\n", "a.csv", "file")],
)
def test_bad_files_are_field_errors(world, content, name, field):
    error = assert_error(upload(world.kp_investigator.client(), content, name), 400, "invalid")
    assert list(error["fields"]) == [field]
    assert not ImportBatch.objects.exists()


def test_missing_file_and_unknown_type_are_field_errors(world):
    client = world.kp_investigator.client()
    error = assert_error(client.post(URL, {"import_type": "samples"}), 400, "invalid")
    assert list(error["fields"]) == ["file"]
    error = assert_error(upload(client, csv_bytes([sample_row(1)]), code="weapons"), 400)
    assert list(error["fields"]) == ["import_type"]
    error = assert_error(client.post(URL, {"import_type": "samples"}, content_type="application/json"), 400, "invalid")
    assert "file" in error["fields"]


def test_a_type_one_may_not_use_is_refused(world):
    error = assert_error(upload(world.inspector.client(), csv_bytes([sample_row(1)])), 400)
    assert list(error["fields"]) == ["import_type"]


def test_an_upload_declared_too_large_is_413_unread(world, settings):
    settings.KSSP = {**settings.KSSP, "IMPORT_MAX_BYTES": 1024 * 1024}
    client = world.kp_investigator.client()
    response = client.generic("POST", URL, b"x", content_type="multipart/form-data; boundary=b",
                              CONTENT_LENGTH=str(60 * 1024 * 1024), **EN)
    error = assert_error(response, 413, "payload_too_large")
    assert "at most 1 MB" in error["message"] and list(error["fields"]) == ["file"]


def test_an_upload_growing_past_the_limit_is_413(world, settings):
    settings.KSSP = {**settings.KSSP, "IMPORT_MAX_BYTES": 1024 * 1024}
    content = csv_bytes([sample_row(n, body="x" * 500) for n in range(2000)])[: 1024 * 1024 + 20_000]
    assert_error(upload(world.kp_investigator.client(), content), 413, "payload_too_large")
    assert not ImportBatch.objects.exists()


def test_a_bad_report_filter_is_a_field_error(world):
    batch = make_batch(world.kp_investigator)
    error = assert_error(world.kp_investigator.client().get(f"{URL}{batch.public_id}/rows/", {"outcome": "maybe"}), 400)
    assert list(error["fields"]) == ["outcome"]


def test_actions_on_another_institutions_batch_are_404(world):
    batch = make_batch(world.customs)
    client = world.kp_investigator.client()
    assert_error(client.get(f"{URL}{batch.public_id}/rows/"), 404, "not_found")
    for name in ("promote", "discard", "resume"):
        assert_error(client.post(f"{URL}{batch.public_id}/{name}/"), 404, "not_found")
    batch.refresh_from_db()
    assert batch.status == ImportStatus.UPLOADED


def test_resume_of_a_live_validation_is_a_conflict(world):
    batch = make_batch(world.kp_investigator)  # uploaded a moment ago: the lease is not stale yet
    assert_error(world.kp_investigator.client().post(f"{URL}{batch.public_id}/resume/"), 409, "conflict")
