"""Tasks and notifications are declared for retention and erased with their record."""

from __future__ import annotations

from django.db import transaction

from kssp.core.notifications.models import Notification
from kssp.core.notifications.services import notify
from kssp.core.retention.registry import declaration_for, delete_row
from kssp.core.worklist.models import WorkItem

from .helpers import make_record, make_task


def test_declared():
    assert declaration_for("worklist.WorkItem").retention_class.code == "work-items"
    assert declaration_for("notifications.Notification").trigger_field == "created_at"
    assert declaration_for("notifications.NotificationPreference") is not None


def test_deleting_a_record_by_retention_erases_its_tasks_and_notifications(world):
    owner = world.kp_investigator
    record = make_record(owner)
    keep = make_record(owner)
    item = make_task(owner, record)
    other = make_task(owner, keep)
    notify(recipients=[owner.user], kind="deadline", target=record)
    notify(recipients=[owner.user], kind="task_assigned", target=item)
    notify(recipients=[owner.user], kind="task_assigned", target=other)
    with transaction.atomic():
        summary = delete_row(actor=owner.actor, obj=record, review=None)
    assert summary["related_deleted"]["worklist.workitem"] == 1
    assert list(WorkItem.objects.all()) == [other]
    assert list(Notification.objects.values_list("object_id", flat=True)) == [other.pk]
