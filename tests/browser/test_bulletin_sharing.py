"""Sharing a bulletin by grant, end to end in a real browser (issue #2 points 4 and 7).

A KP investigator signs in in Albanian, drafts a bulletin and shares it with Customs; a Customs
investigator signs in in English and reads it; a prosecutor without a grant gets 404; KP revokes and
Customs gets 404 too. Every page is checked for CSP messages in the console (conftest)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from kssp.accounts.models import Institution
from kssp.accounts.testing import PASSWORD
from kssp.bulletins.models import Bulletin
from kssp.core.models import Grant
from tests.browser.conftest import choose_language, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_share_by_grant_then_revoke(world, live_server, open_page, screenshot):
    base = live_server.url

    # --- KP investigator, in Albanian (the default) ---
    kp = open_page(locale="sq")
    kp.goto(f"{base}/accounts/login/")
    assert kp.get_attribute("html", "lang") == "sq"
    screenshot(kp, "01-login-sq")
    sign_in(kp, base, "kp_inv", PASSWORD)
    assert kp.get_attribute("html", "lang") == "sq"
    screenshot(kp, "02-home-kp-investigator")

    kp.click(".kssp-nav a[href='/bulletins/']")
    kp.wait_for_url(f"{base}/bulletins/")
    screenshot(kp, "03-bulletin-list-empty")
    kp.click("a[href='/bulletins/new/']")
    kp.wait_for_url(f"{base}/bulletins/new/")

    # A first attempt without a title: field error, nothing saved.
    kp.fill("#id_body", "Golf i hirtë, targat 01-123-AB, parë në Merdare.")
    kp.click("form.kssp-form button[type=submit]")
    kp.wait_for_selector("#id_title_error")
    assert kp.get_attribute("#id_title", "aria-invalid") == "true"
    screenshot(kp, "04-bulletin-form-errors")
    assert not Bulletin.objects.unscoped(reason="test").exists()

    kp.fill("#id_title", "Golf i hirtë – kërkim")
    kp.select_option("#id_kind", "lookout")
    kp.select_option("#id_classification", "2")
    kp.select_option("#id_handling_code", "H2")
    kp.check("#id_contains_personal_data")
    kp.click("form.kssp-form button[type=submit]")
    kp.wait_for_url(re.compile(rf"{re.escape(base)}/bulletins/[0-9a-f-]{{36}}/$"))
    bulletin = Bulletin.objects.unscoped(reason="test").get()
    detail_url = f"{base}/bulletins/{bulletin.public_id}/"
    assert kp.url == detail_url

    # Share with Customs, on the sharing page the record links to (the institution field is the one
    # shown for "institution").
    kp.click("a.kssp-share-link")
    assert kp.is_visible("#id_institution")
    assert not kp.is_visible("#id_unit")
    kp.select_option("#id_institution", str(Institution.objects.get(code="DK").public_id))
    kp.fill("#id_reason", "Operacion i përbashkët Merdare")
    kp.click("form.kssp-share-form button[type=submit]")
    kp.wait_for_selector("#grants .kssp-grant-active")
    assert Grant.objects.filter(revoked_at__isnull=True).count() == 1
    screenshot(kp, "05-bulletin-detail-shared")

    # --- Customs investigator, in English ---
    customs = open_page(locale="en-GB")
    customs.goto(f"{base}/accounts/login/")
    choose_language(customs, "en")
    assert customs.get_attribute("html", "lang") == "en"
    sign_in(customs, base, "dk_inv", PASSWORD)
    response = customs.goto(detail_url)
    assert response.status == 200
    assert customs.get_attribute("html", "lang") == "en"
    assert "Golf i hirtë – kërkim" in customs.inner_text("h1")
    assert customs.is_visible("text=Holds personal data")
    screenshot(customs, "06-bulletin-detail-customs-en")

    # --- Prosecutor, no grant ---
    prosecutor = open_page()
    sign_in(prosecutor, base, "pros", PASSWORD)
    response = prosecutor.goto(detail_url)
    assert response.status == 404
    assert "Golf" not in prosecutor.content()
    screenshot(prosecutor, "07-not-found-prosecutor")

    # --- KP revokes ---
    kp.goto(detail_url)
    kp.click("#grants details.kssp-revoke summary")
    kp.fill("#grants details.kssp-revoke textarea, #grants details.kssp-revoke input[name=reason]", "Operacioni u mbyll")
    kp.click("#grants details.kssp-revoke button[type=submit]")
    kp.wait_for_selector("#grants .kssp-grant-revoked")
    screenshot(kp, "08-bulletin-detail-revoked")

    response = customs.goto(detail_url)
    assert response.status == 404
    assert "Golf" not in customs.content()


def test_filters_refresh_the_table_with_htmx_and_the_check_shows_existence_only(world, live_server, open_page, screenshot):
    from kssp.bulletins.tests.factories import BulletinFactory

    # given: some KP bulletins and one Customs bulletin KP cannot see
    for n in range(3):
        BulletinFactory(owner=world.kp_investigator, title=f"Lookout {n}", status="issued" if n % 2 else "draft")
    hidden = BulletinFactory(owner=world.customs, title="Glock 17 serial ABC123")
    base = live_server.url
    page = open_page(locale="en")
    page.goto(f"{base}/accounts/login/")
    choose_language(page, "en")
    sign_in(page, base, "kp_inv", PASSWORD)
    page.goto(f"{base}/bulletins/")
    expect(page.locator(".kssp-data-table tbody tr")).to_have_count(3)

    # when: a filter changes (htmx swaps only the results and pushes the URL)
    page.select_option("#id_status", "issued")
    page.wait_for_url(re.compile(r".*status=issued.*"))
    expect(page.locator(".kssp-data-table tbody tr")).to_have_count(1)
    screenshot(page, "09-bulletin-list-filtered-en")

    # when: the existence-only check
    page.fill("#id_term", "ABC123")
    page.fill("#id_purpose", "Case 2026/77")
    page.click("#hit-check button[type=submit]")
    page.wait_for_selector("#hit-check .kssp-hits")
    text = page.inner_text("#hit-check")
    assert "Possible match held by" in text
    assert hidden.title not in page.content()
    screenshot(page, "10-hit-check-en")
