"""Retention reviews: one row per record whose retention period ran out (or that a rule flagged), with
the proposed action, the DPO's decision and what was carried out (issue #3 point 8).

A row names its record by content type and key and by a neutral label (a number or an identifier,
never the content), so that the review list discloses nothing the DPO should not read.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from kssp.core.models.base import PublicIdModel
from kssp.core.retention.registry import Action, RetentionClass, registered_classes


class ReviewStatus(models.TextChoices):
    PROPOSED = "proposed", _("Awaiting the DPO")
    APPROVED = "approved", _("Approved, to be carried out")
    REJECTED = "rejected", _("Kept")
    EXECUTED = "executed", _("Carried out")
    FAILED = "failed", _("Failed")
    OBSOLETE = "obsolete", _("Record no longer exists")


OPEN_STATUSES = (ReviewStatus.PROPOSED, ReviewStatus.APPROVED)


class RetentionReview(PublicIdModel):
    content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, related_name="+")
    object_id = models.BigIntegerField(_("record key"))
    model_label = models.CharField(_("kind of record"), max_length=100)
    target_label = models.CharField(_("record"), max_length=200)
    target_public_id = models.UUIDField(_("record public id"), null=True, blank=True)
    owner_institution = models.ForeignKey(
        "accounts.Institution", on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("owning institution"),
    )
    class_code = models.CharField(_("retention class"), max_length=60)
    source = models.CharField(_("found by"), max_length=80)
    trigger_on = models.DateField(_("trigger date"), null=True, blank=True)
    due_on = models.DateField(_("due"))
    proposed_action = models.CharField(_("proposed action"), max_length=20, choices=Action.choices)
    status = models.CharField(_("status"), max_length=20, choices=ReviewStatus.choices, default=ReviewStatus.PROPOSED)
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("proposed by"),
    )
    proposed_at = models.DateTimeField(_("proposed"))
    proposal_reason = models.TextField(_("reason for the proposal"), blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("decided by"),
    )
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    decision_reason = models.TextField(_("reason for the decision"), blank=True)
    reconsider_on = models.DateField(_("reconsider on"), null=True, blank=True)
    executed_at = models.DateTimeField(_("carried out"), null=True, blank=True)
    outcome = models.JSONField(_("outcome"), default=dict, blank=True)

    class Meta:
        ordering = ["due_on", "pk"]
        verbose_name = _("retention review")
        verbose_name_plural = _("retention reviews")
        indexes = [
            models.Index(fields=["status", "due_on"], name="retention_status_due_idx"),
            models.Index(fields=["content_type", "object_id"], name="retention_target_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["content_type", "object_id", "class_code"],
                condition=Q(status__in=["proposed", "approved"]),
                name="retention_one_open_review_per_record",
            ),
        ]

    def __str__(self) -> str:
        return f"retention review {self.public_id}"

    @property
    def record_label(self) -> str:
        """The kind of record in the reader's language, then its number or identifier."""
        model = self.content_type.model_class() if self.content_type_id else None
        kind = capfirst(model._meta.verbose_name) if model is not None else self.model_label
        return f"{kind} {self.target_label}"

    @property
    def retention_class(self) -> RetentionClass | None:
        return registered_classes().get(self.class_code)

    @property
    def retention_class_label(self) -> str:
        rc = self.retention_class
        return str(rc.label) if rc is not None else self.class_code

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES
