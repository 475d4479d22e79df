"""One row per record created from a client-generated id (offline capture, idempotent submission)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class OfflineSubmission(models.Model):
    """The client id a record was created from, with a keyed digest of what was submitted.

    A second submission with the same ``(model, public_id)`` is answered from here: the same content
    returns the first record, other content (or another submitter) is refused. The row holds no
    content, only the digest (an HMAC keyed from the server secret, so that the digest of a short
    message cannot be confirmed by someone who only reads the database).
    """

    model = models.CharField(_("record type"), max_length=100)
    public_id = models.UUIDField(_("client id"))
    object_id = models.BigIntegerField(_("record"))
    digest = models.CharField(_("content digest"), max_length=64)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("submitted by"),
    )
    created_at = models.DateTimeField(_("received"), auto_now_add=True, db_index=True)

    objects: models.Manager[OfflineSubmission] = models.Manager()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["model", "public_id"], name="offline_submission_once")]
        verbose_name = _("offline submission")
        verbose_name_plural = _("offline submissions")

    def __str__(self) -> str:
        return f"{self.model} {self.public_id}"


class FormSubmission(models.Model):
    """The form token a page's create form was sent with (issue #7 point 2): pressing Back and sending
    the same page again answers with the first record instead of creating a second.

    Keyed by who sent it (``scope``: the user, or the public site) and a keyed digest of the token (the
    token itself is never stored). ``extra`` holds what the first answer showed that cannot be derived
    again (the public site's tracking code), encrypted with a key derived from the token, so that only
    the one who holds the page can read it back.
    """

    scope = models.CharField(_("sender"), max_length=64)
    token = models.CharField(_("form token digest"), max_length=64)
    model = models.CharField(_("record type"), max_length=100)
    object_id = models.BigIntegerField(_("record"))
    extra = models.BinaryField(_("encrypted answer"), blank=True, default=b"")
    created_at = models.DateTimeField(_("received"), auto_now_add=True, db_index=True)

    objects: models.Manager[FormSubmission] = models.Manager()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["scope", "token"], name="form_submission_once")]
        verbose_name = _("form submission")
        verbose_name_plural = _("form submissions")

    def __str__(self) -> str:
        return f"{self.model} {self.object_id}"
