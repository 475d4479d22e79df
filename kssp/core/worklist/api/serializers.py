"""Work items in the API. A person is chosen as one of their memberships (its public id), a unit by its
public id; both are resolved among what the actor may address, else 404 on the field."""

from __future__ import annotations

from typing import Any

from django.apps import apps
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from kssp.core.api.fields import PersonRefField, RefField
from kssp.core.api.serializers import StrictSerializer
from kssp.core.policy import Actor
from kssp.core.worklist.choices import WorkItemStatus
from kssp.core.worklist.models import WorkItem


def resolve_membership(actor: Actor, key: Any) -> Any:
    """A valid membership in the actor's institution (the service checks that the person may see the
    record); a membership elsewhere answers like a missing one."""
    membership = apps.get_model("accounts", "Membership")
    return (
        membership.objects.valid().filter(public_id=key, unit__institution_id=actor.institution_id)
        .select_related("user", "role", "unit__institution").first()
    )


def resolve_unit(actor: Actor, key: Any) -> Any:
    """An active unit of the actor's institution (the service also accepts the record owner's)."""
    unit = apps.get_model("accounts", "Unit")
    return unit.objects.filter(public_id=key, active=True).select_related("institution").first()


class MembershipField(RefField):
    """In: a membership's public id."""

    def to_representation(self, value: Any) -> Any:  # write-only
        return str(value.public_id)


class WorkItemRecordSerializer(serializers.Serializer):
    type = serializers.CharField(read_only=True)
    public_id = serializers.UUIDField(read_only=True)


class WorkItemSerializer(StrictSerializer):
    public_id = serializers.UUIDField(read_only=True)
    record_type = serializers.CharField(write_only=True, max_length=100, help_text="app_label.model, e.g. bulletins.bulletin")
    record_id = serializers.UUIDField(write_only=True, help_text="The record's public id.")
    record = serializers.SerializerMethodField()
    title = serializers.CharField(max_length=200)
    description = serializers.CharField(max_length=4000, required=False, allow_blank=True, default="")
    assignee = MembershipField(resolve=resolve_membership, write_only=True, required=False, allow_null=True, default=None,
                               help_text="The assignee, as one of their memberships (public id).")
    unit = RefField(resolve=resolve_unit, write_only=True, required=False, allow_null=True, default=None,
                    help_text="Or a unit as a whole (public id).")
    assigned_to = PersonRefField(source="assignee", read_only=True, allow_null=True)
    assigned_unit = RefField(read_only=True)
    due_at = serializers.DateTimeField(required=False, allow_null=True, default=None,
                                       help_text="An hour-based deadline (an instant).")
    due_date = serializers.DateField(required=False, allow_null=True, default=None,
                                     help_text="A calendar deadline: overdue from the next local midnight.")
    status = serializers.ChoiceField(choices=WorkItemStatus.choices, read_only=True)
    overdue = serializers.BooleanField(read_only=True)
    overdue_since = serializers.DateTimeField(read_only=True, allow_null=True)
    created_by = PersonRefField(read_only=True)
    created_at = serializers.DateTimeField(read_only=True)
    completed_at = serializers.DateTimeField(read_only=True, allow_null=True)
    cancelled_at = serializers.DateTimeField(read_only=True, allow_null=True)
    status_reason = serializers.CharField(read_only=True)

    @extend_schema_field(WorkItemRecordSerializer)
    def get_record(self, item: WorkItem) -> dict[str, Any]:
        return {"type": f"{item.content_type.app_label}.{item.content_type.model}", "public_id": item.record_public_id}


class WorkItemUpdateSerializer(StrictSerializer):
    title = serializers.CharField(max_length=200, required=False)
    description = serializers.CharField(max_length=4000, required=False, allow_blank=True)
    due_at = serializers.DateTimeField(required=False, allow_null=True)
    due_date = serializers.DateField(required=False, allow_null=True)


class AssignSerializer(StrictSerializer):
    assignee = MembershipField(resolve=resolve_membership, required=False, allow_null=True, default=None)
    unit = RefField(resolve=resolve_unit, required=False, allow_null=True, default=None)


class NoteSerializer(StrictSerializer):
    note = serializers.CharField(max_length=4000, required=False, allow_blank=True, default="")




