"""The inbox and the header badge in a real browser: marking read with htmx refreshes the badge by a
passive request (X-KSSP-Passive), and no page logs a CSP message."""

from __future__ import annotations

import os

import pytest

from kssp.core.notifications.services import notify
from tests.browser.conftest import sign_in

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.skipif(os.environ.get("KSSP_SKIP_BROWSER") == "1", reason="KSSP_SKIP_BROWSER=1"),
]


def test_marking_read_refreshes_the_badge_passively(world, live_server, open_page):
    from kssp.accounts.testing import PASSWORD

    me = world.kp_investigator
    notify(recipients=[me.user], kind="deadline", context={"what": "Report on the seizure", "when": "—"})
    notify(recipients=[me.user], kind="approval_requested", context={"requester": "Chief", "what": "Leave"})
    base = live_server.url
    page = open_page(locale="en")
    sign_in(page, base, "kp_inv", PASSWORD)
    badge = page.locator("#kssp-notification-badge")
    assert "2 unread" in badge.inner_text()

    page.click("#kssp-notification-badge a")
    page.wait_for_url(f"{base}/notifications/")
    assert page.locator("tr.kssp-unread").count() == 2

    polls = []
    page.on("request", lambda request: polls.append(request.headers) if "/notifications/badge/" in request.url else None)
    with page.expect_response(lambda response: "/notifications/badge/" in response.url):
        page.locator("tr.kssp-unread button[type=submit]").first.click()
    page.wait_for_function("document.querySelectorAll('tr.kssp-unread').length === 1")
    page.wait_for_function("document.querySelector('#kssp-notification-badge').innerText.includes('1 unread')")
    assert polls and polls[-1].get("x-kssp-passive") == "1" and polls[-1].get("hx-request") == "true"
