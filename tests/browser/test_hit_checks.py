"""Checking other institutions in a real browser (issue #7 point 2).

* The demo's border police officer (arben.berisha, Merdare crossing) and customs officer (edona.kelmendi,
  Vërmica) have the "check other institutions" form, on the bulletin list and in the global search, and
  learn only which unit holds a match.
* The owner reads the hit notice from the home page and shares the record with the one who asked in one
  step; the asker can then open it. Every page is checked for CSP messages in the console (conftest).
"""

from __future__ import annotations

import re

import pytest

from kssp.accounts.testing import PASSWORD, make_person
from kssp.bulletins.tests.factories import BulletinFactory
from kssp.core.models import Grant, HitNotice
from tests.browser.conftest import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

TITLE = "Golf i hirtë, targat 01-123-AB"
BODY = "Parë në Vërmicë; shoferi i njohur."


@pytest.fixture
def demo_officers(world):
    """The demo's border and customs logins (kssp/demo seed_demo: the same usernames, units and roles)."""
    return (make_person("arben.berisha", institution="KP", unit="PKK-MERDARE", role="border_officer"),
            make_person("edona.kelmendi", institution="DK", unit="DG-VERMICE", role="customs_officer"))


def test_border_officer_checks_a_plate_and_the_owner_shares_with_the_one_who_asked(
    world, demo_officers, live_server, open_page, screenshot,
):
    base = live_server.url
    border, _customs = demo_officers
    hidden = BulletinFactory(owner=world.customs, title=TITLE, body=BODY)
    unit = hidden.owner_unit

    # --- the border officer, in English: the form is on the bulletin list ---
    page = open_page(locale="en")
    sign_in(page, base, "arben.berisha", PASSWORD)
    page.goto(f"{base}/bulletins/")
    page.wait_for_selector("#hit-check")
    page.fill("#id_term", "born 1990")
    page.fill("#id_purpose", "Border check at Merdare, vehicle 01-123-AB")
    page.click("#hit-check button[type=submit]")
    page.wait_for_selector("#id_term_error")
    assert "A check looks for an identifier" in page.inner_text("#id_term_error")
    page.fill("#id_term", "01-123-AB")
    page.click("#hit-check button[type=submit]")
    page.wait_for_selector(".kssp-hits .alert-warning")
    answer = page.inner_text(".kssp-hits")
    assert f"Possible match held by {unit.name_en}" in answer
    assert "Golf" not in page.content() and hidden.number not in page.content()
    screenshot(page, "hit-check-border-officer")
    notice = HitNotice.objects.get()
    assert notice.searcher == border.user

    # --- the owner, in English: home → the notice → share with the one who asked ---
    owner = open_page(locale="en")
    sign_in(owner, base, "dk_inv", PASSWORD)
    owner.click(f"a[href='/notices/{notice.public_id}/']")
    owner.wait_for_url(f"{base}/notices/{notice.public_id}/")
    assert "Border check at Merdare" in owner.inner_text("main")
    assert hidden.number in owner.inner_text("#notice-record")
    assert owner.is_checked("input[name=grantee][value=user]")
    screenshot(owner, "hit-notice-share")
    owner.click("form[action$='/share/'] button[type=submit]")
    owner.wait_for_url(f"{base}/notices/{notice.public_id}/")
    assert "The record was shared with" in owner.inner_text("main")
    grant = Grant.objects.get(object_id=hidden.pk)
    assert grant.grantee_user_id == border.user.pk

    # --- the asker opens the record now shared with them ---
    page.goto(f"{base}/bulletins/{hidden.public_id}/")
    assert page.title() != "" and TITLE in page.inner_text("main")


def test_customs_officer_checks_from_the_global_search(world, demo_officers, live_server, open_page, screenshot):
    base = live_server.url
    _border, customs = demo_officers
    held = BulletinFactory(owner=world.kp_investigator, title="Pistoletë 19Z45Z", body="Sekuestruar në Prizren.")

    page = open_page(locale="en")
    sign_in(page, base, "edona.kelmendi", PASSWORD)
    page.goto(f"{base}/search/?q=19Z45Z")
    page.wait_for_selector("#hit-check")
    page.fill("#id_check_purpose", "Declaration 2026/114 at Vërmica")
    page.click("#hit-check button[type=submit]")
    page.wait_for_selector(".kssp-hits .alert-warning")
    assert re.search(rf"possible match held by {re.escape(held.owner_unit.name_en)}", page.inner_text(".kssp-hits"))
    assert "Pistolet" not in page.content()
    screenshot(page, "hit-check-customs-officer")
    assert HitNotice.objects.get().searcher == customs.user


def test_a_refused_check_shows_why_on_the_form(world, demo_officers, live_server, open_page, settings):
    """Over the limit, the refusal (HTTP 429) is swapped into the form like any field error."""
    settings.KSSP_HIT_CHECK_PER_HOUR = 1
    base = live_server.url
    BulletinFactory(owner=world.customs, title=TITLE, body=BODY)
    page = open_page(locale="en")
    sign_in(page, base, "arben.berisha", PASSWORD)
    page.goto(f"{base}/bulletins/")
    page.fill("#id_term", "01-123-AB")
    page.fill("#id_purpose", "Border check at Merdare")
    page.click("#hit-check button[type=submit]")
    page.wait_for_selector(".kssp-hits .alert-warning")
    page.click("#hit-check button[type=submit]")
    page.wait_for_selector("#id_term_error")
    assert "You have run 1 check in the last hour" in page.inner_text("#id_term_error")
    assert HitNotice.objects.count() == 1
