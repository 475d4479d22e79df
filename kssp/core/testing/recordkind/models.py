from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from kssp.core.models.grants import ProtectedRecord


class SampleKind(models.TextChoices):
    LOOKOUT = "lookout", _("Lookout")
    NOTICE = "notice", _("Notice")
    ALERT = "alert", _("Alert")


class SampleRecord(ProtectedRecord):
    """A small protected record with the shapes kernel tests need: a number and a title people see,
    free text, a kind (a choice), an optional date, an author. Owner, classification, handling code and
    the personal-data flag come from ``ProtectedRecord``."""

    number = models.CharField("number", max_length=40)
    kind = models.CharField("kind", max_length=20, choices=SampleKind.choices, default=SampleKind.NOTICE)
    title = models.CharField("title", max_length=200)
    body = models.TextField("text", blank=True)
    valid_until = models.DateField("valid until", null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.number
