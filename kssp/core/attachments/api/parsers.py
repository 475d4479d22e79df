"""The one parser of the attachment upload: multipart, bounded before and while reading.

The declared length is checked before the body is touched (413 ``file_too_large`` with a field error
on ``file``); then the bounded upload handler goes first among Django's, and stops the upload as soon
as the file passes the limit.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import IO, Any

from rest_framework.parsers import MultiPartParser

from kssp.core.attachments import uploads


class BoundedMultiPartParser(MultiPartParser):
    def parse(self, stream: IO[Any], media_type: str | None = None, parser_context: Mapping[str, Any] | None = None) -> Any:
        parser_context = parser_context or {}
        request = parser_context["request"]
        if uploads.declared_length(request.META) > uploads.max_request_bytes():
            raise uploads.FileTooLarge()
        handler = uploads.install_bounded_handler(request._request)
        result = super().parse(stream, media_type, parser_context)
        if handler.too_large:
            raise uploads.FileTooLarge()
        return result
