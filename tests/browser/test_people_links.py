"""What a new user ran into with people, links, tasks and the demo (issue #7 point 2), in a real browser:
messages from the public reach a demo login, links are found by name and shown by name, vehicles and
organisations have pages, the home page shows the user's own work.

Playwright's sync API drives Debian's chromium against pytest-django's live server, with the fixtures of
``tests/browser/conftest.py`` (every page's console is checked for CSP messages; skipped with
KSSP_SKIP_BROWSER=1). Demo logins come from ``seed_demo``; test logins from the ``world`` fixture.
"""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from kssp.portal import services as portal_services
from tests.browser.conftest import choose_language, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

DEMO_PASSWORD = "kssp-demo-2026"


def signed_in(open_page, base: str, username: str, password: str = DEMO_PASSWORD):
    page = open_page(locale="en")
    page.goto(f"{base}/accounts/login/")
    choose_language(page, "en")
    sign_in(page, base, username, password)
    return page


def test_a_demo_login_reads_both_tips_from_the_public_and_an_empty_inbox_does_not_claim_none_exist(
    world, live_server, open_page, screenshot
):
    base = live_server.url
    call_command("seed_demo", stdout=io.StringIO())
    before = set()
    for message in ("Dikush shet fishekë te tregu i Ferizajt.", "Neko prodaje municiju na pijaci u Uroševcu."):
        submission, _code = portal_services.public_submission_create(
            actor=portal_services.public_actor(), topic="weapons", message=message, language="sq"
        )
        before.add(str(submission.public_id))

    # The Investigations Department's supervisor staffs the receiving unit: both tips are in the inbox.
    reader = signed_in(open_page, base, "valon.gashi")
    reader.goto(f"{base}/public-messages/")
    rows = reader.locator(".kssp-data-table tbody tr")
    assert rows.count() == 4  # the two sent here and the demo's own two tips
    shown = {href.rstrip("/").rsplit("/", 1)[-1] for href in reader.eval_on_selector_all(
        ".kssp-data-table tbody tr a", "links => links.map(a => a.getAttribute('href'))")}
    assert shown >= before
    assert "you read them here" in reader.inner_text("#receiving-unit")
    screenshot(reader, "people-01-public-messages-inbox")

    # A customs investigator may read public messages but not these: the empty list says only that.
    outsider = signed_in(open_page, base, "agron.shala")
    outsider.goto(f"{base}/public-messages/")
    assert outsider.locator(".kssp-data-table tbody tr").count() == 0
    text = outsider.inner_text("main")
    assert "There are no messages from the public that you may read." in text
    assert "yet" not in text
    assert "its members read them" in outsider.inner_text("#receiving-unit")


def test_linking_a_vehicle_to_a_person_found_by_another_spelling_shows_the_link_by_name_on_both_pages(
    world, live_server, open_page, screenshot
):
    from kssp.accounts.testing import PASSWORD
    from kssp.core.parties.tests.factories import PersonFactory, VehicleFactory

    base = live_server.url
    person = PersonFactory(owner=world.kp_investigator, given_name="Xhemajl", family_name="Qerimi")
    van = VehicleFactory(owner=world.kp_investigator, plate="01-234-KS", make="Iveco", model="Daily")
    page = signed_in(open_page, base, "kp_inv", PASSWORD)

    # given the van's page, when the Serbian spelling of the name is typed in the picker
    page.goto(f"{base}/parties/vehicles/{van.public_id}/")
    page.click("#links summary:has-text('Link another record')")
    page.fill("#id_link_find", "Džemajl Ćerimi")
    choice = page.locator("#link-candidates input[name=pick]")
    choice.first.wait_for()
    # then the one person the user may see is offered, by name
    assert choice.count() == 1
    assert "Xhemajl Qerimi" in page.inner_text("#link-candidates")
    choice.first.check()
    screenshot(page, "people-02-link-picker")
    with page.expect_response(lambda r: "/add/" in r.url):
        page.click("#links form button[type=submit]:has-text('Link')")
    page.wait_for_selector("#links .alert-success")

    # and the van's panel names the person; the person's page names the van in the same panel
    assert "Xhemajl Qerimi" in page.inner_text("#links table")
    page.goto(f"{base}/parties/persons/{person.public_id}/")
    assert "01-234-KS · Iveco Daily" in page.inner_text("#links table")
    assert "No linked records." not in page.inner_text("main")
    screenshot(page, "people-03-person-links")


def test_adding_a_vehicle_from_its_page_shows_the_field_error_then_saves(world, live_server, open_page, screenshot):
    from kssp.accounts.testing import PASSWORD

    base = live_server.url
    page = signed_in(open_page, base, "kp_inv", PASSWORD)
    page.goto(f"{base}/parties/")
    page.click("a[href='/parties/vehicles/new/']")
    page.wait_for_url(f"{base}/parties/vehicles/new/")
    # Neither plate nor VIN: the error is on the field and what was typed stays.
    page.fill("#id_make", "Lada")
    page.fill("#id_model", "Niva")
    page.click("form.kssp-form button[type=submit]")
    page.wait_for_selector("#id_plate_error")
    assert "Give the plate or the VIN." in page.inner_text("#id_plate_error")
    assert page.input_value("#id_make") == "Lada"
    screenshot(page, "people-04-vehicle-field-error")
    # A plate typed with Cyrillic look-alike letters is accepted and shown.
    page.fill("#id_plate", "КМ 045-ЕК")
    page.click("form.kssp-form button[type=submit]")
    page.wait_for_url(lambda url: "/parties/vehicles/" in url and not url.endswith("/new/"))
    assert "Niva" in page.inner_text("h1")
    assert "was added" in page.inner_text(".kssp-messages")
    assert page.locator("a:has-text('Edit')").count() >= 1
    screenshot(page, "people-05-vehicle-saved")


def test_the_home_page_shows_the_demo_users_tasks_and_recent_records(
    world, live_server, open_page, screenshot
):
    base = live_server.url
    call_command("seed_demo", stdout=io.StringIO())
    page = signed_in(open_page, base, "drita.krasniqi")
    tasks = page.inner_text("#home-tasks")
    assert "Verifiko regjistrin e shitjeve të Armëtari Dardania" in tasks
    assert "Pistoletë Zastava M70" in page.inner_text("#home-recent")
    assert page.locator(".kssp-quick-link").count() == 0
    screenshot(page, "people-06-home")
    # The task given to the supervisor of the department is on his home page, not on hers only.
    supervisor = signed_in(open_page, base, "valon.gashi")
    assert "Mirato ndarjen e alarmit me Doganën" in supervisor.inner_text("#home-tasks")
