"""Retention of notifications (issue #3 point 8): a year after they were made, then deleted; and a
record's notifications go with the record."""

from __future__ import annotations

from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils.translation import gettext_lazy as _

from kssp.core.retention import classes as c
from kssp.core.retention.registry import (
    Action,
    Period,
    RetentionClass,
    Trigger,
    declare,
    delete_row,
    register_class,
    register_erasure_hook,
)

NOTIFICATIONS = register_class(RetentionClass(
    code="notifications",
    label=_("Notifications"),
    period=Period(years=1),
    trigger=Trigger.CREATED,
    action=Action.DELETE,
    legal_basis=f"{c.LED} Art. 4(1)(e) and 5 (storage limitation)",
    purpose=_("Telling staff of hit notices, deadlines, approvals, tasks and grant changes"),
    data_subjects=(c.STAFF,),
    data_categories=(
        _("recipient, kind, when read and when e-mailed"),
        _("names of the colleagues, units and institutions involved; the purpose given for a check"),
    ),
    recipients=(_("the recipient only"),),
    controller=c.OPERATOR,
    note=_("A notification never stores the title or content of the record it is about."),
))

declare(
    "notifications.Notification", NOTIFICATIONS, trigger_field="created_at", institution_field="recipient_institution",
    label_field="kind", handlers={Action.DELETE: delete_row},
)
declare("notifications.NotificationPreference", c.STAFF_ACCOUNTS)


def erase_for_record(record: models.Model) -> int:
    """Delete the notifications about ``record`` (its retention ran out)."""
    from kssp.core.notifications.models import Notification

    ct = ContentType.objects.get_for_model(type(record))
    count, _detail = Notification.objects.filter(content_type=ct, object_id=record.pk).delete()
    return count


register_erasure_hook("notifications.notification", erase_for_record)
