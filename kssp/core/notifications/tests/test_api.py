"""Notifications in the API: the contract, reading, and marking read."""

from __future__ import annotations

import uuid

from kssp.core.notifications.api.views import NotificationViewSet
from kssp.core.notifications.models import Notification
from kssp.core.notifications.services import notify
from kssp.core.testing.contract import ApiContract, assert_error

from .helpers import make_record

URL = "/api/v1/notifications/"


class TestNotificationApi(ApiContract):
    viewset = NotificationViewSet
    list_url = URL
    viewer = "kp_investigator"
    foreign_owner = "kp_investigator_other"  # a colleague's notifications stay hidden, even in the same institution
    list_max_queries = 8

    def make_record(self, world, owner, **options):
        record = make_record(owner)
        return notify(recipients=[owner.user], kind="deadline", target=record, context={"what": "report"})[0]


def test_the_list_names_visible_records_and_filters(world):
    me = world.kp_investigator
    record = make_record(me, title="Rifles")
    notify(recipients=[me.user], kind="deadline", target=record, context={"what": "report"})
    notify(recipients=[me.user], kind="approval_requested")
    client = me.client()
    body = client.get(URL, {"kind": "deadline"}, HTTP_ACCEPT_LANGUAGE="en").json()
    assert body["count"] == 1
    item = body["results"][0]
    assert item["record"] == {"type": "bulletins.bulletin", "public_id": str(record.public_id), "label": str(record),
                              "url": f"/bulletins/{record.public_id}/"}
    assert item["record_hidden"] is False and item["read_at"] is None and item["kind_label"] == "Deadline"
    assert "id" not in item
    assert client.get(URL, {"state": "read"}).json()["count"] == 0


def test_mark_one_and_all_read(world):
    me = world.kp_investigator
    first, second = notify(recipients=[me.user], kind="deadline") + notify(recipients=[me.user], kind="task_assigned")
    client = me.client()
    response = client.post(f"{URL}{first.public_id}/read/")
    assert response.status_code == 200 and response.json()["read_at"]
    response = client.post(f"{URL}read-all/", {"kind": "task_assigned"}, content_type="application/json")
    assert response.json() == {"marked": 1}
    assert not Notification.objects.filter(recipient=me.user, read_at__isnull=True).exists()


def test_marking_anothers_or_an_unknown_notification_is_404(world):
    theirs = notify(recipients=[world.customs.user], kind="deadline")[0]
    client = world.kp_investigator.client()
    assert_error(client.post(f"{URL}{theirs.public_id}/read/"), 404, "not_found")
    assert_error(client.post(f"{URL}{uuid.uuid4()}/read/"), 404, "not_found")
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_bad_input_is_a_field_error(world):
    client = world.kp_investigator.client()
    error = assert_error(client.post(f"{URL}read-all/", {"kind": "x", "everything": True}, content_type="application/json"), 400)
    assert "everything" in error["fields"]
    error = assert_error(client.get(URL, {"state": "sometimes"}), 400)
    assert "state" in error["fields"]


def test_notifications_cannot_be_created_through_the_api(world):
    response = world.kp_investigator.client().post(URL, {"kind": "deadline"}, content_type="application/json")
    assert response.status_code == 405
