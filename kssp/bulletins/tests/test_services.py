"""Bulletin services: numbering, validation, transitions, audit in the same transaction."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from kssp.bulletins.choices import BulletinStatus
from kssp.bulletins.models import Bulletin
from kssp.bulletins.selectors import bulletin_get_visible_to, bulletin_list_visible_to
from kssp.bulletins.services import bulletin_create, bulletin_transition, bulletin_update
from kssp.bulletins.tests.factories import BulletinFactory
from kssp.core.exceptions import ApplicationError, NotFound, PermissionDenied
from kssp.core.markings import Classification
from kssp.core.models import AuditEvent

pytestmark = pytest.mark.django_db


def create(person, **kw):
    data = {"title": "Stolen Zastava M70", "body": "Serial 19Z45Z", "kind": "lookout", "classification": Classification.RESTRICTED}
    data.update(kw)
    return bulletin_create(actor=person.actor, **data)


def test_create_numbers_per_institution_and_audits(world):
    a = create(world.kp_investigator)
    b = create(world.kp_investigator)
    c = create(world.customs)
    year = timezone.localdate().year
    assert a.number == f"BUL-KP-{year}-000001" and b.number == f"BUL-KP-{year}-000002"
    assert c.number == f"BUL-DK-{year}-000001"
    event = AuditEvent.objects.filter(event_type="bulletin.created").first()
    assert event.target_institution_id == a.owner_institution_id


def test_classification_above_clearance_is_a_field_error_and_writes_nothing(world):
    with pytest.raises(ApplicationError) as info:
        create(world.kp_officer, classification=Classification.SECRET)
    assert "classification" in info.value.fields
    assert Bulletin.objects.unscoped(reason="test").count() == 0 and AuditEvent.objects.count() == 0


def test_empty_title_and_past_date_are_field_errors(world):
    with pytest.raises(ApplicationError) as info:
        create(world.kp_investigator, title=" ", valid_until=timezone.localdate() - dt.timedelta(days=1))
    assert set(info.value.fields) == {"title", "valid_until"}


def test_actor_without_permission_cannot_create(world):
    with pytest.raises(PermissionDenied):
        create(world.kp_auditor)


def test_update_by_other_institution_is_not_found(world):
    b = BulletinFactory(owner=world.kp_investigator)
    with pytest.raises(NotFound):
        bulletin_update(actor=world.customs.actor, bulletin=b, title="mine now")


def test_update_refuses_unknown_fields(world):
    b = BulletinFactory(owner=world.kp_investigator)
    with pytest.raises(ApplicationError) as info:
        bulletin_update(actor=world.kp_investigator.actor, bulletin=b, owner_institution_id=99)
    assert "owner_institution_id" in info.value.fields


def test_transitions_follow_the_map_and_withdraw_needs_reason(world):
    b = create(world.kp_investigator)
    actor = world.kp_investigator.actor
    bulletin_transition(actor=actor, bulletin=b, to=BulletinStatus.ISSUED)
    assert b.issued_at is not None
    with pytest.raises(ApplicationError):
        bulletin_transition(actor=actor, bulletin=b, to=BulletinStatus.DRAFT)
    with pytest.raises(ApplicationError) as info:
        bulletin_transition(actor=actor, bulletin=b, to=BulletinStatus.WITHDRAWN)
    assert "reason" in info.value.fields
    bulletin_transition(actor=actor, bulletin=b, to=BulletinStatus.WITHDRAWN, reason="resolved")
    with pytest.raises(ApplicationError):
        bulletin_update(actor=actor, bulletin=b, title="late edit")


def test_selector_hides_and_404s_forbidden_records(world):
    b = BulletinFactory(owner=world.kp_investigator)
    assert list(bulletin_list_visible_to(actor=world.customs.actor)) == []
    with pytest.raises(NotFound):
        bulletin_get_visible_to(actor=world.customs.actor, public_id=b.public_id)
    with pytest.raises(NotFound):
        bulletin_get_visible_to(actor=world.kp_investigator.actor, public_id="not-a-uuid")


def test_reading_personal_data_writes_a_consultation_with_purpose(world):
    b = BulletinFactory(owner=world.kp_investigator, contains_personal_data=True)
    bulletin_get_visible_to(actor=world.kp_investigator.actor, public_id=b.public_id, purpose="border check BCP Merdare")
    event = AuditEvent.objects.get(category="consultation")
    assert event.purpose == "border check BCP Merdare" and event.target_public_id == b.public_id
    plain = BulletinFactory(owner=world.kp_investigator)
    bulletin_get_visible_to(actor=world.kp_investigator.actor, public_id=plain.public_id)
    assert AuditEvent.objects.filter(category="consultation").count() == 1
