from __future__ import annotations

from django.conf import settings
from django.db import models

from kssp.core.models.grants import ProtectedRecord


class SampleRecord(ProtectedRecord):
    """The smallest useful protected record: a number and a title people see, free text, an author.
    Owner, classification, handling code and the personal-data flag come from ``ProtectedRecord``."""

    number = models.CharField("number", max_length=40)
    title = models.CharField("title", max_length=200)
    body = models.TextField("text", blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.number
