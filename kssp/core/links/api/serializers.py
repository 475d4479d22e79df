"""Record links in the API: a link as shown, and the body that creates one."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from kssp.core.api.fields import PersonRefField
from kssp.core.api.serializers import RecordRefSerializer, StrictSerializer
from kssp.core.links.link_types import link_types
from kssp.core.links.models import RecordLink
from kssp.core.links.services import REASON_MAX


class RecordEndSerializer(StrictSerializer):
    type = serializers.CharField(max_length=100, help_text="app_label.model, e.g. bulletins.bulletin")
    public_id = serializers.UUIDField()


class RecordLinkSerializer(serializers.ModelSerializer):
    type = serializers.CharField(source="link_type", read_only=True, help_text="The link type's code.")
    label = serializers.SerializerMethodField(help_text="Read from the source: “derived from”.")  # type: ignore[assignment]
    inverse_label = serializers.SerializerMethodField(help_text="Read from the target: “source of”.")
    # Declared fields are popped from the class by DRF's metaclass: these do not shadow Field.source.
    source = serializers.SerializerMethodField()  # type: ignore[assignment]
    target = serializers.SerializerMethodField()
    created_by = PersonRefField(read_only=True)

    class Meta:
        model = RecordLink
        fields = ["public_id", "type", "label", "inverse_label", "source", "target", "evidential", "reason", "created_by",
                  "created_at", "removed_at", "removal_reason"]
        read_only_fields = fields

    def get_label(self, link: RecordLink) -> str:
        return link.label_from(True)

    def get_inverse_label(self, link: RecordLink) -> str:
        return link.label_from(False)

    @extend_schema_field(RecordRefSerializer)
    def get_source(self, link: RecordLink) -> dict[str, Any]:
        return {"type": f"{link.from_type.app_label}.{link.from_type.model}", "public_id": link.from_public_id}

    @extend_schema_field(RecordRefSerializer)
    def get_target(self, link: RecordLink) -> dict[str, Any]:
        return {"type": f"{link.to_type.app_label}.{link.to_type.model}", "public_id": link.to_public_id}


class RecordLinkCreateSerializer(StrictSerializer):
    """Link ``source`` → ``target`` (the link reads from the source: “source derived from target”)."""

    type = serializers.ChoiceField(choices=[], help_text="A registered link type.")
    source = RecordEndSerializer()  # type: ignore[assignment]
    target = RecordEndSerializer()
    evidential = serializers.BooleanField(required=False, allow_null=True, default=None,
                                          help_text="Omit to take the type's default.")
    reason = serializers.CharField(max_length=REASON_MAX, required=False, allow_blank=True, default="",
                                   help_text="Required for an evidential link.")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["type"].choices = [(code, spec.en[0]) for code, spec in link_types().items()]  # type: ignore[attr-defined]


class ConnectedRecordSerializer(serializers.Serializer):
    type = serializers.CharField(read_only=True, help_text="app_label.model, e.g. parties.person")
    public_id = serializers.UUIDField(read_only=True)
    title = serializers.CharField(read_only=True, help_text="The record's display name for you (a protected person pseudonymised).")
    number = serializers.CharField(read_only=True, allow_blank=True)


class ConnectionSerializer(serializers.Serializer):
    """One link of a record as its links panel shows it: a party's role in a record (``kind`` "role",
    a party link) or a typed record link (``kind`` "record_link"), read from the record asked about."""

    kind = serializers.ChoiceField(choices=["role", "record_link"], read_only=True)
    public_id = serializers.UUIDField(read_only=True, help_text="The party link's or the record link's id (to remove it).")
    # DRF's metaclass takes declared fields out of the class, so ``label`` never shadows Field.label at
    # run time; mypy sees the class attribute.
    label = serializers.CharField(  # type: ignore[assignment]
        read_only=True, help_text="The role (“Subject of the record (Suspect)”) or the link read from this record."
    )
    other = ConnectedRecordSerializer(read_only=True)
    role = serializers.CharField(read_only=True, allow_blank=True)
    subject_category = serializers.CharField(read_only=True, allow_blank=True)
    nature = serializers.CharField(read_only=True, allow_blank=True)
    protected_witness = serializers.BooleanField(read_only=True)
    juvenile = serializers.BooleanField(read_only=True)
    link_type = serializers.CharField(read_only=True, allow_blank=True)
    evidential = serializers.BooleanField(read_only=True)
    reason = serializers.CharField(read_only=True, allow_blank=True, help_text="The record link's reason or the role's note.")
    can_remove = serializers.BooleanField(read_only=True)
    created_at = serializers.DateTimeField(read_only=True)
