"""Periodic access review of memberships (issue #3 point 11): the sweeper job tells each institution's
administrators what awaits review (idempotent), and the review page confirms or ends each membership."""

from __future__ import annotations

import datetime as dt

import pytest
from django.apps import apps
from django.utils import timezone

import kssp.accounts.jobs  # noqa: F401  (registers the job, as AccountsConfig.ready() will)
from kssp.accounts.models import Membership
from kssp.accounts.services_security import access_review_remind, membership_review_confirm, memberships_due_for_review
from kssp.accounts.testing_security import verify_session
from kssp.core.exceptions import ApplicationError, NotFound
from kssp.core.models import AuditEvent
from kssp.core.schedule import run_periodic

PAGE = "/accounts/security/access-review/"


def age(membership: Membership, days: int, reviewed_days_ago: int | None = None) -> None:
    now = timezone.now()
    Membership.objects.filter(pk=membership.pk).update(
        created_at=now - dt.timedelta(days=days),
        last_reviewed_at=None if reviewed_days_ago is None else now - dt.timedelta(days=reviewed_days_ago),
    )


@pytest.fixture
def stale(world):
    """Two KP memberships past review, one reviewed recently, one of customs past review."""
    age(world.kp_investigator.membership, 200)
    age(world.kp_officer.membership, 400, reviewed_days_ago=120)
    age(world.kp_ffp.membership, 400, reviewed_days_ago=10)
    age(world.customs.membership, 200)
    return world


def notifications(kind="access_review_due"):
    return apps.get_model("notifications", "Notification").objects.filter(kind=kind)


def test_memberships_not_reviewed_for_ninety_days_are_due(stale):
    kp = stale.kp_investigator.membership.unit.institution_id
    due = set(memberships_due_for_review(institution_id=kp).values_list("pk", flat=True))
    assert due == {stale.kp_investigator.membership.pk, stale.kp_officer.membership.pk}


def test_the_sweeper_tells_each_institutions_administrators_once_a_day(stale):
    # when
    first = run_periodic(only="accounts.access_review")
    again = run_periodic(only="accounts.access_review")
    # then
    assert first["accounts.access_review"] == {"due": 3, "institutions": {"DK": 1, "KP": 2}}
    assert again["accounts.access_review"] == "skipped"
    told = notifications()
    assert [n.recipient_id for n in told] == [stale.kp_admin.user.pk]
    assert told[0].context["count"] == 2
    # a rerun of the job itself (after an outage, say) adds nothing
    access_review_remind(at=timezone.now())
    assert notifications().count() == 1


def test_the_page_lists_what_is_due_and_confirms(stale):
    client = verify_session(stale.kp_admin.client(), stale.kp_admin.user)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    page = client.get(PAGE)
    html = page.content.decode()
    assert page.status_code == 200
    assert str(stale.kp_investigator.membership.public_id) in html
    assert str(stale.customs.membership.public_id) not in html
    response = client.post(PAGE, {"membership": str(stale.kp_investigator.membership.public_id), "decision": "confirm"})
    assert response.status_code == 302
    membership = Membership.objects.get(pk=stale.kp_investigator.membership.pk)
    assert membership.last_reviewed_at is not None
    assert AuditEvent.objects.filter(event_type="membership.review_confirmed", actor_id=stale.kp_admin.user.pk).exists()
    assert str(membership.public_id) not in client.get(PAGE).content.decode()


def test_ending_needs_a_reason(stale):
    client = verify_session(stale.kp_admin.client(), stale.kp_admin.user)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    target = str(stale.kp_officer.membership.public_id)
    refused = client.post(PAGE, {"membership": target, "decision": "end", "reason": ""})
    assert refused.status_code == 400
    assert "Give the reason." in refused.content.decode()
    assert Membership.objects.get(pk=stale.kp_officer.membership.pk).revoked_at is None
    ended = client.post(PAGE, {"membership": target, "decision": "end", "reason": "Moved to another directorate."})
    assert ended.status_code == 302
    assert Membership.objects.get(pk=stale.kp_officer.membership.pk).revoked_at is not None


def test_another_institutions_membership_is_not_found(stale):
    client = verify_session(stale.kp_admin.client(), stale.kp_admin.user)
    response = client.post(PAGE, {"membership": str(stale.customs.membership.public_id), "decision": "confirm"})
    assert response.status_code == 404
    with pytest.raises(NotFound):
        membership_review_confirm(actor=stale.kp_admin.actor, membership=stale.customs.membership)


def test_an_administrator_does_not_review_their_own_membership(stale):
    with pytest.raises(ApplicationError):
        membership_review_confirm(actor=stale.kp_admin.actor, membership=stale.kp_admin.membership)


def test_the_page_needs_memberships_manage(stale):
    client = verify_session(stale.kp_investigator.client(), stale.kp_investigator.user)
    assert client.get(PAGE).status_code == 403


def test_bad_posts_are_answered_not_crashed(stale):
    client = verify_session(stale.kp_admin.client(), stale.kp_admin.user)
    assert client.post(PAGE, {"membership": "not-a-uuid", "decision": "confirm"}).status_code == 400
    assert client.post(PAGE, {"membership": str(stale.kp_officer.membership.public_id), "decision": "delete"}).status_code == 400
