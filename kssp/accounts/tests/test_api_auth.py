"""API authentication: bearer tokens (good, revoked, expired, wrong, stale membership) and the web
session with CSRF enforced."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.middleware.csrf import _get_new_csrf_string
from django.test import Client
from django.utils import timezone

from kssp.accounts.actor import SESSION_KEY
from kssp.accounts.models import ApiToken, Membership, Role, Unit
from kssp.accounts.services import api_token_create, api_token_revoke, membership_end
from kssp.core.models.audit import AuditEvent
from kssp.core.testing.contract import assert_error

URL = "/api/v1/api-tokens/"
BODY = {"name": "made through the API"}


@pytest.fixture
def token(world):
    return api_token_create(actor=world.kp_investigator.actor, name="cli")


def bearer(key):
    return {"HTTP_AUTHORIZATION": f"Bearer {key}"}


def refused(response):
    error = assert_error(response, 401, "authentication_failed")
    assert response["WWW-Authenticate"] == 'Bearer realm="api"'
    return error


# --- tokens ------------------------------------------------------------------------------------------


def test_a_good_token_reads_and_writes_without_csrf(world, token):
    # given
    api_token, key = token
    client = Client(enforce_csrf_checks=True)
    # when
    listed = client.get(URL, **bearer(key))
    created = client.post(URL, BODY, content_type="application/json", **bearer(key))
    # then
    assert listed.status_code == 200
    assert created.status_code == 201, created.json()
    event = AuditEvent.objects.get(event_type="api_token.created", target_public_id=created.json()["public_id"])
    assert event.source == "api"
    assert event.membership_id == api_token.membership_id
    assert event.request_id == created["X-Request-ID"]


def test_the_token_acts_as_its_membership_not_the_sessions(world, token):
    # given the investigator also holds a second membership, chosen in the web session
    _, key = token
    person = world.kp_investigator
    other_unit = Unit.objects.get(institution__code="KP", code="NJKK")
    second = Membership.objects.create(user=person.user, unit=other_unit, role=Role.objects.get(code="investigator"),
                                       valid_from=timezone.localdate())
    client = person.client()
    session = client.session
    session[SESSION_KEY] = second.pk
    session.save()
    # when
    response = client.post(URL, BODY, content_type="application/json", **bearer(key))
    # then the new token is bound to the membership the request acted as
    assert response.status_code == 201
    assert response.json()["membership"]["public_id"] == str(person.membership.public_id)


@pytest.mark.parametrize("header", ["Bearer", "Bearer a b", "Bearer wrong-key", "bearer " + "x" * 300])
def test_a_malformed_or_wrong_token_is_refused(world, header):
    refused(Client().get(URL, HTTP_AUTHORIZATION=header))


def test_a_revoked_token_is_refused(world, token):
    api_token, key = token
    api_token_revoke(actor=world.kp_investigator.actor, token=api_token)
    refused(Client().get(URL, **bearer(key)))


def test_an_expired_token_is_refused(world):
    api_token, key = api_token_create(actor=world.kp_investigator.actor, name="short",
                                      expires_at=timezone.now() + dt.timedelta(hours=1))
    assert Client().get(URL, **bearer(key)).status_code == 200
    with time_machine.travel(timezone.now() + dt.timedelta(hours=2)):
        refused(Client().get(URL, **bearer(key)))


def test_a_token_of_an_ended_membership_is_refused(world, token):
    _, key = token
    membership_end(actor=world.kp_admin.actor, membership=world.kp_investigator.membership, reason="transferred")
    refused(Client().get(URL, **bearer(key)))


def test_a_token_of_a_deactivated_user_is_refused(world, token):
    _, key = token
    user = world.kp_investigator.user
    user.is_active = False
    user.save(update_fields=["is_active"])
    refused(Client().get(URL, **bearer(key)))


def test_the_refusal_does_not_say_why(world, token):
    api_token, key = token
    wrong = refused(Client().get(URL, **bearer("no-such-key")))
    api_token_revoke(actor=world.kp_investigator.actor, token=api_token)
    revoked = refused(Client().get(URL, **bearer(key)))
    assert wrong == revoked


def test_other_schemes_are_not_tokens(world):
    response = Client().get(URL, HTTP_AUTHORIZATION="Basic a3BfaW52OnNlY3JldA==")
    assert_error(response, 401, "not_authenticated")


def test_last_used_is_stamped_at_most_once_a_minute(world, token):
    api_token, key = token
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        Client().get(URL, **bearer(key))
        first = ApiToken.objects.get(pk=api_token.pk).last_used_at
    with time_machine.travel(start + dt.timedelta(seconds=30), tick=False):
        Client().get(URL, **bearer(key))
        assert ApiToken.objects.get(pk=api_token.pk).last_used_at == first
    with time_machine.travel(start + dt.timedelta(seconds=90), tick=False):
        Client().get(URL, **bearer(key))
        assert ApiToken.objects.get(pk=api_token.pk).last_used_at > first
    assert first is not None
    assert not AuditEvent.objects.filter(event_type__startswith="api_token.used").exists()


# --- the web session ---------------------------------------------------------------------------------


def csrf_client(person):
    client = person.client()
    client.handler.enforce_csrf_checks = True
    return client


def test_a_session_may_read_without_csrf(world):
    assert csrf_client(world.kp_investigator).get(URL).status_code == 200


def test_a_session_write_without_csrf_token_is_refused(world):
    response = csrf_client(world.kp_investigator).post(URL, BODY, content_type="application/json")
    assert_error(response, 403, "csrf_failed")
    assert not ApiToken.objects.exists()


def test_a_session_write_with_a_forged_csrf_token_is_refused(world):
    client = csrf_client(world.kp_investigator)
    client.cookies["csrftoken"] = _get_new_csrf_string()
    response = client.post(URL, BODY, content_type="application/json", HTTP_X_CSRFTOKEN=_get_new_csrf_string())
    assert_error(response, 403, "csrf_failed")
    assert not ApiToken.objects.exists()


def test_a_session_write_with_the_csrf_token_succeeds(world):
    client = csrf_client(world.kp_investigator)
    secret = _get_new_csrf_string()
    client.cookies["csrftoken"] = secret
    response = client.post(URL, BODY, content_type="application/json", HTTP_X_CSRFTOKEN=secret)
    assert response.status_code == 201, response.json()


def test_a_signed_in_user_without_a_valid_membership_is_403(world):
    user = get_user_model().objects.create(username="nomember", public_id=None)
    client = Client()
    client.force_login(user)
    assert_error(client.get(URL), 403, "no_membership")


def test_a_session_whose_membership_ended_is_403(world):
    client = world.kp_investigator.client()
    membership_end(actor=world.kp_admin.actor, membership=world.kp_investigator.membership, reason="left")
    assert_error(client.get(URL), 403, "no_membership")
