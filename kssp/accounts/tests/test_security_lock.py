"""Quick screen lock for shared booth and evidence-room workstations (issue #3 point 11): the PIN, the
"Lock screen" button, every page locked until the PIN, ten wrong PINs (bad input), the inactivity lock
that passive polls do not prevent, and the absolute shift limit."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.contrib.auth.hashers import check_password
from django.test import Client

from kssp.accounts import security
from kssp.accounts.models import ScreenLock
from kssp.accounts.services_security import pin_set
from kssp.accounts.testing import PASSWORD
from kssp.accounts.testing_security import kssp_settings, security_middleware, verify_session
from kssp.core.exceptions import ApplicationError
from kssp.core.models import AuditEvent

LOCK = "/accounts/security/lock/"
LOCKED = "/accounts/security/locked/"
PIN_PAGE = "/accounts/security/pin/"
GOOD_PIN = "480317"


@pytest.fixture(autouse=True)
def installed(settings):
    settings.MIDDLEWARE = security_middleware()
    settings.KSSP = kssp_settings(SHIFT_HOURS=12, SCREEN_LOCK_IDLE_SECONDS=900, SCREEN_LOCK_MAX_FAILURES=10)


@pytest.fixture
def inv(world):
    return world.kp_investigator


def staff(person) -> Client:
    client = verify_session(person.client(), person.user)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


def with_pin(person, pin: str = GOOD_PIN) -> None:
    pin_set(actor=person.actor, user=person.user, pin=pin, password=PASSWORD)


def last(code: str) -> AuditEvent | None:
    return AuditEvent.objects.filter(event_type=code).order_by("seq").last()


# --- the PIN ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "pin", ["1111", "1234", "4321", "7890", "1212", "123123", "2580", "000000", "123", "12a4", "1234567890123", "١٢٣٤٥٦"]
)
def test_trivial_or_malformed_pins_are_refused(inv, pin):
    with pytest.raises(ApplicationError) as refused:
        pin_set(actor=inv.actor, user=inv.user, pin=pin, password=PASSWORD)
    assert refused.value.fields["pin"]
    assert not ScreenLock.objects.filter(user=inv.user).exclude(pin_hash="").exists()


def test_setting_a_pin_needs_the_password_and_stores_only_a_hash(inv):
    with pytest.raises(ApplicationError) as refused:
        pin_set(actor=inv.actor, user=inv.user, pin=GOOD_PIN, password="not-my-password")
    assert "password" in refused.value.fields
    with_pin(inv)
    lock = ScreenLock.objects.get(user=inv.user)
    assert GOOD_PIN not in lock.pin_hash
    assert check_password(GOOD_PIN, lock.pin_hash)
    assert last("auth.pin_set").actor_id == inv.user.pk


def test_the_pin_page_shows_errors_on_the_form(inv):
    client = staff(inv)
    response = client.post(PIN_PAGE, {"pin": "1234", "password": PASSWORD})
    assert response.status_code == 400
    assert "too easy to guess" in response.content.decode()
    ok = client.post(PIN_PAGE, {"pin": GOOD_PIN, "password": PASSWORD})
    assert ok.status_code == 302
    assert security.has_pin(inv.user)


# --- locking and unlocking --------------------------------------------------------------------------------


def test_the_header_has_the_lock_button(inv):
    html = staff(inv).get("/").content.decode()
    assert 'id="kssp-lock-form"' in html and 'action="/accounts/security/lock/"' in html
    assert 'data-idle-seconds="900"' in html
    assert "accounts/js/screen_lock.js" in html


def test_a_locked_session_shows_the_lock_screen_on_every_page(inv):
    # given
    with_pin(inv)
    client = staff(inv)
    # when
    locked = client.post(LOCK, {"next": "/bulletins/"})
    # then
    assert locked.status_code == 302 and locked["Location"] == f"{LOCKED}?next=%2Fbulletins%2F"
    for path in ("/", "/bulletins/", "/directory/", "/accounts/security/"):
        response = client.get(path)
        assert response.status_code == 302, path
        assert response["Location"].startswith(LOCKED)
    page = client.get(LOCKED)
    html = page.content.decode()
    assert page.status_code == 200
    assert "Screen locked" in html and inv.user.get_full_name() in html
    assert "kssp-nav" not in html and "kssp-notification-badge" not in html  # no menu, no counts
    assert last("auth.screen_locked").payload["extra"] == {"why": "manual"}


def test_htmx_and_api_requests_of_a_locked_session_are_refused(inv):
    client = staff(inv)
    client.post(LOCK)
    htmx = client.get("/bulletins/", HTTP_HX_REQUEST="true")
    assert htmx.status_code == 204 and htmx["HX-Redirect"] == LOCKED
    api = client.get("/api/v1/api-tokens/")
    assert api.status_code == 403
    assert api.json()["error"]["code"] == "session_locked"


def test_the_right_pin_unlocks_and_returns_to_the_page(inv):
    with_pin(inv)
    client = staff(inv)
    client.post(LOCK, {"next": "/bulletins/"})
    response = client.post(LOCKED, {"secret": GOOD_PIN, "next": "/bulletins/"})
    assert response.status_code == 302 and response["Location"] == "/bulletins/"
    assert client.get("/bulletins/").status_code == 200
    assert last("auth.screen_unlocked").payload["extra"] == {"with": "pin"}


def test_without_a_pin_the_password_unlocks(inv):
    client = staff(inv)
    client.post(LOCK)
    page = client.get(LOCKED).content.decode()
    assert "your password unlocks the screen" in page
    assert client.post(LOCKED, {"secret": PASSWORD}).status_code == 302
    assert client.get("/").status_code == 200


def test_a_wrong_pin_says_how_many_attempts_are_left(inv):
    with_pin(inv)
    client = staff(inv)
    client.post(LOCK)
    response = client.post(LOCKED, {"secret": "999999"})
    assert response.status_code == 400
    assert "Wrong PIN. 9 attempts left before you are signed out." in response.content.decode()
    assert ScreenLock.objects.get(user=inv.user).failed_attempts == 1
    assert last("auth.unlock_failed").payload["extra"] == {"attempt": 1}


def test_ten_wrong_pins_sign_the_session_out(inv):
    """Bad input: ten wrong PINs on a locked screen end the session (flushed) and are recorded."""
    with_pin(inv)
    client = staff(inv)
    client.post(LOCK)
    old_session = client.session.session_key
    for attempt in range(1, 10):
        response = client.post(LOCKED, {"secret": f"{attempt:06d}"})
        assert response.status_code == 400, attempt
    tenth = client.post(LOCKED, {"secret": "000010"})
    # then
    assert tenth.status_code == 302 and tenth["Location"] == "/accounts/login/"
    assert "_auth_user_id" not in client.session
    assert client.session.session_key != old_session
    from django.contrib.sessions.models import Session

    assert not Session.objects.filter(session_key=old_session).exists()
    login = client.get("/accounts/login/").content.decode()
    assert "Too many wrong PINs: you were signed out." in login
    exhausted = last("auth.unlock_exhausted")
    assert exhausted.actor_id == inv.user.pk and exhausted.payload["extra"] == {"attempts": 10}
    assert AuditEvent.objects.filter(event_type="auth.unlock_failed", actor_id=inv.user.pk).count() == 10
    # the counter starts again for the next shift, and the right PIN is not "used up"
    assert ScreenLock.objects.get(user=inv.user).failed_attempts == 0
    assert client.get("/").status_code == 302


def test_the_lock_page_of_an_unlocked_session_goes_back(inv):
    client = staff(inv)
    response = client.get(f"{LOCKED}?next=/bulletins/")
    assert response.status_code == 302 and response["Location"] == "/bulletins/"


def test_the_next_address_cannot_leave_the_site(inv):
    client = staff(inv)
    client.post(LOCK, {"next": "//evil.example/"})
    response = client.post(LOCKED, {"secret": PASSWORD, "next": "https://evil.example/"})
    assert response["Location"] == "/"


def test_another_colleague_can_sign_the_locked_session_out(inv):
    client = staff(inv)
    client.post(LOCK)
    response = client.post("/accounts/logout/")
    assert response.status_code == 302
    assert "_auth_user_id" not in client.session


# --- inactivity and passive polls ---------------------------------------------------------------------------

START = dt.datetime(2030, 5, 6, 6, 0, tzinfo=dt.UTC)


def test_the_screen_locks_after_inactivity(inv):
    with time_machine.travel(START, tick=False):
        client = staff(inv)
        assert client.get("/").status_code == 200
    with time_machine.travel(START + dt.timedelta(minutes=14), tick=False):
        assert client.get("/").status_code == 200  # activity: the idle time starts again
    with time_machine.travel(START + dt.timedelta(minutes=30), tick=False):
        response = client.get("/bulletins/")
        assert response.status_code == 302 and response["Location"].startswith(LOCKED)
        assert last("auth.screen_locked").payload["extra"] == {"why": "idle"}


def test_passive_polls_do_not_count_as_activity(inv):
    passive = {"HTTP_HX_REQUEST": "true", "HTTP_X_KSSP_PASSIVE": "1"}
    with time_machine.travel(START, tick=False):
        client = staff(inv)
        client.get("/")
    with time_machine.travel(START + dt.timedelta(minutes=10), tick=False):
        assert client.get("/notifications/badge/", **passive).status_code == 200
    with time_machine.travel(START + dt.timedelta(minutes=16), tick=False):
        # then the poll of minute 10 kept nobody "active": the next poll finds the session idle and
        # sends the page to the lock screen
        poll = client.get("/notifications/badge/", **passive)
        assert poll.status_code == 204 and poll["HX-Redirect"] == LOCKED
        assert client.get("/").status_code == 302


def test_an_active_request_keeps_the_session_awake(inv):
    with time_machine.travel(START, tick=False):
        client = staff(inv)
        client.get("/")
    with time_machine.travel(START + dt.timedelta(minutes=10), tick=False):
        assert client.post("/accounts/security/activity/").status_code == 204  # the page script's keep-alive
    with time_machine.travel(START + dt.timedelta(minutes=16), tick=False):
        assert client.get("/").status_code == 200


def test_the_shift_ends_after_twelve_hours_whatever_the_activity(inv, settings):
    settings.KSSP = kssp_settings(SHIFT_HOURS=12, SCREEN_LOCK_IDLE_SECONDS=3 * 3600)  # hourly requests stay active
    with time_machine.travel(START, tick=False):
        client = staff(inv)
        client.get("/")
    for minutes in range(60, 12 * 60, 60):
        with time_machine.travel(START + dt.timedelta(minutes=minutes), tick=False):
            assert client.get("/").status_code == 200, minutes
    with time_machine.travel(START + dt.timedelta(hours=12, minutes=1), tick=False):
        response = client.get("/bulletins/")
        assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
        assert "_auth_user_id" not in client.session
        assert last("auth.session_expired").actor_id == inv.user.pk
        assert "Your shift session ended after 12 hours" in client.get("/accounts/login/").content.decode()


def test_the_shift_limit_is_a_setting(inv, settings):
    settings.KSSP = kssp_settings(SHIFT_HOURS=8)
    with time_machine.travel(START, tick=False):
        client = staff(inv)
        client.get("/")
    with time_machine.travel(START + dt.timedelta(hours=8, minutes=1), tick=False):
        assert client.get("/").status_code == 302
