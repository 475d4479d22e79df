"""OpenAPI details drf-spectacular cannot guess: the error responses every operation may give, and
the two-faced reference fields (an id in the request, an object in the response)."""

from __future__ import annotations

from typing import Any

from drf_spectacular.extensions import OpenApiSerializerFieldExtension
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.plumbing import build_basic_type
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse

from kssp.core.api.serializers import ErrorSerializer

ERROR_DESCRIPTIONS = {
    "400": "Invalid input: see error.fields (field-level messages).",
    "401": "No credentials, or a revoked, expired or wrong token.",
    "403": "Signed in, but not allowed to do this (or no valid membership).",
    "404": "Missing, or not visible to you: the two are indistinguishable.",
    "409": "The record changed or already exists.",
    "413": "The JSON body is larger than the limit.",
}


class ApiSchema(AutoSchema):
    """Adds the shared error responses to each operation (unless it documents its own)."""

    def _get_response_bodies(self, direction: Any = "response") -> Any:
        responses = super()._get_response_bodies(direction)
        codes = ["401", "403"]
        if "{" in self.path:
            codes.append("404")
        if self.method in ("POST", "PUT", "PATCH"):
            codes += ["400", "409", "413"]
        for code in sorted(codes):
            if code not in responses:
                responses[code] = self._get_response_for_code(
                    OpenApiResponse(ErrorSerializer, description=ERROR_DESCRIPTIONS[code]), code, direction=direction
                )
        return responses


class RefFieldExtension(OpenApiSerializerFieldExtension):
    target_class = "kssp.core.api.fields.RefField"
    match_subclasses = True

    def map_serializer_field(self, auto_schema: AutoSchema, direction: Any) -> Any:
        field = self.target
        if direction == "request":
            schema = build_basic_type(OpenApiTypes.UUID if field.key_format == "uuid" else OpenApiTypes.STR) or {}
        else:
            schema = auto_schema.resolve_serializer(field.ref_serializer, direction).ref
        if field.allow_null:
            schema = {"allOf": [schema], "nullable": True} if "$ref" in schema else {**schema, "nullable": True}
        return schema
