"""Password reset by a one-time link an administrator issues (issue #3 point 11): own institution
only, short validity, single use, only a hash at rest, audited, validators applied, no e-mail."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import time_machine
from django.core import mail
from django.db import connection
from django.test import Client
from django.utils import timezone

from kssp.accounts.models import PasswordResetLink, User
from kssp.accounts.services_security import password_reset_issue
from kssp.accounts.testing import PASSWORD
from kssp.accounts.testing_security import verify_session
from kssp.core.exceptions import ApplicationError, NotFound, PermissionDenied
from kssp.core.models import AuditEvent

NEW_PASSWORD = "violet-harbour-lantern-93"


def url_of(token: str) -> str:
    return f"/accounts/security/reset/{token}/"


def english() -> Client:
    return Client(headers={"accept-language": "en"})


def test_an_administrator_issues_a_link_stored_only_as_a_hash(world):
    # when
    link, token = password_reset_issue(actor=world.kp_admin.actor, user=world.kp_investigator.user)
    # then the token is nowhere in the database
    assert link.token_hash == PasswordResetLink.hash_token(token)
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM accounts_passwordresetlink")
        assert token not in repr(cursor.fetchall())
    assert not AuditEvent.objects.filter(payload__icontains=token).exists()
    assert timezone.now() + dt.timedelta(minutes=29) < link.expires_at <= timezone.now() + dt.timedelta(minutes=30)
    event = AuditEvent.objects.filter(event_type="auth.password_reset_issued").last()
    assert event.actor_id == world.kp_admin.user.pk and event.target_id == str(world.kp_investigator.user.pk)
    assert mail.outbox == []  # nothing is e-mailed


def test_a_new_link_ends_the_earlier_ones(world):
    first, first_token = password_reset_issue(actor=world.kp_admin.actor, user=world.kp_investigator.user)
    password_reset_issue(actor=world.kp_admin.actor, user=world.kp_investigator.user)
    first.refresh_from_db()
    assert first.revoked_at is not None
    assert english().get(url_of(first_token)).status_code == 410


def test_only_for_users_of_the_own_institution_and_not_for_oneself(world):
    with pytest.raises(NotFound):
        password_reset_issue(actor=world.kp_admin.actor, user=world.customs.user)
    with pytest.raises(ApplicationError):
        password_reset_issue(actor=world.kp_admin.actor, user=world.kp_admin.user)
    with pytest.raises(PermissionDenied):
        password_reset_issue(actor=world.kp_investigator.actor, user=world.kp_officer.user)


def test_the_link_sets_a_new_password_once(world):
    _link, token = password_reset_issue(actor=world.kp_admin.actor, user=world.kp_investigator.user)
    client = english()
    # the page (opening it does not spend the link)
    assert client.get(url_of(token)).status_code == 200
    assert client.get(url_of(token)).status_code == 200
    # a weak password is refused by the validators, and the link still works
    weak = client.post(url_of(token), {"password": "12345678", "password_again": "12345678"})
    assert weak.status_code == 400
    assert "too short" in weak.content.decode() or "entirely numeric" in weak.content.decode()
    differ = client.post(url_of(token), {"password": NEW_PASSWORD, "password_again": NEW_PASSWORD + "x"})
    assert differ.status_code == 400 and "The two passwords differ." in differ.content.decode()
    # the right one
    done = client.post(url_of(token), {"password": NEW_PASSWORD, "password_again": NEW_PASSWORD})
    assert done.status_code == 302 and done["Location"] == "/accounts/login/"
    user = User.objects.get(pk=world.kp_investigator.user.pk)
    assert user.check_password(NEW_PASSWORD) and not user.check_password(PASSWORD)
    assert AuditEvent.objects.filter(event_type="auth.password_reset_done", actor_id=user.pk).exists()
    # and never again
    again = client.post(url_of(token), {"password": "another-long-pass-phrase-7", "password_again": "another-long-pass-phrase-7"})
    assert again.status_code == 410
    assert "has expired or was already used" in again.content.decode()
    assert User.objects.get(pk=user.pk).check_password(NEW_PASSWORD)
    refused = AuditEvent.objects.filter(event_type="auth.password_reset_refused").last()
    assert refused.payload["extra"]["why"] == "used"


def test_an_expired_link_is_refused(world):
    _link, token = password_reset_issue(actor=world.kp_admin.actor, user=world.kp_investigator.user)
    with time_machine.travel(timezone.now() + dt.timedelta(minutes=31)):
        response = english().post(url_of(token), {"password": NEW_PASSWORD, "password_again": NEW_PASSWORD})
    assert response.status_code == 410
    assert User.objects.get(pk=world.kp_investigator.user.pk).check_password(PASSWORD)


@pytest.mark.parametrize("token", ["nothing-like-a-token", "x" * 500, "%00", "..%2F..%2Fetc"])
def test_unknown_tokens_get_a_page_not_an_error(db, token):
    response = english().get(url_of(token))
    assert response.status_code == 404
    if "%2F" not in token:  # a slash leaves the route: the site's own 404 page
        assert "This link is not valid" in response.content.decode()
    assert english().post(url_of(token), {"password": NEW_PASSWORD, "password_again": NEW_PASSWORD}).status_code == 404


def test_the_reset_lifts_the_sign_in_lock_of_that_user(world, django_capture_on_commit_callbacks):
    client = english()
    for _ in range(5):
        client.post("/accounts/login/", {"username": "kp_inv", "password": "wrong-password"})
    assert client.post("/accounts/login/", {"username": "kp_inv", "password": PASSWORD}).status_code == 429
    _link, token = password_reset_issue(actor=world.kp_admin.actor, user=world.kp_investigator.user)
    with django_capture_on_commit_callbacks(execute=True):
        english().post(url_of(token), {"password": NEW_PASSWORD, "password_again": NEW_PASSWORD})
    assert client.post("/accounts/login/", {"username": "kp_inv", "password": NEW_PASSWORD}).status_code == 302


def test_the_administrators_page_shows_the_link_once(world):
    client = verify_session(world.kp_admin.client(), world.kp_admin.user)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    page = client.get("/accounts/security/users/")
    assert page.status_code == 200 and "kp_inv" in page.content.decode()
    assert "dk_inv" not in page.content.decode()  # another institution's user
    response = client.post(
        "/accounts/security/users/", {"user": str(world.kp_investigator.user.public_id), "action": "reset_link"}
    )
    html = response.content.decode()
    token = re.search(r"/accounts/security/reset/([A-Za-z0-9_-]+)/", html).group(1)
    assert PasswordResetLink.objects.get(token_hash=PasswordResetLink.hash_token(token)).user == world.kp_investigator.user
    assert token not in client.get("/accounts/security/users/").content.decode()
    other = client.post("/accounts/security/users/", {"user": str(world.customs.user.public_id), "action": "reset_link"})
    assert other.status_code == 404


def test_the_administrators_page_needs_users_manage(world):
    client = verify_session(world.kp_investigator.client(), world.kp_investigator.user)
    assert client.get("/accounts/security/users/").status_code == 403
