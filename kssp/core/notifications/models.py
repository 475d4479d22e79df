"""Notifications: an in-app inbox per person, with optional e-mail (issue #3 point 4).

A notification names its recipient (a user) and, optionally, the membership, unit and institution it
was addressed to (a hit notice goes to the members of the owning unit; a grant to a user is bound to
an institution). It may point at a record (content type, id and public id); the record is linked and
named only if the reader may see it when reading (``selectors.attach_targets``), and its title is never
stored here. E-mail delivery is recorded (``emailed_at``) so that it happens once.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from kssp.core.models.base import PublicIdModel, TimeStampedModel


class NotificationQuerySet(models.QuerySet["Notification"]):
    def unread(self) -> NotificationQuerySet:
        return self.filter(read_at__isnull=True)


class Notification(PublicIdModel):
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="notifications", verbose_name=_("recipient")
    )
    recipient_membership = models.ForeignKey(
        "accounts.Membership", on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("addressed to membership"),
    )
    recipient_unit = models.ForeignKey(
        "accounts.Unit", on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("addressed to unit")
    )
    recipient_institution = models.ForeignKey(
        "accounts.Institution", on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("addressed to institution"),
    )
    kind = models.CharField(_("kind"), max_length=60)
    content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    object_id = models.BigIntegerField(null=True, blank=True)
    target_public_id = models.UUIDField(_("record public id"), null=True, blank=True)
    context = models.JSONField(_("context"), default=dict, blank=True)
    #: Makes ``notify`` idempotent per recipient (e.g. "work_item.overdue:12:2026-03-29").
    dedupe_key = models.CharField(max_length=200, blank=True)
    read_at = models.DateTimeField(_("read"), null=True, blank=True)
    email_due = models.BooleanField(_("to be e-mailed"), default=False)
    email_claimed_at = models.DateTimeField(null=True, blank=True)
    email_attempts = models.PositiveSmallIntegerField(default=0)
    emailed_at = models.DateTimeField(_("e-mailed"), null=True, blank=True)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        indexes = [
            models.Index(fields=["recipient", "read_at"], name="notification_unread_idx"),
            models.Index(fields=["recipient", "-created_at"], name="notification_inbox_idx"),
            models.Index(fields=["email_due", "emailed_at"], name="notification_email_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "dedupe_key"], condition=~Q(dedupe_key=""), name="notification_dedupe_unique"
            ),
            models.CheckConstraint(
                name="notification_target_shape",
                condition=Q(content_type__isnull=True, object_id__isnull=True)
                | Q(content_type__isnull=False, object_id__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} → {self.recipient_id}"

    @property
    def is_read(self) -> bool:
        return self.read_at is not None


class NotificationPreference(TimeStampedModel):
    """Whether a user also wants one kind of notification by e-mail (absent: the kind's default)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="notification_preferences")
    kind = models.CharField(_("kind"), max_length=60)
    email = models.BooleanField(_("also by e-mail"), default=False)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "kind"], name="notification_preference_unique")]
        verbose_name = _("notification preference")
        verbose_name_plural = _("notification preferences")

    def __str__(self) -> str:
        return f"{self.user_id}:{self.kind}={'email' if self.email else 'app'}"
