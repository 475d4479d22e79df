"""The export API: the contract of the exportables resource, and POST → the file, with field errors
for bad input and only visible records in the file."""

from __future__ import annotations

import pytest

from kssp.core.audit import payload_for
from kssp.core.exports.api.views import ExportViewSet
from kssp.core.exports.tests.conftest import csv_rows, make_bulletin, pdf_text, read_xlsx
from kssp.core.markings import Classification
from kssp.core.models.audit import AuditEvent
from kssp.core.testing.contract import ApiContract, assert_error

URL = "/api/v1/exports/"


def post(person, data):
    return person.client().post(URL, data, content_type="application/json", HTTP_ACCEPT_LANGUAGE="en")


def request(**over):
    data = {"exportable": "bulletins", "format": "csv", "purpose": "Request 45/2026", "recipient": "PSRK", "language": "en"}
    data.update(over)
    return data


class TestExportApi(ApiContract):
    """The exportables are the resource (a static catalogue filtered by permission, like the markings);
    POST on the collection exports."""

    viewset = ExportViewSet
    list_url = URL
    viewer = "kp_investigator"
    no_outsider = "a catalogue of export kinds, filtered by permission only (the records exported are filtered per actor)"
    unpermitted = "inspector"
    list_max_queries = 4

    def make_record(self, world, owner, **options):
        make_bulletin(owner)
        return "bulletins"

    def record_key(self, record):
        return record

    def item_key(self, item):
        return item["name"]

    def listing(self, client):
        response = client.get(self.list_url)
        assert response.status_code == 200, response.content[:500]
        keys = {item["name"] for item in response.json()}
        return len(keys), keys


def test_the_catalogue_describes_formats_filters_and_columns(world):
    body = world.qkmk.client().get(URL, HTTP_ACCEPT_LANGUAGE="en").json()
    by_name = {item["name"]: item for item in body}
    assert set(by_name) == {"bulletins", "bulletin-statistics"}
    assert by_name["bulletins"]["formats"] == ["csv", "xlsx", "pdf"]
    assert "status" in by_name["bulletins"]["filters"] and "Number" in by_name["bulletins"]["columns"]
    assert by_name["bulletin-statistics"]["kind"] == "statistics"
    assert world.kp_investigator.client().get(f"{URL}bulletin-statistics/").status_code == 404  # not usable: missing


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "pdf"])
def test_post_answers_the_file_in_each_format_and_records_the_disclosure(world, fmt):
    mine = make_bulletin(world.kp_investigator, title="čćđšž ëç АБВ", classification=Classification.RESTRICTED)
    foreign = make_bulletin(world.customs)
    response = post(world.kp_investigator, request(format=fmt, filters={"classification": "1"}))
    assert response.status_code == 200, response.content[:300]
    assert response["Content-Disposition"].startswith('attachment; filename="bulletins-')
    assert response["X-Export-Records"] == "1"
    if fmt == "csv":
        text = response.content.decode("utf-8")
        assert csv_rows(response.content)[0] == ["RESTRICTED"]
    elif fmt == "xlsx":
        ws = read_xlsx(response.content).worksheets[0]
        text = "\n".join(str(c.value) for row in ws.iter_rows() for c in row if c.value is not None)
        assert ws["A1"].value == "RESTRICTED"
    else:
        text = pdf_text(response.content)
        assert "RESTRICTED" in text
    assert mine.number in text and "čćđšž ëç АБВ" in text and foreign.number not in text
    event = AuditEvent.objects.get(event_type="export.disclosed")
    assert event.source == "api" and event.purpose == "Request 45/2026"
    assert payload_for(event)["extra"]["recipient"] == "PSRK" and payload_for(event)["extra"]["count"] == 1
    assert payload_for(event)["extra"]["filters"] == {"classification": "1"}


def test_missing_purpose_and_recipient_are_field_errors(world):
    data = request()
    del data["purpose"]
    data["recipient"] = ""
    error = assert_error(post(world.kp_investigator, data), 400, "invalid")
    assert error["fields"]["purpose"] == ["Give the purpose of the export."]
    assert error["fields"]["recipient"] == ["Name who receives the export."]
    assert not AuditEvent.objects.filter(event_type="export.disclosed").exists()


@pytest.mark.parametrize(
    ("over", "field"),
    [
        ({"format": "docx"}, "format"),
        ({"profile": "kosovo-i-metohija"}, "profile"),
        ({"language": "de"}, "language"),
        ({"exportable": "no-such-thing"}, "exportable"),
        ({"exportable": "bulletin-statistics"}, "exportable"),  # exists, but not for an investigator: the same answer
        ({"filters": {"colour": "red"}}, "filters.colour"),
        ({"filters": {"classification": "9"}}, "filters.classification"),
        ({"purpose": "x" * 301}, "purpose"),
        ({"surprise": 1}, "surprise"),
    ],
)
def test_bad_input_is_a_field_error_and_nothing_is_recorded(world, over, field):
    error = assert_error(post(world.kp_investigator, request(**over)), 400)
    assert field in error["fields"], error
    assert not AuditEvent.objects.filter(event_type="export.disclosed").exists()


def test_a_body_that_is_not_an_object_is_a_field_error(world):
    response = world.kp_investigator.client().post(URL, "[1, 2]", content_type="application/json")
    assert_error(response, 400, "invalid")
    response = world.kp_investigator.client().post(URL, "{not json", content_type="application/json")
    assert_error(response, 400)
    assert not AuditEvent.objects.filter(event_type="export.disclosed").exists()


def test_without_permission_the_list_is_refused_and_an_export_is_a_field_error(world):
    assert_error(world.inspector.client().get(URL), 403, "permission_denied")
    assert_error(post(world.inspector, request()), 400, "invalid")


def test_statistics_through_the_api_are_suppressed(world):
    for _ in range(2):
        make_bulletin(world.customs, kind="lookout")
    response = post(world.qkmk, request(exportable="bulletin-statistics"))
    assert response.status_code == 200
    assert ["Kind", "Lookout", "x"] in csv_rows(response.content)
