"""Attachments in the API: an attachment as shown, and the multipart body that adds one."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from kssp.core.api.fields import PersonRefField
from kssp.core.api.serializers import RecordRefSerializer, StrictSerializer
from kssp.core.attachments.models import Attachment
from kssp.core.attachments.services import DESCRIPTION_MAX, NAME_MAX


class AttachmentSerializer(serializers.ModelSerializer):
    record = serializers.SerializerMethodField()
    file_name = serializers.CharField(source="original_name", read_only=True)
    uploaded_by = PersonRefField(read_only=True)
    download = serializers.SerializerMethodField(help_text="Where the file itself is served (policy-checked).")

    class Meta:
        model = Attachment
        fields = ["public_id", "record", "file_name", "media_type", "kind", "size", "sha256", "original_sha256",
                  "gps_removed", "evidential", "description", "uploaded_by", "created_at", "download"]
        read_only_fields = fields

    @extend_schema_field(RecordRefSerializer)
    def get_record(self, attachment: Attachment) -> dict[str, Any]:
        ct = attachment.content_type
        return {"type": f"{ct.app_label}.{ct.model}", "public_id": attachment.record_public_id}

    def get_download(self, attachment: Attachment) -> str:
        return f"/api/v1/attachments/{attachment.public_id}/download/"


class AttachmentCreateSerializer(StrictSerializer):
    """multipart/form-data: the record (type and public id), the file, and optionally a description and
    the evidential flag."""

    record_type = serializers.CharField(max_length=100, help_text="app_label.model, e.g. bulletins.bulletin")
    record = serializers.UUIDField(help_text="The record's public id.")
    file = serializers.FileField(max_length=NAME_MAX, allow_empty_file=False)
    description = serializers.CharField(max_length=DESCRIPTION_MAX, required=False, allow_blank=True, default="")
    evidential = serializers.BooleanField(required=False, default=False,
                                          help_text="Keep the file exactly as uploaded (no GPS removal).")
