"""Anonymity on the public site (issue #3 point 10; context.md §4 "strip at the edge").

``AnonymityMiddleware`` must be the FIRST entry of ``settings.MIDDLEWARE``. On the public paths
(``KSSP["PORTAL"]["ANONYMOUS_PATHS"]``, ``/public/`` by default) it

1. computes the rate-limit key, an HMAC of the client address with the hour's in-memory secret
   (``kssp.portal.ratelimit``), and puts only that key on the request (``request.portal_client_key``);
2. removes the client address from the request before any other middleware, view or log handler runs:
   ``REMOTE_ADDR``/``REMOTE_HOST``/``REMOTE_PORT``, every forwarding header (``X-Forwarded-For``,
   ``X-Real-IP``, ``Forwarded``, ``Client-IP``, ``True-Client-IP``, ``CF-Connecting-IP``, ``Via``…),
   any other header whose value contains one of those addresses, the ``User-Agent`` (a fingerprint),
   and the ``client`` of an ASGI scope. ``request.META`` is the WSGI environ itself, so a WSGI server
   that logs after the response (gunicorn's ``%(h)s``) finds no address either;
3. drops an incoming ``X-Request-ID`` (which a proxy may have logged next to the address) so that the
   request id the platform logs and audits is its own, and does not send the id back.

So ``kssp.core.middleware.RequestContextMiddleware`` finds no address (``request.client_ip`` is None),
the actor built for the request carries none, audit events have ``ip`` NULL, and Django's request
logging (``django.request`` 4xx/5xx, ``django.security`` CSRF), django-axes (which reads the address
only when someone signs in) and error e-mails have none to show. What this cannot reach is outside
Django: the reverse proxy must not write access logs with client addresses for these paths.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse

from kssp.portal import conf
from kssp.portal.ratelimit import limiter

# Headers that carry a client address (as WSGI META keys), removed whatever their value.
ADDRESS_KEYS = frozenset({
    "REMOTE_ADDR", "REMOTE_HOST", "REMOTE_PORT", "REMOTE_USER",
    "HTTP_X_FORWARDED_FOR", "HTTP_X_REAL_IP", "HTTP_FORWARDED", "HTTP_X_FORWARDED", "HTTP_FORWARDED_FOR",
    "HTTP_CLIENT_IP", "HTTP_X_CLIENT_IP", "HTTP_X_CLUSTER_CLIENT_IP", "HTTP_TRUE_CLIENT_IP", "HTTP_CF_CONNECTING_IP",
    "HTTP_FASTLY_CLIENT_IP", "HTTP_X_ORIGINAL_FORWARDED_FOR", "HTTP_X_ENVOY_EXTERNAL_ADDRESS", "HTTP_X_ORIGINATING_IP",
    "HTTP_X_REMOTE_ADDR", "HTTP_X_REMOTE_IP", "HTTP_VIA", "HTTP_X_PROXYUSER_IP", "HTTP_WL_PROXY_CLIENT_IP",
    "HTTP_USER_AGENT", "HTTP_X_REQUEST_ID", "HTTP_X_CORRELATION_ID",
})
# …and any other header whose name says it carries one.
ADDRESS_NAME = re.compile(r"^HTTP_.*(FORWARDED|CLIENT_IP|CLIENT_ADDR|REAL_IP|REMOTE_ADDR|REMOTE_IP|ORIGINATING|CONNECTING_IP|PEER)")
# Headers never removed for containing an address: they name this site, not the client.
SITE_HEADERS = frozenset({"HTTP_HOST", "HTTP_ORIGIN", "HTTP_REFERER", "HTTP_COOKIE", "SERVER_NAME", "SERVER_PORT"})
_FORWARDED_FOR = re.compile(r"for=\"?\[?([^\]\";,]+)", re.IGNORECASE)


def client_address(meta: dict[str, Any], proxies: int) -> str | None:
    """The address to rate-limit by: REMOTE_ADDR, or with ``proxies`` trusted reverse proxies the
    entry they appended to X-Forwarded-For (a client can forge the entries to the left of it)."""
    if proxies:
        hops = [hop.strip() for hop in str(meta.get("HTTP_X_FORWARDED_FOR", "")).split(",") if hop.strip()]
        if hops:
            return hops[-proxies] if len(hops) >= proxies else hops[0]
    return str(meta.get("REMOTE_ADDR") or "") or None


def _addresses(meta: dict[str, Any]) -> set[str]:
    """Every address-looking value the address headers hold (to find copies of them elsewhere)."""
    found: set[str] = set()
    for key in list(meta):
        if key in ADDRESS_KEYS - {"HTTP_USER_AGENT", "HTTP_X_REQUEST_ID", "HTTP_X_CORRELATION_ID"} or ADDRESS_NAME.match(key):
            value = str(meta.get(key) or "")
            found.update(hop.strip() for hop in value.split(",") if hop.strip())
            found.update(m.strip() for m in _FORWARDED_FOR.findall(value))
    # Port suffixes and the bracketed IPv6 form: keep the bare address too.
    for value in list(found):
        bare = value.strip("[]\"")
        if bare.count(":") == 1 and "." in bare:
            bare = bare.split(":", 1)[0]
        found.add(bare)
    return {value for value in found if len(value) >= 3}


def strip_client_address(request: HttpRequest) -> None:
    meta = request.META
    addresses = _addresses(meta)
    for key in list(meta):
        if key in ADDRESS_KEYS or ADDRESS_NAME.match(key):
            meta.pop(key, None)
        elif key.startswith("HTTP_") and key not in SITE_HEADERS:
            value = str(meta.get(key) or "")
            if any(address in value for address in addresses):
                meta.pop(key, None)
    scope = getattr(request, "scope", None)
    if isinstance(scope, dict):  # ASGI: the server's own record of the peer, and the raw headers
        scope["client"] = None
        scope["headers"] = [
            (name, value) for name, value in scope.get("headers", [])
            if ("HTTP_" + name.decode("latin-1").upper().replace("-", "_")) not in ADDRESS_KEYS
            and not ADDRESS_NAME.match("HTTP_" + name.decode("latin-1").upper().replace("-", "_"))
        ]
    # Should another middleware have run first (a misconfiguration), leave it nothing either.
    request.client_ip = None  # type: ignore[attr-defined]


def is_anonymous_path(path: str) -> bool:
    return any(path.startswith(prefix) for prefix in conf.anonymous_paths())


class AnonymityMiddleware:
    """First middleware: on the public paths, key for the rate limit, then forget the address."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not is_anonymous_path(request.path_info):
            return self.get_response(request)
        request.portal_client_key = limiter.client_key(  # type: ignore[attr-defined]
            client_address(request.META, conf.proxy_count())
        )
        strip_client_address(request)
        response = self.get_response(request)
        if response.has_header("X-Request-ID"):
            del response["X-Request-ID"]
        return response
