"""Task pages: My tasks, adding a task from a record, a task's page and its actions."""

from __future__ import annotations

import datetime as dt

from django.urls import reverse
from django.utils import timezone

from kssp.core.notifications.targets import model_label
from kssp.core.worklist.models import WorkItem

from .helpers import make_record, make_task, share

MY_TASKS = "/worklist/"


def test_my_tasks_lists_open_tasks_assigned_to_me_by_default(world):
    me = world.kp_investigator
    mine = make_task(me, title="Mine to do")
    make_task(me, unit=me.membership.unit, title="Unit queue item")
    make_task(world.kp_investigator_other, title="Someone else's")
    html = me.client().get(MY_TASKS, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Mine to do" in html and "Unit queue item" not in html and "Someone else" not in html
    assert str(mine.record) in html  # the record is named: the task is visible only with its record
    unit = me.client().get(MY_TASKS, {"scope": "unit", "status": ""}).content.decode()
    assert "Unit queue item" in unit and "Mine to do" not in unit
    fragment = me.client().get(MY_TASKS, {"scope": "all"}, HTTP_HX_REQUEST="true")
    assert fragment.status_code == 200 and "<html" not in fragment.content.decode()


def test_bad_filters_never_fail(world):
    for params in ({"scope": "everyone"}, {"status": "burnt"}, {"overdue": "maybe"}, {"record": "nope"}, {"page": "x"}):
        assert world.kp_investigator.client().get(MY_TASKS, params).status_code == 200


def test_adding_a_task_from_the_record_page(world):
    me = world.kp_investigator
    record = make_record(me)
    client = me.client()
    form = client.get(reverse("worklist:work_item_new"), {"record_type": model_label(record), "record": record.public_id})
    assert form.status_code == 200
    data = {"record_type": model_label(record), "record": str(record.public_id), "title": "Check the serials",
            "assignee": str(me.membership.public_id), "due_date": (timezone.localdate() + dt.timedelta(days=1)).isoformat()}
    response = client.post(reverse("worklist:work_item_new"), data)
    assert response.status_code == 302
    assert response["Location"] == reverse("bulletins:bulletin_detail", args=[record.public_id]) + "#tasks"
    item = WorkItem.objects.get()
    assert item.title == "Check the serials" and item.assignee == me.user


def test_bad_input_on_the_new_task_form_is_shown_and_nothing_is_saved(world):
    me = world.kp_investigator
    record = make_record(me)
    base = {"record_type": model_label(record), "record": str(record.public_id)}
    for extra in (
        {"title": "", "assignee": str(me.membership.public_id)},
        {"title": "t", "assignee": str(me.membership.public_id), "due_date": "2001-01-01"},
        {"title": "t"},
        {"title": "t", "assignee": "not-one-of-the-choices"},
        {"title": "t", "assignee": str(me.membership.public_id), "due_at": "soon"},
    ):
        response = me.client().post(reverse("worklist:work_item_new"), {**base, **extra}, HTTP_ACCEPT_LANGUAGE="en")
        assert response.status_code == 400, extra
        assert "invalid-feedback" in response.content.decode() or "alert-danger" in response.content.decode()
    assert not WorkItem.objects.exists()


def test_a_record_one_may_not_see_or_change_cannot_get_a_task(world):
    record = make_record(world.kp_investigator)
    base = {"record_type": model_label(record), "record": str(record.public_id), "title": "t"}
    assert world.customs.client().post(reverse("worklist:work_item_new"), base).status_code == 404
    for bad in ({"record_type": "accounts.user"}, {"record_type": "nothing"}, {"record": "x"}):
        assert world.kp_investigator.client().get(reverse("worklist:work_item_new"), {**base, **bad}).status_code == 404
    share(record, world.kp_investigator, institution=world.customs.membership.unit.institution)
    data = {**base, "assignee": str(world.customs.membership.public_id)}
    assert world.customs.client().post(reverse("worklist:work_item_new"), data).status_code == 403
    assert not WorkItem.objects.exists()


def test_the_task_page_and_its_actions(world):
    me = world.kp_investigator
    item = make_task(me, title="Weigh the exhibit")
    client = me.client()
    url = reverse("worklist:work_item_detail", args=[item.public_id])
    assert "Weigh the exhibit" in client.get(url).content.decode()
    # cancelling without a reason is refused on the form
    response = client.post(reverse("worklist:work_item_transition", args=[item.public_id]), {"to": "cancelled"})
    assert response.status_code == 400
    # completing works
    response = client.post(reverse("worklist:work_item_transition", args=[item.public_id]), {"to": "done"})
    assert response.status_code == 302
    item.refresh_from_db()
    assert item.status == "done"
    # an unknown status is refused
    response = client.post(reverse("worklist:work_item_transition", args=[item.public_id]), {"to": "burnt"})
    assert response.status_code == 400


def test_reassigning_from_the_task_page(world):
    me = world.kp_investigator
    item = make_task(me, classification=0)
    response = me.client().post(reverse("worklist:work_item_assign", args=[item.public_id]),
                                {"assignee": str(world.kp_low_clearance.membership.public_id)})
    assert response.status_code == 302
    item.refresh_from_db()
    assert item.assignee == world.kp_low_clearance.user
    response = me.client().post(reverse("worklist:work_item_assign", args=[item.public_id]), {})
    assert response.status_code == 400


def test_another_institutions_task_is_404(world):
    item = make_task(world.customs)
    client = world.kp_investigator.client()
    for name in ("worklist:work_item_detail",):
        assert client.get(reverse(name, args=[item.public_id])).status_code == 404
    assert client.post(reverse("worklist:work_item_transition", args=[item.public_id]), {"to": "done"}).status_code == 404
    item.refresh_from_db()
    assert item.status == "open"


def test_a_user_without_membership_is_refused(world):
    me = world.kp_investigator
    me.membership.revoked_at = timezone.now()
    me.membership.save()
    assert me.client().get(MY_TASKS).status_code == 403
