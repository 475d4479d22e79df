"""Second factor on the staff sign-in (issue #3 point 11): enrolment with a QR code and backup codes,
the code step after the password, a replayed code (bad input), backup codes single-use, django-axes
across both steps, the requirement by role, the middleware and the API session."""

from __future__ import annotations

import datetime as dt
import re
import time

import pytest
import time_machine
from django.test import Client
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from kssp.accounts import security
from kssp.accounts.services_security import otp_reset
from kssp.accounts.testing import PASSWORD, make_person
from kssp.accounts.testing_security import code_for, enrol, kssp_settings, security_middleware, verify_session
from kssp.core.audit.testing import reason_of
from kssp.core.models import AuditEvent

LOGIN = "/accounts/login/"
CODE = "/accounts/security/code/"
ENROL = "/accounts/security/code/set-up/"
# A moment just after the start of a 30-second step (and after today's memberships began), so that a
# frozen test never straddles two steps.
T0 = dt.datetime.fromtimestamp((int(time.time()) // 30 + 1) * 30 + 1, tz=dt.UTC)


@pytest.fixture
def mfa_on(settings):
    settings.KSSP = kssp_settings(MFA_REQUIRED=True)
    settings.MIDDLEWARE = security_middleware()


def english() -> Client:
    return Client(headers={"accept-language": "en"})


def password_step(client: Client, username: str = "kp_inv", **extra):
    return client.post(LOGIN, {"username": username, "password": PASSWORD, **extra})


def signed_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


def events(code: str):
    return AuditEvent.objects.filter(event_type=code).order_by("seq")


# --- who must use it ------------------------------------------------------------------------------------


def test_a_role_that_sees_personal_data_is_led_to_enrolment_before_any_page(world, mfa_on):
    # given
    client = english()
    # when
    response = password_step(client)
    # then the password alone signs nobody in
    assert response.status_code == 302
    assert response["Location"] == ENROL
    assert not signed_in(client)
    home = client.get("/")
    assert home.status_code == 302 and home["Location"].startswith(LOGIN)


def test_a_role_without_personal_data_signs_in_with_the_password(world, mfa_on):
    # given a trainer (sees no personal data, not privileged)
    make_person("trainer1", institution="KP", role="trainer")
    client = english()
    # when
    response = password_step(client, "trainer1")
    # then
    assert response.status_code == 302 and response["Location"] == "/"
    assert signed_in(client)
    assert client.get("/").status_code == 200


def test_administrators_need_it_although_they_see_no_personal_data(world, mfa_on):
    assert security.mfa_required(world.kp_admin.user)
    assert security.mfa_required(world.kp_investigator.user)
    trainer = make_person("trainer3", institution="KP", role="trainer").user
    assert not security.mfa_required(trainer)
    trainer.is_staff = True  # may open the Django admin
    assert security.mfa_required(trainer)


def test_wrong_password_never_reaches_the_code_step(world, mfa_on):
    client = english()
    response = client.post(LOGIN, {"username": "kp_inv", "password": "wrong-password"})
    assert response.status_code == 200
    assert security.PENDING_KEY not in client.session
    assert client.get(ENROL).status_code == 302


# --- enrolment ------------------------------------------------------------------------------------------


def test_the_enrolment_page_shows_a_server_rendered_qr_code_without_inline_style(world, mfa_on):
    # given
    client = english()
    password_step(client)
    # when
    response = client.get(ENROL)
    # then
    html = response.content.decode()
    assert response.status_code == 200
    assert '<svg width="' in html and 'class="kssp-qr"' in html
    assert "style=" not in html
    assert "script-src 'self'" in response["Content-Security-Policy"]
    device = TOTPDevice.objects.get(user=world.kp_investigator.user, confirmed=False)
    uri = re.search(r'data-otpauth-uri="([^"]+)"', html).group(1).replace("&amp;", "&")
    assert uri.startswith("otpauth://totp/KSSP%3Akp_inv?")
    secret = re.search(r'data-secret="([A-Z2-7]+)"', html).group(1)
    assert f"secret={secret}" in uri
    import base64

    assert base64.b32decode(secret + "=" * (-len(secret) % 8)) == device.bin_key
    # reloading keeps the same secret (the QR code does not change under the user's phone)
    assert re.search(r'data-secret="([A-Z2-7]+)"', client.get(ENROL).content.decode()).group(1) == secret


def test_enrolment_with_the_computed_code_signs_in_and_shows_backup_codes_once(world, mfa_on):
    with time_machine.travel(T0, tick=False):
        # given
        client = english()
        password_step(client, next="/directory/")
        client.get(ENROL)
        device = TOTPDevice.objects.get(user=world.kp_investigator.user)
        # when
        response = client.post(ENROL, {"code": code_for(device)})
        # then
        html = response.content.decode()
        assert response.status_code == 200
        codes = re.findall(r"<code>([a-z2-9]{5}-[a-z2-9]{5})</code>", html)
        assert len(codes) == 10
        assert 'href="/directory/"' in html
        assert signed_in(client)
        assert client.session[security.MFA_AT_KEY]
        device.refresh_from_db()
        assert device.confirmed
        assert StaticToken.objects.filter(device__user=world.kp_investigator.user).count() == 10
        assert events("auth.otp_enrolled").last().actor_id == world.kp_investigator.user.pk
        assert events("auth.login").last().actor_id == world.kp_investigator.user.pk
        assert client.get("/").status_code == 200


def test_a_wrong_code_at_enrolment_is_refused_and_recorded(world, mfa_on):
    client = english()
    password_step(client)
    client.get(ENROL)
    response = client.post(ENROL, {"code": "000000"})
    assert response.status_code == 400
    assert "The code is not correct" in response.content.decode()
    assert not signed_in(client)
    assert not TOTPDevice.objects.filter(user=world.kp_investigator.user, confirmed=True).exists()
    failed = events("auth.otp_failed").last()
    assert failed.actor_id == world.kp_investigator.user.pk
    assert failed.payload["extra"] == {"method": "totp", "stage": "enrolment", "why": "wrong"}


# --- the code step --------------------------------------------------------------------------------------


def test_an_enrolled_user_passes_the_code_step_and_the_session_is_stamped(world, mfa_on):
    with time_machine.travel(T0, tick=False):
        device = enrol(world.kp_investigator.user)
        client = english()
        # when
        first = password_step(client)
        second = client.post(CODE, {"code": code_for(device)})
        # then
        assert first["Location"] == CODE
        assert second.status_code == 302 and second["Location"] == "/"
        assert signed_in(client)
        assert client.session["otp_device_id"] == device.persistent_id
        assert client.session[security.LOGIN_AT_KEY] == client.session[security.MFA_AT_KEY]
        assert events("auth.otp_verified").last().payload["extra"]["stage"] == "sign-in"
        assert client.get("/").status_code == 200


def test_a_replayed_code_is_refused_with_a_clear_message(world, mfa_on):
    """Bad input: the same code (same time step) used twice. django-otp keeps the last step used
    (``last_t``); the second use is refused and the user is told why."""
    with time_machine.travel(T0, tick=False):
        device = enrol(world.kp_investigator.user)
        code = code_for(device)
        first = english()
        password_step(first)
        assert first.post(CODE, {"code": code}).status_code == 302
        device.refresh_from_db()
        used_step = device.last_t
        # when someone replays the code (say, read over the shoulder) in another browser
        second = english()
        password_step(second)
        response = second.post(CODE, {"code": code})
        # then
        assert response.status_code == 400
        assert "This code has already been used. Wait for the next code" in response.content.decode()
        assert not signed_in(second)
        device.refresh_from_db()
        assert device.last_t == used_step
        assert events("auth.otp_failed").last().payload["extra"]["why"] == "replayed"
    # the next code works (after django-otp's one-second back-off)
    with time_machine.travel(T0 + dt.timedelta(seconds=31), tick=False):
        assert second.post(CODE, {"code": code_for(device)}).status_code == 302
        assert signed_in(second)


def test_a_replayed_code_is_refused_in_albanian_too(world, mfa_on):
    with time_machine.travel(T0, tick=False):
        device = enrol(world.kp_investigator.user)
        code = code_for(device)
        first = Client()
        password_step(first)
        first.post(CODE, {"code": code})
        second = Client()  # no Accept-Language: Albanian, the default
        password_step(second)
        response = second.post(CODE, {"code": code})
    assert response.status_code == 400
    assert '<html lang="sq">' in response.content.decode()
    assert not signed_in(second)


def test_a_backup_code_works_once(world, mfa_on):
    with time_machine.travel(T0, tick=False):
        # given an enrolled user with backup codes
        client = english()
        password_step(client)
        client.get(ENROL)
        device = TOTPDevice.objects.get(user=world.kp_investigator.user)
        codes = re.findall(r"<code>([a-z2-9]{5}-[a-z2-9]{5})</code>", client.post(ENROL, {"code": code_for(device)}).content.decode())
    with time_machine.travel(T0 + dt.timedelta(minutes=5), tick=False):
        # when the phone is lost
        lost = english()
        password_step(lost)
        used = lost.post(CODE, {"code": codes[0].upper().replace("-", " ")})
        # then
        assert used.status_code == 302 and signed_in(lost)
        assert events("auth.backup_code_used").exists()
        assert StaticToken.objects.filter(device__user=world.kp_investigator.user).count() == 9
    with time_machine.travel(T0 + dt.timedelta(minutes=10), tick=False):
        again = english()
        password_step(again)
        refused = again.post(CODE, {"code": codes[0]})
        assert refused.status_code == 400
        assert "Each backup code works only once" in refused.content.decode()
        assert not signed_in(again)


def test_wrong_codes_count_as_failed_sign_ins_for_axes(world, mfa_on, settings):
    """django-axes locks username + IP after five failures, whether the password or the code was wrong."""
    settings.OTP_TOTP_THROTTLE_FACTOR = 0  # django-otp's own back-off would only slow the test down
    enrol(world.kp_investigator.user)
    client = english()
    password_step(client)
    for _attempt in range(4):
        assert client.post(CODE, {"code": "123456"}).status_code == 400
    locked = client.post(CODE, {"code": "123456"})
    assert locked.status_code == 429
    assert "Sign-in temporarily locked" in locked.content.decode()
    # the password step is locked too, for this username from this address
    assert password_step(english()).status_code == 429
    assert not signed_in(client)


def test_django_otp_throttles_quick_retries(world, mfa_on):
    with time_machine.travel(T0, tick=False):
        device = enrol(world.kp_investigator.user)
        client = english()
        password_step(client)
        client.post(CODE, {"code": "123456"})
        # at once the right code: still within the back-off
        response = client.post(CODE, {"code": code_for(device)})
        assert response.status_code == 400
        assert "Too many wrong codes. Wait" in response.content.decode()
        assert events("auth.otp_failed").last().payload["extra"]["why"] == "throttled"


def test_a_pending_sign_in_expires(world, mfa_on):
    with time_machine.travel(T0, tick=True):
        enrol(world.kp_investigator.user)
        client = english()
        password_step(client)
    with time_machine.travel(T0 + dt.timedelta(minutes=11), tick=False):
        response = client.get(CODE)
        assert response.status_code == 302 and response["Location"] == LOGIN
        assert security.PENDING_KEY not in client.session


def test_malformed_codes_get_a_message_not_an_error(world, mfa_on):
    enrol(world.kp_investigator.user)
    client = english()
    password_step(client)
    for bad in ("", "12", "x" * 40, "１２３４５６", "'; drop table--"):
        response = client.post(CODE, {"code": bad})
        assert response.status_code == 400, bad
    assert not signed_in(client)


# --- sessions that did not pass it ----------------------------------------------------------------------


def test_the_middleware_signs_out_a_session_that_skipped_the_second_step(world, mfa_on):
    client = world.kp_investigator.client()  # force_login: a password-only session
    response = client.get("/bulletins/")
    assert response.status_code == 302 and response["Location"].startswith(LOGIN)
    assert not signed_in(client)


def test_a_verified_session_goes_through(world, mfa_on):
    client = verify_session(world.kp_investigator.client(), world.kp_investigator.user)
    assert client.get("/bulletins/").status_code == 200


def test_an_administrator_reset_signs_the_old_authenticator_out(world, mfa_on):
    # given a verified session
    user = world.kp_investigator.user
    client = verify_session(world.kp_investigator.client(), user)
    assert client.get("/").status_code == 200
    # when the administrator resets two-factor authentication (lost phone)
    otp_reset(actor=world.kp_admin.actor, user=user, reason="Phone lost on duty, reported by the user.")
    # then
    assert client.get("/").status_code == 302
    assert not TOTPDevice.objects.filter(user=user).exists()
    assert reason_of(events("auth.otp_reset").last()).startswith("Phone lost")
    # and the next sign-in leads to enrolment again
    assert password_step(english())["Location"] == ENROL


def test_an_administrator_may_not_reset_their_own_or_another_institutions_users(world, mfa_on):
    from kssp.core.exceptions import ApplicationError, NotFound

    enrol(world.kp_admin.user)
    with pytest.raises(ApplicationError):
        otp_reset(actor=world.kp_admin.actor, user=world.kp_admin.user, reason="Testing a self reset here.")
    with pytest.raises(NotFound):
        otp_reset(actor=world.kp_admin.actor, user=world.customs.user, reason="Another institution's user.")


# --- API session ------------------------------------------------------------------------------------------

API = "/api/v1/api-tokens/"


def test_the_api_refuses_a_session_without_the_second_step(world, mfa_on):
    client = world.kp_investigator.client()
    response = client.get(API)
    assert response.status_code == 401
    assert response.json()["error"]["code"] in {"mfa_required", "not_authenticated"}


def test_the_api_session_check_itself_needs_the_verified_session(world, settings):
    """The check in SessionAuthentication, without the middleware in front of it."""
    settings.KSSP = kssp_settings(MFA_REQUIRED=True)
    settings.MIDDLEWARE = [m for m in settings.MIDDLEWARE if not m.endswith("SessionSecurityMiddleware")]
    client = world.kp_investigator.client()
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    refused = client.get(API)
    assert refused.status_code == 401
    assert refused.json()["error"]["code"] == "mfa_required"
    assert "second sign-in step" in refused.json()["error"]["message"]
    verify_session(client, world.kp_investigator.user)
    assert client.get(API).status_code == 200


def test_an_api_token_needs_no_second_factor(world, mfa_on):
    from kssp.accounts.services import api_token_create

    _token, key = api_token_create(actor=world.kp_investigator.actor, name="cli")
    assert Client().get(API, HTTP_AUTHORIZATION=f"Bearer {key}").status_code == 200


# --- the user's own page -----------------------------------------------------------------------------------


def test_the_security_page_shows_the_state_and_renews_backup_codes(world, mfa_on):
    user = world.kp_investigator.user
    client = verify_session(world.kp_investigator.client(), user)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    page = client.get("/accounts/security/")
    assert page.status_code == 200
    assert "An authenticator app is set up." in page.content.decode()
    assert "The screen locks after 15 minutes without activity" in page.content.decode()
    renewed = client.post("/accounts/security/code/backup-codes/")
    codes = re.findall(r"<code>([a-z2-9]{5}-[a-z2-9]{5})</code>", renewed.content.decode())
    assert renewed.status_code == 200 and len(codes) == 10
    assert StaticToken.objects.filter(device__user=user).count() == 10
    assert events("auth.backup_codes_generated").last().actor_id == user.pk
    renewed_again = client.post("/accounts/security/code/backup-codes/")
    again = re.findall(r"<code>([a-z2-9]{5}-[a-z2-9]{5})</code>", renewed_again.content.decode())
    assert not set(codes) & set(again)
    assert StaticToken.objects.filter(device__user=user).count() == 10


def test_renewing_backup_codes_needs_a_verified_session(world, settings):
    settings.MIDDLEWARE = security_middleware()  # MFA not required: the session may be unverified
    enrol(world.kp_investigator.user)
    client = world.kp_investigator.client()
    assert client.post("/accounts/security/code/backup-codes/").status_code == 403


def test_a_user_who_needs_no_second_factor_may_set_one_up(world, mfa_on):
    trainer = make_person("trainer2", institution="KP", role="trainer")
    client = trainer.client()
    with time_machine.travel(T0, tick=False):
        assert client.get(ENROL).status_code == 200
        device = TOTPDevice.objects.get(user=trainer.user, confirmed=False)
        response = client.post(ENROL, {"code": code_for(device)})
        assert response.status_code == 200 and 'href="/accounts/security/"' in response.content.decode()
        assert client.session[security.MFA_AT_KEY]
    with time_machine.travel(T0 + dt.timedelta(minutes=2), tick=False):
        # from now on the password alone is not enough for this user either
        assert password_step(english(), "trainer2")["Location"] == CODE


def test_the_administrators_page_resets_an_authenticator_with_a_reason(world, mfa_on):
    enrol(world.kp_investigator.user)
    admin = verify_session(world.kp_admin.client(), world.kp_admin.user)
    admin.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    target = {"user": str(world.kp_investigator.user.public_id), "action": "reset_otp"}
    refused = admin.post("/accounts/security/users/", {**target, "reason": ""})
    assert refused.status_code == 400 and "Give the reason." in refused.content.decode()
    assert TOTPDevice.objects.filter(user=world.kp_investigator.user).exists()
    done = admin.post("/accounts/security/users/", {**target, "reason": "Phone stolen, reported by phone."})
    assert done.status_code == 302
    assert not TOTPDevice.objects.filter(user=world.kp_investigator.user).exists()
