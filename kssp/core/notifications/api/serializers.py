"""Notifications in the API: the reader's own, with the record only while the reader may see it."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from kssp.core.api.serializers import StrictSerializer
from kssp.core.notifications.selectors import InboxItem
from kssp.core.notifications.targets import model_label


class NotificationRecordSerializer(serializers.Serializer):
    type = serializers.CharField(read_only=True, help_text="app_label.model, e.g. bulletins.bulletin")
    public_id = serializers.UUIDField(read_only=True)
    label = serializers.CharField(read_only=True)  # type: ignore[assignment]
    url = serializers.CharField(read_only=True, allow_null=True, help_text="The record's page in the web interface.")


class NotificationSerializer(serializers.Serializer):
    """Serializes a ``selectors.InboxItem`` (a notification as it reads for the actor now)."""

    public_id = serializers.UUIDField(read_only=True)
    kind = serializers.SerializerMethodField()
    kind_label = serializers.SerializerMethodField()
    message = serializers.CharField(read_only=True, help_text="In the language of the request.")
    record = serializers.SerializerMethodField()
    record_hidden = serializers.SerializerMethodField()
    created_at = serializers.SerializerMethodField()
    read_at = serializers.SerializerMethodField()

    def get_kind(self, item: InboxItem) -> str:
        return item.notification.kind

    def get_kind_label(self, item: InboxItem) -> str:
        return str(item.kind.label) if item.kind else item.notification.kind

    @extend_schema_field(NotificationRecordSerializer(allow_null=True))
    def get_record(self, item: InboxItem) -> dict[str, Any] | None:
        if item.record is None:
            return None
        return {"type": model_label(item.record), "public_id": item.record.public_id, "label": item.record_label,
                "url": item.record_url}

    def get_record_hidden(self, item: InboxItem) -> bool:
        """True when the notification is about a record the actor may not see now (nothing of it is shown)."""
        return item.had_target and item.record is None

    @extend_schema_field(serializers.DateTimeField())
    def get_created_at(self, item: InboxItem) -> Any:
        return serializers.DateTimeField().to_representation(item.notification.created_at)

    @extend_schema_field(serializers.DateTimeField(allow_null=True))
    def get_read_at(self, item: InboxItem) -> Any:
        value = item.notification.read_at
        return serializers.DateTimeField().to_representation(value) if value else None


class MarkAllReadSerializer(StrictSerializer):
    kind = serializers.CharField(max_length=60, required=False, allow_blank=True, default="",
                                 help_text="Only this kind (empty: every kind).")


class MarkAllReadResultSerializer(serializers.Serializer):
    marked = serializers.IntegerField(read_only=True)
