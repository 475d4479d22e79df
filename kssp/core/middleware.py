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


# --- a busy database ----------------------------------------------------------------------------------

# Fields never written back into a page (the person types them again).
_NOT_ECHOED = ("password", "otp", "token", "secret")


def _kept_fields(request: HttpRequest) -> list[tuple[str, str]]:
    """The POSTed fields to send again, in order, without the CSRF token and secrets."""
    kept: list[tuple[str, str]] = []
    for name in request.POST:
        lowered = name.lower()
        if name == "csrfmiddlewaretoken" or any(word in lowered for word in _NOT_ECHOED):
            continue
        kept.extend((name, value) for value in request.POST.getlist(name))
    return kept


def busy_response(request: HttpRequest) -> HttpResponse:
    """503 with Retry-After: a translated "try again" page that keeps what was typed (a form that sends
    the same fields again to the same address), or the API's error shape."""
    from django.conf import settings
    from django.http import JsonResponse
    from django.middleware.csrf import get_token
    from django.shortcuts import render
    from django.template.loader import render_to_string
    from django.utils.translation import gettext as _

    retry_after = int(settings.KSSP.get("BUSY_RETRY_AFTER_SECONDS", 5))
    message = _("The database is busy with other work. Nothing was saved. Try again in a few seconds.")
    response: HttpResponse
    if request.path.startswith("/api/"):
        response = JsonResponse({"error": {"code": "busy", "message": message, "fields": {}}}, status=503)
    else:
        is_post = request.method == "POST"
        try:
            fields = _kept_fields(request) if is_post else []
            has_files = is_post and bool(request.FILES)
        except Exception:  # noqa: BLE001 - an unreadable body is simply not kept
            fields, has_files = [], False
        context = {
            "message": message, "retry_after": retry_after, "is_post": is_post, "fields": fields,
            "typed": [(name, value) for name, value in fields if value.strip()], "has_files": has_files,
            "action": request.get_full_path(), "csrf_value": get_token(request),
        }
        try:  # the site's layout; if even that needs the database, a page without it
            response = render(request, "errors/busy.html", context, status=503)
        except Exception:  # noqa: BLE001
            response = HttpResponse(render_to_string("errors/busy_plain.html", context), status=503)
    response["Retry-After"] = str(retry_after)
    response["Cache-Control"] = "no-store"
    return response


def is_busy_database(exc: BaseException | None) -> bool:
    from django.db import InterfaceError, OperationalError

    return isinstance(exc, (OperationalError, InterfaceError))


class BusyDatabaseMiddleware:
    """A request that meets a busy or unreachable database (``OperationalError``/``InterfaceError``:
    "database is locked" after the busy timeout, a dropped connection) answers 503 with Retry-After and
    a page that keeps what was typed, never a 500 (issue #7 point 3). The service's transaction was
    rolled back, so nothing was half-saved; sending the form again is safe. Errors raised outside the
    view (another middleware) reach ``kssp.core.views.server_error``, which answers the same way."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not is_busy_database(exception):
            return None
        import logging

        logging.getLogger("kssp.busy").warning("database busy on %s %s: %s", request.method, request.path, exception)
        return busy_response(request)
