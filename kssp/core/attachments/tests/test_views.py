"""Attachments on the pages (issue #3 point 2): the panel on the sample detail page, upload with the
size refused before the body is read (a 60 MB upload), a PDF renamed .jpg, download through the
policy-checked view with its headers, and no public media URL."""

from __future__ import annotations

from urllib.parse import quote

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.template import Context, Template
from django.test import Client, RequestFactory
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.views import static

from kssp.accounts.actor import SESSION_KEY
from kssp.core.attachments.models import Attachment
from kssp.core.attachments.services import attachment_add
from kssp.core.attachments.tests import files
from kssp.core.audit.testing import events_with_reason
from kssp.core.models import AuditEvent
from kssp.core.services.grants import grant_create, grant_revoke
from kssp.core.testing.recordkind.tests.factories import SampleRecordFactory

MB = 1000 * 1000


def en(person) -> Client:
    client = person.client()
    client.cookies["kssp_language"] = "en"
    return client


def detail(sample) -> str:
    return reverse("recordkind:samplerecord_detail", args=[sample.public_id])


def upload_url(sample) -> str:
    return reverse("attachments:upload", args=["recordkind.samplerecord", sample.public_id])


def attach(person, sample, name="note.pdf", data=None, **kwargs) -> Attachment:
    return attachment_add(actor=person.actor, record=sample, upload=SimpleUploadedFile(name, data or files.pdf()), **kwargs)


def bytes_left_unread(response) -> int:
    """How much of the request body the server never read (the test client's payload counts down)."""
    return len(response.wsgi_request.environ["wsgi.input"])


# --- the panel ---------------------------------------------------------------------------------------


def test_the_detail_page_lists_files_with_size_hash_uploader_and_offers_the_upload_form(world):
    # given
    sample = SampleRecordFactory(owner=world.kp_investigator)
    attachment = attach(world.kp_investigator, sample, "Raporti i ekspertizës.pdf", description="KFA report")
    # when
    html = en(world.kp_investigator).get(detail(sample)).content.decode()
    # then
    assert 'id="attachments"' in html
    assert "Raporti i ekspertizës.pdf" in html and "KFA report" in html
    assert attachment.sha256 in html
    assert str(world.kp_investigator.user) in html
    assert reverse("attachments:download", args=[attachment.public_id]) in html
    assert upload_url(sample) in html and 'enctype="multipart/form-data"' in html
    assert 'data-max-bytes="26214400"' in html
    assert attachment.stored_name not in html


def test_a_grantee_sees_the_files_but_not_the_upload_form(world):
    sample = SampleRecordFactory(owner=world.kp_investigator)
    attach(world.kp_investigator, sample, "note.pdf")
    grant_create(actor=world.kp_investigator.actor, obj=sample, grantee_type="institution",
                 institution=world.customs.membership.unit.institution, reason="joint operation")
    html = en(world.customs).get(detail(sample)).content.decode()
    assert "note.pdf" in html
    assert upload_url(sample) not in html
    assert "Remove the file" not in html


def test_the_panel_shows_nothing_to_a_viewer_who_may_not_see_the_record(world):
    sample = SampleRecordFactory(owner=world.kp_investigator)
    attach(world.kp_investigator, sample, "secret-plan.pdf")
    request = RequestFactory().get("/")
    request.actor = world.customs.actor
    html = Template('{% include "attachments/_panel.html" with record=sample %}').render(
        Context({"request": request, "sample": sample})
    )
    assert "secret-plan.pdf" not in html and 'id="attachments"' not in html


# --- upload ----------------------------------------------------------------------------------------


def test_upload_from_the_page_stores_the_file_and_returns_to_the_record(world):
    sample = SampleRecordFactory(owner=world.kp_investigator)
    client = en(world.kp_investigator)
    response = client.post(upload_url(sample), {
        "next": detail(sample), "description": "Photo of the scene",
        "file": SimpleUploadedFile("scene.jpg", files.image("JPEG")),
    })
    assert response.status_code == 302
    assert response["Location"] == detail(sample) + "#attachments"
    attachment = Attachment.objects.get()
    assert attachment.description == "Photo of the scene" and attachment.gps_removed
    html = client.get(detail(sample)).content.decode()
    assert "“scene.jpg” was attached. Its GPS position was removed." in html


def test_an_htmx_upload_answers_with_the_panel(world):
    sample = SampleRecordFactory(owner=world.kp_investigator)
    response = en(world.kp_investigator).post(
        upload_url(sample), {"file": SimpleUploadedFile("note.txt", b"hello")}, headers={"HX-Request": "true"}
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert html.lstrip().startswith('<section class="kssp-panel mt-4" id="attachments"')
    assert "note.txt" in html and "<html" not in html


def test_a_60_mb_upload_is_refused_before_its_body_is_read(world, file_storage):
    # given a 60 MB file (a real one: a PDF padded to 60 MB)
    sample = SampleRecordFactory(owner=world.kp_investigator)
    big = files.pdf(b"0" * (60 * MB))
    # when it is posted from the page
    data, content_type = files.multipart({"description": "Dosja e plotë"}, "dosja.pdf", big)
    response = en(world.kp_investigator).generic("POST", upload_url(sample), data, content_type, headers={"HX-Request": "true"})
    # then a clear field error, in the panel
    assert response.status_code == 400
    html = response.content.decode()
    assert "The file is too large: at most 25.0\xa0MB are accepted." in html
    assert 'id="id_attachment_file_error"' in html
    # and the server read not a byte of the body: nothing parsed, nothing written
    assert bytes_left_unread(response) > 60 * MB
    assert not Attachment.objects.exists()
    assert files.stored_files(file_storage) == []
    assert not AuditEvent.objects.filter(event_type="attachment.added").exists()


def test_the_message_is_translated(world):
    """The refusal speaks the request's language (Albanian by default): the message goes through
    gettext and the size is formatted for the locale."""
    from django.utils import translation

    from kssp.core.attachments.uploads import too_large_message

    sample = SampleRecordFactory(owner=world.kp_investigator)
    client = world.kp_investigator.client()
    response = client.post(upload_url(sample), {"file": SimpleUploadedFile("d.pdf", files.pdf(b"0" * (27 * MB)))},
                           headers={"HX-Request": "true"})
    assert response.status_code == 400
    with translation.override("sq"):
        albanian = too_large_message()
    assert "25,0" in albanian
    assert albanian in response.content.decode()


def test_a_file_past_the_limit_is_stopped_while_streaming(world, settings, file_storage):
    """A body whose declared length passes the first check (the limit plus the room for other fields)
    is still stopped as soon as the file itself passes the limit, and nothing is stored."""
    settings.KSSP = {**settings.KSSP, "ATTACHMENT_MAX_BYTES": 200_000}
    sample = SampleRecordFactory(owner=world.kp_investigator)
    data = files.pdf(b"0" * 240_000)
    response = en(world.kp_investigator).post(
        upload_url(sample), {"file": SimpleUploadedFile("d.pdf", data)}, headers={"HX-Request": "true"}
    )
    assert response.status_code == 400
    assert "The file is too large: at most 195.3\xa0KB are accepted." in response.content.decode()
    assert not Attachment.objects.exists() and files.stored_files(file_storage) == []


def test_the_bounded_handler_stops_at_the_limit_and_passes_nothing_further():
    from django.core.files.uploadhandler import StopUpload

    from kssp.core.attachments.uploads import BoundedUploadHandler, upload_was_too_large

    request = RequestFactory().post("/")
    handler = BoundedUploadHandler(request, limit=100)
    assert handler.receive_data_chunk(b"x" * 60, 0) == b"x" * 60
    with pytest.raises(StopUpload) as caught:
        handler.receive_data_chunk(b"x" * 60, 60)
    assert caught.value.connection_reset  # Django does not read the rest of the body
    assert handler.too_large and upload_was_too_large(request)


def test_a_pdf_renamed_jpg_is_refused_on_the_page(world, file_storage):
    sample = SampleRecordFactory(owner=world.kp_investigator)
    response = en(world.kp_investigator).post(upload_url(sample), {
        "next": detail(sample), "file": SimpleUploadedFile("photo.jpg", files.pdf(), content_type="image/jpeg"),
    })
    assert response.status_code == 400
    html = response.content.decode()
    assert "The file is a PDF document, not a JPEG image." in html
    assert sample.number in html  # the page names the record and leads back to it
    assert not Attachment.objects.exists() and files.stored_files(file_storage) == []


def test_upload_keeps_the_csrf_check(world, file_storage):
    sample = SampleRecordFactory(owner=world.kp_investigator)
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.kp_investigator.user)
    session = client.session
    session[SESSION_KEY] = world.kp_investigator.membership.pk
    session.save()
    response = client.post(upload_url(sample), {"file": SimpleUploadedFile("note.pdf", files.pdf())})
    assert response.status_code == 403
    assert not Attachment.objects.exists() and files.stored_files(file_storage) == []


def test_uploading_to_a_record_one_may_not_see_is_404_and_to_one_one_may_not_change_403(world, file_storage):
    sample = SampleRecordFactory(owner=world.kp_investigator)
    file = {"file": SimpleUploadedFile("note.pdf", files.pdf())}
    assert en(world.customs).post(upload_url(sample), file).status_code == 404
    grant_create(actor=world.kp_investigator.actor, obj=sample, grantee_type="institution",
                 institution=world.customs.membership.unit.institution, reason="joint operation")
    file = {"file": SimpleUploadedFile("note.pdf", files.pdf())}
    assert en(world.customs).post(upload_url(sample), file).status_code == 403
    assert not Attachment.objects.exists() and files.stored_files(file_storage) == []


def test_a_big_upload_to_a_record_one_may_not_see_is_404_not_a_size_error(world):
    sample = SampleRecordFactory(owner=world.customs)
    response = en(world.kp_investigator).post(upload_url(sample), {"file": SimpleUploadedFile("d.pdf", b"0" * (27 * MB))})
    assert response.status_code == 404


# --- download ----------------------------------------------------------------------------------------


def test_download_sends_the_file_as_an_attachment_with_safe_headers(world):
    # given
    sample = SampleRecordFactory(owner=world.kp_investigator)
    data = files.pdf(b"% expert report")
    attachment = attach(world.kp_investigator, sample, "Raport për Prishtinë “final”.pdf", data)
    # when
    response = en(world.kp_investigator).get(reverse("attachments:download", args=[attachment.public_id]))
    # then
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == data
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == (
        "attachment; filename=\"Raport per Prishtine final.pdf\"; filename*=UTF-8''"
        + quote("Raport për Prishtinë “final”.pdf", safe="")
    )
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Security-Policy"] == "default-src 'none'; sandbox"
    assert response["Content-Length"] == str(len(data))
    assert "no-store" in response["Cache-Control"]
    # a record without personal data: no consultation event
    assert not AuditEvent.objects.filter(event_type="attachment.consulted").exists()


def test_downloading_from_a_record_with_personal_data_is_logged_with_the_purpose(world):
    sample = SampleRecordFactory(owner=world.kp_investigator, contains_personal_data=True)
    attachment = attach(world.kp_investigator, sample, "witness.pdf")
    url = reverse("attachments:download", args=[attachment.public_id])
    assert en(world.kp_investigator).get(url, {"purpose": "case 12/2026"}).status_code == 200
    event = AuditEvent.objects.get(event_type="attachment.consulted")
    assert event.category == "consultation"
    assert event.purpose == "case 12/2026"
    assert event.target_public_id == attachment.public_id
    assert event.target_institution_id == sample.owner_institution_id


def test_download_is_404_when_the_record_is_invisible(world):
    # given a file on a sample shared with customs for a while
    sample = SampleRecordFactory(owner=world.kp_investigator)
    attachment = attach(world.kp_investigator, sample)
    url = reverse("attachments:download", args=[attachment.public_id])
    assert en(world.customs).get(url).status_code == 404
    grant = grant_create(actor=world.kp_investigator.actor, obj=sample, grantee_type="institution",
                         institution=world.customs.membership.unit.institution, reason="joint operation")
    assert en(world.customs).get(url).status_code == 200
    # when the grant ends
    grant_revoke(actor=world.kp_investigator.actor, grant=grant, reason="operation over")
    # then the file is as missing as a file that never existed
    assert en(world.customs).get(url).status_code == 404
    assert en(world.kp_low_clearance).get(url).status_code == 404
    assert Client().get(url).status_code == 302  # anonymous: to the sign-in page


def test_there_is_no_public_media_url(world):
    # given a stored file
    attachment = attach(world.kp_investigator, SampleRecordFactory(owner=world.kp_investigator))
    # then no route serves files from a folder, and no URL reaches the stored name
    assert settings.MEDIA_URL in ("", "/")

    def callbacks(patterns):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                yield from callbacks(pattern.url_patterns)
            elif isinstance(pattern, URLPattern):
                yield pattern.callback

    assert static.serve not in set(callbacks(get_resolver().url_patterns))
    client = en(world.kp_investigator)
    for prefix in ("/", "/media/", "/files/", "/var/files/", "/static/"):
        assert client.get(prefix + attachment.stored_name).status_code == 404


# --- removal -----------------------------------------------------------------------------------------


def test_removing_from_the_page_needs_a_reason(world):
    sample = SampleRecordFactory(owner=world.kp_investigator)
    attachment = attach(world.kp_investigator, sample)
    url = reverse("attachments:remove", args=[attachment.public_id])
    client = en(world.kp_investigator)
    response = client.post(url, {"reason": ""}, headers={"HX-Request": "true"})
    assert response.status_code == 400 and "This field is required." in response.content.decode()
    response = client.post(url, {"reason": "duplicate upload", "next": detail(sample)})
    assert response.status_code == 302
    attachment.refresh_from_db()
    assert attachment.removed_at is not None
    assert "note.pdf" not in client.get(detail(sample)).content.decode()
    assert len(events_with_reason("duplicate upload", event_type="attachment.removed")) == 1


@pytest.mark.parametrize("person", ["customs", "kp_officer"])
def test_others_cannot_remove(world, person):
    sample = SampleRecordFactory(owner=world.kp_investigator)
    attachment = attach(world.kp_investigator, sample)
    response = en(getattr(world, person)).post(reverse("attachments:remove", args=[attachment.public_id]), {"reason": "x"})
    assert response.status_code == 404
    attachment.refresh_from_db()
    assert attachment.removed_at is None
