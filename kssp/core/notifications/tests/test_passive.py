"""The header badge's polling is passive: it does not count as the user's activity."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.test import RequestFactory, override_settings
from django.urls import reverse

from kssp.core.notifications.middleware import PassiveRequestMiddleware, request_is_passive

PASSIVE = "kssp.core.notifications.middleware.PassiveRequestMiddleware"
PROBE = f"{__name__}.ActivityProbe"
POLL_HEADERS = {"HTTP_HX_REQUEST": "true", "HTTP_X_KSSP_PASSIVE": "1"}


class ActivityProbe:
    """Stands in for the screen lock's activity tracking: it records activity on every request that is
    not passive, exactly as the screen lock is to read ``request.kssp_passive``."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if request.user.is_authenticated and not request.kssp_passive:
            request.session["probe_activity"] = request.session.get("probe_activity", 0) + 1
        return response


def _middleware_with_probe():
    stack = [m for m in settings.MIDDLEWARE if m != PASSIVE]
    stack.insert(stack.index("kssp.core.middleware.RequestContextMiddleware") + 1, PASSIVE)
    stack.insert(stack.index("django.contrib.auth.middleware.AuthenticationMiddleware") + 1, PROBE)
    return stack


@pytest.mark.parametrize(
    ("method", "headers", "passive"),
    [
        ("get", POLL_HEADERS, True),
        ("head", POLL_HEADERS, True),
        ("get", {"HTTP_HX_REQUEST": "true"}, False),  # htmx, but not a poll
        ("get", {"HTTP_X_KSSP_PASSIVE": "1"}, False),  # not htmx
        ("post", POLL_HEADERS, False),  # a write is never passive
        ("get", {"HTTP_HX_REQUEST": "true", "HTTP_X_KSSP_PASSIVE": "yes"}, False),
    ],
)
def test_the_middleware_marks_only_htmx_polls_as_passive(method, headers, passive):
    request = getattr(RequestFactory(), method)("/notifications/badge/", **headers)
    seen = {}

    def view(req):
        seen["flag"] = req.kssp_passive
        return

    PassiveRequestMiddleware(view)(request)
    assert seen["flag"] is passive
    assert request_is_passive(request) is passive


def test_without_the_middleware_the_headers_still_decide():
    request = RequestFactory().get("/", **POLL_HEADERS)
    assert request_is_passive(request) is True


def test_polling_does_not_count_as_activity(world):
    with override_settings(MIDDLEWARE=_middleware_with_probe()):
        client = world.kp_investigator.client()
        assert client.get("/").status_code == 200  # a page: activity
        session_key = client.cookies[settings.SESSION_COOKIE_NAME].value
        before = Session.objects.get(session_key=session_key)
        assert before.get_decoded()["probe_activity"] == 1
        for _ in range(3):
            response = client.get(reverse("notifications:badge"), **POLL_HEADERS)
            assert response.status_code == 200
            assert settings.SESSION_COOKIE_NAME not in response.cookies  # the session was not saved again
        after = Session.objects.get(session_key=session_key)
        assert after.get_decoded()["probe_activity"] == 1
        assert after.expire_date == before.expire_date
        client.get(reverse("notifications:inbox"))  # reading the inbox is activity
        assert Session.objects.get(session_key=session_key).get_decoded()["probe_activity"] == 2


def test_the_badge_view_itself_never_touches_the_session(world):
    client = world.kp_investigator.client()
    key = client.cookies[settings.SESSION_COOKIE_NAME].value
    before = Session.objects.get(session_key=key)
    response = client.get(reverse("notifications:badge"), **POLL_HEADERS)
    assert response.status_code == 200 and settings.SESSION_COOKIE_NAME not in response.cookies
    after = Session.objects.get(session_key=key)
    assert (after.session_data, after.expire_date) == (before.session_data, before.expire_date)
