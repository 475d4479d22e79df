"""Merging two persons through the pages, end to end in a real browser (issue #3 point 1).

A KP investigator searches "Xhemajl Shaqiri" with a purpose and finds the same man written in Latin and
in Cyrillic (ranked, with the reasons), opens one, picks the other as the duplicate, sees what moves,
confirms with a reason, finds the document and the linked vehicle on the survivor, then undoes the merge
from the duplicate's page. Every page is checked for CSP messages in the console (conftest)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from kssp.accounts.testing import PASSWORD
from kssp.core.models import AuditEvent
from kssp.core.parties.models import Person, PersonDocument
from kssp.core.parties.tests.factories import PartyLinkFactory, PersonDocumentFactory, PersonFactory, VehicleFactory
from tests.browser.conftest import choose_language, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


@pytest.fixture(autouse=True)
def parties_role_permissions(request):
    """The parties permissions, until roles.json lists them (kssp/core/parties/tests/roles.py)."""
    from kssp.core.parties.tests.roles import grant_parties_permissions_to

    grant_parties_permissions_to(request.getfixturevalue("world"))


def test_merge_two_persons_through_the_pages_then_undo(world, live_server, open_page, screenshot):
    owner = world.kp_investigator
    survivor = PersonFactory(owner=owner, given_name="Xhemajl", family_name="Shaqiri", birth_year=1980, birth_month=3,
                             birth_day=12, personal_number="1234567890")
    duplicate = PersonFactory(owner=owner, given_name="Џемајл", family_name="Шаћири", birth_year=1980)
    PersonDocumentFactory(person=duplicate, doc_type="passport", number="RKS0077123")
    vehicle = VehicleFactory(owner=owner, plate="01-234-KS", make="Zastava", model="101")
    PartyLinkFactory(record=vehicle, person=duplicate, role="driver", subject_category="suspect")
    base = live_server.url

    page = open_page(locale="en")
    page.goto(f"{base}/accounts/login/")
    choose_language(page, "en")
    sign_in(page, base, "kp_inv", PASSWORD)

    # --- search: both spellings, ranked with reasons; the purpose is asked for first ---
    page.goto(f"{base}/parties/")
    page.fill("#id_name", "Xhemajl Shaqiri")
    page.click("#person-search button[type=submit]")
    expect(page.locator("#id_purpose_error")).to_be_visible()
    page.fill("#id_purpose", "Border check BCP Merdare")
    page.click("#person-search button[type=submit]")
    expect(page.locator("#person-search .kssp-match")).to_have_count(2)
    text = page.inner_text("#person-search")
    assert "Шаћири" in text and "Cyrillic→Latin" in text
    screenshot(page, "parties-01-search-both-scripts")
    assert AuditEvent.objects.filter(event_type="person.searched", purpose="Border check BCP Merdare").count() == 1

    # --- open the Latin record, pick the Cyrillic one as its duplicate ---
    page.click("#person-search .kssp-match a:has-text('Xhemajl')")
    page.wait_for_url(re.compile(rf".*/parties/persons/{survivor.public_id}/\?purpose=.*"))
    page.click("#merge-duplicate")
    page.wait_for_url(f"{base}/parties/persons/{survivor.public_id}/merge/")
    expect(page.locator(".kssp-candidate")).to_have_count(1)
    assert "Шаћири" in page.inner_text(".kssp-candidate")
    screenshot(page, "parties-02-merge-candidates")
    page.click(".kssp-choose-duplicate")
    page.wait_for_url(re.compile(r".*/merge/\?duplicate=.*"))
    assert "RKS0077123" in page.inner_text("#what-moves")
    assert "01-234-KS" in page.inner_text("#what-moves")

    # a confirmation without a reason is refused, nothing merged
    page.click(".kssp-merge-form button[type=submit]")
    expect(page.locator("#id_reason_error")).to_be_visible()
    assert Person.objects.unscoped(reason="test").get(pk=duplicate.pk).merged_into_id is None
    screenshot(page, "parties-03-merge-preview-error")

    page.fill("#id_reason", "Same man: Latin and Cyrillic spellings of one identity card")
    page.click(".kssp-merge-form button[type=submit]")
    page.wait_for_url(f"{base}/parties/persons/{survivor.public_id}/")
    expect(page.locator("#documents")).to_contain_text("RKS0077123")
    expect(page.locator("#links")).to_contain_text("01-234-KS")  # the one links panel (#7 point 2)
    screenshot(page, "parties-04-survivor-after-merge")
    assert Person.objects.unscoped(reason="test").get(pk=duplicate.pk).merged_into_id == survivor.pk
    assert PersonDocument.objects.unscoped(reason="test").get(number="RKS0077123").person_id == survivor.pk

    # --- undo from the duplicate's page ---
    page.goto(f"{base}/parties/persons/{duplicate.public_id}/")
    expect(page.locator(".kssp-merged-into")).to_be_visible()
    page.click(".kssp-unmerge summary")
    page.fill("#id_unmerge_reason", "Checked: two different men")
    page.click(".kssp-unmerge button[type=submit]")
    page.wait_for_url(f"{base}/parties/persons/{duplicate.public_id}/")
    expect(page.locator(".kssp-merged-into")).to_have_count(0)
    expect(page.locator("#documents")).to_contain_text("RKS0077123")
    screenshot(page, "parties-05-duplicate-after-unmerge")
    assert Person.objects.unscoped(reason="test").get(pk=duplicate.pk).merged_into_id is None
    assert PersonDocument.objects.unscoped(reason="test").get(number="RKS0077123").person_id == duplicate.pk
