"""Forms, dates, limits and page chrome in a real browser (issue #7 point 2, "uiforms").

Playwright's sync API drives Debian's chromium against pytest-django's live server, with the fixtures of
``tests/browser/conftest.py`` (every page's console is checked for CSP messages; skipped with
KSSP_SKIP_BROWSER=1).
"""

from __future__ import annotations

import re

import pytest

from kssp.accounts.testing import PASSWORD
from kssp.portal.models import PublicSubmission
from tests.browser.conftest import choose_language, sign_in

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.urls("kssp.portal.tests.urls"),
]

UUID = r"[0-9a-f-]{36}"


def signed_in(open_page, base: str, username: str = "kp_inv", *, language: str = "en"):
    page = open_page(locale="en")
    page.goto(f"{base}/accounts/login/")
    choose_language(page, language)
    sign_in(page, base, username, PASSWORD)
    return page


def test_back_and_send_again_keeps_one_public_tip_with_the_same_tracking_code(world, live_server, open_page):
    base = live_server.url
    page = open_page(locale="en")
    page.goto(f"{base}/public/message/")
    page.select_option("#id_topic", "weapons")
    page.fill("#id_message", "A rifle is fired at every wedding in our street.")
    page.click("form.portal-form button[type=submit]")
    first = page.text_content("#tracking-code").strip()

    page.go_back()
    page.wait_for_selector("#id_message")
    page.click("form.portal-form button[type=submit]")
    page.wait_for_selector("h1")

    assert PublicSubmission.objects.unscoped(reason="test").count() == 1
    assert page.text_content("#tracking-code").strip() == first


def test_back_and_send_again_keeps_one_bulletin(world, live_server, open_page):
    from kssp.bulletins.models import Bulletin

    base = live_server.url
    page = signed_in(open_page, base)
    page.goto(f"{base}/bulletins/new/")
    page.fill("#id_title", "Grey Golf lookout")
    page.fill("#id_body", "Grey Golf, plates 01-123-AB, seen at Merdare.")
    page.click("form.kssp-form button[type=submit]")
    page.wait_for_url(re.compile(rf"{re.escape(base)}/bulletins/{UUID}/$"))
    first = page.url

    page.go_back()
    page.wait_for_selector("#id_title")
    page.click("form.kssp-form button[type=submit]")
    page.wait_for_url(re.compile(rf"{re.escape(base)}/bulletins/{UUID}/$"))

    assert Bulletin.objects.unscoped(reason="test").count() == 1
    assert page.url == first
