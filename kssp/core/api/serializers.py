"""Serializers shared by every module's API: the error shape, references to other records, grants,
the audit trail and the markings catalogue.

Serializers parse and render; they hold no business rule (ARCHITECTURE rule 4) and never save: the
viewsets hand ``validated_data`` to a service.
"""

from __future__ import annotations

from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from kssp.core.models.audit import AuditEvent
from kssp.core.models.grants import Grant


class StrictSerializerMixin:
    # Refuse keys the serializer does not accept (unknown or read-only) instead of dropping them: a
    # client that believes it changed a field must not be told "200" while nothing changed. (A comment,
    # not a docstring: the schema would show it as every serializer's description.)

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, dict):
            writable = {name for name, f in self.fields.items() if not f.read_only}  # type: ignore[attr-defined]
            unknown = sorted(set(data) - writable)
            if unknown:
                raise serializers.ValidationError({name: [_("This field cannot be set here.")] for name in unknown})
        return super().to_internal_value(data)  # type: ignore[misc]


class StrictSerializer(StrictSerializerMixin, serializers.Serializer):
    pass


class StrictModelSerializer(StrictSerializerMixin, serializers.ModelSerializer):
    pass


# --- the error shape (for the schema; the handler builds the dicts) -------------------------------


class ErrorDetailSerializer(serializers.Serializer):
    code = serializers.CharField(help_text="A stable, machine-readable code (invalid, not_found, payload_too_large…).")
    message = serializers.CharField(help_text="A translated sentence for people.")
    # Declared fields are popped from the class by DRF's metaclass, so this does not shadow ``.fields``.
    fields = serializers.DictField(  # type: ignore[assignment]
        child=serializers.ListField(child=serializers.CharField()),
        help_text="Messages per field of the request (dotted paths for nested ones); empty when none.",
    )


class ErrorSerializer(serializers.Serializer):
    error = ErrorDetailSerializer()


# --- references to related records --------------------------------------------------------------


class RefSerializer(serializers.Serializer):
    """A record with a public id, a code and a name (institution, unit)."""

    public_id = serializers.UUIDField(read_only=True)
    code = serializers.CharField(read_only=True)
    name = serializers.CharField(read_only=True)


class CodeRefSerializer(serializers.Serializer):
    """Reference data addressed by its code (role, district, country…)."""

    code = serializers.CharField(read_only=True)
    name = serializers.CharField(read_only=True)


class PersonRefSerializer(serializers.Serializer):
    public_id = serializers.UUIDField(read_only=True)
    username = serializers.CharField(read_only=True)
    name = serializers.CharField(source="__str__", read_only=True)


class RecordRefSerializer(serializers.Serializer):
    type = serializers.CharField(read_only=True, help_text="app_label.model, e.g. bulletins.bulletin")
    public_id = serializers.UUIDField(read_only=True)


class ReasonSerializer(StrictSerializer):
    reason = serializers.CharField(max_length=2000, help_text="Why; kept in the audit trail.")


# --- grants ------------------------------------------------------------------------------------------


def record_label(content_type_id: int) -> str:
    ct = ContentType.objects.get_for_id(content_type_id)
    return f"{ct.app_label}.{ct.model}"


class GrantSerializer(StrictSerializer):
    """A grant as shown, and the body that creates one (grantee by public id)."""

    public_id = serializers.UUIDField(read_only=True)
    kind = serializers.ChoiceField(choices=Grant.Kind.choices, default=Grant.Kind.SHARE)
    grantee_type = serializers.ChoiceField(choices=Grant.GranteeType.choices)
    institution = serializers.UUIDField(
        write_only=True, required=False, allow_null=True,
        help_text="Institution shared with; for a named user, the institution the user acts for.",
    )
    unit = serializers.UUIDField(
        write_only=True, required=False, allow_null=True, help_text="Unit shared with (and its sub-units)."
    )
    user = serializers.UUIDField(write_only=True, required=False, allow_null=True, help_text="Named user shared with.")
    reason = serializers.CharField(max_length=2000)
    legal_basis = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")
    may_reshare = serializers.BooleanField(required=False, default=False)
    expires_at = serializers.DateTimeField(required=False, allow_null=True, default=None)
    grantee_institution = serializers.SerializerMethodField()
    grantee_unit = serializers.SerializerMethodField()
    grantee_user = serializers.SerializerMethodField()
    granted_by = serializers.SerializerMethodField()
    record = serializers.SerializerMethodField()
    is_active = serializers.BooleanField(read_only=True)
    created_at = serializers.DateTimeField(read_only=True)
    revoked_at = serializers.DateTimeField(read_only=True, allow_null=True)
    revoke_reason = serializers.CharField(read_only=True)

    @extend_schema_field(RefSerializer)
    def get_grantee_institution(self, grant: Grant) -> dict[str, Any]:
        return RefSerializer(grant.grantee_institution).data

    @extend_schema_field(RefSerializer(allow_null=True))
    def get_grantee_unit(self, grant: Grant) -> dict[str, Any] | None:
        return RefSerializer(grant.grantee_unit).data if grant.grantee_unit_id else None

    @extend_schema_field(PersonRefSerializer(allow_null=True))
    def get_grantee_user(self, grant: Grant) -> dict[str, Any] | None:
        return PersonRefSerializer(grant.grantee_user).data if grant.grantee_user_id else None

    @extend_schema_field(PersonRefSerializer(allow_null=True))
    def get_granted_by(self, grant: Grant) -> dict[str, Any] | None:
        return PersonRefSerializer(grant.granted_by).data if grant.granted_by_id else None

    @extend_schema_field(RecordRefSerializer)
    def get_record(self, grant: Grant) -> dict[str, Any]:
        """The shared record: from the context (one record's grants) or the map the list built."""
        record = self.context.get("record")
        if record is not None:
            public_id = record.public_id
        else:
            public_id = self.context.get("record_public_ids", {}).get((grant.content_type_id, grant.object_id))
        return {"type": record_label(grant.content_type_id), "public_id": public_id}


# --- the audit trail ------------------------------------------------------------------------------


class AuditEventSerializer(serializers.ModelSerializer):
    event_label = serializers.SerializerMethodField()

    class Meta:
        model = AuditEvent
        fields = [
            "seq", "occurred_at", "event_type", "event_label", "category", "actor_label", "source", "request_id", "ip",
            "target_type", "target_public_id", "target_repr", "reason", "purpose", "case_ref", "payload_digest", "hmac",
        ]
        read_only_fields = fields

    def get_event_label(self, event: AuditEvent) -> str:
        from kssp.core.audit import registered_types

        spec = registered_types().get(event.event_type)
        return str(spec.label) if spec else event.event_type


class AuditEventDetailSerializer(AuditEventSerializer):
    """One event with its payload (before/after values), decrypted when its key still exists."""

    payload = serializers.SerializerMethodField()
    payload_shredded = serializers.SerializerMethodField()
    payload_state = serializers.SerializerMethodField()

    class Meta(AuditEventSerializer.Meta):
        fields = [*AuditEventSerializer.Meta.fields, "payload", "payload_shredded", "payload_state"]
        read_only_fields = fields

    @extend_schema_field({"type": "object", "additionalProperties": True, "nullable": True})
    def get_payload(self, event: AuditEvent) -> dict[str, Any] | None:
        return self.context.get("payload")

    @extend_schema_field({"type": "string", "enum": ["plain", "decrypted", "empty", "shredded", "undecryptable"]})
    def get_payload_state(self, event: AuditEvent) -> str:
        return str(self.context.get("payload_state", ""))

    def get_payload_shredded(self, event: AuditEvent) -> bool:
        """Only an erasure by retention; a payload that cannot be decrypted otherwise is ``payload_state``
        "undecryptable" (tampering), never reported as shredded."""
        return self.context.get("payload_state") == "shredded"


# --- markings ------------------------------------------------------------------------------------


class MarkingValueSerializer(serializers.Serializer):
    value = serializers.CharField(read_only=True)
    label = serializers.CharField(read_only=True)  # type: ignore[assignment]  # a declared field, see above


class ClassificationLevelSerializer(serializers.Serializer):
    value = serializers.IntegerField(read_only=True)
    label = serializers.CharField(read_only=True)  # type: ignore[assignment]
    within_clearance = serializers.BooleanField(
        read_only=True, help_text="Whether the acting user's security clearance reaches this level."
    )


class MarkingsSerializer(serializers.Serializer):
    classifications = ClassificationLevelSerializer(many=True, read_only=True)
    handling_codes = MarkingValueSerializer(many=True, read_only=True)
    tlp = MarkingValueSerializer(many=True, read_only=True)
    pap = MarkingValueSerializer(many=True, read_only=True)
