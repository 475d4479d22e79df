"""Import batches in the API: the batch with its progress, the upload body, and a report row."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from kssp.core.api.fields import PersonRefField, RefField
from kssp.core.imports.messages import render, render_all
from kssp.core.imports.models import ImportBatch, ImportStatus, StagedRow
from kssp.core.imports.registry import import_type


@extend_schema_field({"type": "string", "readOnly": True, "description": (
    "One of: " + ", ".join(ImportStatus.values) + ". uploaded → validating → validated | invalid → promoting → "
    "promoted; or discarded."
)})
class ImportStatusField(serializers.CharField):
    """The workflow status, described in words: an enum named "status" would collide in the schema
    with the bulletins' (until ENUM_NAME_OVERRIDES names it)."""


class ImportBatchSerializer(serializers.ModelSerializer):
    status = ImportStatusField(read_only=True)
    import_type_label = serializers.CharField(source="type_label", read_only=True)
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    progress = serializers.IntegerField(source="progress_percent", read_only=True, help_text="Percent of rows validated.")
    failure = serializers.SerializerMethodField()
    owner_institution = RefField(read_only=True)
    owner_unit = RefField(read_only=True)
    created_by = PersonRefField(read_only=True)

    class Meta:
        model = ImportBatch
        fields = [
            "public_id", "import_type", "import_type_label", "status", "status_label", "filename", "file_format",
            "file_size", "file_sha256", "rows_total", "rows_done", "progress", "rows_valid", "rows_invalid", "rows_flagged",
            "records_created", "failure", "owner_institution", "owner_unit", "created_by", "created_at", "updated_at",
            "validated_at", "promoted_at", "discarded_at",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.CharField(allow_null=True, help_text="Why the last promotion was refused."))
    def get_failure(self, batch: ImportBatch) -> str | None:
        return render(batch.failure) if batch.failure else None


class ImportUploadSerializer(serializers.Serializer):
    """The multipart body that uploads a file."""

    import_type = serializers.CharField(max_length=60, help_text="The code of a registered import type, e.g. bulletins.")
    file = serializers.FileField(help_text="CSV (UTF-8, header row) or XLSX (first sheet).")


class RowMessageSerializer(serializers.Serializer):
    field = serializers.CharField(help_text="The column, or empty for the row as a whole.")
    label = serializers.CharField()  # type: ignore[assignment]
    message = serializers.CharField()


class StagedRowSerializer(serializers.ModelSerializer):
    outcome = serializers.SerializerMethodField()
    values = serializers.JSONField(source="raw", read_only=True, help_text="The cells as read from the file, by column.")
    errors = serializers.SerializerMethodField()  # type: ignore[assignment]  # a declared field (DRF pops it)
    warnings = serializers.SerializerMethodField()

    class Meta:
        model = StagedRow
        fields = ["row_number", "outcome", "values", "errors", "warnings"]
        read_only_fields = fields

    def _labels(self, row: StagedRow) -> dict[str, str]:
        spec = self.context.get("spec") or import_type(row.batch.import_type)
        return spec.labels() if spec else {}

    def get_outcome(self, row: StagedRow) -> str:
        return "error" if row.has_errors else ("warning" if row.has_warnings else "valid")

    @extend_schema_field(RowMessageSerializer(many=True))
    def get_errors(self, row: StagedRow) -> list[dict[str, Any]]:
        return render_all(row.errors, self._labels(row))

    @extend_schema_field(RowMessageSerializer(many=True))
    def get_warnings(self, row: StagedRow) -> list[dict[str, Any]]:
        return render_all(row.warnings, self._labels(row))
