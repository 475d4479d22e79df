"""The export pages: what will be exported, the form (purpose, recipient, format, profile, language),
the download, field errors on bad input, 404/403, and the export button modules put on their pages."""

from __future__ import annotations

from django.template import Context, Template
from django.test import RequestFactory

from kssp.core.audit import payload_for
from kssp.core.exports.tests.conftest import csv_rows, make_bulletin, pdf_text, read_xlsx
from kssp.core.markings import Classification
from kssp.core.models.audit import AuditEvent

URL = "/exports/bulletins/"
STATS_URL = "/exports/bulletin-statistics/"
ENGLISH = {"HTTP_ACCEPT_LANGUAGE": "en"}


def form_data(**over):
    data = {"purpose": "Weekly summary", "recipient": "Head of NJKT", "format": "csv", "profile": "institutional", "language": "en"}
    data.update(over)
    return data


def test_the_page_shows_the_filters_the_count_and_the_form(world):
    make_bulletin(world.kp_investigator, status="issued")
    make_bulletin(world.kp_investigator, status="draft")
    make_bulletin(world.customs, status="issued")  # not visible: not counted
    response = world.kp_investigator.client().get(URL, {"status": "issued", "page": "2"}, **ENGLISH)
    body = response.content.decode()
    assert response.status_code == 200
    assert 'id="export-count"' in body and "1 record" in body
    assert "<dt>Status</dt><dd>Issued</dd>" in body
    assert 'action="/exports/bulletins/?status=issued"' in body  # the filters ride along, the page does not
    for name in ("purpose", "recipient", "format", "profile", "language"):
        assert f'name="{name}"' in body
    assert 'href="/bulletins/?status=issued"' in body  # back to the list with the same filters


def test_posting_the_form_records_the_disclosure_and_downloads_the_file(world):
    mine = make_bulletin(world.kp_investigator, status="issued")
    foreign = make_bulletin(world.customs, status="issued")
    client = world.kp_investigator.client()
    response = client.post(f"{URL}?status=issued", form_data(format="csv"), **ENGLISH)
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith('attachment; filename="bulletins-')
    numbers = [row[0] for row in csv_rows(response.content)[4:]]
    assert numbers == [mine.number] and foreign.number not in numbers
    event = AuditEvent.objects.get(event_type="export.disclosed")
    assert event.purpose == "Weekly summary" and payload_for(event)["extra"]["recipient"] == "Head of NJKT"
    assert payload_for(event)["extra"]["filters"] == {"status": "issued"} and payload_for(event)["extra"]["count"] == 1


def test_each_format_and_profile_from_the_page(world):
    make_bulletin(world.kp_investigator, title="Prova čćđšž ëç АБВ", classification=Classification.CONFIDENTIAL)
    client = world.kp_investigator.client()
    xlsx = client.post(URL, form_data(format="xlsx"), **ENGLISH)
    assert read_xlsx(xlsx.content).worksheets[0]["A1"].value == "CONFIDENTIAL"
    pdf = client.post(URL, form_data(format="pdf", profile="status_neutral"), **ENGLISH)
    text = pdf_text(pdf.content)
    assert "Prova čćđšž ëç АБВ" in text and "Kosovo*" in text and "CONFIDENTIAL" in text
    assert AuditEvent.objects.filter(event_type="export.disclosed").count() == 2


def test_missing_purpose_and_recipient_are_field_errors_and_nothing_is_recorded(world):
    make_bulletin(world.kp_investigator)
    response = world.kp_investigator.client().post(URL, form_data(purpose="", recipient="  "), **ENGLISH)
    body = response.content.decode()
    assert response.status_code == 400
    assert "Give the purpose of the export." in body and "Name who receives the export." in body
    assert 'id="id_purpose_error"' in body
    assert not AuditEvent.objects.filter(event_type="export.disclosed").exists()


def test_an_unknown_format_or_profile_is_a_field_error(world):
    response = world.kp_investigator.client().post(URL, form_data(format="docx", profile="kim"), **ENGLISH)
    assert response.status_code == 400
    assert 'id="id_format_error"' in response.content.decode() and 'id="id_profile_error"' in response.content.decode()
    assert not AuditEvent.objects.filter(event_type="export.disclosed").exists()


def test_invalid_filters_export_nothing(world):
    response = world.kp_investigator.client().post(f"{URL}?classification=9", form_data(), **ENGLISH)
    assert response.status_code == 400
    assert "The filters are not valid" in response.content.decode()
    assert not AuditEvent.objects.filter(event_type="export.disclosed").exists()


def test_unknown_exportable_is_404_forbidden_is_403_anonymous_goes_to_login(world, client):
    assert world.kp_investigator.client().get("/exports/no-such-thing/").status_code == 404
    assert world.inspector.client().get(URL).status_code == 403
    assert world.kp_investigator.client().post(STATS_URL, form_data()).status_code == 403
    response = client.get(URL)
    assert response.status_code == 302 and "/accounts/login" in response["Location"]


def test_statistics_page_and_download(world):
    for _ in range(5):
        make_bulletin(world.kp_investigator, kind="alert")
    make_bulletin(world.customs, kind="lookout")
    client = world.qkmk.client()
    page = client.get(STATS_URL, **ENGLISH)
    assert page.status_code == 200 and "Small cells are suppressed" in page.content.decode()
    assert not AuditEvent.objects.filter(event_type="stats.aggregate_viewed").exists()  # the form reads no counts
    response = client.post(STATS_URL, form_data(format="csv"), **ENGLISH)
    rows = csv_rows(response.content)
    # the lone lookout is suppressed, and the five alerts with it (6 by status − 5 would give it away)
    assert ["Kind", "Alert", "x"] in rows and ["Kind", "Lookout", "x"] in rows


def test_the_page_speaks_albanian_by_default_and_offers_every_language(world):
    body = world.kp_investigator.client().get(URL).content.decode()
    assert '<option value="sq" selected>' in body
    for code in ("sr-latn", "sr-cyrl", "en"):
        assert f'<option value="{code}"' in body


def test_the_index_lists_what_the_actor_may_export(world):
    body = world.qkmk.client().get("/exports/", **ENGLISH).content.decode()
    assert 'href="/exports/bulletins/"' in body and 'href="/exports/bulletin-statistics/"' in body
    body = world.kp_investigator.client().get("/exports/", **ENGLISH).content.decode()
    assert 'href="/exports/bulletins/"' in body and "bulletin-statistics" not in body


def _render_button(person, query=""):
    request = RequestFactory().get(f"/bulletins/?{query}")
    request.actor = person.actor
    template = Template('{% load kssp_exports %}{% export_button "bulletins" %}|{% export_button "nothing-here" %}')
    return template.render(Context({"request": request}))


def test_the_export_button_carries_the_filters_and_shows_only_to_those_who_may_export(world):
    html = _render_button(world.kp_investigator, "status=issued&page=3&q=golf")
    assert 'href="/exports/bulletins/?q=golf&amp;status=issued"' in html or 'href="/exports/bulletins/?status=issued&amp;q=golf"' in html
    assert html.split("|")[1].strip() == ""  # an unknown exportable renders nothing
    assert "href" not in _render_button(world.inspector)
