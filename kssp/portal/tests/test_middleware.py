"""The anonymity middleware (issue #3 point 10): on public paths the client address is gone before any
other code sees it; staff paths keep it for the audit trail."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.test import Client, RequestFactory, override_settings

from kssp.portal.middleware import AnonymityMiddleware, client_address, strip_client_address

pytestmark = [pytest.mark.django_db, pytest.mark.urls("kssp.portal.tests.urls")]

ADDRESS = "203.0.113.77"
HOPS = f"{ADDRESS}, 198.51.100.23"
HEADERS = {
    "REMOTE_ADDR": "198.51.100.23",
    "REMOTE_PORT": "53211",
    "HTTP_X_FORWARDED_FOR": HOPS,
    "HTTP_X_REAL_IP": ADDRESS,
    "HTTP_FORWARDED": f'for="{ADDRESS}:4711";proto=https',
    "HTTP_TRUE_CLIENT_IP": ADDRESS,
    "HTTP_CF_CONNECTING_IP": ADDRESS,
    "HTTP_X_CUSTOM_PEER": ADDRESS,
    "HTTP_X_SOMETHING": f"seen from {ADDRESS}",
    "HTTP_VIA": "1.1 proxy.example",
    "HTTP_USER_AGENT": "Mozilla/5.0 (distinctive-agent)",
    "HTTP_X_REQUEST_ID": "0b6f3d1e-7a0c-4f2b-9d2e-1b2c3d4e5f60",
    "HTTP_ACCEPT_LANGUAGE": "sq",
}


def test_it_is_the_first_middleware():
    assert settings.MIDDLEWARE[0] == "kssp.portal.middleware.AnonymityMiddleware", (
        "AnonymityMiddleware must run before every other middleware (and RequestContextMiddleware)"
    )


def test_public_paths_lose_every_trace_of_the_address_before_the_rest_of_the_stack():
    response = Client(**HEADERS).get("/public/_probe/")
    seen = response.json()
    meta = seen["meta"]
    assert ADDRESS not in response.content.decode()
    assert "198.51.100.23" not in response.content.decode()
    for key in ("REMOTE_ADDR", "REMOTE_PORT", "HTTP_X_FORWARDED_FOR", "HTTP_X_REAL_IP", "HTTP_FORWARDED", "HTTP_VIA",
                "HTTP_USER_AGENT", "HTTP_X_REQUEST_ID", "HTTP_X_CUSTOM_PEER", "HTTP_X_SOMETHING"):
        assert key not in meta, key
    assert meta["HTTP_ACCEPT_LANGUAGE"] == "sq", "other headers are left alone"
    # kssp.core.middleware.RequestContextMiddleware and the actor built from the request see nothing.
    assert seen["client_ip"] is None and seen["actor_ip"] is None
    # The request id is the platform's own, not the one a proxy may have logged next to the address.
    assert seen["request_id"] and seen["request_id"] != HEADERS["HTTP_X_REQUEST_ID"]
    assert seen["has_key"], "only the HMAC key travels on"
    assert "X-Request-ID" not in response.headers


def test_staff_paths_keep_the_address_for_the_audit_trail():
    seen = Client(**HEADERS).get("/staff/_probe/").json()
    assert seen["client_ip"] == "198.51.100.23"
    assert seen["meta"]["HTTP_X_FORWARDED_FOR"] == HOPS
    assert not seen["has_key"]


def test_the_public_paths_are_a_setting():
    with override_settings(KSSP={**settings.KSSP, "PORTAL": {"ANONYMOUS_PATHS": ["/staff/"]}}):
        assert Client(**HEADERS).get("/staff/_probe/").json()["client_ip"] is None
        assert Client(**HEADERS).get("/public/_probe/").json()["client_ip"] == "198.51.100.23"


def test_the_rate_limit_address_trusts_only_the_configured_proxies():
    meta = {"REMOTE_ADDR": "10.0.0.1", "HTTP_X_FORWARDED_FOR": "6.6.6.6, 203.0.113.77, 10.0.0.9"}
    assert client_address(meta, 0) == "10.0.0.1"
    assert client_address(meta, 1) == "10.0.0.9"
    assert client_address(meta, 2) == "203.0.113.77"  # the forged 6.6.6.6 on the left is never used
    assert client_address({"REMOTE_ADDR": "10.0.0.1"}, 2) == "10.0.0.1"
    assert client_address({}, 0) is None


def test_ipv6_and_bracketed_forms_are_found_and_removed():
    request = RequestFactory().get(
        "/public/", REMOTE_ADDR="2001:db8::77", HTTP_FORWARDED='for="[2001:db8::77]:4711"', HTTP_X_NOTE="2001:db8::77 was here"
    )
    strip_client_address(request)
    assert "2001:db8::77" not in repr(request.META)
    assert request.client_ip is None


def test_an_asgi_scope_loses_its_client_too():
    request = RequestFactory().get("/public/", REMOTE_ADDR=ADDRESS)
    request.scope = {"client": (ADDRESS, 5000), "headers": [(b"x-forwarded-for", ADDRESS.encode()), (b"accept", b"*/*")]}
    strip_client_address(request)
    assert request.scope["client"] is None
    assert request.scope["headers"] == [(b"accept", b"*/*")]


def test_the_middleware_passes_other_paths_untouched():
    seen = {}

    def view(request):
        seen["meta"] = dict(request.META)
        from django.http import HttpResponse

        response = HttpResponse("ok")
        response["X-Request-ID"] = "kept"
        return response

    response = AnonymityMiddleware(view)(RequestFactory().get("/bulletins/", REMOTE_ADDR=ADDRESS))
    assert seen["meta"]["REMOTE_ADDR"] == ADDRESS
    assert response["X-Request-ID"] == "kept"
