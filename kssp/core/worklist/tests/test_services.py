"""Tasks (issue #3 point 4): create, assign (notifies), complete/cancel/reopen, refusals leave nothing."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from kssp.core.exceptions import ApplicationError, NotFound, PermissionDenied
from kssp.core.markings import Classification
from kssp.core.models.audit import AuditEvent
from kssp.core.notifications.models import Notification
from kssp.core.worklist.models import WorkItem
from kssp.core.worklist.policies import work_item_policy
from kssp.core.worklist.selectors import work_item_list_visible_to
from kssp.core.worklist.services import (
    work_item_assign,
    work_item_cancel,
    work_item_complete,
    work_item_create,
    work_item_transition,
    work_item_update,
)

from .helpers import make_record, make_task, share


def test_assignment_notifies_the_assignee_not_the_assigner(world, django_capture_on_commit_callbacks):
    record = make_record(world.kp_investigator, classification=Classification.UNCLASSIFIED)
    with django_capture_on_commit_callbacks(execute=True):
        item = make_task(world.kp_investigator, record, assignee=world.kp_low_clearance)
    item.refresh_from_db()
    assert (item.assignee, item.assigned_unit, item.status) == (world.kp_low_clearance.user, world.kp_low_clearance.membership.unit, "open")
    assert item.record_public_id == record.public_id and item.record_institution_id == record.owner_institution_id
    note = Notification.objects.get(kind="task_assigned")
    assert note.recipient == world.kp_low_clearance.user
    assert note.target_public_id == item.public_id
    assert note.recipient_membership_id == world.kp_low_clearance.membership.pk
    # a task for oneself notifies nobody
    with django_capture_on_commit_callbacks(execute=True):
        make_task(world.kp_investigator, record)
    assert Notification.objects.filter(kind="task_assigned").count() == 1


def test_a_unit_task_notifies_the_units_cleared_members(world, django_capture_on_commit_callbacks):
    record = make_record(world.kp_investigator, classification=Classification.RESTRICTED)
    with django_capture_on_commit_callbacks(execute=True):
        item = make_task(world.kp_investigator, record, unit=world.kp_investigator.membership.unit)
    assert item.assignee is None
    # kp_low (UNCLASSIFIED) is in the unit but could not open it; the actor is not told of their own act
    assert set(Notification.objects.values_list("recipient__username", flat=True)) == set()
    with django_capture_on_commit_callbacks(execute=True):
        make_task(world.kp_investigator, make_record(world.kp_investigator, classification=0),
                  unit=world.kp_investigator.membership.unit)
    assert set(Notification.objects.values_list("recipient__username", flat=True)) == {"kp_low"}


def test_creating_writes_its_audit_event_encrypted_under_the_record(world):
    item = make_task(world.kp_investigator)
    event = AuditEvent.objects.get(event_type="work_item.created")
    assert event.target_public_id == item.public_id
    assert event.payload is None and event.payload_ciphertext is not None
    assert event.target_institution_id == item.record_institution_id
    from kssp.core.audit import payload_for

    assert payload_for(event)["after"]["title"] == "Interview the owner"


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"title": "  "}, "title"),
        ({"title": "x" * 201}, "title"),
        ({"description": "x" * 4001}, "description"),
        ({"due_date": dt.date(2020, 1, 1)}, "due_date"),
        ({"due_at": dt.datetime(2020, 1, 1, tzinfo=dt.UTC)}, "due_at"),
        ({"due_at": "tomorrow"}, "due_at"),
        ({"due_at": dt.datetime(2999, 1, 1, tzinfo=dt.UTC), "due_date": dt.date(2999, 1, 1)}, "due_at"),
        ({"assignee": None}, "assignee"),
    ],
)
def test_bad_input_is_a_field_error_and_writes_nothing(world, changes, field):
    record = make_record(world.kp_investigator)
    since = AuditEvent.objects.count()
    args = {"title": "Call the witness", "assignee": world.kp_investigator.membership, **changes}
    with pytest.raises(ApplicationError) as err:
        work_item_create(actor=world.kp_investigator.actor, record=record, **args)
    assert field in err.value.fields
    assert not WorkItem.objects.exists() and AuditEvent.objects.count() == since


def test_a_person_who_cannot_see_the_record_cannot_be_assigned(world):
    record = make_record(world.kp_investigator, classification=Classification.RESTRICTED)
    with pytest.raises(ApplicationError) as err:
        work_item_create(actor=world.kp_investigator.actor, record=record, title="t", assignee=world.kp_low_clearance.membership)
    assert "assignee" in err.value.fields
    with pytest.raises(ApplicationError) as err:
        work_item_create(actor=world.kp_investigator.actor, record=record, title="t", assignee=world.customs.membership)
    assert "assignee" in err.value.fields
    with pytest.raises(ApplicationError) as err:
        work_item_create(actor=world.kp_investigator.actor, record=record, title="t", unit=world.customs.membership.unit)
    assert "unit" in err.value.fields


def test_who_may_add_tasks(world):
    record = make_record(world.kp_investigator)
    with pytest.raises(NotFound):  # cannot see it
        make_task(world.customs, record)
    share(record, world.kp_investigator, institution=world.customs.membership.unit.institution)
    with pytest.raises(PermissionDenied):  # sees it by grant, may not change it
        make_task(world.customs, record)
    with pytest.raises(PermissionDenied):  # police officer: reads bulletins but may not change them
        make_task(world.kp_officer, make_record(world.kp_officer, classification=0))


def test_complete_cancel_reopen(world):
    # given a task for a police officer who sees the record by grant and may not change it
    record = make_record(world.kp_investigator, classification=0)
    share(record, world.kp_investigator, unit=world.kp_officer.membership.unit)
    item = make_task(world.kp_investigator, record, assignee=world.kp_officer)
    # the assignee may complete, not cancel
    with pytest.raises(PermissionDenied):
        work_item_cancel(actor=world.kp_officer.actor, item=item, reason="no")
    work_item_complete(actor=world.kp_officer.actor, item=item)
    assert item.status == "done" and item.completed_by == world.kp_officer.user
    with pytest.raises(ApplicationError) as err:
        work_item_transition(actor=world.kp_investigator.actor, item=item, to="open")
    assert "reason" in err.value.fields
    work_item_transition(actor=world.kp_investigator.actor, item=item, to="open", reason="not finished")
    with pytest.raises(ApplicationError) as err:
        work_item_cancel(actor=world.kp_investigator.actor, item=item, reason=" ")
    assert "reason" in err.value.fields
    work_item_cancel(actor=world.kp_investigator.actor, item=item, reason="duplicate")
    with pytest.raises(ApplicationError) as err:
        work_item_transition(actor=world.kp_investigator.actor, item=item, to="open", reason="again")
    assert err.value.code == "invalid_transition"
    item.refresh_from_db()
    assert item.status == "cancelled" and item.status_reason == "duplicate"
    assert AuditEvent.objects.filter(event_type="work_item.transitioned").count() == 3


def test_reassigning_notifies_the_new_assignee(world, django_capture_on_commit_callbacks):
    record = make_record(world.kp_investigator, classification=0)
    item = make_task(world.kp_investigator, record)
    with django_capture_on_commit_callbacks(execute=True):
        work_item_assign(actor=world.kp_investigator.actor, item=item, assignee=world.kp_low_clearance.membership)
    assert list(Notification.objects.values_list("recipient__username", "kind")) == [("kp_low", "task_assigned")]
    assert AuditEvent.objects.filter(event_type="work_item.assigned").count() == 1
    with pytest.raises(ApplicationError):
        work_item_assign(actor=world.kp_investigator.actor, item=item)


def test_editing_the_deadline(world):
    item = make_task(world.kp_investigator)
    later = timezone.now() + dt.timedelta(hours=6)
    work_item_update(actor=world.kp_investigator.actor, item=item, due_at=later)
    item.refresh_from_db()
    assert item.due_at == later and item.due_date is None and item.due_moment == later
    with pytest.raises(ApplicationError) as err:
        work_item_update(actor=world.kp_investigator.actor, item=item, status="done")
    assert "status" in err.value.fields


def test_tasks_are_seen_by_whoever_sees_the_record(world):
    record = make_record(world.kp_investigator)
    item = make_task(world.kp_investigator, record)
    assert not work_item_list_visible_to(actor=world.customs.actor).exists()
    grant = share(record, world.kp_investigator, institution=world.customs.membership.unit.institution)
    assert list(work_item_list_visible_to(actor=world.customs.actor)) == [item]
    from kssp.core.services.grants import grant_revoke

    grant_revoke(actor=world.kp_investigator.actor, grant=grant, reason="over")
    assert not work_item_list_visible_to(actor=world.customs.actor).exists()


def test_the_policys_two_faces_agree(world):
    """visible_q and can("view") give the same answer for every person and task of the world."""
    items = [
        make_task(world.kp_investigator, classification=Classification.UNCLASSIFIED),
        make_task(world.kp_investigator, classification=Classification.SECRET),
        make_task(world.customs),
        make_task(world.kp_investigator_other),
    ]
    share(items[2].record, world.customs, institution=world.kp_investigator.membership.unit.institution)
    people = [value for value in vars(world).values() if hasattr(value, "membership")]
    for person in people:
        actor = person.actor
        visible = set(WorkItem.objects.filter(work_item_policy.visible_q(actor)).values_list("pk", flat=True))
        for item in items:
            assert (item.pk in visible) == work_item_policy.can(actor, "view", WorkItem.objects.get(pk=item.pk)), (
                person.user.username, item.title)
