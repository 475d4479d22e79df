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


def test_a_date_is_chosen_from_the_calendar_and_shown_dd_mm_yyyy(world, live_server, open_page, screenshot):
    from kssp.bulletins.models import Bulletin

    base = live_server.url
    page = signed_in(open_page, base)  # an English browser: the native picker would show mm/dd/yyyy
    page.goto(f"{base}/bulletins/new/")
    field = page.locator("#id_valid_until")
    assert field.get_attribute("type") == "text"
    assert field.get_attribute("placeholder") == "dd.mm.yyyy"
    page.fill("#id_title", "Grey Golf lookout")
    page.fill("#id_body", "Grey Golf, plates 01-123-AB.")
    page.fill("#id_valid_until", "07.12.2026")
    # The calendar opens on the typed month; the keyboard moves a week on and Enter chooses.
    page.click(".kssp-date-button")
    assert page.locator(".kssp-date-panel").is_visible()
    assert page.evaluate("document.activeElement.getAttribute('data-date')") == "07.12.2026"
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")
    assert page.input_value("#id_valid_until") == "14.12.2026"
    assert not page.locator(".kssp-date-panel").is_visible()
    screenshot(page, "uiforms-date-picker")
    page.click("form.kssp-form button[type=submit]")
    page.wait_for_url(re.compile(rf"{re.escape(base)}/bulletins/{UUID}/$"))
    assert "14.12.2026" in page.inner_text("main")
    assert Bulletin.objects.unscoped(reason="test").get().valid_until.isoformat() == "2026-12-14"


def test_a_wrong_date_keeps_the_form_with_a_translated_field_error(world, live_server, open_page):
    base = live_server.url
    page = signed_in(open_page, base, language="sq")
    page.goto(f"{base}/bulletins/new/")
    page.fill("#id_title", "Golf")
    page.fill("#id_body", "Teksti i buletinit.")
    page.fill("#id_valid_until", "12/07/2026")
    page.click("form.kssp-form button[type=submit]")
    page.wait_for_selector("#id_valid_until_error")
    assert "dd.mm.vvvv" in page.inner_text("#id_valid_until_error")
    assert page.input_value("#id_body") == "Teksti i buletinit."


@pytest.mark.parametrize("language", ["sq", "sr-latn", "en"])
def test_the_public_status_page_reads_dd_mm_yyyy(world, live_server, open_page, language):
    base = live_server.url
    page = open_page(locale="en")
    page.goto(f"{base}/public/message/")
    page.select_option("#id_topic", "weapons")
    page.fill("#id_message", "A rifle is fired at every wedding in our street.")
    page.click("form.portal-form button[type=submit]")
    code = page.text_content("#tracking-code").strip()
    tag = {"sq": "sq", "sr-latn": "sr-Latn", "en": "en"}[language]
    page.goto(f"{base}/public/status/")
    page.click(f".portal-languages a[lang='{tag}']")
    page.fill("#id_code", code)
    page.click("form.portal-form button[type=submit]")
    text = page.inner_text(".portal-result")
    today = __import__("django.utils.timezone", fromlist=["localdate"]).localdate()
    assert today.strftime("%d.%m.%Y") in text
    assert not re.search(r"\d{1,2}/\d{1,2}/\d{4}|\d{4}-\d{2}-\d{2}", text)


def test_a_texts_limit_is_shown_and_counted_beside_it(world, live_server, open_page):
    from kssp.core.forms import TEXT_MAX

    base = live_server.url
    page = signed_in(open_page, base)
    page.goto(f"{base}/bulletins/new/")
    page.fill("#id_body", "Kuršumlija")
    assert page.inner_text("#id_body_count") == f"10 / {TEXT_MAX}"
    assert page.get_attribute("#id_body", "maxlength") == str(TEXT_MAX)


@pytest.fixture(autouse=True)
def fresh_limiter():
    """The public site's hourly allowance is per process: each test starts with a fresh one."""
    from kssp.portal.ratelimit import limiter

    limiter.reset()
    yield
    limiter.reset()
