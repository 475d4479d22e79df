"""Import pages: upload (types limited to one's permissions, size checked before reading, CSRF still
enforced), the batch page with its progress bar and report, the CSV report (formula cells
neutralised, audited), promote and discard buttons, 404 for another institution's batch."""

from __future__ import annotations

import csv
import io
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import translation

from kssp.core.imports import services
from kssp.core.imports.models import ImportBatch, ImportStatus
from kssp.core.imports.tests.conftest import csv_bytes, sample_row
from kssp.core.models import AuditEvent

pytestmark = pytest.mark.django_db

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


def post_file(client, content, name="samples.csv", code="samples", **extra):
    return client.post("/imports/new/", {"import_type": code, "file": SimpleUploadedFile(name, content)}, **EN, **extra)


def text(response):
    return response.content.decode()


def test_the_upload_form_offers_only_the_types_one_may_use(world):
    response = world.kp_investigator.client().get("/imports/new/", **EN)
    assert response.status_code == 200
    assert re.search(r'<option value="samples"[^>]*>Sample records</option>', text(response))
    assert "kind, title" not in text(response) and "<code>valid_until</code>" in text(response)
    assert world.inspector.client().get("/imports/new/").status_code == 403  # no import type for the inspector


def test_upload_page_flow_to_promotion(world, sample_model, django_capture_on_commit_callbacks):
    client = world.kp_investigator.client()
    with django_capture_on_commit_callbacks(execute=True):
        response = post_file(client, csv_bytes([sample_row(1), sample_row(2)]))
    batch = ImportBatch.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/imports/{batch.public_id}/"
    page = client.get(response["Location"], **EN)
    body = text(page)
    assert '<progress id="import-progress-bar"' in body and 'value="2" max="2"' in body
    assert "/progress/?polling=1" not in body  # finished: no polling
    assert "Import 2 rows" in body

    response = client.post(f"/imports/{batch.public_id}/promote/", **EN)
    assert response.status_code == 302
    assert sample_model.objects.unscoped(reason="test").count() == 2
    assert "2 records were created." in text(client.get(f"/imports/{batch.public_id}/", **EN))


def test_a_running_batch_polls_its_progress_and_reloads_when_done(world, django_capture_on_commit_callbacks):
    person = world.kp_investigator
    client = person.client()
    batch = services.import_batch_create(actor=person.actor, import_type_code="samples", filename="a.csv",
                                         content=csv_bytes([sample_row(1)]))  # queued, not yet validated
    body = text(client.get(f"/imports/{batch.public_id}/", **EN))
    assert f'hx-get="/imports/{batch.public_id}/progress/?polling=1" hx-trigger="every 1s"' in body
    assert "Waiting for a worker" in body and 'value="0" max="1"' in body
    assert "Report" not in body

    fragment = client.get(f"/imports/{batch.public_id}/progress/?polling=1", HTTP_HX_REQUEST="true", **EN)
    assert fragment.status_code == 200 and "HX-Refresh" not in fragment

    from kssp.core.imports.validation import validate_batch

    validate_batch(batch.pk)
    fragment = client.get(f"/imports/{batch.public_id}/progress/?polling=1", HTTP_HX_REQUEST="true", **EN)
    assert fragment["HX-Refresh"] == "true"


def test_the_report_filters_errors_and_speaks_the_readers_language(world, upload):
    person = world.kp_investigator
    batch = upload(person, csv_bytes([sample_row(1), sample_row(2, title=""), sample_row(3)]))
    client = person.client()
    body = text(client.get(f"/imports/{batch.public_id}/?outcome=errors", **EN))
    assert re.findall(r'<tr class="kssp-import-row[^"]*" id="row-(\d+)"', body) == ["2"]
    assert "This column is required." in body
    assert "1 row has errors, so nothing can be imported" in body
    assert "kssp-import-promote" not in body  # no promote button while a row is invalid

    with translation.override("sq"):
        albanian = translation.gettext("This column is required.")
    body = text(client.get(f"/imports/{batch.public_id}/?outcome=errors"))  # no language asked: Albanian
    assert albanian in body

    fragment = client.get(f"/imports/{batch.public_id}/?outcome=errors", HTTP_HX_REQUEST="true", **EN)
    assert "<html" not in text(fragment) and 'id="row-2"' in text(fragment)


def test_the_csv_report_is_audited_and_neutralises_formulas(world, upload):
    person = world.kp_investigator
    rows = [sample_row(1, title='=HYPERLINK("http://evil.example","x")'), sample_row(2, body="@SUM(A1)"), sample_row(3)]
    batch = upload(person, csv_bytes(rows))
    response = person.client().get(f"/imports/{batch.public_id}/report.csv?outcome=errors", **EN)
    assert response.status_code == 200 and response["Content-Disposition"].startswith('attachment; filename="import-report-')
    content = b"".join(response.streaming_content).decode("utf-8")
    assert content.startswith("\ufeff")
    table = list(csv.reader(io.StringIO(content[1:])))
    assert table[0][:4] == ["Row", "Outcome", "Messages", "kind"]
    assert [line[0] for line in table[1:]] == ["1"]
    title = table[1][table[0].index("title")]
    assert title == "'=HYPERLINK(\"http://evil.example\",\"x\")"  # shown as text by a spreadsheet
    assert "looks like a spreadsheet formula" in table[1][2]
    event = AuditEvent.objects.get(event_type="import.report_downloaded")
    assert event.target_public_id == batch.public_id and event.payload["extra"] == {"outcome": "errors", "rows": 1}

    whole = b"".join(person.client().get(f"/imports/{batch.public_id}/report.csv", **EN).streaming_content).decode()
    table = list(csv.reader(io.StringIO(whole[1:])))
    assert table[2][table[0].index("body")] == "'@SUM(A1)"


def test_discard_button(world, upload):
    person = world.kp_investigator
    batch = upload(person, csv_bytes([sample_row(1, title="")]))
    client = person.client()
    response = client.post(f"/imports/{batch.public_id}/discard/", **EN)
    assert response.status_code == 302
    body = text(client.get(f"/imports/{batch.public_id}/", **EN))
    assert "This import was discarded" in body and "kssp-import-discard" not in body
    # A second discard is refused with a message, not an error page.
    response = client.post(f"/imports/{batch.public_id}/discard/", follow=True, **EN)
    assert response.status_code == 200 and "This import was discarded." in text(response)


def test_a_failed_promotion_is_shown_on_the_page(world, upload, sample_model):
    from django.apps import apps

    person = world.kp_investigator
    batch = upload(person, csv_bytes([sample_row(1, classification=3)]))
    apps.get_model("accounts", "Clearance").objects.filter(user=person.user).update(level=1)
    response = person.client().post(f"/imports/{batch.public_id}/promote/", follow=True, **EN)
    assert "Nothing was imported. Row 1 was refused" in text(response)
    assert not sample_model.objects.unscoped(reason="test").exists()


def test_another_institutions_batch_pages_are_404(world, upload):
    batch = upload(world.customs, csv_bytes([sample_row(1)]))
    client = world.kp_investigator.client()
    for url in ("", "progress/", "report.csv"):
        assert client.get(f"/imports/{batch.public_id}/{url}").status_code == 404
    for url in ("promote/", "discard/", "resume/"):
        assert client.post(f"/imports/{batch.public_id}/{url}").status_code == 404
    batch.refresh_from_db()
    assert batch.status == ImportStatus.VALIDATED
    assert str(batch.public_id) not in text(client.get("/imports/"))


def test_my_imports_lists_only_mine(world, upload):
    mine = upload(world.kp_investigator, csv_bytes([sample_row(1)]), name="mine.csv")
    upload(world.kp_investigator_other, csv_bytes([sample_row(1)]), name="colleague.csv")
    body = text(world.kp_investigator.client().get("/imports/", **EN))
    assert "mine.csv" in body and "colleague.csv" not in body and f"/imports/{mine.public_id}/" in body
    body = text(world.kp_investigator.client().get("/imports/?status=invalid", **EN))
    assert "mine.csv" not in body


def test_a_bad_file_is_shown_on_the_form(world):
    response = post_file(world.kp_investigator.client(), b"%PDF-1.4\n", name="list.csv")
    assert response.status_code == 400
    assert "The file is not a CSV or XLSX file" in text(response)
    assert not ImportBatch.objects.exists()


def test_an_upload_declared_too_large_is_refused_before_reading(world, settings):
    settings.KSSP = {**settings.KSSP, "IMPORT_MAX_BYTES": 1024 * 1024}
    client = world.kp_investigator.client()
    # A body that claims 60 MB: refused on the declared length alone (nothing of it is read).
    response = client.generic("POST", "/imports/new/", b"x" * 10, content_type="multipart/form-data; boundary=b",
                              CONTENT_LENGTH=str(60 * 1024 * 1024), **EN)
    assert response.status_code == 413
    assert "The file is too large: at most 1 MB" in text(response)
    assert not ImportBatch.objects.exists()


def test_an_upload_that_grows_past_the_limit_is_cut_off(world, settings):
    settings.KSSP = {**settings.KSSP, "IMPORT_MAX_BYTES": 1024 * 1024}
    # Declared within the envelope allowance, so only the handler counting the bytes can stop it.
    content = csv_bytes([sample_row(n, body="x" * 500) for n in range(2000)])[: 1024 * 1024 + 20_000]
    response = post_file(world.kp_investigator.client(), content)
    assert response.status_code == 413 and "too large" in text(response)
    assert not ImportBatch.objects.exists()


def test_the_upload_still_checks_csrf(world):
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.kp_investigator.user)
    response = post_file(client, csv_bytes([sample_row(1)]))
    assert response.status_code == 403
    assert not ImportBatch.objects.exists()


def test_the_template_file_has_the_header_row(world):
    response = world.kp_investigator.client().get("/imports/types/samples/template.csv")
    content = b"".join(response.streaming_content).decode()
    assert content == "\ufeffkind,title,body,classification,handling_code,valid_until,contains_personal_data\r\n"
    assert world.inspector.client().get("/imports/types/samples/template.csv").status_code == 404
