"""Serializers of the search API: the query parameters, the check body and the answer shapes."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from kssp.core.api.serializers import StrictSerializer
from kssp.core.search.selectors import DEFAULT_LIMIT, MAX_LIMIT


class SearchParamsSerializer(serializers.Serializer):
    q = serializers.CharField(max_length=1000, trim_whitespace=False, help_text="What to look for.")
    purpose = serializers.CharField(required=False, allow_blank=True, max_length=300, default="")
    case_ref = serializers.CharField(required=False, allow_blank=True, max_length=100, default="")
    type = serializers.CharField(required=False, allow_blank=True, max_length=40, default="")
    page_size = serializers.IntegerField(
        required=False, min_value=1, max_value=MAX_LIMIT, default=DEFAULT_LIMIT,
        error_messages={"invalid": _("Give a whole number.")},
    )


class HitCheckSerializer(StrictSerializer):
    q = serializers.CharField(max_length=1000, trim_whitespace=False)
    purpose = serializers.CharField(max_length=300, error_messages={"blank": _("Give the purpose of the check.")})


class BadgeSerializer(serializers.Serializer):
    kind = serializers.CharField()
    value = serializers.JSONField()
    label = serializers.CharField()  # type: ignore[assignment]


class SearchResultSerializer(serializers.Serializer):
    type = serializers.CharField(help_text="The registered type's code.")
    title = serializers.CharField()
    number = serializers.CharField()
    url = serializers.CharField(help_text="The record's page.")
    public_id = serializers.UUIDField(allow_null=True)
    badges = BadgeSerializer(many=True)
    detail = serializers.CharField()


class SearchGroupSerializer(serializers.Serializer):
    type = serializers.CharField()
    label = serializers.CharField()  # type: ignore[assignment]
    count = serializers.IntegerField(allow_null=True, help_text="Visible results only; null when the type needs a purpose.")
    needs_purpose = serializers.BooleanField()


class SearchQuerySerializer(serializers.Serializer):
    text = serializers.CharField()
    kinds = serializers.ListField(child=serializers.CharField())
    looks_like = serializers.CharField()
    public_id = serializers.UUIDField(allow_null=True)


class SearchResponseSerializer(serializers.Serializer):
    query = SearchQuerySerializer()
    count = serializers.IntegerField(help_text="Visible results of every type.")
    groups = SearchGroupSerializer(many=True)
    results = SearchResultSerializer(many=True)
    hit_check_available = serializers.BooleanField(
        help_text="True when nothing visible matches and you may ask POST check/ (existence only)."
    )


class HitSerializer(serializers.Serializer):
    type = serializers.CharField()
    label = serializers.CharField()  # type: ignore[assignment]
    unit = serializers.CharField()
    institution = serializers.CharField()


class HitCheckResponseSerializer(serializers.Serializer):
    hits = HitSerializer(many=True)
