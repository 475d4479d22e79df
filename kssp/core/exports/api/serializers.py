"""Serializers of the export API: the catalogue of exportables and the export request."""

from __future__ import annotations

from django.conf import settings
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from kssp.core.api.serializers import StrictSerializer
from kssp.core.exports.profiles import Profile
from kssp.core.exports.services import FORMATS, PURPOSE_MAX, RECIPIENT_MAX


class ExportableSerializer(serializers.Serializer):
    name = serializers.CharField(read_only=True, help_text="The exportable's key; send it as `exportable`.")
    label = serializers.CharField(read_only=True)  # type: ignore[assignment]
    kind = serializers.ChoiceField(choices=["records", "statistics"], read_only=True)
    record_type = serializers.CharField(read_only=True)
    formats = serializers.ListField(child=serializers.CharField(), read_only=True)
    filters = serializers.ListField(child=serializers.CharField(), read_only=True, help_text="Filter names accepted in `filters`.")
    columns = serializers.ListField(child=serializers.CharField(), read_only=True)


class ExportRequestSerializer(StrictSerializer):
    exportable = serializers.CharField(max_length=100, help_text="Name of a registered exportable (GET /api/v1/exports/).")
    format = serializers.ChoiceField(choices=list(FORMATS))
    purpose = serializers.CharField(
        max_length=PURPOSE_MAX, help_text="Why the records leave the system (recorded with the disclosure).",
        error_messages={"required": _("Give the purpose of the export."), "blank": _("Give the purpose of the export.")},
    )
    recipient = serializers.CharField(
        max_length=RECIPIENT_MAX, help_text="Who receives the file (person and institution).",
        error_messages={"required": _("Name who receives the export."), "blank": _("Name who receives the export.")},
    )
    profile = serializers.ChoiceField(
        choices=Profile.choices, required=False, help_text="Designation profile; the deployment's default when omitted."
    )
    language = serializers.ChoiceField(
        choices=[code for code, _label in settings.LANGUAGES], required=False,
        help_text="Language of the file; the request's language when omitted.",
    )
    filters = serializers.DictField(
        child=serializers.CharField(allow_blank=True, max_length=200), required=False, default=dict,
        help_text="The list's filters by name, as on the list endpoint (unknown names are refused).",
    )
