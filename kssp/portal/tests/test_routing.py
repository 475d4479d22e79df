"""Routing of messages from the public (issue #7 point 2): they go to a unit that is staffed in the demo,
the inbox says where new messages arrive, and its empty state never claims that no message exists."""

from __future__ import annotations

import io

import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import Client, override_settings

from kssp.accounts.actor import actor_for
from kssp.accounts.models import Membership, User
from kssp.portal import services
from kssp.portal.models import PublicSubmission
from kssp.portal.selectors import public_submission_list_visible_to, reads_new_messages, receiving_unit

pytestmark = [pytest.mark.django_db, pytest.mark.urls("kssp.portal.tests.urls")]


def demo_actor(username: str):
    user = User.objects.get(username=username)
    return actor_for(user, Membership.objects.valid().filter(user=user).first(), source="web")


def demo_client(username: str) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(User.objects.get(username=username))
    return client


def tip(message: str) -> PublicSubmission:
    submission, _code = services.public_submission_create(
        actor=services.public_actor(), topic="weapons", message=message, language="sq"
    )
    return submission


def test_the_default_receiving_unit_is_read_by_a_demo_login():
    call_command("seed_demo", stdout=io.StringIO())
    first, second = tip("Pushkë në bodrum."), tip("Puška u garaži.")
    readers = [
        username for username in User.objects.filter(email__endswith="@demo.invalid").values_list("username", flat=True)
        if set(public_submission_list_visible_to(actor=demo_actor(username))) >= {first, second}
    ]
    # Computed from the demo's people list, not from the setting: the Investigations Department's supervisor.
    assert "valon.gashi" in readers
    assert reads_new_messages(actor=demo_actor("valon.gashi"), unit=receiving_unit())
    page = demo_client("valon.gashi").get("/public-messages/").content.decode()
    assert str(first.public_id) in page and str(second.public_id) in page
    assert "you read them here" in page


def test_an_empty_inbox_never_says_there_are_no_messages_while_others_exist():
    call_command("seed_demo", stdout=io.StringIO())
    tip("Pushkë në bodrum.")
    tip("Puška u garaži.")
    # An investigator of another unit may read public messages but not these two.
    page = demo_client("agron.shala").get("/public-messages/").content.decode()
    assert not public_submission_list_visible_to(actor=demo_actor("agron.shala")).exists()
    assert "yet" not in page
    assert "There are no messages from the public that you may read." in page
    assert "its members read them" in page and "Investigations Department" in page


@override_settings(KSSP={**settings.KSSP, "PORTAL": {"RECEIVING_UNIT": "KP/NOWHERE"}})
def test_without_a_receiving_unit_the_inbox_says_the_site_refuses_messages():
    call_command("seed_demo", stdout=io.StringIO())
    page = demo_client("valon.gashi").get("/public-messages/").content.decode()
    assert "No unit receives messages from the public at the moment" in page

