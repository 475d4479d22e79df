"""Bulletins in the API: one serializer shows a bulletin and parses a draft or a change (the body of a
change of status comes from the writes: ``kssp.core.api.records.transition_serializer``)."""

from __future__ import annotations

from rest_framework import serializers

from kssp.bulletins.choices import BulletinKind
from kssp.bulletins.models import Bulletin
from kssp.core.api.fields import PersonRefField, RefField
from kssp.core.api.serializers import StrictModelSerializer
from kssp.core.markings import Classification, HandlingCode


class BulletinSerializer(StrictModelSerializer):
    kind = serializers.ChoiceField(choices=BulletinKind.choices, default=BulletinKind.NOTICE)
    classification = serializers.ChoiceField(
        choices=Classification.choices, default=Classification.RESTRICTED,
        help_text="0 unclassified … 4 top secret (Law 03/L-178); at most your own clearance.",
    )
    handling_code = serializers.ChoiceField(choices=HandlingCode.choices, required=False, allow_blank=True, default="")
    owner_institution = RefField(read_only=True)
    owner_unit = RefField(read_only=True)
    created_by = PersonRefField(read_only=True)
    public_id = serializers.UUIDField(read_only=True, help_text="Made by the server.")
    client_uuid = serializers.UUIDField(
        required=False, write_only=True,
        help_text="Optional on creation: a UUID generated on the device for this bulletin (offline capture). "
        "Sending the same UUID again is safe: you get the first bulletin back. It is yours only and never "
        "becomes the bulletin's public id.",
    )

    class Meta:
        model = Bulletin
        fields = [
            "public_id", "client_uuid", "number", "kind", "title", "body", "status", "classification", "handling_code",
            "contains_personal_data", "valid_until", "issued_at", "owner_institution", "owner_unit", "created_by",
            "created_at", "updated_at",
        ]
        read_only_fields = ["public_id", "number", "status", "issued_at", "created_at", "updated_at"]
        validators: list[object] = []  # the number is assigned by the service
