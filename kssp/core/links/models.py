"""Record links (issue #3 point 3): one mechanism between records of any modules."""

from __future__ import annotations

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from kssp.core.links.link_types import LinkType, link_type
from kssp.core.models.base import PublicIdModel


class RecordLinkQuerySet(models.QuerySet["RecordLink"]):
    def active(self) -> RecordLinkQuerySet:
        return self.filter(removed_at__isnull=True)

    def touching(self, record: models.Model) -> RecordLinkQuerySet:
        """Links from or to ``record``."""
        ct = ContentType.objects.get_for_model(record)
        return self.filter(Q(from_type=ct, from_id=record.pk) | Q(to_type=ct, to_id=record.pk))


class RecordLink(PublicIdModel):
    """A typed, directed link "from → to" between two protected records, evidential or not.

    Both ends are kept by content type and key (and by public id, to answer without loading them).
    Removal is soft: the row stays, with who removed it and why, for the audit and the disclosure log.
    """

    link_type = models.CharField(_("type of link"), max_length=40)
    from_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, related_name="+")
    from_id = models.BigIntegerField()
    from_public_id = models.UUIDField()
    to_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, related_name="+")
    to_id = models.BigIntegerField()
    to_public_id = models.UUIDField()
    evidential = models.BooleanField(
        _("evidential"), default=False,
        help_text=_("Evidential links go into the evidential file disclosed to the defence; the others do not."),
    )
    reason = models.TextField(_("reason"), blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_by_institution = models.ForeignKey("accounts.Institution", on_delete=models.PROTECT, related_name="+")
    removed_at = models.DateTimeField(_("removed"), null=True, blank=True)
    removed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    removal_reason = models.TextField(_("reason for removal"), blank=True)

    objects = RecordLinkQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("record link")
        verbose_name_plural = _("record links")
        indexes = [
            models.Index(fields=["from_type", "from_id"], name="link_from_idx"),
            models.Index(fields=["to_type", "to_id"], name="link_to_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["link_type", "from_type", "from_id", "to_type", "to_id"],
                condition=Q(removed_at__isnull=True),
                name="link_unique_active",
            ),
            models.CheckConstraint(condition=~Q(from_type=F("to_type"), from_id=F("to_id")), name="link_not_to_itself"),
        ]

    def __str__(self) -> str:
        return f"link {self.public_id}"

    @property
    def type(self) -> LinkType | None:
        return link_type(self.link_type)

    def label_from(self, outgoing: bool) -> str:
        spec = self.type
        return spec.label_from(outgoing) if spec is not None else self.link_type

    @property
    def is_active(self) -> bool:
        return self.removed_at is None
