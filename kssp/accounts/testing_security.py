"""Test helpers for the security operations (never imported by production code).

* ``SECURITY_MIDDLEWARE``: the project's MIDDLEWARE with the session security middleware in its place,
  for ``override_settings`` until the lead installs it in config/settings.py.
* ``enrol(user)``: a confirmed authenticator (TOTP device) for ``user``; ``code_for(device, at=...)``
  computes the code an authenticator app would show (``django_otp.oath.TOTP``: no pyotp).
* ``verify_session(client, user)``: stamp a test client's session as having passed the second step,
  as the sign-in does — what ``Person.client()`` needs once MFA_REQUIRED is on in test runs.
"""

from __future__ import annotations

import time
from typing import Any

from django.conf import settings
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from kssp.accounts import security
from kssp.accounts.models import User

MIDDLEWARE_PATH = "kssp.accounts.middleware_security.SessionSecurityMiddleware"
PASSIVE_PATH = "kssp.core.notifications.middleware.PassiveRequestMiddleware"


def security_middleware() -> list[str]:
    """MIDDLEWARE with the notifications' passive-request marker early and the session security
    middleware right after MessageMiddleware (the order the report asks the lead for)."""
    middleware = [m for m in settings.MIDDLEWARE if m not in (MIDDLEWARE_PATH, PASSIVE_PATH)]
    position = middleware.index("django.contrib.messages.middleware.MessageMiddleware") + 1
    middleware = [*middleware[:position], MIDDLEWARE_PATH, *middleware[position:]]
    return [middleware[0], PASSIVE_PATH, *middleware[1:]]


def kssp_settings(**changes: Any) -> dict[str, Any]:
    return {**settings.KSSP, **changes}


def enrol(user: User) -> TOTPDevice:
    device = security.totp_device(user)
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="authenticator", confirmed=True)
    return device


def code_for(device: TOTPDevice, *, at: float | None = None) -> str:
    """The code the authenticator shows at ``at`` (now by default), as the user would type it."""
    generator = TOTP(device.bin_key, step=device.step, t0=device.t0, digits=device.digits)
    generator.time = time.time() if at is None else at
    value = generator.token()
    return f"{value:0{device.digits}d}"


def verify_session(client: Any, user: User) -> Any:
    """Mark a (force-logged-in) test client's session as verified with ``user``'s authenticator."""
    device = enrol(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session[security.MFA_AT_KEY] = time.time()
    session.save()
    return client


def reload_live_server_middleware(live_server: Any) -> None:
    """Rebuild the live server's middleware chains from the current settings.MIDDLEWARE (the server
    thread loaded them once, when it started; the media-files wrapper holds a chain of its own)."""
    handler = live_server.thread.httpd.get_app()
    while handler is not None:
        handler.load_middleware()
        handler = getattr(handler, "application", None)


def complete_second_step(page: Any, base_url: str, username: str) -> None:
    """Browser tests: after the password step, pass the second step if the platform asks for it (set up
    the authenticator on the enrolment page, or type the app's code), and land on the home page.
    For the tests/browser ``sign_in`` helper once MFA_REQUIRED is on in test runs."""
    import re

    page.wait_for_url(re.compile(rf"{re.escape(base_url)}/(accounts/security/code/(set-up/)?)?(\?.*)?$"))
    if "/accounts/security/code/set-up/" in page.url:
        device = TOTPDevice.objects.get(user__username=username, confirmed=False)
        page.fill("#id_code", code_for(device))
        page.click("form[action='/accounts/security/code/set-up/'] button[type=submit]")
        page.click("#kssp-codes-continue")
    elif "/accounts/security/code/" in page.url:
        device = TOTPDevice.objects.get(user__username=username, confirmed=True)
        # a code of a step not used yet (a test may sign the same person in twice within 30 seconds)
        step = max(int(time.time()) // device.step, device.last_t + 1)
        while step > int(time.time()) // device.step + device.tolerance:
            time.sleep(1)
        page.fill("#id_code", code_for(device, at=step * device.step + 1))
        page.click("form[action='/accounts/security/code/'] button[type=submit]")
    page.wait_for_url(f"{base_url}/")
