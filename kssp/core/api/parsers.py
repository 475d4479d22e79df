"""The API's only parser: JSON, bounded in size, strict, with translated errors.

The limit (``settings.API_MAX_JSON_BYTES``) is checked twice: against the declared Content-Length
before anything is read, and against the bytes actually read (a body sent without a truthful length
cannot grow past the limit in memory).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import IO, Any

from django.conf import settings
from django.utils.translation import gettext as _
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser

from kssp.core.api.errors import PayloadTooLarge


def _reject_constant(name: str) -> Any:
    # NaN, Infinity and -Infinity are not JSON (RFC 8259) and would not survive a round trip.
    raise ValueError(f"{name} is not valid JSON")


def declared_length(meta: Mapping[str, Any]) -> int:
    try:
        return int(meta.get("CONTENT_LENGTH") or 0)
    except (TypeError, ValueError):
        return 0


class BoundedJSONParser(JSONParser):
    media_type = "application/json"

    def parse(self, stream: IO[Any], media_type: str | None = None, parser_context: Mapping[str, Any] | None = None) -> Any:
        parser_context = parser_context or {}
        limit = settings.API_MAX_JSON_BYTES
        request = parser_context.get("request")
        if request is not None and declared_length(request.META) > limit:
            raise PayloadTooLarge()
        raw = stream.read(limit + 1)
        if len(raw) > limit:
            raise PayloadTooLarge()
        encoding = parser_context.get("encoding", settings.DEFAULT_CHARSET)
        try:
            return json.loads(raw.decode(encoding), parse_constant=_reject_constant)
        except (ValueError, UnicodeDecodeError, RecursionError) as exc:
            raise ParseError(_("The request body is not valid JSON."), code="malformed_json") from exc
