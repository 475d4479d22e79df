"""Administering people in a real browser (issue #7 points 2 and 3), with the demo logins of ``seed_demo``.

The police's administrator (admin.kp, in Albanian) onboards a person from the People page: a taken
username is a field error that keeps what was typed; then the account is created and its first
membership is only *proposed* — the proposer gets no approve button. The second administrator
(admin2.kp, in Serbian) approves it from the access-change list; the internal auditor (vjosa.hasani) is
notified. The first administrator then records the vetting authority's clearance decision for the new
person, which the second approves, and ends a membership with a reason. Every page's console is checked
for CSP messages (conftest).
"""

from __future__ import annotations

import io
import re

import pytest
from django.core.management import call_command
from django.utils import timezone

from kssp.accounts.models import AccessChange, Clearance, Membership, User
from kssp.core.notifications.models import Notification
from kssp.core.testing.cast import ensure_seeded
from tests.browser.conftest import choose_language, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

DEMO_PASSWORD = "kssp-demo-2026"  # noqa: S105 - the demo's published password


def signed_in(open_page, base: str, username: str, language: str):
    page = open_page(locale=language)
    page.goto(f"{base}/accounts/login/")
    if language != "sq":
        choose_language(page, language)
    sign_in(page, base, username, DEMO_PASSWORD)
    return page


def test_onboard_approve_clear_and_end_with_demo_logins(live_server, open_page, screenshot):
    base = live_server.url
    ensure_seeded()  # an earlier transactional test may have flushed the seeded institutions and units
    call_command("seed_demo", stdout=io.StringIO())
    today = timezone.localdate().isoformat()

    # --- admin.kp (Albanian): the People tab of the directory, then "Onboard a person" ---
    admin = signed_in(open_page, base, "admin.kp", "sq")
    admin.goto(f"{base}/directory/")
    admin.click("a[href='/directory/people/']")
    admin.wait_for_url(f"{base}/directory/people/")
    assert "besa" not in admin.inner_text("h1").casefold()
    assert "drita.krasniqi" in admin.inner_text("main")  # a KP investigator
    assert "agron.shala" not in admin.inner_text("main")  # a customs investigator: another institution
    screenshot(admin, "accounts-01-people")
    admin.click("a[href='/directory/people/new/']")
    admin.wait_for_url(f"{base}/directory/people/new/")

    admin.fill("#id_first_name", "Arta")
    admin.fill("#id_last_name", "Gashi")
    admin.fill("#id_username", "drita.krasniqi")  # taken
    admin.fill("#id_email", "arta.gashi@demo.invalid")
    unit_value = admin.eval_on_selector("#id_unit", "s => [...s.options].find(o => o.value)?.value")
    admin.select_option("#id_unit", unit_value)
    admin.select_option("#id_role", "investigator")
    admin.fill("#id_valid_from", today)
    admin.click("main form[method=post] button[type=submit]")
    admin.wait_for_selector("#id_username_error")
    assert admin.get_attribute("#id_username", "aria-invalid") == "true"
    assert admin.input_value("#id_first_name") == "Arta"  # what was typed is kept
    screenshot(admin, "accounts-02-onboard-field-error")
    assert not User.objects.filter(first_name="Arta", last_name="Gashi").exists()

    admin.fill("#id_username", "arta.gashi")
    admin.click("main form[method=post] button[type=submit]")
    admin.wait_for_url(re.compile(rf"{re.escape(base)}/directory/changes/[0-9a-f-]{{36}}/$"))
    change = AccessChange.objects.get(user__username="arta.gashi")
    assert admin.locator("#approve-change").count() == 0  # the proposer never approves
    assert admin.locator("#reject-change").count() == 1  # but may withdraw
    screenshot(admin, "accounts-03-proposed")
    assert not Membership.objects.filter(user__username="arta.gashi").exists()

    # --- admin2.kp (Serbian): approves from the list of access changes ---
    second = signed_in(open_page, base, "admin2.kp", "sr-latn")
    second.goto(f"{base}/directory/changes/")
    assert "Čeka odobrenje" in second.inner_text("main")
    second.click(f"a[href='/directory/changes/{change.public_id}/']")
    second.wait_for_url(f"{base}/directory/changes/{change.public_id}/")
    screenshot(second, "accounts-04-approve-sr")
    second.click("#approve-change")
    second.wait_for_selector("#change-status")
    assert second.inner_text("#change-status") == "Odobreno"
    membership = Membership.objects.get(user__username="arta.gashi")
    assert membership.role.code == "investigator" and membership.is_valid()
    auditor = User.objects.get(username="vjosa.hasani")
    assert Notification.objects.filter(recipient=auditor, kind="access_change").count() == 2  # proposed, approved

    # --- admin.kp records the vetting decision for the new person on the unit's members page ---
    admin.goto(f"{base}/directory/units/{membership.unit.public_id}/members/")
    row = admin.locator("tr", has_text="arta.gashi")
    row.locator("a[href$='/clearance/']").click()
    admin.wait_for_url(re.compile(r".*/clearance/$"))
    admin.select_option("#id_level", "2")
    admin.fill("#id_valid_from", today)
    admin.fill("#id_valid_until", "2030-12-31")
    admin.click("main form[method=post] button[type=submit]")  # without the decision's number and date: field errors
    admin.wait_for_selector("#id_decision_number_error")
    assert admin.locator("#id_decision_date_error").count() == 1
    admin.fill("#id_decision_number", "AKI-CL-2026/88")
    admin.fill("#id_decision_date", today)
    admin.click("main form[method=post] button[type=submit]")
    admin.wait_for_url(re.compile(rf"{re.escape(base)}/directory/changes/[0-9a-f-]{{36}}/$"))
    clearance_change = AccessChange.objects.get(kind="clearance", user__username="arta.gashi")
    assert not Clearance.objects.filter(user__username="arta.gashi").exists()

    second.goto(f"{base}/directory/changes/{clearance_change.public_id}/")
    second.click("#approve-change")
    second.wait_for_selector("#change-status")
    clearance = Clearance.objects.get(user__username="arta.gashi")
    assert (clearance.level, clearance.reference) == (2, "AKI-CL-2026/88")

    # --- admin.kp ends the membership with a reason (less access: takes effect at once, audited) ---
    admin.goto(f"{base}/directory/units/{membership.unit.public_id}/members/")
    admin.locator("tr", has_text="arta.gashi").locator(f"a[href='/directory/memberships/{membership.public_id}/end/']").click()
    admin.wait_for_url(f"{base}/directory/memberships/{membership.public_id}/end/")
    admin.fill("#id_reason", "Transferim në një njësi tjetër")
    admin.click("main form[method=post] button[type=submit]")
    admin.wait_for_url(f"{base}/directory/units/{membership.unit.public_id}/members/")
    membership.refresh_from_db()
    assert membership.revoked_at is not None
    screenshot(admin, "accounts-05-ended")
