"""Attachments (issue #3 point 2): files on any protected record, kept outside any public URL."""

from __future__ import annotations

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils.translation import gettext_lazy as _

from kssp.core.models.base import PublicIdModel


class AttachmentQuerySet(models.QuerySet["Attachment"]):
    def active(self) -> AttachmentQuerySet:
        return self.filter(removed_at__isnull=True)

    def of(self, record: models.Model) -> AttachmentQuerySet:
        return self.filter(content_type=ContentType.objects.get_for_model(record), object_id=record.pk)


class Attachment(PublicIdModel):
    """A file attached to a protected record. Whoever may see the record sees its attachments; whoever
    may change the record may add and remove them.

    The file lives in the default storage (``var/files/``) under an opaque generated name, served only
    by the policy-checked download view. ``sha256`` is the hash of the stored bytes; ``original_sha256``
    the hash of what was uploaded (they differ only when the GPS position was removed, which is never
    done to an evidential file). Removal is soft: the row and the file stay for the audit trail until
    retention disposes of them.
    """

    content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, related_name="+")
    object_id = models.BigIntegerField()
    record = GenericForeignKey("content_type", "object_id")
    record_public_id = models.UUIDField(_("record"))
    # The owner follows the record (for the audit trail's institution and for retention).
    owner_institution = models.ForeignKey("accounts.Institution", on_delete=models.PROTECT, related_name="+")
    owner_unit = models.ForeignKey("accounts.Unit", on_delete=models.PROTECT, related_name="+")

    stored_name = models.CharField(max_length=200, unique=True, editable=False)
    original_name = models.CharField(_("file name"), max_length=255)
    media_type = models.CharField(_("type"), max_length=120)
    kind = models.CharField(_("kind of file"), max_length=20)
    size = models.BigIntegerField(_("size"))
    sha256 = models.CharField(_("SHA-256"), max_length=64, db_index=True)
    original_sha256 = models.CharField(_("SHA-256 of the upload"), max_length=64)
    gps_removed = models.BooleanField(_("GPS position removed"), default=False)
    evidential = models.BooleanField(
        _("evidential"), default=False, help_text=_("Evidential files are kept exactly as uploaded, metadata included.")
    )
    description = models.TextField(_("description"), blank=True)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_by_institution = models.ForeignKey("accounts.Institution", on_delete=models.PROTECT, related_name="+")

    removed_at = models.DateTimeField(_("removed"), null=True, blank=True)
    removed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    removal_reason = models.TextField(_("reason for removal"), blank=True)

    objects = AttachmentQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        indexes = [models.Index(fields=["content_type", "object_id"], name="attachment_record_idx")]

    def __str__(self) -> str:
        # No file name here: it may hold personal data, and this text goes into the audit trail in clear.
        return f"attachment {self.public_id}"

    @property
    def is_active(self) -> bool:
        return self.removed_at is None
