"""Serializers of the directory and API tokens. They parse and render; the services decide."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.utils import timezone
from rest_framework import serializers

from kssp.accounts import selectors
from kssp.accounts.models import AccessChange, ApiToken, Institution, Membership, Role, Unit, User
from kssp.core.api.fields import CodeRefField, PersonRefField, RefField
from kssp.core.api.serializers import StrictModelSerializer
from kssp.core.markings import Classification
from kssp.core.policy import Actor, Scope


def _first(qs: Any, **lookup: Any) -> Any:
    return qs.filter(**lookup).first()


def administered_institution(actor: Actor, key: Any) -> Institution | None:
    return _first(selectors.institution_list_administered_by(actor=actor), public_id=key)  # type: ignore[no-any-return]


def administered_unit(actor: Actor, key: Any) -> Unit | None:
    return _first(selectors.unit_list_administered_by(actor=actor), public_id=key)  # type: ignore[no-any-return]


def visible_user(actor: Actor, key: Any) -> User | None:
    return _first(selectors.user_list_visible_to(actor=actor), public_id=key)  # type: ignore[no-any-return]


def visible_role(actor: Actor, key: Any) -> Role | None:
    return _first(selectors.role_list_visible_to(actor=actor), code=key)  # type: ignore[no-any-return]


class InstitutionSerializer(StrictModelSerializer):
    name = serializers.CharField(read_only=True)
    name_sr_cyrl = serializers.CharField(read_only=True)
    administrative_owner = RefField(read_only=True, allow_null=True)

    class Meta:
        model = Institution
        fields = [
            "public_id", "code", "kind", "name", "name_sq", "name_sr", "name_sr_cyrl", "name_en",
            "abbreviation_sq", "abbreviation_sr", "abbreviation_en", "administrative_owner", "uses_platform", "active",
        ]
        read_only_fields = ["public_id", "code", "kind"]


class UnitSerializer(StrictModelSerializer):
    name = serializers.CharField(read_only=True)
    name_sr_cyrl = serializers.CharField(read_only=True)
    institution = RefField(
        resolve=administered_institution, required=False,
        help_text="Institution of the new unit (yours by default; one you administer).",
    )
    parent = RefField(  # type: ignore[assignment]  # a declared field (DRF pops it), not Field.parent
        resolve=administered_unit, required=False, allow_null=True,
        help_text="Parent unit (none: at the institution's root).",
    )
    depth = serializers.IntegerField(read_only=True)

    class Meta:
        model = Unit
        fields = ["public_id", "code", "kind", "name", "name_sq", "name_sr", "name_sr_cyrl", "name_en", "institution",
                  "parent", "depth", "active"]
        read_only_fields = ["public_id", "active"]
        validators: list[Any] = []  # uniqueness of the code is the service's rule (a field error, not a 500)


class RoleSerializer(StrictModelSerializer):
    name = serializers.CharField(read_only=True)
    name_sr_cyrl = serializers.CharField(read_only=True)
    permissions = serializers.ListField(child=serializers.CharField(max_length=80), max_length=200)
    scope = serializers.ChoiceField(choices=Scope.choices)
    institution_kinds = serializers.ListField(child=serializers.CharField(), read_only=True)

    class Meta:
        model = Role
        fields = ["code", "name", "name_sq", "name_sr", "name_sr_cyrl", "name_en", "description", "permissions", "scope",
                  "privileged", "sees_personal_data", "institution_kinds"]
        read_only_fields = ["code", "name_sq", "name_sr", "name_en", "description", "sees_personal_data"]


class MembershipSummarySerializer(serializers.ModelSerializer):
    unit = RefField(read_only=True)
    institution = RefField(source="unit.institution", read_only=True)
    role = CodeRefField(read_only=True)

    class Meta:
        model = Membership
        fields = ["public_id", "unit", "institution", "role", "valid_from", "valid_to"]
        read_only_fields = fields


class MembershipSerializer(StrictModelSerializer):
    user = PersonRefField(resolve=visible_user)
    unit = RefField(resolve=administered_unit)
    institution = RefField(source="unit.institution", read_only=True)
    role = CodeRefField(resolve=visible_role, help_text="Role code, e.g. investigator.")
    valid_from = serializers.DateField(default=timezone.localdate)
    is_active = serializers.BooleanField(source="is_valid", read_only=True, help_text="Valid today and not ended.")

    class Meta:
        model = Membership
        fields = ["public_id", "user", "unit", "institution", "role", "valid_from", "valid_to", "revoked_at", "is_active",
                  "created_at"]
        read_only_fields = ["public_id", "revoked_at", "created_at"]


class UserSerializer(StrictModelSerializer):
    name = serializers.CharField(source="__str__", read_only=True)
    first_name = serializers.CharField(max_length=150)
    last_name = serializers.CharField(max_length=150)
    email = serializers.EmailField(write_only=True, required=False, allow_blank=True, default="")
    password = serializers.CharField(
        write_only=True, required=False, allow_blank=True, default="", trim_whitespace=False,
        style={"input_type": "password"}, help_text="Optional: without one, the user signs in after a reset link.",
    )
    preferred_language = serializers.ChoiceField(
        choices=[(code, str(label)) for code, label in settings.LANGUAGES], required=False, allow_blank=True, default="",
    )
    memberships = MembershipSummarySerializer(source="memberships_in_sight", many=True, read_only=True)

    class Meta:
        model = User
        fields = ["public_id", "username", "first_name", "last_name", "name", "email", "password", "preferred_language",
                  "memberships"]
        read_only_fields = ["public_id"]
        extra_kwargs: dict[str, dict[str, Any]] = {"username": {"validators": []}}  # "taken" is the service's field error


class ApiTokenSerializer(StrictModelSerializer):
    membership = MembershipSummarySerializer(read_only=True)
    is_active = serializers.SerializerMethodField()

    class Meta:
        model = ApiToken
        fields = ["public_id", "name", "prefix", "expires_at", "created_at", "last_used_at", "revoked_at", "is_active",
                  "membership"]
        read_only_fields = ["public_id", "prefix", "created_at", "last_used_at", "revoked_at"]

    def get_is_active(self, token: ApiToken) -> bool:
        return token.revoked_at is None and (token.expires_at is None or token.expires_at > timezone.now())


class ApiTokenCreatedSerializer(ApiTokenSerializer):
    key = serializers.CharField(source="plain_key", read_only=True, help_text="The secret; shown once, never again.")

    class Meta(ApiTokenSerializer.Meta):
        fields = [*ApiTokenSerializer.Meta.fields, "key"]
        read_only_fields = [*ApiTokenSerializer.Meta.read_only_fields, "key"]


class AccessChangeSerializer(StrictModelSerializer):
    """A proposed change to access (membership, clearance, role), its decision and who took each step."""

    institution = RefField(read_only=True)
    user = PersonRefField(read_only=True, allow_null=True)
    unit = RefField(read_only=True, allow_null=True)
    role = CodeRefField(read_only=True, allow_null=True)
    proposed_by = PersonRefField(read_only=True)
    decided_by = PersonRefField(read_only=True, allow_null=True)
    membership = serializers.UUIDField(source="membership.public_id", read_only=True, allow_null=True, default=None)
    description = serializers.SerializerMethodField()

    class Meta:
        model = AccessChange
        fields = ["public_id", "kind", "status", "institution", "user", "unit", "role", "details", "description",
                  "proposed_by", "created_at", "decided_by", "decided_at", "decision_note", "membership"]
        read_only_fields = fields

    def get_description(self, change: AccessChange) -> str:
        from kssp.accounts.services_access import describe

        return describe(change)


class ClearanceProposalSerializer(serializers.Serializer):
    """The vetting authority's decision on a member of your institution (never yourself)."""

    user = PersonRefField(resolve=visible_user)
    level = serializers.IntegerField(
        min_value=min(Classification.values), max_value=max(Classification.values),
        help_text="The level in the decision: 0 unclassified, 1 restricted, 2 confidential, 3 secret, 4 top secret.",
    )
    decision_number = serializers.CharField(max_length=100, allow_blank=True)
    decision_date = serializers.DateField()
    valid_from = serializers.DateField()
    valid_until = serializers.DateField()
