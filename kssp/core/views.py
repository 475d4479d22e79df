"""Kernel pages: home, health, error pages."""

from __future__ import annotations

import sys

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.db import connection
from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from kssp.core.web import Request


def home(request: Request) -> HttpResponse:
    from kssp.core.home import home_summary

    return render(request, "core/home.html", home_summary(actor=request.actor))


@require_GET
def healthz(request: Request) -> JsonResponse:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        database = "ok"
    except Exception:  # noqa: BLE001 - report, never raise, from a health check
        database = "error"
    status = 200 if database == "ok" else 503
    return JsonResponse({"status": "ok" if status == 200 else "error", "database": database}, status=status)


def _error(request: Request, status: int, title: str, message: str) -> HttpResponse:
    if request.path.startswith("/api/"):
        code = {400: "bad_request", 403: "permission_denied", 404: "not_found", 500: "server_error"}[status]
        return JsonResponse({"error": {"code": code, "message": message, "fields": {}}}, status=status)
    # A section with its own layout (the public site) draws its own error page: never the staff layout
    # with its "Sign in" link there (#7 point 2). Named in the settings, since the kernel imports no module.
    for prefix, view in getattr(settings, "KSSP_SECTION_ERROR_VIEWS", {}).items():
        if request.path.startswith(prefix):
            return import_string(view)(request, status=status)
    return render(request, "error.html", {"title": title, "message": message, "status": status}, status=status)


def not_found(request: Request, exception: Exception | None = None) -> HttpResponse:
    return _error(request, 404, _("Not found"), _("There is nothing here, or you may not see it."))


def forbidden(request: Request, exception: Exception | None = None) -> HttpResponse:
    return _error(request, 403, _("Not allowed"), _("You do not have permission to do this."))


def bad_request(request: Request, exception: Exception | None = None) -> HttpResponse:
    if isinstance(exception, RequestDataTooBig):
        # Only a request no page of ours sends (every text field has a smaller limit, shown beside it).
        return _error(request, 400, _("Too much text"), _(
            "What was sent is larger than the platform accepts. Go back: your text is still in the form; "
            "shorten it to the limit shown beside the field."
        ))
    return _error(request, 400, _("Bad request"), _("The request could not be understood."))


def server_error(request: Request) -> HttpResponse:
    from kssp.core.middleware import busy_response, is_busy_database

    if is_busy_database(sys.exc_info()[1]):  # a busy database outside the view: 503, not 500 (#7 point 3)
        return busy_response(request)
    return _error(request, 500, _("Something went wrong"), _("The error was logged. Nothing was saved."))


def csrf_failure(request: Request, reason: str = "") -> HttpResponse:
    message = _("The form had expired or did not come from this site. Reload the page and try again.")
    if request.path.startswith("/api/"):
        return JsonResponse({"error": {"code": "csrf_failed", "message": message, "fields": {}}}, status=403)
    return render(request, "error.html", {"title": _("Security check failed"), "message": message, "status": 403}, status=403)
