"""Messages from the public to the institutions: the first submission on the public site."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from kssp.core.models import ProtectedRecord
from kssp.portal.choices import CONTACT_MAX, SubmissionStatus, SubmissionTopic


class PublicSubmission(ProtectedRecord):
    """A message sent through the public site, owned by the receiving unit (a setting).

    It records no address, no browser and no account: only what the sender typed, the language, and
    the hash of the tracking code the sender was given (the code itself is never stored). It always
    counts as holding personal data (people write about people), so every staff reading is logged.
    """

    topic = models.CharField(_("topic"), max_length=20, choices=SubmissionTopic.choices)
    message = models.TextField(_("message"))
    contact = models.CharField(_("contact details given"), max_length=CONTACT_MAX, blank=True)
    language = models.CharField(_("language"), max_length=10)
    status = models.CharField(_("status"), max_length=20, choices=SubmissionStatus.choices, default=SubmissionStatus.RECEIVED)
    public_reply = models.TextField(_("answer to the sender"), blank=True)
    answered_at = models.DateTimeField(_("answered"), null=True, blank=True)
    tracking_code_hash = models.CharField(max_length=64, unique=True, editable=False)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("message from the public")
        verbose_name_plural = _("messages from the public")
        indexes = [models.Index(fields=["owner_unit", "status"], name="portal_sub_unit_status_idx")]

    def __str__(self) -> str:
        return f"PUB {self.public_id}"
