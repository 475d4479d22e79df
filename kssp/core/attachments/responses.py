"""The download response, shared by the page and the API."""

from __future__ import annotations

import base64
import unicodedata
from typing import IO
from urllib.parse import quote

from django.http import FileResponse
from django.utils.cache import add_never_cache_headers

from kssp.core.attachments.models import Attachment


def content_disposition(filename: str) -> str:
    """``attachment; filename="<ASCII fallback>"; filename*=UTF-8''<percent-encoded>`` (RFC 6266/8187)."""
    ascii_name = unicodedata.normalize("NFKD", filename).encode("ascii", "ignore").decode("ascii")
    ascii_name = "".join(ch if (ch.isalnum() or ch in " ._-()") else "_" for ch in ascii_name).strip() or "attachment"
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename, safe='')}"


def download_response(attachment: Attachment, handle: IO[bytes]) -> FileResponse:
    response = FileResponse(handle, content_type=attachment.media_type)
    response["Content-Length"] = str(attachment.size)
    response["Content-Disposition"] = content_disposition(attachment.original_name)
    response["X-Content-Type-Options"] = "nosniff"
    # Were it ever opened in place, it could run nothing and reach nothing.
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cross-Origin-Resource-Policy"] = "same-origin"
    # RFC 9530: the hash of the bytes served, which a recipient can check against the record.
    response["Repr-Digest"] = f"sha-256=:{base64.b64encode(bytes.fromhex(attachment.sha256)).decode('ascii')}:"
    add_never_cache_headers(response)
    response["Cache-Control"] = "private, no-store, max-age=0"
    return response
