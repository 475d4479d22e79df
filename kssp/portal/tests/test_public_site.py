"""The public-site shell (issue #3 point 10): its own no-login layout in the citizens' languages, the
message to the institutions with a honeypot and a tracking code, the status page, and bad input."""

from __future__ import annotations

import re
import uuid

import pytest
from django.conf import settings
from django.test import Client, override_settings

from kssp.core.models import AuditEvent
from kssp.core.offline_capture.models import OfflineSubmission
from kssp.portal import tracking
from kssp.portal.models import PublicSubmission
from kssp.portal.ratelimit import limiter

pytestmark = [pytest.mark.django_db, pytest.mark.urls("kssp.portal.tests.urls")]

PAGES = ["/public/", "/public/message/", "/public/status/", "/public/privacy/"]


@pytest.fixture(autouse=True)
def fresh_limiter():
    limiter.reset()
    yield
    limiter.reset()


def portal(**extra):
    return override_settings(KSSP={**settings.KSSP, "PORTAL": {**settings.KSSP.get("PORTAL", {}), **extra}})


def form_id(response) -> str:
    return re.search(r'name="public_id" value="([0-9a-f-]{36})"', response.content.decode()).group(1)


def send(client, **fields):
    public_id = fields.pop("public_id", None) or form_id(client.get("/public/message/"))
    data = {"topic": "weapons", "message": "Shots fired at weddings every weekend.", "contact": "", "language": "sq",
            "public_id": public_id, "website": "", **fields}
    return client.post("/public/message/", data)


def shown_code(response) -> str:
    return re.search(r'id="tracking-code">([0-9A-Z-]{19})<', response.content.decode()).group(1)


# --- layout and languages ---------------------------------------------------------------------------


@pytest.mark.parametrize(("language", "tag", "word"), [
    ("sq", "sq", None), ("sr-latn", "sr-Latn", None), ("sr-cyrl", "sr-Cyrl", None), ("en", "en", "Send a message"),
])
def test_every_page_renders_in_the_portal_layout_in_each_language(world, language, tag, word):
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    for url in PAGES:
        response = client.get(url)
        html = response.content.decode()
        assert response.status_code == 200, url
        assert f'<html lang="{tag}">' in html
        assert response["Content-Language"] == language
        assert "portal/portal.css" in html and 'class="portal"' in html
        assert "kssp-nav" not in html and "accounts/login" not in html, "not the staff layout"
        # No script but the message page's own file that keeps its form token across Back (#7 point 2).
        scripts = re.findall(r"<script[^>]*>", html)
        assert scripts in ([], ['<script src="/static/js/form-token.js" defer>']), "no inline or other script (CSP)"
        assert (scripts != []) == (url == "/public/message/")
        assert "style=" not in html, "no inline style (CSP)"
        assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"]
        if word:
            assert word in html
    # Each language is offered in its own name, with its own tag.
    html = client.get("/public/").content.decode()
    for name, code in [("Shqip", "sq"), ("Srpski (latinica)", "sr-Latn"), ("Српски (ћирилица)", "sr-Cyrl"), ("English", "en")]:
        assert f'lang="{code}" hreflang="{code}"' in html and name in html


def test_the_browser_language_is_followed_among_the_public_languages(world):
    assert Client(HTTP_ACCEPT_LANGUAGE="en-GB,en;q=0.8").get("/public/")["Content-Language"] == "en"
    assert Client(HTTP_ACCEPT_LANGUAGE="sr-Cyrl-RS").get("/public/")["Content-Language"] == "sr-cyrl"
    assert Client(HTTP_ACCEPT_LANGUAGE="sr").get("/public/")["Content-Language"] == "sr-latn"
    assert Client(HTTP_ACCEPT_LANGUAGE="de-DE").get("/public/")["Content-Language"] == "sq"
    assert Client(HTTP_ACCEPT_LANGUAGE="tr-TR").get("/public/")["Content-Language"] == "sq", "not offered by default"


def test_turkish_and_bosnian_are_ready_to_be_offered_by_setting(world):
    with portal(LANGUAGES=["sq", "sr-latn", "sr-cyrl", "en", "tr", "bs"]):
        html = Client().get("/public/").content.decode()
        assert "Türkçe" in html and "Bosanski" in html
        turkish = Client(HTTP_ACCEPT_LANGUAGE="tr")
        response = turkish.get("/public/message/")
        assert '<html lang="tr">' in response.content.decode() and response["Content-Language"] == "tr"
        # Django's own strings are Turkish already; ours fall back to Albanian until translated.
        refused = send(turkish, message="", language="tr")
        assert refused.status_code == 400 and "Bu alan zorunlu." in refused.content.decode()
        assert send(Client(HTTP_ACCEPT_LANGUAGE="bs"), language="bs").status_code == 200
        assert PublicSubmission.objects.unscoped(reason="test").get().language == "bs"
        switched = Client().get("/public/language/bs/", {"next": "/public/status/"})
        assert switched.status_code == 302 and switched.cookies[settings.LANGUAGE_COOKIE_NAME].value == "bs"


def test_the_language_switch_sets_only_the_language_cookie_and_stays_on_the_public_site(world):
    client = Client()
    response = client.get("/public/language/sr-cyrl/", {"next": "/public/privacy/"})
    assert response.status_code == 302 and response["Location"] == "/public/privacy/"
    assert set(response.cookies) == {settings.LANGUAGE_COOKIE_NAME}
    assert '<html lang="sr-Cyrl">' in client.get("/public/privacy/").content.decode()
    for bad in ["https://evil.example/", "//evil.example/public/", "/bulletins/", ""]:
        assert client.get("/public/language/en/", {"next": bad})["Location"] == "/public/"
    assert settings.LANGUAGE_COOKIE_NAME not in client.get("/public/language/xx/").cookies, "unknown language: no cookie"


def test_no_cookie_but_the_language_and_csrf_for_forms(world):
    client = Client()
    for url in ["/public/", "/public/privacy/"]:
        assert not client.get(url).cookies, url
    assert set(client.get("/public/message/").cookies) == {settings.CSRF_COOKIE_NAME}
    sent = send(client)
    assert set(sent.cookies) <= {settings.CSRF_COOKIE_NAME}
    assert settings.SESSION_COOKIE_NAME not in client.cookies


# --- sending a message ------------------------------------------------------------------------------


def test_a_message_is_received_owned_by_the_receiving_unit_with_a_code_shown_once(world):
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    response = send(client, contact="+383 44 000 000", language="en")
    assert response.status_code == 200
    code = shown_code(response)
    submission = PublicSubmission.objects.unscoped(reason="test").get()
    assert (submission.owner_institution.code, submission.owner_unit.code) == ("KP", "DHT")
    assert submission.contains_personal_data and submission.classification == 1
    assert (submission.topic, submission.language, submission.contact) == ("weapons", "en", "+383 44 000 000")
    # Only the hash of the code is stored; the code appears nowhere in the row.
    assert submission.tracking_code_hash == tracking.code_hash(code)
    assert code not in repr(PublicSubmission.objects.unscoped(reason="test").filter(pk=submission.pk).values().get())
    event = AuditEvent.objects.get(event_type="portal.submission_received")
    assert (event.source, event.ip, event.actor_id, event.membership_id) == ("web", None, None, None)
    assert event.target_public_id == submission.public_id and code not in repr(event.payload)


def test_a_signed_in_officer_on_the_public_site_still_writes_anonymously(world):
    client = world.kp_investigator.client()
    assert send(client).status_code == 200
    assert AuditEvent.objects.get(event_type="portal.submission_received").actor_id is None


def test_the_status_page_shows_status_and_answer_by_code_only(world):
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    code = shown_code(send(client, language="en"))
    PublicSubmission.objects.unscoped(reason="test").update(status="answered", public_reply="Officers visited the area.")
    response = client.post("/public/status/", {"code": code.lower().replace("-", " ")})
    html = response.content.decode()
    assert response.status_code == 200
    assert "Answered" in html and "Officers visited the area." in html
    assert "Shots fired" not in html, "the message itself is not shown back"
    assert client.get("/public/status/").status_code == 200


@pytest.mark.parametrize(("code", "status", "text"), [
    ("", 400, "This field is required."),
    ("12345", 400, "This is not a tracking code."),
    ("7KQ3-M9XD-2HFA-P8RU", 400, "This is not a tracking code."),
    ("7KQ3-M9XD-2HFA-P8RT", 404, "No message has this tracking code."),
])
def test_a_wrong_code_is_a_clear_translated_answer_not_an_error(world, code, status, text):
    response = Client(HTTP_ACCEPT_LANGUAGE="en").post("/public/status/", {"code": code})
    assert response.status_code == status and text in response.content.decode()


def test_the_honeypot_looks_accepted_but_nothing_is_kept(world):
    response = send(Client(), website="http://spam.example")
    assert response.status_code == 200
    assert re.search(r'id="tracking-code">[0-9A-Z-]{19}<', response.content.decode())
    assert not PublicSubmission.objects.unscoped(reason="test").exists()
    assert not AuditEvent.objects.filter(event_type="portal.submission_received").exists()
    assert not OfflineSubmission.objects.exists()


@pytest.mark.parametrize(("fields", "field", "text"), [
    ({"message": "   "}, "message", "This field is required."),
    ({"message": "x" * 5001}, "message", "at most 5000 characters"),
    ({"topic": "gossip"}, "topic", "Select a valid choice."),
    ({"language": "de"}, "language", "Select a valid choice."),
    ({"contact": "c" * 201}, "contact", "at most 200 characters"),
    ({"public_id": "not-a-uuid"}, "public_id", "The form was incomplete. Reload the page"),
])
def test_bad_input_is_refused_with_the_form_and_nothing_written(world, fields, field, text):
    response = send(Client(HTTP_ACCEPT_LANGUAGE="en"), **fields)
    assert response.status_code == 400
    assert text in response.content.decode()
    assert not PublicSubmission.objects.unscoped(reason="test").exists()
    assert not AuditEvent.objects.filter(event_type="portal.submission_received").exists()


def test_sending_the_same_page_twice_delivers_one_message(world):
    client = Client()
    public_id = form_id(client.get("/public/message/"))
    first = send(client, public_id=public_id)
    again = send(client, public_id=public_id)
    assert first.status_code == again.status_code == 200
    assert 'id="tracking-code"' in first.content.decode()
    assert 'id="tracking-code"' not in again.content.decode(), "the code is never shown a second time"
    assert PublicSubmission.objects.unscoped(reason="test").count() == 1
    # The page's UUID is only the idempotency key; the message's public id is the server's (#7 point 3).
    assert PublicSubmission.objects.unscoped(reason="test").get().public_id != uuid.UUID(public_id)
    assert OfflineSubmission.objects.get().client_uuid == uuid.UUID(public_id)


def test_the_same_page_sent_again_with_another_message_is_refused_and_the_first_kept(world):
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    public_id = form_id(client.get("/public/message/"))
    send(client, public_id=public_id, message="First version")
    refused = send(client, public_id=public_id, message="Second version")
    assert refused.status_code == 409
    html = refused.content.decode()
    assert "The first message was kept" in html
    assert form_id(refused) != public_id, "a fresh form to send it as a new message"
    assert list(PublicSubmission.objects.unscoped(reason="test").values_list("message", flat=True)) == ["First version"]
    assert AuditEvent.objects.filter(event_type="portal.submission_received").count() == 1


def test_without_a_receiving_unit_the_site_says_so_and_keeps_nothing(world):
    for unit in ["", "KP/NO-SUCH-UNIT", "nonsense"]:
        with portal(RECEIVING_UNIT=unit):
            response = send(Client(HTTP_ACCEPT_LANGUAGE="en"))
        assert response.status_code == 503
        assert "Messages cannot be received at the moment" in response.content.decode()
    assert not PublicSubmission.objects.unscoped(reason="test").exists()


def test_the_receiving_unit_is_a_setting(world):
    with portal(RECEIVING_UNIT="DK/ZL"):
        send(Client())
    assert PublicSubmission.objects.unscoped(reason="test").get().owner_unit.code == "ZL"


def test_methods_other_than_get_and_post_are_refused(world):
    assert Client().put("/public/message/").status_code == 405
    assert Client().post("/public/").status_code == 405
