"""Staged imports: a batch, its uploaded file, and its rows in the staging table.

Nothing here is a live record. Staged rows become records only when the batch is promoted, in one
transaction, through the owning module's services.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from kssp.core.models.base import PublicIdModel


class ImportStatus(models.TextChoices):
    UPLOADED = "uploaded", _("Waiting for validation")
    VALIDATING = "validating", _("Validating")
    VALIDATED = "validated", _("Ready to import")
    INVALID = "invalid", _("Has errors")
    PROMOTING = "promoting", _("Importing")
    PROMOTED = "promoted", _("Imported")
    DISCARDED = "discarded", _("Discarded")


ALLOWED_TRANSITIONS: dict[str, frozenset[str]] = {
    ImportStatus.UPLOADED: frozenset({ImportStatus.VALIDATING, ImportStatus.DISCARDED}),
    ImportStatus.VALIDATING: frozenset({ImportStatus.VALIDATED, ImportStatus.INVALID, ImportStatus.DISCARDED}),
    ImportStatus.VALIDATED: frozenset({ImportStatus.PROMOTING, ImportStatus.DISCARDED}),
    ImportStatus.INVALID: frozenset({ImportStatus.DISCARDED}),
    # A promotion that failed goes back to VALIDATED; one whose process died stays PROMOTING with
    # nothing written, and may be promoted again or discarded.
    ImportStatus.PROMOTING: frozenset({ImportStatus.PROMOTED, ImportStatus.VALIDATED, ImportStatus.DISCARDED}),
    ImportStatus.PROMOTED: frozenset(),
    ImportStatus.DISCARDED: frozenset(),
}
RUNNING = frozenset({ImportStatus.UPLOADED, ImportStatus.VALIDATING})
FINAL = frozenset({ImportStatus.PROMOTED, ImportStatus.DISCARDED})


class FileFormat(models.TextChoices):
    CSV = "csv", "CSV"
    XLSX = "xlsx", "XLSX"


class ImportBatch(PublicIdModel):
    """One uploaded file of one import type, owned by the uploader's unit and institution."""

    import_type = models.CharField(_("import type"), max_length=60)
    status = models.CharField(_("status"), max_length=20, choices=ImportStatus.choices, default=ImportStatus.UPLOADED)
    owner_institution = models.ForeignKey(
        "accounts.Institution", on_delete=models.PROTECT, related_name="+", verbose_name=_("owning institution")
    )
    owner_unit = models.ForeignKey("accounts.Unit", on_delete=models.PROTECT, related_name="+", verbose_name=_("owning unit"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    # Who uploaded, as the worker needs it to validate (clearance, scope, permissions) without a request.
    # Promotion never uses it: it runs as the person who promotes.
    actor_snapshot = models.JSONField(default=dict)

    filename = models.CharField(_("file name"), max_length=255)
    file_format = models.CharField(_("format"), max_length=10, choices=FileFormat.choices)
    file_size = models.PositiveIntegerField(_("size in bytes"))
    file_sha256 = models.CharField(_("SHA-256"), max_length=64)
    delimiter = models.CharField(max_length=1, blank=True)
    header = models.JSONField(default=list)

    rows_total = models.PositiveIntegerField(_("rows"), default=0)
    rows_done = models.PositiveIntegerField(_("rows validated"), default=0)
    rows_valid = models.PositiveIntegerField(_("valid rows"), default=0)
    rows_invalid = models.PositiveIntegerField(_("rows with errors"), default=0)
    rows_flagged = models.PositiveIntegerField(_("rows with warnings"), default=0)
    # The number of the last row in the last committed chunk: validation resumes after it.
    last_row_number = models.PositiveIntegerField(default=0)
    records_created = models.PositiveIntegerField(_("records created"), default=0)
    # Why the last promotion failed (a stored message, translated when shown).
    failure = models.JSONField(null=True, blank=True)

    # The validation lease: the worker holding it writes the chunks; a stale one may be taken over.
    lease_token = models.CharField(max_length=32, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)

    validated_at = models.DateTimeField(_("validated"), null=True, blank=True)
    promoted_at = models.DateTimeField(_("imported"), null=True, blank=True)
    promoted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True)
    discarded_at = models.DateTimeField(_("discarded"), null=True, blank=True)
    discarded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("import")
        verbose_name_plural = _("imports")
        indexes = [
            models.Index(fields=["created_by", "owner_institution", "-created_at"], name="import_batch_mine"),
            models.Index(fields=["status", "heartbeat_at"], name="import_batch_running"),
        ]

    def __str__(self) -> str:
        return f"{self.import_type}: {self.filename}"

    @property
    def type_label(self) -> str:
        from kssp.core.imports.registry import import_type

        spec = import_type(self.import_type)
        return str(spec.label) if spec is not None else self.import_type

    @property
    def progress_percent(self) -> int:
        if not self.rows_total:
            return 0
        return min(100, int(self.rows_done * 100 / self.rows_total))


class ImportSource(models.Model):
    """The uploaded bytes, kept in the database (so any worker can read them) until the batch ends."""

    batch = models.OneToOneField(ImportBatch, on_delete=models.CASCADE, primary_key=True, related_name="source")
    content = models.BinaryField()

    class Meta:
        verbose_name = _("import file")


class StagedRow(models.Model):
    """One row of the file: the cells as read, the clean values, and the messages about it."""

    batch = models.ForeignKey(ImportBatch, on_delete=models.CASCADE, related_name="rows")
    row_number = models.PositiveIntegerField(_("row"))
    raw = models.JSONField(default=dict)
    cleaned = models.JSONField(null=True, blank=True)
    errors = models.JSONField(default=list)
    warnings = models.JSONField(default=list)
    has_errors = models.BooleanField(default=False)
    has_warnings = models.BooleanField(default=False)

    class Meta:
        ordering = ["batch", "row_number"]
        verbose_name = _("staged row")
        constraints = [models.UniqueConstraint(fields=["batch", "row_number"], name="staged_row_once")]
        indexes = [models.Index(fields=["batch", "has_errors", "row_number"], name="staged_row_errors")]

    def __str__(self) -> str:
        return f"{self.batch_id}#{self.row_number}"
