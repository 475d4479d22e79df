"""Tasks can go beyond one's own unit (issue #7 point 2): to people and units of other units of the same
institution, and of another institution when a grant on the record reaches them — never to someone who
may not see the record (need-to-know: a field error, nothing assigned)."""

from __future__ import annotations

from django.urls import reverse

from kssp.core.services.grants import grant_create
from kssp.core.worklist.models import WorkItem
from kssp.core.worklist.tests.helpers import make_record, make_task

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


def assign(me, item, **data):
    return me.client().post(reverse("worklist:work_item_assign", args=[item.public_id]), data, **EN)


def offered(me, item) -> str:
    return me.client().get(reverse("worklist:work_item_detail", args=[item.public_id]), **EN).content.decode()


def test_a_member_of_another_unit_of_the_institution_is_offered_and_needs_to_see_the_record(world):
    me, colleague = world.kp_investigator, world.kp_investigator_other  # NJKT and NJKK of the police
    record = make_record(me, classification=0)
    item = make_task(me, record)
    page = offered(me, item)
    assert str(colleague.membership.public_id) in page, "another unit of the same institution is offered"

    # Without access to the record the assignment is refused on the field, and nothing changes.
    refused = assign(me, item, assignee=str(colleague.membership.public_id))
    assert refused.status_code == 400
    assert "This person may not see the record" in refused.content.decode()
    item.refresh_from_db()
    assert item.assignee == me.user

    # Once the record is shared with the colleague's unit, the task can go to them.
    grant_create(actor=me.actor, obj=record, grantee_type="unit", unit=colleague.membership.unit, reason="joint work")
    assert assign(me, item, assignee=str(colleague.membership.public_id)).status_code == 302
    item.refresh_from_db()
    assert (item.assignee, item.assigned_unit) == (colleague.user, colleague.membership.unit)


def test_another_institution_is_offered_only_through_a_grant_on_the_record(world):
    me, customs = world.kp_investigator, world.customs
    record = make_record(me, classification=0)
    item = make_task(me, record)
    assert str(customs.membership.public_id) not in offered(me, item)
    # A membership that was not offered is refused as a choice (no hint about anyone).
    sneaked = assign(me, item, assignee=str(customs.membership.public_id))
    assert sneaked.status_code == 400
    item.refresh_from_db()
    assert item.assignee == me.user

    grant_create(actor=me.actor, obj=record, grantee_type="institution",
                 institution=customs.membership.unit.institution, reason="joint operation")
    page = offered(me, item)
    assert str(customs.membership.public_id) in page and str(customs.membership.unit.public_id) in page
    assert assign(me, item, unit=str(customs.membership.unit.public_id)).status_code == 302
    item.refresh_from_db()
    assert (item.assignee, item.assigned_unit) == (None, customs.membership.unit)


def test_the_service_refuses_another_institutions_unit_without_a_grant(world):
    from kssp.core.exceptions import ApplicationError
    from kssp.core.worklist.services import work_item_assign

    me = world.kp_investigator
    item = make_task(me, make_record(me, classification=0))
    try:
        work_item_assign(actor=me.actor, item=item, unit=world.customs.membership.unit)
    except ApplicationError as exc:
        assert "unit" in exc.fields
    else:  # pragma: no cover - the guarantee
        raise AssertionError("a unit that may not see the record was given the task")
    assert WorkItem.objects.get(pk=item.pk).assigned_unit == me.membership.unit
