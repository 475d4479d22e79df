"""Break-glass access (issue #3 point 11): a stated reason, a time box, a named-user grant that expires,
an audit event with the reason, and an alert to the owning institution's internal auditors.

The record type comes from the policy registry (bulletins here), through ``apps.get_model`` so that the
accounts tests import nothing above accounts."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
import time_machine
from django.apps import apps
from django.utils import timezone

from kssp.accounts.actor import actor_for
from kssp.accounts.models import BreakGlassAccess, Membership, Role
from kssp.accounts.services_security import BREAK_GLASS_KIND, break_glass_open
from kssp.accounts.testing import make_person
from kssp.accounts.testing_security import verify_session
from kssp.core.audit.testing import reason_of
from kssp.core.exceptions import ApplicationError, PermissionDenied
from kssp.core.markings import Classification
from kssp.core.models import AuditEvent, Grant
from kssp.core.policy import policy_for

REASON = "Armed suspect at the Merdare crossing; the owner's duty officer does not answer."


def bulletin(owner, *, classification=Classification.RESTRICTED, **extra):
    model = apps.get_model("bulletins", "Bulletin")
    return model.objects.create(
        owner_institution=owner.membership.unit.institution,
        owner_unit=owner.membership.unit,
        created_by=owner.user,
        number=f"BG-{uuid.uuid4().hex[:8]}",
        title="Lookout: grey Golf",
        body="Plates 01-123-AB.",
        classification=classification,
        **extra,
    )


@pytest.fixture
def may_break_glass(world):
    role = Role.objects.get(code="investigator")
    role.permissions = [*role.permissions, "access.break_glass"]
    role.save()
    return actor_for(world.kp_investigator.user, Membership.objects.get(pk=world.kp_investigator.membership.pk))


@pytest.fixture
def customs_auditor(world):
    return make_person("dk_aud", institution="DK", role="internal_auditor")


def open_(actor, record, *, minutes=30, reason=REASON, record_type="bulletins.bulletin"):
    return break_glass_open(actor=actor, record_type=record_type, public_id=record.public_id, reason=reason, minutes=minutes)


def test_it_needs_the_permission(world):
    record = bulletin(world.customs)
    with pytest.raises(PermissionDenied):  # a police officer's role holds no break-glass permission
        open_(world.kp_officer.actor, record)
    assert not Grant.objects.exists()


def test_it_opens_an_out_of_scope_record_for_a_time_and_alerts_the_owners_auditors(
    world, may_break_glass, customs_auditor, django_capture_on_commit_callbacks
):
    # given a customs record the police investigator cannot see
    record = bulletin(world.customs)
    policy = policy_for(type(record))
    assert not policy.can(may_break_glass, "view", record)
    # when
    with django_capture_on_commit_callbacks(execute=True):
        access = open_(may_break_glass, record, minutes=30)
    # then a named-user grant of kind break_glass, expiring
    grant = access.grant
    assert grant.kind == BREAK_GLASS_KIND
    assert grant.grantee_user_id == world.kp_investigator.user.pk and grant.grantee_institution.code == "KP"
    assert not grant.may_reshare
    assert abs((grant.expires_at - timezone.now()) - dt.timedelta(minutes=30)) < dt.timedelta(seconds=5)
    assert policy.can(may_break_glass, "view", record)
    assert not policy.can(may_break_glass, "change", record)
    # recorded with the reason, visible to the owner's auditors by institution
    event = AuditEvent.objects.get(event_type="access.break_glass")
    assert reason_of(event) == REASON
    assert event.actor_id == world.kp_investigator.user.pk
    assert event.target_institution_id == record.owner_institution_id
    # and the customs internal auditor is alerted
    notification = apps.get_model("notifications", "Notification").objects.get(kind="break_glass_alert")
    assert notification.recipient_id == customs_auditor.user.pk
    assert notification.context["reason"] == REASON
    # after the time box, the record is out of sight again
    with time_machine.travel(timezone.now() + dt.timedelta(minutes=31)):
        assert not policy.can(may_break_glass, "view", record)
        assert not policy.visible(may_break_glass).filter(pk=record.pk).exists()


@pytest.mark.parametrize("case", ["missing", "above_clearance", "intelligence_record", "bad_type"])
def test_what_may_not_be_opened_answers_like_a_missing_record(world, may_break_glass, case):
    if case == "missing":
        record = bulletin(world.customs)
        public_id, record_type = uuid.uuid4(), "bulletins.bulletin"
    elif case == "above_clearance":
        record = bulletin(world.customs, classification=Classification.TOP_SECRET)
        public_id, record_type = record.public_id, "bulletins.bulletin"
    elif case == "intelligence_record":
        record = bulletin(world.aki)
        public_id, record_type = record.public_id, "bulletins.bulletin"
    else:
        record = bulletin(world.customs)
        public_id, record_type = record.public_id, "accounts.user"
    with pytest.raises(ApplicationError) as refused:
        break_glass_open(actor=may_break_glass, record_type=record_type, public_id=public_id, reason=REASON, minutes=15)
    assert refused.value.fields == {"public_id": ["No record with this reference can be opened by break-glass."]}
    assert not Grant.objects.exists() and not BreakGlassAccess.objects.exists()
    assert not AuditEvent.objects.filter(event_type="access.break_glass").exists()


def test_the_intelligence_agency_does_not_break_glass_into_others(world):
    role = Role.objects.get(code="intelligence_analyst")
    role.permissions = [*role.permissions, "access.break_glass"]
    role.save()
    actor = actor_for(world.aki.user, Membership.objects.get(pk=world.aki.membership.pk))
    with pytest.raises(ApplicationError):
        open_(actor, bulletin(world.customs))


@pytest.mark.parametrize(
    ("reason", "minutes", "field"),
    [("urgent", 30, "reason"), ("   ", 30, "reason"), (REASON, 0, "minutes"), (REASON, 61, "minutes"), (REASON, 24 * 60, "minutes")],
)
def test_a_reason_and_a_short_time_box_are_required(world, may_break_glass, reason, minutes, field):
    with pytest.raises(ApplicationError) as refused:
        open_(may_break_glass, bulletin(world.customs), reason=reason, minutes=minutes)
    assert field in refused.value.fields
    assert not Grant.objects.exists()


def test_a_record_already_in_sight_needs_no_break_glass(world, may_break_glass):
    with pytest.raises(ApplicationError) as refused:
        open_(may_break_glass, bulletin(world.kp_investigator))
    assert refused.value.code == "already_visible"


def test_the_page_opens_the_record_with_a_purpose(world, may_break_glass):
    record = bulletin(world.customs)
    client = verify_session(world.kp_investigator.client(), world.kp_investigator.user)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    page = client.get("/accounts/security/break-glass/")
    assert page.status_code == 200 and 'value="bulletins.bulletin"' in page.content.decode()
    response = client.post(
        "/accounts/security/break-glass/",
        {"record_type": "bulletins.bulletin", "public_id": str(record.public_id), "minutes": "15", "reason": REASON},
    )
    assert response.status_code == 302
    assert response["Location"] == f"/bulletins/{record.public_id}/?purpose=break-glass+access"
    detail = client.get(response["Location"])
    assert detail.status_code == 200
    assert "Break-glass access is open until" in detail.content.decode()


def test_the_page_shows_refusals_on_the_form(world, may_break_glass):
    client = verify_session(world.kp_investigator.client(), world.kp_investigator.user)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    response = client.post(
        "/accounts/security/break-glass/",
        {"record_type": "bulletins.bulletin", "public_id": str(uuid.uuid4()), "minutes": "15", "reason": REASON},
    )
    assert response.status_code == 400
    assert "No record with this reference can be opened by break-glass." in response.content.decode()
    bad = client.post("/accounts/security/break-glass/", {"record_type": "x", "public_id": "not-a-uuid", "minutes": "999", "reason": ""})
    assert bad.status_code == 400


def test_the_page_is_forbidden_without_the_permission(world):
    client = verify_session(world.kp_officer.client(), world.kp_officer.user)
    assert client.get("/accounts/security/break-glass/").status_code == 403
