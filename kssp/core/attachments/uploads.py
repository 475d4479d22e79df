"""The size of an upload, checked before its body is read.

Two checks, both cheap:

1. the request's declared ``Content-Length`` (WSGI never reads past it) against the file limit plus a
   small allowance for the other fields and the multipart framing — a 60 MB upload is refused before
   a single byte of its body is read;
2. while Django streams the body (``BoundedUploadHandler``, placed first among the upload handlers),
   the bytes of each file are counted and the upload stops as soon as one passes the limit, before the
   later handlers have written more than the limit to memory or a temporary file.

The limit is ``settings.KSSP["ATTACHMENT_MAX_BYTES"]`` (25 MiB unless the deployment says otherwise).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.conf import settings
from django.core.files.uploadhandler import FileUploadHandler, StopUpload
from django.http import HttpRequest
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

from kssp.core.exceptions import ApplicationError

DEFAULT_MAX_BYTES = 25 * 1024 * 1024
#: Room for the form's other fields (description, flags, CSRF token) and the multipart framing.
FORM_ALLOWANCE_BYTES = 64 * 1024
TOO_LARGE_FLAG = "_kssp_upload_too_large"


def max_bytes() -> int:
    return int(settings.KSSP.get("ATTACHMENT_MAX_BYTES", DEFAULT_MAX_BYTES))


def max_request_bytes() -> int:
    return max_bytes() + FORM_ALLOWANCE_BYTES


def declared_length(meta: Mapping[str, Any]) -> int:
    try:
        return max(0, int(meta.get("CONTENT_LENGTH") or 0))
    except (TypeError, ValueError):
        return 0


def too_large_message() -> str:
    return _("The file is too large: at most %(limit)s are accepted.") % {"limit": filesizeformat(max_bytes())}


class FileTooLarge(ApplicationError):
    """An upload past the limit (HTTP 413 in the API, a field error on the form)."""

    status = 413
    code = "file_too_large"

    def __init__(self) -> None:
        super().__init__(_("The file was not attached."), fields={"file": [too_large_message()]})


class BoundedUploadHandler(FileUploadHandler):
    """Stops the upload as soon as one file passes the limit, and marks the request.

    ``StopUpload(connection_reset=True)``: Django neither reads the rest of the body nor hands the
    file to the other handlers (the temporary file they began is closed, which deletes it).
    """

    def __init__(self, request: HttpRequest | None = None, limit: int | None = None) -> None:
        super().__init__(request)
        self.limit = max_bytes() if limit is None else limit
        self.too_large = False

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes | None:
        if start + len(raw_data) > self.limit:
            self.too_large = True
            if self.request is not None:
                setattr(self.request, TOO_LARGE_FLAG, True)
            raise StopUpload(connection_reset=True)
        return raw_data

    def file_complete(self, file_size: int) -> None:
        return None


def install_bounded_handler(request: HttpRequest) -> BoundedUploadHandler:
    """Put the bounded handler first, before anything has read the body."""
    handler = BoundedUploadHandler(request)
    request.upload_handlers = [handler, *request.upload_handlers]
    return handler


def upload_was_too_large(request: HttpRequest) -> bool:
    return bool(getattr(request, TOO_LARGE_FLAG, False))
