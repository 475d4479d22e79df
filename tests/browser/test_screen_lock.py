"""The quick screen lock in a real browser (issue #3 point 11).

An evidence custodian at a shared workstation sets a PIN, locks the screen with the header button,
finds every page locked, unlocks with the PIN; the screen locks itself after the idle time (the page
script submits the lock form); ten wrong PINs sign the session out. No CSP message in the console."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from kssp.accounts.testing import PASSWORD
from kssp.accounts.testing_security import kssp_settings, reload_live_server_middleware, security_middleware
from kssp.core.models import AuditEvent
from tests.browser.conftest import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

PIN = "480317"
LOCKED = "/accounts/security/locked/"


@pytest.fixture
def lock_live(settings, live_server) -> Iterator[str]:
    original = settings.MIDDLEWARE
    settings.KSSP = kssp_settings(SCREEN_LOCK_IDLE_SECONDS=900, SCREEN_LOCK_MAX_FAILURES=10)
    settings.MIDDLEWARE = security_middleware()
    reload_live_server_middleware(live_server)
    yield live_server.url
    settings.MIDDLEWARE = original
    reload_live_server_middleware(live_server)


def unlock_with(page, secret: str) -> None:
    page.fill("#id_secret", secret)
    page.click("#kssp-locked form[action='/accounts/security/locked/'] button[type=submit]")


def test_pin_lock_unlock_idle_lock_and_ten_wrong_pins(world, lock_live, open_page, screenshot, settings):
    base = lock_live
    page = open_page(locale="en")
    page.goto(f"{base}/accounts/login/")
    page.click("#kssp-language-toggle")
    with page.expect_navigation():
        page.click("button[name=language][value='en']")
    sign_in(page, base, "kp_inv", PASSWORD)

    # --- set a PIN (a trivial one first) ---
    page.goto(f"{base}/accounts/security/pin/")
    page.fill("#id_pin", "1234")
    page.fill("#id_password", PASSWORD)
    page.click("form[action='/accounts/security/pin/'] button[type=submit]")
    page.wait_for_selector("#id_pin_error")
    assert "too easy to guess" in page.inner_text("#id_pin_error")
    page.fill("#id_pin", PIN)
    page.fill("#id_password", PASSWORD)
    page.click("form[action='/accounts/security/pin/'] button[type=submit]")
    page.wait_for_url(f"{base}/accounts/security/")
    assert "Your PIN unlocks a locked screen." in page.inner_text("#kssp-pin-state")

    # --- lock with the header button; every page shows the lock screen ---
    page.goto(f"{base}/bulletins/")
    page.click("#kssp-lock-button")
    page.wait_for_selector("#kssp-locked")
    screenshot(page, "security-05-locked")
    assert page.locator(".kssp-nav").count() == 0
    for path in ("/", "/bulletins/", "/directory/"):
        page.goto(f"{base}{path}")
        assert page.url.startswith(f"{base}{LOCKED}")
        assert page.is_visible("#kssp-locked")

    # --- a wrong PIN, then the right one ---
    unlock_with(page, "999999")
    page.wait_for_selector("#id_secret_error")
    assert "Wrong PIN. 9 attempts left" in page.inner_text("#id_secret_error")
    unlock_with(page, PIN)
    page.wait_for_url(f"{base}/directory/")
    assert page.is_visible("#kssp-lock-form")

    # --- inactivity: the page locks itself, with no click ---
    settings.KSSP = kssp_settings(SCREEN_LOCK_IDLE_SECONDS=6, SCREEN_LOCK_MAX_FAILURES=10)
    page.goto(f"{base}/bulletins/")
    assert page.get_attribute("#kssp-lock-form", "data-idle-seconds") == "6"
    page.wait_for_selector("#kssp-locked", timeout=20_000)
    idle_lock = AuditEvent.objects.filter(event_type="auth.screen_locked").order_by("seq").last()
    assert idle_lock.payload["extra"] == {"why": "idle"}
    settings.KSSP = kssp_settings(SCREEN_LOCK_IDLE_SECONDS=900, SCREEN_LOCK_MAX_FAILURES=10)
    unlock_with(page, PIN)
    page.wait_for_url(f"{base}/bulletins/")

    # --- bad input: ten wrong PINs on a locked screen sign the session out ---
    page.click("#kssp-lock-button")
    page.wait_for_selector("#kssp-locked")
    for attempt in range(1, 10):
        unlock_with(page, f"{attempt:06d}")
        page.wait_for_selector("#id_secret_error")
        assert f"{10 - attempt} attempts left" in page.inner_text("#id_secret_error")
    unlock_with(page, "000010")
    page.wait_for_url(f"{base}/accounts/login/")
    assert "Too many wrong PINs: you were signed out." in page.inner_text(".kssp-messages")
    screenshot(page, "security-06-signed-out-after-ten-wrong-pins")
    page.goto(f"{base}/bulletins/")
    assert page.url.startswith(f"{base}/accounts/login/")
    assert AuditEvent.objects.filter(event_type="auth.unlock_exhausted", actor_id=world.kp_investigator.user.pk).exists()
