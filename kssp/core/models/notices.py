from __future__ import annotations

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils.translation import gettext_lazy as _

from kssp.core.models.base import PublicIdModel


class HitNotice(PublicIdModel):
    """Existence-only exception (issue #2 point 4): someone outside the owner's reach searched and hit
    this record. The searcher learns only "possible match held by unit X"; the owner learns who asked,
    for what purpose, and may decide to share by grant."""

    content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, related_name="+")
    object_id = models.BigIntegerField()
    owner_institution = models.ForeignKey("accounts.Institution", on_delete=models.PROTECT, related_name="+")
    owner_unit = models.ForeignKey("accounts.Unit", on_delete=models.PROTECT, related_name="hit_notices")
    searcher = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    searcher_institution = models.ForeignKey("accounts.Institution", on_delete=models.PROTECT, related_name="+")
    searcher_unit = models.ForeignKey("accounts.Unit", on_delete=models.PROTECT, related_name="+")
    purpose = models.CharField(_("purpose"), max_length=300)
    acknowledged_at = models.DateTimeField(_("acknowledged"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("hit notice")
        verbose_name_plural = _("hit notices")

    def __str__(self) -> str:
        return f"hit {self.public_id}"


class NumberSequence(models.Model):
    """Per-institution, per-year counters for user-facing numbers (BUL-KP-2026-000123)."""

    key = models.CharField(max_length=60)
    year = models.PositiveSmallIntegerField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["key", "year"], name="number_sequence_unique")]
