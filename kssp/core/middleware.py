"""Request context: one request id per request, the client address and the source (web or api).

The context travels explicitly on ``request`` (and from there on the actor into services). The
request id is also put in a context variable, but only so that log lines can carry it.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from kssp.core.logging import request_id_var


def _request_id(request: HttpRequest) -> str:
    supplied = request.headers.get("X-Request-ID", "")
    try:
        return str(uuid.UUID(supplied))
    except ValueError:
        return str(uuid.uuid4())


class RequestContextMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.request_id = _request_id(request)  # type: ignore[attr-defined]
        request.client_ip = request.META.get("REMOTE_ADDR") or None  # type: ignore[attr-defined]
        request.source = "api" if request.path.startswith("/api/") else "web"  # type: ignore[attr-defined]
        token = request_id_var.set(request.request_id)  # type: ignore[attr-defined]
        try:
            response = self.get_response(request)
        finally:
            request_id_var.reset(token)
        response["X-Request-ID"] = request.request_id  # type: ignore[attr-defined]
        return response
