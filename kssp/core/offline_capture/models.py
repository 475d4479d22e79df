"""One row per record created from a client-generated id (offline capture, idempotent submission)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class OfflineSubmission(models.Model):
    """A record created from a client UUID by offline capture (issue #7 point 3): who sent which UUID,
    for which record type, and the record it made, with a keyed digest of what was submitted.

    The record's own ``public_id`` is always made by the server; the client's UUID is only the
    idempotency key, unique per sender: the same user sending the same UUID again gets the first record
    (other content is refused), and the same UUID from someone else is theirs alone, creating their own
    record and learning nothing about anyone's. ``user`` is empty for the public site (anonymous senders
    share one key space, of random UUIDs). The row holds no content, only the digest (an HMAC keyed from
    the server secret, so that the digest of a short message cannot be confirmed by someone who only
    reads the database).
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, null=True, blank=True, related_name="+",
        verbose_name=_("sent by"),
    )
    client_uuid = models.UUIDField(_("client id"))
    model = models.CharField(_("record type"), max_length=100)
    object_id = models.BigIntegerField(_("record"))
    digest = models.CharField(_("content digest"), max_length=64)
    created_at = models.DateTimeField(_("received"), auto_now_add=True, db_index=True)

    objects: models.Manager[OfflineSubmission] = models.Manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "client_uuid"], condition=models.Q(user__isnull=False),
                                    name="offline_capture_once_per_user"),
            models.UniqueConstraint(fields=["client_uuid"], condition=models.Q(user__isnull=True),
                                    name="offline_capture_once_public"),
        ]
        verbose_name = _("offline submission")
        verbose_name_plural = _("offline submissions")

    def __str__(self) -> str:
        return f"{self.model} {self.client_uuid}"


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
