"""The export API: the exportables an actor may use, and ``POST`` → the file.

``GET /api/v1/exports/`` lists the exportables (403 when the actor may use none);
``GET /api/v1/exports/<name>/`` describes one (404 when missing or not usable, alike);
``POST /api/v1/exports/`` with ``{"exportable", "format", "purpose", "recipient", "profile", "language",
"filters"}`` records the disclosure and answers with the file (CSV, XLSX or PDF). Errors have the
API's shape; filter errors are named ``filters.<name>``.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpResponse
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, viewsets
from rest_framework.request import Request
from rest_framework.response import Response

from kssp.core.api.permissions import IsActor, MayList
from kssp.core.api.schema import ApiSchema
from kssp.core.exceptions import NotFound
from kssp.core.exports.api.serializers import ExportableSerializer, ExportRequestSerializer
from kssp.core.exports.registry import Exportable, exportables_for, get_exportable
from kssp.core.exports.services import FORMATS, export_registered
from kssp.core.policy import Actor

FILE_RESPONSES: dict[Any, Any] = {
    (200, content_type.split(";")[0]): OpenApiResponse(OpenApiTypes.BINARY, description="The file, in the format asked for.")
    for content_type, _extension in FORMATS.values()
}


def _describe(exportable: Exportable) -> dict[str, Any]:
    return {
        "name": exportable.name,
        "label": str(exportable.label),
        "kind": exportable.kind,
        "record_type": exportable.record_type,
        "formats": list(FORMATS),
        "filters": exportable.filter_names(),
        "columns": [str(column.label) for column in exportable.export_columns()],
    }


class _CatalogueSchema(ApiSchema):
    def _is_list_view(self, serializer: Any = None) -> bool:
        return getattr(self.view, "action", None) == "list"


class ExportViewSet(viewsets.ViewSet):
    """Exports as disclosures: every file is recorded with its purpose and recipient before it is made,
    carries the classification marking, and holds only records visible to you."""

    permission_classes = [IsActor, MayList]
    schema = _CatalogueSchema()
    lookup_field = "name"
    lookup_value_regex = r"[A-Za-z0-9_.-]+"

    @property
    def actor(self) -> Actor:
        return self.request.actor  # type: ignore[attr-defined,no-any-return]

    def may_list(self, actor: Actor) -> bool:
        return bool(exportables_for(actor))

    @extend_schema(summary="Exportables you may use", responses=ExportableSerializer(many=True))
    def list(self, request: Request) -> Response:
        return Response(ExportableSerializer([_describe(e) for e in exportables_for(self.actor)], many=True).data)

    @extend_schema(summary="One exportable", responses=ExportableSerializer)
    def retrieve(self, request: Request, name: str | None = None) -> Response:
        try:
            exportable = get_exportable(name or "")
        except KeyError:
            raise NotFound() from None
        if not exportable.available_to(self.actor):
            raise NotFound()
        return Response(ExportableSerializer(_describe(exportable)).data)

    @extend_schema(
        summary="Export to a file (recorded as a disclosure)", request=ExportRequestSerializer, responses=FILE_RESPONSES,
        description="Answers with the file itself (Content-Disposition: attachment). Send Accept: */* or application/json.",
    )
    def create(self, request: Request) -> HttpResponse:
        body = ExportRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        try:
            exportable = get_exportable(data["exportable"])
        except KeyError:
            exportable = None
        if exportable is None or not exportable.available_to(self.actor):
            raise serializers.ValidationError({"exportable": [_("There is no such export, or you may not use it.")]})
        known = set(exportable.filter_names())
        unknown = sorted(set(data["filters"]) - known)
        if unknown:
            raise serializers.ValidationError({"filters": {name: [_("Unknown filter.")] for name in unknown}})
        result = export_registered(
            actor=self.actor, name=exportable.name, filters=data["filters"], format=data["format"],
            purpose=data["purpose"], recipient=data["recipient"], profile=data.get("profile"), language=data.get("language"),
        )
        response = result.response()
        response["X-Export-Records"] = str(result.count)
        return response
