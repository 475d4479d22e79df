"""One link mechanism in a real browser (issue #7 point 2): from a bulletin's page an investigator finds a
person by name in the one picker, the form asks for the person's role (and data-subject category)
instead of a type of link, and the role is shown by name on both pages and removed with a reason.

Playwright's sync API drives Debian's chromium against pytest-django's live server, with the fixtures of
``tests/browser/conftest.py`` (every page's console is checked for CSP messages; skipped with
KSSP_SKIP_BROWSER=1).
"""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.browser.conftest import choose_language, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_an_investigator_gives_a_person_found_by_name_the_role_of_suspect_in_a_bulletin_and_removes_it(
    world, live_server, open_page, screenshot
):
    from kssp.accounts.testing import PASSWORD
    from kssp.bulletins.tests.factories import BulletinFactory
    from kssp.core.parties.models import PartyLink
    from kssp.core.parties.tests.factories import PersonFactory

    base = live_server.url
    person = PersonFactory(owner=world.kp_investigator, given_name="Xhemajl", family_name="Qerimi")
    bulletin = BulletinFactory(owner=world.kp_investigator, title="Grey Golf at Merdare")
    page = open_page(locale="en")
    page.goto(f"{base}/accounts/login/")
    choose_language(page, "en")
    sign_in(page, base, "kp_inv", PASSWORD)

    # given the bulletin's page, when the Serbian spelling of the name is typed in the one picker
    page.goto(base + reverse("bulletins:bulletin_detail", args=[bulletin.public_id]))
    page.click("#links summary:has-text('Link another record')")
    page.fill("#id_link_find", "Džemajl Ćerimi")
    choice = page.locator("#link-candidates input[name=pick]")
    choice.first.wait_for()
    assert "Xhemajl Qerimi" in page.inner_text("#link-candidates")
    # then choosing the person makes the form ask for the role, not for a type of link
    page.wait_for_selector("#link-fields[data-link-kind=role] #id_link_role")
    assert page.locator("#id_link_link_type").count() == 0
    page.select_option("#id_link_role", "subject")
    page.select_option("#id_link_subject_category", "suspect")
    screenshot(page, "links-01-role-form")
    with page.expect_response(lambda r: "/add/" in r.url):
        page.click("#links form button[type=submit]:has-text('Link')")
    page.wait_for_selector("#links .alert-success")

    # and the bulletin's panel names the person with the role
    row = page.locator("#links table tbody tr", has_text="Xhemajl Qerimi")
    assert "Subject of the record (Suspect)" in row.inner_text()
    screenshot(page, "links-02-bulletin-panel")
    link = PartyLink.objects.get()
    assert (link.person_id, link.object_id, link.subject_category) == (person.pk, bulletin.pk, "suspect")

    # and the person's page lists the bulletin by its name with the same role, in the same panel
    page.goto(base + reverse("parties:person_detail", args=[person.public_id]))
    row = page.locator("#links table tbody tr", has_text=bulletin.number)
    assert "Grey Golf at Merdare" in row.inner_text() or bulletin.number in row.inner_text()
    assert "Subject of the record (Suspect)" in row.inner_text()

    # when it is removed there, with a reason
    row.locator("summary:has-text('Remove')").click()
    row.locator("textarea[name=reason], input[name=reason]").fill("Wrong person: the witness named his cousin")
    screenshot(page, "links-03-person-remove")
    with page.expect_response(lambda r: "/remove/" in r.url):
        row.locator("button:has-text('Remove the link')").click()
    page.wait_for_selector("#links .alert-success")
    # then neither page lists it any longer, and the removal keeps who and why
    assert "No linked records." in page.inner_text("#links")
    page.goto(base + reverse("bulletins:bulletin_detail", args=[bulletin.public_id]))
    assert "Xhemajl Qerimi" not in page.inner_text("#links")
    link.refresh_from_db()
    assert link.removed_at is not None and link.remove_reason == "Wrong person: the witness named his cousin"
    screenshot(page, "links-04-bulletin-after-removal")
