"""The search API: ``GET /api/v1/search/?q=`` (grouped, visible results only), ``GET
/api/v1/search/<public_id>/`` (the record a QR payload names, if visible) and ``POST
/api/v1/search/check/`` (the existence-only check of other institutions, with a purpose)."""

from __future__ import annotations

import uuid
from typing import Any

from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from kssp.core.api.errors import ApiError
from kssp.core.api.permissions import IsActor
from kssp.core.api.schema import ApiSchema
from kssp.core.api.serializers import ErrorSerializer
from kssp.core.api.views import UUID_REGEX
from kssp.core.search.api.serializers import (
    HitCheckResponseSerializer,
    HitCheckSerializer,
    SearchParamsSerializer,
    SearchResponseSerializer,
    SearchResultSerializer,
)
from kssp.core.search.hits import HitCheckLimited
from kssp.core.search.query import QueryError, SearchQuery, parse_query
from kssp.core.search.registry import SearchResult, SearchType, search_type
from kssp.core.search.selectors import search_resolve_visible_to, search_visible_to
from kssp.core.search.services import search_hit_check


class _SingleObjectSchema(ApiSchema):
    def _is_list_view(self, serializer: Any = None) -> bool:
        return False


def _result(spec: SearchType, result: SearchResult) -> dict[str, Any]:
    return {
        "type": spec.code, "title": result.title, "number": result.number, "url": result.url,
        "public_id": result.public_id, "detail": result.detail,
        "badges": [{"kind": b.kind, "value": b.value, "label": b.label} for b in result.badges],
    }


def _parse(text: str, **extra: str) -> SearchQuery:
    try:
        return parse_query(text, **extra)
    except QueryError as exc:
        raise serializers.ValidationError({"q": [str(exc.message)]}) from None


PARAMETERS = [
    OpenApiParameter("q", OpenApiTypes.STR, required=True,
                     description="Case, exhibit or serial number, plate, VIN, name, text, or a QR payload (kssp:<type>:<uuid>)."),
    OpenApiParameter("purpose", OpenApiTypes.STR, description="Needed by types that log a consultation (persons)."),
    OpenApiParameter("case_ref", OpenApiTypes.STR, description="Case reference for the consultation log."),
    OpenApiParameter("type", OpenApiTypes.STR, description="Only this registered type."),
    OpenApiParameter("page_size", OpenApiTypes.INT, description="Results per type (default 10, at most 200)."),
]


class SearchViewSet(viewsets.ViewSet):
    """Global search across the registered record types, through each type's own selector: only what
    you may see, counted as such. When nothing visible matches and you hold hits.check, `check/` asks
    other institutions whether they hold a match (existence only; the owner is notified)."""

    permission_classes = [IsActor]
    schema = _SingleObjectSchema()
    lookup_field = "public_id"
    lookup_value_regex = UUID_REGEX

    @property
    def actor(self) -> Any:
        return self.request.actor  # type: ignore[attr-defined]

    @extend_schema(
        operation_id="search_list", summary="Search the records you may see", parameters=PARAMETERS,
        responses=SearchResponseSerializer,
    )
    def list(self, request: Request) -> Response:
        params = SearchParamsSerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        data = params.validated_data
        only = data["type"] or None
        if only is not None and search_type(only) is None:
            raise serializers.ValidationError({"type": [_("There is no such type of record to search.")]})
        query = _parse(data["q"], purpose=data["purpose"], case_ref=data["case_ref"])
        outcome = search_visible_to(actor=self.actor, query=query, only=only, limit=data["page_size"])
        body = {
            "query": {"text": query.text, "kinds": sorted(query.kinds), "looks_like": query.primary, "public_id": query.public_id},
            "count": outcome.total,
            "groups": [
                {"type": g.type.code, "label": g.type.label, "count": g.count, "needs_purpose": g.needs_purpose}
                for g in outcome.groups
            ],
            "results": [_result(g.type, r) for g in outcome.groups for r in g.results],
            "hit_check_available": outcome.offers_hit_check,
        }
        return Response(SearchResponseSerializer(body).data)

    @extend_schema(
        operation_id="search_resolve",
        summary="The record a QR payload or public id names, if you may see it",
        parameters=[OpenApiParameter("purpose", OpenApiTypes.STR, description="Needed for persons.")],
        responses=SearchResultSerializer,
    )
    def retrieve(self, request: Request, public_id: str | None = None) -> Response:
        purpose = str(request.query_params.get("purpose", ""))[:300]
        spec, result = search_resolve_visible_to(actor=self.actor, public_id=uuid.UUID(str(public_id)), purpose=purpose)
        return Response(SearchResultSerializer(_result(spec, result)).data)

    @extend_schema(
        operation_id="search_check", summary="Check other institutions (existence only)", request=HitCheckSerializer,
        description="Identifiers only (record, case and document numbers, serials, plates, VINs); words of a text, "
                    "a year or a date are refused (400, error.fields.q). At most KSSP_HIT_CHECK_PER_HOUR checks per "
                    "user in the last hour and KSSP_HIT_CHECK_PER_RECORD hits of the same record; then 429 "
                    "(code too_many_checks) with Retry-After in seconds.",
        responses={200: HitCheckResponseSerializer, 429: OpenApiResponse(
            ErrorSerializer, description="Too many checks: try again after Retry-After seconds.")},
    )
    @action(detail=False, methods=["post"])
    def check(self, request: Request) -> Response:
        body = HitCheckSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        query = _parse(body.validated_data["q"])
        try:
            results = search_hit_check(actor=self.actor, query=query, purpose=body.validated_data["purpose"])
        except HitCheckLimited as exc:  # 429 with the time to wait
            return ApiError(exc.status, exc.code, str(exc.message), {"q": [str(exc.message)]},
                            {"Retry-After": str(exc.retry_after)}).response()
        hits = [
            {"type": typed.type.code, "label": typed.type.label, "unit": hit.unit, "institution": hit.institution}
            for typed in results for hit in typed.hits
        ]
        return Response(HitCheckResponseSerializer({"hits": hits}).data)

