"""The page chrome in a real browser: Bootstrap's collapse and dropdowns (no CSP message), switching the
acting membership from the header, htmx answering a refused form with its errors in place."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from kssp.accounts.models import Membership, Role, Unit
from kssp.accounts.testing import PASSWORD
from tests.browser.conftest import choose_language, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_narrow_screen_menu_and_membership_switch_from_the_header(world, live_server, chromium, console, screenshot):
    # given: the KP investigator also supervises another unit
    other = Membership.objects.create(
        user=world.kp_investigator.user, unit=Unit.objects.get(institution__code="KP", code="NJKK"),
        role=Role.objects.get(code="supervisor"), valid_from=timezone.localdate() - dt.timedelta(days=1),
    )
    base = live_server.url
    context = chromium.new_context(locale="en", viewport={"width": 390, "height": 844})
    try:
        page = context.new_page()
        console.attach(page)
        page.goto(f"{base}/accounts/login/")
        page.click("button.navbar-toggler")  # Bootstrap collapse
        page.wait_for_selector("#kssp-account-bar.show")
        choose_language(page, "en")
        sign_in(page, base, "kp_inv", PASSWORD)
        # when: the header's membership menu is used
        page.click("button.navbar-toggler")
        page.wait_for_selector("#kssp-account-bar.show")
        page.click("#kssp-acting-toggle")  # Bootstrap dropdown
        page.wait_for_selector(".kssp-menu.show")
        screenshot(page, "11-mobile-membership-menu-en")
        with page.expect_navigation():
            page.click(f"button[name=membership][value='{other.public_id}']")
        # then
        assert "Supervisor" in page.inner_text(".kssp-acting-role")
        assert page.is_visible(".alert-success")
        screenshot(page, "12-mobile-after-switch-en")
    finally:
        context.close()


def test_a_refused_htmx_form_shows_its_errors_in_place(world, live_server, open_page):
    base = live_server.url
    page = open_page(locale="en")
    page.goto(f"{base}/accounts/login/")
    choose_language(page, "en")
    sign_in(page, base, "kp_inv", PASSWORD)
    page.goto(f"{base}/bulletins/")
    page.fill("#id_term", "ABC123")
    page.click("#hit-check button[type=submit]")  # no purpose: HTTP 400, swapped in by htmx
    page.wait_for_selector("#id_purpose_error")
    assert page.url == f"{base}/bulletins/"
    assert page.get_attribute("#id_purpose", "aria-invalid") == "true"
    assert page.evaluate("() => document.activeElement && document.activeElement.id") == "id_purpose"


def test_an_htmx_refresh_after_the_session_ended_loads_the_sign_in_page(world, live_server, open_page):
    base = live_server.url
    page = open_page(locale="en")
    sign_in(page, base, "kp_inv", PASSWORD)
    page.goto(f"{base}/bulletins/")
    page.context.clear_cookies()
    page.select_option("#id_kind", "alert")
    page.wait_for_url(f"{base}/accounts/login/**")
    assert page.locator("#id_username").count() == 1
    assert page.locator("#bulletins-results #id_username").count() == 0
