"""The kernel's generic record pages in a real browser (issue #6 point 4): the create form of
``kssp.core.views_records`` (shown here for bulletins, the first declared type, driven only through its
addresses: kernel tests import no domain module), the grants panel ``{% grants_panel %}`` on a person's
page and the share page of ``kssp.core.views_grants`` behind it.

Playwright's sync API drives Debian's chromium against pytest-django's live server, with the fixtures of
``tests/browser/conftest.py`` (every page's console is checked for CSP messages; skipped with
KSSP_SKIP_BROWSER=1).
"""

from __future__ import annotations

import re

import pytest

from kssp.accounts.models import Institution
from kssp.accounts.testing import PASSWORD
from kssp.core.models.grants import Grant
from kssp.core.parties.tests.factories import PersonFactory
from tests.browser.conftest import choose_language, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

UUID = r"[0-9a-f-]{36}"


def signed_in_in_english(open_page, base: str, username: str = "kp_inv", *, width: int = 1366, height: int = 768):
    page = open_page(locale="en")
    page.goto(f"{base}/accounts/login/")
    choose_language(page, "en")  # from the header, which folds into a menu on a phone: choose it first
    sign_in(page, base, username, PASSWORD)
    page.set_viewport_size({"width": width, "height": height})
    return page


def test_drafting_a_bulletin_through_the_generic_form_shows_the_field_error_then_saves(world, live_server, open_page, screenshot):
    base = live_server.url
    page = signed_in_in_english(open_page, base)

    # given: the list of the record type, with its create button
    page.goto(f"{base}/bulletins/")
    page.click("a[href='/bulletins/new/']")
    page.wait_for_url(f"{base}/bulletins/new/")
    assert page.inner_text("h1") == "Draft a bulletin"

    # when: the form is sent without a title (bad input)
    page.fill("#id_body", "Grey Golf, plates 01-123-AB, seen at Merdare.")
    page.select_option("#id_kind", "lookout")
    with page.expect_response(lambda r: r.request.method == "POST") as sent:
        page.click("form.kssp-form button[type=submit]")
    page.wait_for_selector("#id_title_error")

    # then: the error is on the field, the page says so, what was typed is kept and nothing is saved
    assert sent.value.status == 400
    assert page.url == f"{base}/bulletins/new/"
    assert "This field is required." in page.inner_text("#id_title_error")
    assert page.get_attribute("#id_title", "aria-invalid") == "true"
    assert page.input_value("#id_body") == "Grey Golf, plates 01-123-AB, seen at Merdare."
    assert page.input_value("#id_kind") == "lookout"
    assert page.locator("[role=alert]", has_text="The form has errors").count() == 1
    screenshot(page, "records-01-generic-form-field-error")

    # when: the title is given
    page.fill("#id_title", "Grey Golf lookout")
    page.click("form.kssp-form button[type=submit]")

    # then: the draft's detail page, with the confirmation and the markings chosen
    page.wait_for_url(re.compile(rf"{re.escape(base)}/bulletins/{UUID}/$"))
    assert page.inner_text("h1") == "Grey Golf lookout"
    assert "was saved as a draft" in page.inner_text(".kssp-messages")
    assert "Draft" in page.inner_text(".kssp-markings")
    screenshot(page, "records-02-generic-form-saved")

    # and: exactly one bulletin in the list (the refused attempt left nothing behind)
    page.goto(f"{base}/bulletins/")
    assert page.locator(".kssp-data-table tbody tr").count() == 1


def test_sharing_a_person_from_the_grants_panel_of_its_page(world, live_server, open_page, screenshot):
    person = PersonFactory(owner=world.kp_investigator, given_name="Xhemajl", family_name="Qerimi")
    customs = Institution.objects.get(code="DK")
    base = live_server.url
    page = signed_in_in_english(open_page, base)

    page.goto(f"{base}/parties/persons/{person.public_id}/")
    assert "Xhemajl" in page.inner_text("h1")
    assert "has not been shared" in page.inner_text("#grants")
    # the record's page links to its sharing page, which carries the form
    page.click("a.kssp-share-link")
    page.wait_for_url(f"{base}/records/parties.person/{person.public_id}/grants/#share")
    # the institution field is the one shown for "institution" (the default grantee type)
    assert page.is_visible("#share #id_institution")
    assert not page.is_visible("#share #id_unit")

    page.select_option("#share #id_institution", str(customs.public_id))
    page.fill("#share #id_reason", "Joint operation Merdare")
    page.click("form.kssp-share-form button[type=submit]")

    # back on the person's page, at the panel, with the active grant and the confirmation
    page.wait_for_url(f"{base}/parties/persons/{person.public_id}/#grants")
    page.wait_for_selector("#grants .kssp-grant-active")
    assert "Shared with Kosovo Customs" in page.inner_text(".kssp-messages")
    row = page.inner_text("#grants tbody tr")
    assert "Kosovo Customs" in row and "Joint operation Merdare" in row
    grant = Grant.objects.get(revoked_at__isnull=True)
    assert grant.object_id == person.pk and grant.grantee_institution_id == customs.pk
    screenshot(page, "records-03-person-shared-from-panel")


def test_the_share_page_names_the_missing_reason_and_keeps_the_choice(world, live_server, open_page, screenshot):
    person = PersonFactory(owner=world.kp_investigator)
    customs = Institution.objects.get(code="DK")
    base = live_server.url
    page = signed_in_in_english(open_page, base, width=390, height=844)

    page.goto(f"{base}/parties/persons/{person.public_id}/")
    page.click("a.kssp-share-link")
    page.select_option("#share #id_institution", str(customs.public_id))
    with page.expect_response(lambda r: r.request.method == "POST") as sent:
        page.click("form.kssp-share-form button[type=submit]")

    # the generic share page of the record, answering 400 with the error on the reason field
    page.wait_for_url(re.compile(rf"{re.escape(base)}/records/parties\.person/{person.public_id}/grants/$"))
    assert sent.value.status == 400
    assert "This field is required." in page.inner_text("#id_reason_error")
    assert page.get_attribute("#id_reason", "aria-invalid") == "true"
    assert page.input_value("#id_institution") == str(customs.public_id)
    assert page.inner_text("h1").startswith("Sharing")
    assert page.is_visible("a:has-text('Back to the record')")
    # on a phone the page does not scroll sideways (the panel's table scrolls inside its own box)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    assert not Grant.objects.exists()
    screenshot(page, "records-04-share-page-missing-reason")

    # corrected on the same page, the share goes through and leads back to the record
    page.fill("#id_reason", "Joint operation Merdare")
    page.click("form.kssp-share-form button[type=submit]")
    page.wait_for_url(f"{base}/parties/persons/{person.public_id}/#grants")
    page.wait_for_selector("#grants .kssp-grant-active")
    assert Grant.objects.filter(revoked_at__isnull=True).count() == 1
    # the panel's table of grants (with its visually hidden caption and header) stays inside its box
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(page, "records-05-person-shared-phone")
