"""Passive requests: background refreshes that must not count as the user's activity.

The header badge polls the unread count every minute. Such a request is sent by htmx with the header
``X-KSSP-Passive: 1``; this middleware marks it ``request.kssp_passive = True`` (every other request
gets ``False``), and whatever tracks activity (the screen lock, an idle timeout) skips passive
requests. Only ``GET``/``HEAD`` htmx requests can be passive. The middleware itself never touches the
session, and the views that answer passive requests neither modify nor save it.

Install it early (it needs nothing but the headers), before any middleware that reads the flag::

    "kssp.core.notifications.middleware.PassiveRequestMiddleware",
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

PASSIVE_HEADER = "X-KSSP-Passive"


def _passive_headers(request: HttpRequest) -> bool:
    return (
        request.method in ("GET", "HEAD")
        and request.headers.get("HX-Request") == "true"
        and request.headers.get(PASSIVE_HEADER) == "1"
    )


def request_is_passive(request: HttpRequest) -> bool:
    """Whether ``request`` is a background refresh (the middleware's flag, else from the headers)."""
    flag = getattr(request, "kssp_passive", None)
    return bool(flag) if flag is not None else _passive_headers(request)


class PassiveRequestMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.kssp_passive = _passive_headers(request)  # type: ignore[attr-defined]
        return self.get_response(request)
