"""Inter-agency bulletins: the first sharable record type, exercising the need-to-know kernel."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from kssp.bulletins.choices import BulletinKind, BulletinStatus
from kssp.core.models import ProtectedRecord, visibility_indexes


class Bulletin(ProtectedRecord):
    """A lookout, notice or alert from one unit to others. Visible beyond its owner only by grant."""

    number = models.CharField(_("number"), max_length=40)
    kind = models.CharField(_("kind"), max_length=20, choices=BulletinKind.choices, default=BulletinKind.NOTICE)
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("text"))
    status = models.CharField(_("status"), max_length=20, choices=BulletinStatus.choices, default=BulletinStatus.DRAFT)
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    issued_at = models.DateTimeField(_("issued"), null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("bulletin")
        verbose_name_plural = _("bulletins")
        constraints = [
            models.UniqueConstraint(fields=["owner_institution", "number"], name="bulletin_number_per_institution")
        ]
        indexes = visibility_indexes("bulletin")

    def __str__(self) -> str:
        return f"{self.number} {self.title}"
