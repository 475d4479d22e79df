"""Work items in the API: the contract (visibility through the record, grants), writing, bad input."""

from __future__ import annotations

import datetime as dt
import uuid

from django.utils import timezone

from kssp.core.markings import Classification
from kssp.core.models.audit import AuditEvent
from kssp.core.notifications.models import Notification
from kssp.core.testing.contract import ApiContract, assert_error
from kssp.core.worklist.api.views import WorkItemViewSet
from kssp.core.worklist.models import WorkItem

from .helpers import make_record, make_task, share

URL = "/api/v1/work-items/"


def post(client, url, data):
    return client.post(url, data, content_type="application/json")


class TestWorkItemApi(ApiContract):
    viewset = WorkItemViewSet
    list_url = URL
    viewer = "kp_investigator"
    foreign_owner = "customs"
    low_clearance_viewer = "kp_low_clearance"
    high_classification = Classification.RESTRICTED
    sharable = True
    grantee = "customs"
    create_event = "work_item.created"
    update_event = "work_item.updated"
    list_params = {"scope": "all"}
    list_max_queries = 9

    def make_record(self, world, owner, **options):
        return make_task(owner, classification=options.get("classification", Classification.RESTRICTED))

    def create_payload(self, world):
        record = make_record(world.kp_investigator)
        return {"record_type": "bulletins.bulletin", "record_id": str(record.public_id), "title": "Check the serials",
                "assignee": str(world.kp_investigator.membership.public_id),
                "due_date": (timezone.localdate() + dt.timedelta(days=2)).isoformat()}

    def update_payload(self, world, record):
        return {"title": "Check the serials again"}

    def grant(self, world, record, owner, grantee):
        # A task is shared by sharing its record.
        return share(record.record, owner, institution=grantee.membership.unit.institution)


def test_create_for_a_unit_with_an_hour_based_deadline(world, django_capture_on_commit_callbacks):
    me = world.kp_investigator
    record = make_record(me, classification=0)
    due = timezone.now() + dt.timedelta(hours=48)
    with django_capture_on_commit_callbacks(execute=True):
        response = post(me.client(), URL, {"record_type": "bulletins.bulletin", "record_id": str(record.public_id),
                                           "title": "Unit job", "unit": str(me.membership.unit.public_id),
                                           "due_at": due.isoformat()})
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["assigned_to"] is None and body["assigned_unit"]["code"] == "NJKT"
    assert body["record"] == {"type": "bulletins.bulletin", "public_id": str(record.public_id)}
    assert "id" not in body and "assignee" not in body
    assert set(Notification.objects.values_list("recipient__username", flat=True)) == {"kp_low"}


def test_actions_complete_cancel_reopen_assign(world):
    me = world.kp_investigator
    item = make_task(me, classification=0)
    client = me.client()
    base = f"{URL}{item.public_id}/"
    response = post(client, f"{base}assign/", {"assignee": str(world.kp_low_clearance.membership.public_id)})
    assert response.status_code == 200 and response.json()["assigned_to"]["username"] == "kp_low"
    assert post(client, f"{base}complete/", {}).json()["status"] == "done"
    assert "reason" in assert_error(post(client, f"{base}reopen/", {}), 400)["fields"]
    assert post(client, f"{base}reopen/", {"reason": "not finished"}).json()["status"] == "open"
    assert post(client, f"{base}cancel/", {"reason": "duplicate"}).json()["status"] == "cancelled"
    error = assert_error(post(client, f"{base}complete/", {}), 400, "invalid_transition")
    assert "status" in error["fields"]


def test_bad_input_is_a_field_error_and_writes_nothing(world):
    me = world.kp_investigator
    record = make_record(me)
    client = me.client()
    base = {"record_type": "bulletins.bulletin", "record_id": str(record.public_id), "title": "t",
            "assignee": str(me.membership.public_id)}
    since = AuditEvent.objects.count()
    cases = [
        ({"title": ""}, "title"),
        ({"due_date": "2001-01-01"}, "due_date"),
        ({"due_at": "yesterday"}, "due_at"),
        ({"assignee": None}, "assignee"),
        ({"assignee": "not-a-uuid"}, "assignee"),
        ({"status": "done"}, "status"),
        ({"colour": "red"}, "colour"),
    ]
    for change, field in cases:
        error = assert_error(post(client, URL, {**base, **change}), 400)
        assert field in error["fields"], (change, error)
    # a membership in another institution, a record one cannot see: 404 on the field / the record
    error = assert_error(post(client, URL, {**base, "assignee": str(world.customs.membership.public_id)}), 404, "not_found")
    assert "assignee" in error["fields"]
    assert_error(post(client, URL, {**base, "record_id": str(uuid.uuid4())}), 404, "not_found")
    assert_error(post(client, URL, {**base, "record_type": "accounts.user"}), 404, "not_found")
    assert not WorkItem.objects.exists() and AuditEvent.objects.count() == since


def test_a_grantee_sees_the_task_but_may_not_change_it(world):
    item = make_task(world.kp_investigator)
    share(item.record, world.kp_investigator, institution=world.customs.membership.unit.institution)
    client = world.customs.client()
    assert client.get(f"{URL}{item.public_id}/").status_code == 200
    assert_error(client.patch(f"{URL}{item.public_id}/", {"title": "x"}, content_type="application/json"), 403)
    assert_error(post(client, f"{URL}{item.public_id}/cancel/", {"reason": "x"}), 403)


def test_scope_filters(world):
    me = world.kp_investigator
    mine = make_task(me)
    unit = make_task(me, unit=me.membership.unit)
    client = me.client()
    keys = lambda params: {r["public_id"] for r in client.get(URL, params).json()["results"]}  # noqa: E731
    assert keys({"scope": "mine"}) == {str(mine.public_id)}
    assert keys({"scope": "unit"}) == {str(unit.public_id)}
    assert keys({"scope": "created"}) == {str(mine.public_id), str(unit.public_id)}
    assert keys({"record": str(mine.record_public_id)}) == {str(mine.public_id)}
    assert keys({"overdue": "false"}) == {str(mine.public_id), str(unit.public_id)}
    assert keys({"overdue": "true"}) == set()
    assert "scope" in assert_error(client.get(URL, {"scope": "everyone"}), 400)["fields"]
    assert "overdue" in assert_error(client.get(URL, {"overdue": "maybe"}), 400)["fields"]
