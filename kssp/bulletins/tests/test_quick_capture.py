"""Offline-tolerant capture applied to bulletins (issue #3 point 9): the quick-capture page, the answer
the offline queue gets, and POST /api/v1/bulletins/ with a client-generated ``client_uuid``. The
record's ``public_id`` is always the server's (issue #7 point 3): a client's UUID is only the sender's
idempotency key.

Bad input of the issue: "the same client UUID submitted twice with different content (refused, first
one kept)" — for the page, the queue (JSON) and the API.
"""

from __future__ import annotations

import re
import uuid
from typing import Any

import pytest

from kssp.bulletins.models import Bulletin
from kssp.bulletins.tests.factories import BulletinFactory
from kssp.core import views_capture as quick_capture
from kssp.core.markings import Classification
from kssp.core.models.audit import AuditEvent
from kssp.core.offline_capture.models import OfflineSubmission
from kssp.core.testing.contract import assert_error

pytestmark = pytest.mark.django_db

PAGE = "/bulletins/quick-capture/"
JSON = {"HTTP_ACCEPT": "application/json", "HTTP_ACCEPT_LANGUAGE": "en"}


def fields(**overrides: Any) -> dict[str, Any]:
    data = {"public_id": str(uuid.uuid4()), "title": "Grey Golf at Merdare", "kind": "lookout", "classification": "1",
            "body": "Plates 01-123-AB, two men, heading north."}
    data.update(overrides)
    return data


def events() -> int:
    return AuditEvent.objects.filter(event_type="bulletin.created").count()


# --- the page ----------------------------------------------------------------------------------------


def test_the_page_is_a_plain_form_with_a_client_id_and_the_offline_scripts(world):
    response = world.kp_investigator.client().get(PAGE)
    html = response.content.decode()
    assert response.status_code == 200
    assert response[quick_capture.SHELL_HEADER] == "1"
    assert re.search(r'<input type="hidden" name="public_id" value="[0-9a-f-]{36}"', html)
    assert 'src="/static/js/offline-queue.js"' in html and 'src="/static/js/kssp-offline.js"' in html
    assert 'data-kssp-offline-sw="/bulletins/quick-capture/sw.js"' in html
    assert 'data-kssp-offline-scope="/bulletins/quick-capture/"' in html
    assert re.search(r'data-kssp-offline-owner="[0-9a-f]{24}"', html)
    owner = re.search(r'data-kssp-offline-owner="([^"]+)"', html).group(1)
    assert owner != str(world.kp_investigator.user.pk)
    assert owner != world.kp_investigator_other.client().get(PAGE).content.decode().split('data-kssp-offline-owner="')[1][:24]
    assert "<script>" not in html and " style=" not in html and "onclick" not in html


def test_the_service_worker_is_served_within_the_page_scope(world):
    response = world.kp_investigator.client().get("/bulletins/quick-capture/sw.js")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/javascript")


def test_without_the_create_permission_the_page_is_refused(world):
    assert world.inspector.client().get(PAGE).status_code == 403
    refused = world.inspector.client().post(PAGE, fields(), **JSON)
    assert refused.status_code == 403 and refused.json()["state"] == "refused"
    assert not Bulletin.objects.unscoped(reason="test").exists()


def test_the_plain_form_creates_once_and_a_resent_page_is_the_same_record(world):
    client = world.kp_investigator.client()
    data = fields()
    first = client.post(PAGE, data)
    again = client.post(PAGE, data)
    bulletin = Bulletin.objects.unscoped(reason="test").get()
    assert first.status_code == again.status_code == 302
    assert first["Location"] == again["Location"] == f"/bulletins/{bulletin.public_id}/"
    assert OfflineSubmission.objects.get().object_id == bulletin.pk
    assert events() == 1


def test_the_plain_form_with_the_same_id_and_other_content_is_refused_and_the_first_kept(world):
    client = world.kp_investigator.client()
    data = fields()
    client.post(PAGE, data)
    refused = client.post(PAGE, {**data, "body": "Something else entirely."}, HTTP_ACCEPT_LANGUAGE="en")
    html = refused.content.decode()
    assert refused.status_code == 409
    assert "already received with different content" in html and "The first record was kept" in html
    assert data["public_id"] not in html, "the form offers a fresh id for a new record"
    assert list(Bulletin.objects.unscoped(reason="test").values_list("body", flat=True)) == [data["body"]]
    assert events() == 1


# --- the offline queue's answers (JSON) ----------------------------------------------------------------


def test_the_queue_gets_201_then_200_for_the_same_record(world):
    client = world.kp_investigator.client()
    data = fields()
    first = client.post(PAGE, data, **JSON)
    again = client.post(PAGE, data, **JSON)
    assert (first.status_code, again.status_code) == (201, 200)
    bulletin = Bulletin.objects.unscoped(reason="test").get()
    assert first.json() | {"message": ""} == {
        "state": "created", "message": "", "public_id": data["public_id"], "url": f"/bulletins/{bulletin.public_id}/", "fields": {},
    }
    assert again.json()["state"] == "duplicate" and again.json()["url"] == first.json()["url"]
    assert f"Bulletin {bulletin.number} was saved as a draft." == first.json()["message"]
    assert "had already been received; nothing was changed" in again.json()["message"]
    assert events() == 1


def test_the_queue_gets_409_for_the_same_id_with_other_content_and_nothing_is_written(world):
    client = world.kp_investigator.client()
    data = fields()
    client.post(PAGE, data, **JSON)
    seq = AuditEvent.objects.order_by("-seq").values_list("seq", flat=True).first()
    refused = client.post(PAGE, {**data, "title": "Another title"}, **JSON)
    body = refused.json()
    assert refused.status_code == 409 and body["state"] == "conflict"
    assert "different content" in body["message"] and "first record was kept" in body["message"]
    assert list(Bulletin.objects.unscoped(reason="test").values_list("title", flat=True)) == [data["title"]]
    assert AuditEvent.objects.order_by("-seq").values_list("seq", flat=True).first() == seq, "nothing written"


def test_another_user_sending_the_same_id_gets_their_own_record(world):
    data = fields()
    world.kp_investigator.client().post(PAGE, data, **JSON)
    theirs = world.kp_investigator_other.client().post(PAGE, data, **JSON)
    assert theirs.status_code == 201 and theirs.json()["state"] == "created"
    own = Bulletin.objects.unscoped(reason="test").get(created_by=world.kp_investigator_other.user)
    assert theirs.json()["url"] == f"/bulletins/{own.public_id}/"
    assert Bulletin.objects.unscoped(reason="test").count() == 2


@pytest.mark.parametrize(("overrides", "field", "text"), [
    ({"title": ""}, "title", "This field is required."),
    ({"public_id": "not-a-uuid"}, "public_id", "Enter a valid UUID."),
    ({"classification": "4"}, "classification", "above your own security clearance"),
])
def test_refused_input_answers_with_field_errors_and_leaves_nothing(world, overrides, field, text):
    person = world.kp_officer if field == "classification" else world.kp_investigator
    response = person.client().post(PAGE, fields(**overrides), **JSON)
    body = response.json()
    assert response.status_code == 400 and body["state"] == "invalid"
    assert any(text in message for message in body["fields"][field])
    assert not Bulletin.objects.unscoped(reason="test").exists() and not OfflineSubmission.objects.exists()


def test_a_refused_record_can_be_corrected_and_resent_with_the_same_id(world):
    client = world.kp_investigator.client()
    data = fields(body="")
    assert client.post(PAGE, data, **JSON).status_code == 400
    assert client.post(PAGE, {**data, "body": "Now with a text."}, **JSON).status_code == 201


def test_the_record_never_carries_the_client_id(world):
    data = fields()
    world.kp_investigator.client().post(PAGE, data, **JSON)
    assert str(Bulletin.objects.unscoped(reason="test").get().public_id) != data["public_id"]
    assert str(OfflineSubmission.objects.get().client_uuid) == data["public_id"]


def test_a_hidden_records_public_id_sent_as_client_id_creates_a_new_record_and_reveals_nothing(world):
    hidden = BulletinFactory(owner=world.customs, title="Customs only")
    client = world.kp_investigator.client()
    response = client.post(PAGE, fields(public_id=str(hidden.public_id)), **JSON)
    body = response.json()
    assert response.status_code == 201 and body["state"] == "created"
    assert "already" not in body["message"] and str(hidden.public_id) not in body["url"]
    mine = Bulletin.objects.unscoped(reason="test").exclude(pk=hidden.pk).get()
    assert mine.public_id != hidden.public_id and mine.owner_institution_id == world.kp_investigator.membership.unit.institution_id
    hidden.refresh_from_db()
    assert hidden.title == "Customs only"


# --- the API: POST /api/v1/bulletins/ with client_uuid; public_id is read-only ------------------------------

API = "/api/v1/bulletins/"


def api_post(client, payload):
    return client.post(API, payload, content_type="application/json")


def payload(**overrides: Any) -> dict[str, Any]:
    return {"client_uuid": str(uuid.uuid4()), "title": "Lookout", "body": "Grey van, plates KS-123", "kind": "lookout",
            "classification": Classification.RESTRICTED, **overrides}


def test_api_same_uuid_twice_is_201_then_200_with_the_same_bulletin(world):
    client = world.kp_investigator.client()
    body = payload()
    first, again = api_post(client, body), api_post(client, body)
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json() == again.json()
    assert Bulletin.objects.unscoped(reason="test").count() == 1 and events() == 1
    event = AuditEvent.objects.get(event_type="bulletin.created")
    assert event.source == "api"


def test_api_same_uuid_with_other_content_is_409_and_the_first_is_kept(world):
    client = world.kp_investigator.client()
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    body = payload()
    api_post(client, body)
    error = assert_error(api_post(client, {**body, "title": "Changed"}), 409, "offline_conflict")
    assert "first record was kept" in error["message"]
    assert list(Bulletin.objects.unscoped(reason="test").values_list("title", flat=True)) == ["Lookout"]
    assert events() == 1


def test_api_without_uuid_creates_as_before_and_a_bad_uuid_is_a_field_error(world):
    client = world.kp_investigator.client()
    body = payload()
    del body["client_uuid"]
    assert api_post(client, body).status_code == 201
    assert api_post(client, body).status_code == 201, "without a client id every POST is a new bulletin"
    error = assert_error(api_post(client, payload(client_uuid="nope")), 400, "invalid")
    assert "client_uuid" in error["fields"]
    assert Bulletin.objects.unscoped(reason="test").count() == 2


def test_api_the_same_uuid_from_another_user_is_their_own_bulletin(world):
    body = payload()
    first = api_post(world.kp_investigator.client(), body)
    theirs = api_post(world.customs.client(), body)
    assert (first.status_code, theirs.status_code) == (201, 201)
    assert first.json()["public_id"] != theirs.json()["public_id"] != body["client_uuid"]
    assert Bulletin.objects.unscoped(reason="test").count() == 2


@pytest.mark.parametrize("which", ["hidden", "random"])
def test_api_public_id_is_the_servers_and_a_hidden_records_id_probes_nothing(world, which):
    """The probe of issue #7 point 3: a client-supplied public_id equal to a hidden record's answered
    "already exists". Now any public_id is refused alike (it cannot be set), so a hidden record's id and
    a random one get the same answer, and nothing is written."""
    hidden = BulletinFactory(owner=world.customs, title="Customs only")
    client = world.kp_investigator.client()
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    probe = str(hidden.public_id) if which == "hidden" else str(uuid.uuid4())
    response = api_post(client, {**payload(), "public_id": probe})
    error = assert_error(response, 400, "invalid")
    assert error["fields"] == {"public_id": ["This field cannot be set here."]}
    text = response.content.decode()
    assert "exist" not in text and probe not in text
    assert Bulletin.objects.unscoped(reason="test").count() == 1


def test_api_a_hidden_records_id_as_client_uuid_creates_a_new_bulletin(world):
    hidden = BulletinFactory(owner=world.customs, title="Customs only")
    response = api_post(world.kp_investigator.client(), payload(client_uuid=str(hidden.public_id)))
    assert response.status_code == 201
    assert response.json()["public_id"] != str(hidden.public_id) and "Customs only" not in response.content.decode()
    assert Bulletin.objects.unscoped(reason="test").count() == 2
