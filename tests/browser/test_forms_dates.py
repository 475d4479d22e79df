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


def one_line(page, selector: str) -> bool:
    """Whether the items under ``selector`` sit on one line (the same top edge)."""
    tops = page.eval_on_selector_all(selector, "els => els.filter(e => e.offsetParent).map(e => Math.round(e.getBoundingClientRect().top))")
    return len(set(tops)) == 1


@pytest.mark.parametrize("username", ["kp_inv", "kp_admin", "aki"])
def test_the_header_is_one_line_at_1366_and_links_quick_capture(world, live_server, open_page, screenshot, username):
    base = live_server.url
    for language in ("sq", "sr-latn", "en"):
        page = signed_in(open_page, base, username, language=language)
        page.set_viewport_size({"width": 1366, "height": 768})
        page.goto(f"{base}/")
        screenshot(page, f"uiforms-header-1366-{username}-{language}")
        # One line of the dark bar is about 58 px (two lines were 104 px).
        height = page.eval_on_selector(".kssp-header .navbar", "e => e.getBoundingClientRect().height")
        assert height < 70, f"{username} {language}: the account bar wraps ({height} px)"
        assert one_line(page, ".kssp-nav .nav-item"), f"{username} {language}: menu wraps"
        page.context.close()
    # The quick-capture page is in the menu for those who may capture (an investigator), and on the list.
    page = signed_in(open_page, base, "kp_inv")
    page.goto(f"{base}/bulletins/")
    assert page.locator(".kssp-nav a[href='/bulletins/quick-capture/']").count() == 1
    assert page.locator("main a[href='/bulletins/quick-capture/']").count() == 1


def test_a_person_page_tab_title_names_no_one(world, live_server, open_page):
    from kssp.core.parties.tests.factories import PersonFactory

    person = PersonFactory(given_name="Arben", family_name="Krasniqi", owner=world.kp_investigator)
    base = live_server.url
    page = signed_in(open_page, base)
    page.goto(f"{base}/parties/persons/{person.public_id}/")
    assert "Krasniqi" in page.inner_text("h1")  # the page itself shows the name
    title = page.title()
    assert "Krasniqi" not in title and "Arben" not in title
    assert title.startswith("Person · ") and str(person.public_id)[:8] in title


def test_the_public_site_404_is_in_the_public_layout_without_sign_in(world, live_server, open_page):
    base = live_server.url
    page = open_page(locale="en")
    response = page.goto(f"{base}/public/no-such-page/")
    assert response.status == 404
    assert page.locator("body.portal").count() == 1
    assert page.locator("a[href*='/accounts/login']").count() == 0
    assert "Sign in" not in page.inner_text("body")
    assert page.locator(".portal-languages a").count() >= 3
