"""Retention of tasks (issue #3 point 8): a task is kept with its record and erased with it."""

from __future__ import annotations

from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils.translation import gettext_lazy as _

from kssp.core.retention import classes as c
from kssp.core.retention.registry import Action, Period, RetentionClass, Trigger, declare, register_class, register_erasure_hook

WORK_ITEMS = register_class(RetentionClass(
    code="work-items",
    label=_("Tasks on records"),
    period=Period(),
    trigger=Trigger.NONE,
    action=Action.REVIEW,
    legal_basis=f"{c.LED} Art. 4(1)(e) and 5; the legal basis of the record the task belongs to",
    purpose=_("Assigning and following up work on a record, with deadlines"),
    data_subjects=(c.STAFF, _("persons named in the record")),
    data_categories=(_("what is to be done, by whom, by when, and its status"),),
    recipients=(_("whoever may see the record"),),
    note=_("Kept and reviewed with the record it belongs to, and erased with it; its audit history is encrypted "
           "under the record's key and crypto-shredded with the record's."),
))

declare("worklist.WorkItem", WORK_ITEMS, institution_field="record_institution", label_field="title")


def erase_for_record(record: models.Model) -> int:
    """Delete the tasks of ``record`` and the notifications about them (the record's retention ran out)."""
    from kssp.core.notifications.models import Notification
    from kssp.core.worklist.models import WorkItem

    items = WorkItem.objects.filter(content_type=ContentType.objects.get_for_model(type(record)), object_id=record.pk)
    ids = list(items.values_list("pk", flat=True))
    if not ids:
        return 0
    Notification.objects.filter(content_type=ContentType.objects.get_for_model(WorkItem), object_id__in=ids).delete()
    count, _detail = WorkItem.objects.filter(pk__in=ids).delete()
    return count


register_erasure_hook("worklist.workitem", erase_for_record)
