"""Staff side of the public site: need-to-know inbox (portal.review), reading logged, answering
(portal.respond) through the one transition service; the answer reaches the sender's status page."""

from __future__ import annotations

import dataclasses
import re

import pytest
from django.conf import settings
from django.test import Client, override_settings

from kssp.accounts.models import Role
from kssp.core.exceptions import ApplicationError, NotFound, PermissionDenied
from kssp.core.markings import Classification
from kssp.core.models import AuditEvent
from kssp.core.records.access import policy_of
from kssp.portal import services
from kssp.portal.models import PublicSubmission
from kssp.portal.ratelimit import limiter
from kssp.portal.selectors import public_submission_get_visible_to, public_submission_list_visible_to
from kssp.portal.tests.factories import PublicSubmissionFactory

pytestmark = [pytest.mark.django_db, pytest.mark.urls("kssp.portal.tests.urls")]

PORTAL_PERMS = {"portal.review", "portal.respond"}


@pytest.fixture
def reviewers(world):
    """Investigators may read and answer public messages (what roles.json is asked to give them)."""
    role = Role.objects.get(code="investigator")
    role.permissions = sorted(set(role.permissions) | PORTAL_PERMS)
    role.save()
    return world


def with_portal_perms(person):
    return dataclasses.replace(person.actor, permissions=person.actor.permissions | PORTAL_PERMS)


def received(**kwargs):
    submission, code = services.public_submission_create(
        actor=services.public_actor(), topic=kwargs.pop("topic", "weapons"), message=kwargs.pop("message", "Rifle in a garage."),
        language=kwargs.pop("language", "sq"), **kwargs,
    )
    return submission, code


@override_settings(KSSP={**settings.KSSP, "PORTAL": {"RECEIVING_UNIT": "KP/NJKT"}})
def test_only_the_receiving_units_reviewers_see_the_inbox_and_404_for_others(reviewers):
    world = reviewers
    submission, _code = received()
    owner = world.kp_investigator
    assert list(public_submission_list_visible_to(actor=with_portal_perms(owner))) == [submission]
    for outsider in (world.customs, world.kp_investigator_other, world.kp_low_clearance, world.kp_officer, world.prosecutor):
        # Even with the permissions: another unit's scope, another institution, too low a clearance.
        assert not public_submission_list_visible_to(actor=with_portal_perms(outsider)).exists()
        with pytest.raises(NotFound):
            public_submission_get_visible_to(actor=with_portal_perms(outsider), public_id=submission.public_id)
        assert outsider.client().get(f"/public-messages/{submission.public_id}/").status_code == 404
    assert world.kp_officer.client().get("/public-messages/").status_code == 403, "no portal.review"

    page = owner.client().get("/public-messages/")
    assert page.status_code == 200 and str(submission.public_id) in page.content.decode()


@override_settings(KSSP={**settings.KSSP, "PORTAL": {"RECEIVING_UNIT": "KP/NJKT"}})
def test_reading_a_message_is_logged_with_its_purpose(reviewers):
    submission, code = received(contact="+383 44 123 456")
    response = reviewers.kp_investigator.client().get(f"/public-messages/{submission.public_id}/")
    html = response.content.decode()
    assert response.status_code == 200 and "Rifle in a garage." in html and "+383 44 123 456" in html
    assert code not in html and submission.tracking_code_hash not in html, "staff never see the code"
    event = AuditEvent.objects.get(event_type="portal.submission_consulted")
    assert event.target_public_id == submission.public_id and event.purpose == "message from the public: inbox"


@override_settings(KSSP={**settings.KSSP, "PORTAL": {"RECEIVING_UNIT": "KP/NJKT"}})
def test_answering_reaches_the_sender_and_bad_transitions_are_refused(reviewers):
    limiter.reset()
    submission, code = received()
    staff = reviewers.kp_investigator.client()
    url = f"/public-messages/{submission.public_id}/status/"

    refused = staff.post(url, {"to": "answered", "public_reply": "  "}, HTTP_ACCEPT_LANGUAGE="en")
    assert refused.status_code == 400 and "Write the answer the sender will read." in refused.content.decode()
    assert PublicSubmission.objects.unscoped(reason="test").get().status == "received"

    done = staff.post(url, {"to": "answered", "public_reply": "Officers visited the address."})
    assert done.status_code == 302
    submission.refresh_from_db()
    assert submission.status == "answered" and submission.answered_at is not None
    event = AuditEvent.objects.get(event_type="portal.submission_transitioned")
    assert event.payload is None and event.payload_ciphertext, "the answer is encrypted in the trail (shreddable)"

    citizen = Client(HTTP_ACCEPT_LANGUAGE="en").post("/public/status/", {"code": code})
    assert "Officers visited the address." in citizen.content.decode()

    staff.post(url, {"to": "closed"})
    again = staff.post(url, {"to": "in_review"}, HTTP_ACCEPT_LANGUAGE="en")
    assert again.status_code == 400
    assert PublicSubmission.objects.unscoped(reason="test").get().status == "closed"
    limiter.reset()


def test_the_transition_service_refuses_without_change_permission_and_for_unknown_states(world):
    submission = PublicSubmissionFactory(owner=world.kp_investigator)
    base = world.kp_investigator.actor
    reader = dataclasses.replace(base, permissions=(base.permissions - {"portal.respond"}) | {"portal.review"})
    with pytest.raises(PermissionDenied):
        services.public_submission_transition(actor=reader, submission=submission, to="in_review")
    with pytest.raises(NotFound):
        services.public_submission_transition(actor=with_portal_perms(world.customs), submission=submission, to="in_review")
    with pytest.raises(ApplicationError) as bad:
        services.public_submission_transition(actor=with_portal_perms(world.kp_investigator), submission=submission, to="deleted")
    assert bad.value.code == "invalid_transition"


def test_the_receive_service_refuses_staff_actors_and_blank_messages(world):
    with pytest.raises(PermissionDenied):
        services.public_submission_create(actor=world.kp_investigator.actor, topic="general", message="x", language="sq")
    with pytest.raises(ApplicationError) as blank:
        received(message="   ")
    assert blank.value.fields == {"message": ["Write your message."]}
    with pytest.raises(ApplicationError) as wrong:
        received(topic="gossip", language="de")
    assert set(wrong.value.fields) == {"topic", "language"}
    assert not PublicSubmission.objects.unscoped(reason="test").exists()


def test_the_policy_faces_agree_for_everyone_in_the_world(world):
    records = [
        PublicSubmissionFactory(owner=world.kp_investigator),
        PublicSubmissionFactory(owner=world.customs, classification=Classification.SECRET),
        PublicSubmissionFactory(owner=world.kp_ffp),
    ]
    people = [world.kp_investigator, world.kp_investigator_other, world.kp_low_clearance, world.kp_ffp, world.customs,
              world.prosecutor, world.aki, world.kp_officer]
    for person in people:
        for actor in (person.actor, with_portal_perms(person)):
            visible = set(PublicSubmission.objects.unscoped(reason="test").filter(policy_of(PublicSubmission).visible_q(actor)))
            assert visible == {r for r in records if policy_of(PublicSubmission).can(actor, "view", r)}


def test_the_inbox_filters_by_status(reviewers):
    PublicSubmissionFactory(owner=reviewers.kp_investigator, status="answered")
    PublicSubmissionFactory(owner=reviewers.kp_investigator, status="received")
    page = reviewers.kp_investigator.client().get("/public-messages/", {"status": "answered"})
    assert page.status_code == 200
    assert len(re.findall(r'href="/public-messages/[0-9a-f-]{36}/"', page.content.decode())) == 1
