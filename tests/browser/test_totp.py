"""Two-factor sign-in in a real browser (issue #3 point 11).

An investigator (a role that sees personal data) signs in with the password and is led to enrolment;
the test "scans" the QR code by reading the secret the page carries, computes the code the way an
authenticator app does (``django_otp.oath.TOTP``, no pyotp), confirms it, keeps the backup codes and
reaches the home page. Signed out and in again, it passes the code step with a fresh code; a replayed
code is refused with a clear message; a backup code still gets in. No CSP message in the console."""

from __future__ import annotations

import base64
import re
import time
from collections.abc import Iterator
from urllib.parse import parse_qs, unquote, urlparse

import pytest
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from kssp.accounts.testing import PASSWORD
from kssp.accounts.testing_security import kssp_settings, reload_live_server_middleware, security_middleware

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

ENROL = "/accounts/security/code/set-up/"
CODE = "/accounts/security/code/"


@pytest.fixture
def mfa_live(settings, live_server) -> Iterator[str]:
    original = settings.MIDDLEWARE
    settings.KSSP = kssp_settings(MFA_REQUIRED=True)
    settings.MIDDLEWARE = security_middleware()
    reload_live_server_middleware(live_server)
    yield live_server.url
    settings.MIDDLEWARE = original
    reload_live_server_middleware(live_server)


def code_at(secret: str, moment: float) -> str:
    generator = TOTP(base64.b32decode(secret + "=" * (-len(secret) % 8)))
    generator.time = moment
    return f"{generator.token():06d}"


def wait_for_a_fresh_step(margin: float = 6.0) -> None:
    """Do not compute a code in the last seconds of its 30-second step."""
    while 30 - time.time() % 30 < margin:
        time.sleep(0.5)


def password_step(page, base: str) -> None:
    page.goto(f"{base}/accounts/login/")
    page.fill("#id_username", "kp_inv")
    page.fill("#id_password", PASSWORD)
    page.click("form[action='/accounts/login/'] button[type=submit]")


def sign_out(page, base: str) -> None:
    page.click("form[action='/accounts/logout/'] button[type=submit]")
    page.wait_for_url(f"{base}/accounts/login/")


def test_enrol_with_the_qr_code_then_sign_in_with_computed_codes(world, mfa_live, open_page, screenshot):
    base = mfa_live
    page = open_page(locale="en")
    page.goto(f"{base}/accounts/login/")
    page.click("#kssp-language-toggle")
    with page.expect_navigation():
        page.click("button[name=language][value='en']")

    # --- the password leads to enrolment; nothing else opens yet ---
    password_step(page, base)
    page.wait_for_url(f"{base}{ENROL}")
    assert page.is_visible("#kssp-otp-qr svg.kssp-qr")
    screenshot(page, "security-01-enrol-qr")
    page.goto(f"{base}/bulletins/")
    assert page.url.startswith(f"{base}/accounts/login/")
    page.goto(f"{base}{ENROL}")

    # --- scan: the otpauth URI and the typed key carry the same secret ---
    uri = page.get_attribute("#kssp-otp-qr", "data-otpauth-uri")
    secret = page.get_attribute("#kssp-otp-secret", "data-secret")
    parsed = urlparse(uri)
    assert parsed.scheme == "otpauth" and parsed.netloc == "totp"
    assert unquote(parsed.path) == "/KSSP:kp_inv"
    assert parse_qs(parsed.query)["secret"] == [secret]
    assert parse_qs(parsed.query)["issuer"] == ["KSSP"]

    # --- a wrong code first: refused on the form ---
    page.fill("#id_code", "000000" if code_at(secret, time.time()) != "000000" else "111111")
    page.click("form[action='/accounts/security/code/set-up/'] button[type=submit]")
    page.wait_for_selector("#id_code_error")
    assert "The code is not correct" in page.inner_text("#id_code_error")
    time.sleep(1.1)  # django-otp's back-off after a wrong code

    # --- the code the app shows now ---
    wait_for_a_fresh_step()
    page.fill("#id_code", code_at(secret, time.time()))
    page.click("form[action='/accounts/security/code/set-up/'] button[type=submit]")
    page.wait_for_selector("#kssp-backup-codes")
    backup_codes = [c.strip() for c in page.locator("#kssp-backup-codes code").all_inner_texts()]
    assert len(backup_codes) == 10 and all(re.fullmatch(r"[a-z2-9]{5}-[a-z2-9]{5}", c) for c in backup_codes)
    screenshot(page, "security-02-backup-codes")
    page.click("#kssp-codes-continue")
    page.wait_for_url(f"{base}/")
    assert TOTPDevice.objects.get(user=world.kp_investigator.user).confirmed
    screenshot(page, "security-03-home-after-enrolment")

    # --- sign out and in again: the code step, with the next code of the app ---
    sign_out(page, base)
    password_step(page, base)
    page.wait_for_url(f"{base}{CODE}")
    next_code = code_at(secret, time.time() + 30)  # the app's next code: within the accepted drift
    page.fill("#id_code", next_code)
    page.click("form[action='/accounts/security/code/'] button[type=submit]")
    page.wait_for_url(f"{base}/")
    assert page.is_visible("#kssp-lock-form")

    # --- the same code again (bad input: replay) is refused with a clear message ---
    sign_out(page, base)
    password_step(page, base)
    page.wait_for_url(f"{base}{CODE}")
    page.fill("#id_code", next_code)
    page.click("form[action='/accounts/security/code/'] button[type=submit]")
    page.wait_for_selector("#id_code_error")
    assert "This code has already been used" in page.inner_text("#id_code_error")
    screenshot(page, "security-04-replayed-code")
    time.sleep(1.1)

    # --- a backup code gets in, once ---
    page.fill("#id_code", backup_codes[0])
    page.click("form[action='/accounts/security/code/'] button[type=submit]")
    page.wait_for_url(f"{base}/")
    assert "backup code" in page.inner_text(".kssp-messages")


def test_the_sign_in_helper_passes_the_second_step(world, mfa_live, open_page):
    """``complete_second_step`` (for the shared ``sign_in`` helper once MFA is on in every test run)."""
    from kssp.accounts.testing_security import complete_second_step

    base = mfa_live
    page = open_page(locale="en")
    for _round in range(2):  # enrolment, then the code step
        password_step(page, base)
        complete_second_step(page, base, "kp_inv")
        assert page.is_visible("#kssp-lock-form")
        sign_out(page, base)
