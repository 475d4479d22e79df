"""The audit trail (ARCHITECTURE rule 6): append-only, dense sequence, HMAC chain, signed anchors.

The chain covers a digest of each payload, not the payload itself, and payloads holding personal data
are encrypted with a per-subject key (``AuditDataKey``). Retention erases such payloads by destroying
the key (crypto-shredding); the chain still verifies. On PostgreSQL triggers (migrations 0002 and 0005)
refuse UPDATE and DELETE of events and anchors, let the head move only to the last event, and let a data
key change only by being destroyed; the code issues nothing else.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class AuditEvent(models.Model):
    class Source(models.TextChoices):
        WEB = "web", _("Web")
        API = "api", _("API")
        TASK = "task", _("Task")
        CLI = "cli", _("Command line")
        SYSTEM = "system", _("System")

    class Category(models.TextChoices):
        WRITE = "write", _("Change")
        CONSULTATION = "consultation", _("Consultation")
        DISCLOSURE = "disclosure", _("Disclosure")
        SECURITY = "security", _("Security")
        SYSTEM = "system", _("System")

    seq = models.BigIntegerField(_("sequence"), unique=True)
    occurred_at = models.DateTimeField(_("time"), db_index=True)
    event_type = models.CharField(_("event type"), max_length=80, db_index=True)
    category = models.CharField(_("category"), max_length=20, choices=Category.choices, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.DO_NOTHING, db_constraint=False, null=True, blank=True,
        related_name="+", verbose_name=_("actor"),
    )
    actor_label = models.CharField(_("actor"), max_length=200)
    membership_id = models.BigIntegerField(_("membership"), null=True, blank=True)
    actor_institution_id = models.BigIntegerField(_("actor's institution"), null=True, blank=True, db_index=True)
    source = models.CharField(_("source"), max_length=10, choices=Source.choices)
    request_id = models.CharField(_("request id"), max_length=36, blank=True)
    ip = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    target_type = models.CharField(_("record type"), max_length=100, blank=True, db_index=True)
    target_id = models.CharField(_("record id"), max_length=64, blank=True)
    target_public_id = models.UUIDField(_("record public id"), null=True, blank=True, db_index=True)
    target_repr = models.CharField(_("record"), max_length=300, blank=True)
    target_institution_id = models.BigIntegerField(_("record's institution"), null=True, blank=True, db_index=True)
    reason = models.TextField(_("reason"), blank=True)
    purpose = models.CharField(_("purpose"), max_length=300, blank=True)
    case_ref = models.CharField(_("case reference"), max_length=100, blank=True)
    payload = models.JSONField(_("payload"), null=True, blank=True)
    payload_ciphertext = models.BinaryField(_("encrypted payload"), null=True, blank=True)
    data_key_id = models.BigIntegerField(_("data key"), null=True, blank=True)
    payload_digest = models.CharField(_("payload digest"), max_length=64)
    prev_hmac = models.CharField(max_length=64)
    hmac = models.CharField(max_length=64)

    class Meta:
        ordering = ["seq"]
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        indexes = [models.Index(fields=["target_type", "target_id"], name="audit_target_idx")]

    def __str__(self) -> str:
        return f"#{self.seq} {self.event_type}"

    @property
    def actor_username(self) -> str:
        """The login alone; role and institution have their own column."""
        return self.actor_label.split(" (", 1)[0]


class AuditHead(models.Model):
    """The single row holding the chain's head; writers lock it, which assigns a dense sequence."""

    seq = models.BigIntegerField(default=0)
    hmac = models.CharField(max_length=64, default="0" * 64)
    updated_at = models.DateTimeField(auto_now=True)


class AuditAnchor(models.Model):
    """A signed statement of the chain head (Ed25519), so that a removed tail or a rewritten chain is detected.

    ``manage.py audit_anchor`` (and the sweeper, at least daily) signs the head whenever it has moved since
    the last anchor, and appends the same anchor to a file outside the database (``KSSP_AUDIT_ANCHOR_FILE``).
    The verifier trusts only the public keys pinned in the settings; ``public_key`` here is for the reader.
    Version 1 anchors (one a day, before the file existed) signed ``day|seq|hmac``; version 2 signs
    ``signed_at|seq|hmac``.
    """

    version = models.PositiveSmallIntegerField(default=2)
    day = models.DateField()
    signed_at = models.DateTimeField()
    seq = models.BigIntegerField()
    hmac = models.CharField(max_length=64)
    signature = models.CharField(max_length=128)
    public_key = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["seq", "signed_at"]
        constraints = [
            # One anchor per head (version 1 signed the same head again on quiet days).
            models.UniqueConstraint(fields=["seq"], condition=models.Q(version__gte=2), name="audit_anchor_one_per_head")
        ]


class AuditDataKey(models.Model):
    """The key that encrypts audit payloads about one subject record; destroying it shreds them.

    A subject has at most one live key. Once a key is destroyed it stays destroyed (the row keeps
    ``shredded_at`` and the reason): later events about the same subject get a new row, so a shredded
    payload is always told apart from one that cannot be decrypted.
    """

    subject_type = models.CharField(max_length=100)
    subject_id = models.CharField(max_length=64)
    wrapped_key = models.BinaryField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    shredded_at = models.DateTimeField(null=True, blank=True)
    shred_reason = models.TextField(blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["subject_type", "subject_id"],
                condition=models.Q(shredded_at__isnull=True),
                name="audit_data_key_live_subject_unique",
            )
        ]
