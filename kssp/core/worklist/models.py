"""Tasks attached to records of any module (issue #3 point 4): a work item.

A work item belongs to one record (content type, id and public id) and is seen by whoever may see
that record (``policies.WorkItemPolicy``). It is assigned to a person (``assignee``, with the unit of
the membership chosen) or to a unit as a whole (``assignee`` empty). Its deadline is either a moment
(``due_at``, hour-based, stored in UTC) or a calendar day (``due_date``, overdue from the next local
midnight); ``due_moment`` is the instant it falls due, kept for sorting. ``overdue`` and
``overdue_since`` are maintained by the sweeper job ``worklist.overdue`` from that stored state, which
also notifies the assignee once (``overdue_notified_at``).
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kssp.core.models.base import PublicIdModel
from kssp.core.models.scoping import every_row
from kssp.core.worklist.choices import WorkItemStatus


def due_moment_of(due_at: dt.datetime | None, due_date: dt.date | None) -> dt.datetime | None:
    """The instant a task falls due: ``due_at``, or the local midnight that ends ``due_date``."""
    if due_at is not None:
        return due_at
    if due_date is not None:
        return timezone.make_aware(dt.datetime.combine(due_date + dt.timedelta(days=1), dt.time.min))
    return None


class WorkItem(PublicIdModel):
    content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, related_name="+")
    object_id = models.BigIntegerField()
    record_public_id = models.UUIDField(_("record public id"), db_index=True)
    record_institution = models.ForeignKey(
        "accounts.Institution", on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("record's institution"),
    )
    title = models.CharField(_("task"), max_length=200)
    description = models.TextField(_("details"), blank=True)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="work_items",
        verbose_name=_("assignee"),
    )
    assigned_unit = models.ForeignKey(
        "accounts.Unit", on_delete=models.PROTECT, related_name="work_items", verbose_name=_("unit")
    )
    due_at = models.DateTimeField(_("due (date and time)"), null=True, blank=True)
    due_date = models.DateField(_("due (day)"), null=True, blank=True)
    due_moment = models.DateTimeField(null=True, blank=True, editable=False)
    status = models.CharField(_("status"), max_length=20, choices=WorkItemStatus.choices, default=WorkItemStatus.OPEN)
    overdue = models.BooleanField(_("overdue"), default=False)
    overdue_since = models.DateTimeField(_("overdue since"), null=True, blank=True)
    overdue_notified_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_by_institution = models.ForeignKey("accounts.Institution", on_delete=models.PROTECT, related_name="+")
    completed_at = models.DateTimeField(_("done"), null=True, blank=True)
    completed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    cancelled_at = models.DateTimeField(_("cancelled"), null=True, blank=True)
    cancelled_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    status_reason = models.TextField(_("reason"), blank=True)

    class Meta:
        ordering = ["-overdue", "due_moment", "created_at"]
        verbose_name = _("task")
        verbose_name_plural = _("tasks")
        indexes = [
            models.Index(fields=["content_type", "object_id"], name="work_item_record_idx"),
            models.Index(fields=["assignee", "status"], name="work_item_assignee_idx"),
            models.Index(fields=["assigned_unit", "status"], name="work_item_unit_idx"),
            models.Index(fields=["status", "overdue"], name="work_item_overdue_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                name="work_item_one_kind_of_due", condition=Q(due_at__isnull=True) | Q(due_date__isnull=True)
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("worklist:work_item_detail", args=[self.public_id])

    @property
    def record(self) -> models.Model | None:
        """The record the task belongs to (loaded once)."""
        if not hasattr(self, "_record"):
            model = self.content_type.model_class()
            self._record = (
                every_row(model, reason="the record of a task the reader was allowed to open").filter(pk=self.object_id).first()
                if model is not None else None
            )
        return self._record

    @property
    def due(self) -> dt.datetime | dt.date | None:
        return self.due_at or self.due_date

    @property
    def is_open(self) -> bool:
        return self.status == WorkItemStatus.OPEN
