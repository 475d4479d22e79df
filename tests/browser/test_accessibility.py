"""Accessibility: axe-core on every page reachable from the navigation, for several roles and in two
languages, plus the pages one reaches from there (a bulletin, its forms, errors). The test fails on
any violation of impact "serious" or "critical", and (conftest) on any CSP console message."""

from __future__ import annotations

import pytest
from axe_playwright_python.sync_playwright import Axe

from kssp.accounts.testing import PASSWORD
from kssp.bulletins.tests.factories import BulletinFactory
from kssp.core.markings import Classification, HandlingCode
from kssp.core.services.grants import grant_create
from tests.browser.conftest import choose_language, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

BLOCKING = {"serious", "critical"}
AXE = Axe()


def axe_problems(page, label: str) -> list[str]:
    results = AXE.run(page)
    problems = []
    for violation in results.response["violations"]:
        if violation["impact"] in BLOCKING:
            targets = ", ".join(str(node["target"]) for node in violation["nodes"][:5])
            problems.append(f"[{label}] {violation['id']} ({violation['impact']}): {violation['help']} → {targets}")
    return problems


def nav_urls(page) -> list[str]:
    return page.eval_on_selector_all(".kssp-nav a.nav-link", "links => links.map(a => a.getAttribute('href'))")


@pytest.fixture
def records(world):
    """A KP bulletin with personal data shared with Customs, and enough Customs records for a chart."""
    own = BulletinFactory(
        owner=world.kp_investigator, title="Grey Golf, plates 01-123-AB", classification=Classification.CONFIDENTIAL,
        handling_code=HandlingCode.H1, contains_personal_data=True, valid_until=None,
    )
    customs_inst = world.customs.membership.unit.institution
    grant_create(actor=world.kp_investigator.actor, obj=own, grantee_type="institution", institution=customs_inst,
                 reason="Joint operation")
    for n in range(6):
        BulletinFactory(owner=world.customs, kind="lookout", title=f"Customs lookout {n}")
    BulletinFactory(owner=world.customs, kind="alert", title="Customs alert")
    return {"own": own}


@pytest.mark.parametrize(
    ("username", "language"),
    [
        ("kp_inv", "sq"),
        ("dk_inv", "en"),
        ("pros", "sr-latn"),
        ("kp_aud", "en"),
        ("qkmk", "sq"),
        ("kp_admin", "en"),
        ("aip", "sq"),
    ],
)
def test_pages_reachable_from_the_navigation_have_no_serious_accessibility_violations(
    world, records, live_server, open_page, screenshot, username, language
):
    base = live_server.url
    page = open_page(locale="en" if language == "en" else "sq")
    page.goto(f"{base}/accounts/login/")
    problems = axe_problems(page, "login")
    if language != "sq":
        choose_language(page, language)
    sign_in(page, base, username, PASSWORD)

    # Home, then every menu item, then what those pages lead to for this role.
    to_visit = ["/", *nav_urls(page), "/accounts/memberships/"]
    html = page.content()
    if 'href="/bulletins/"' in html:
        to_visit += ["/bulletins/", f"/bulletins/{records['own'].public_id}/"]
    seen = set()
    for path in to_visit:
        if path in seen:
            continue
        seen.add(path)
        page.goto(base + path)
        problems += axe_problems(page, f"{username} {path}")
        if path == "/bulletins/":
            if page.locator("a[href='/bulletins/new/']").count():
                page.goto(f"{base}/bulletins/new/")
                problems += axe_problems(page, f"{username} create")
                page.click("form.kssp-form button[type=submit]")  # empty: field errors
                page.wait_for_selector(".invalid-feedback")
                problems += axe_problems(page, f"{username} create with errors")
            page.goto(f"{base}/bulletins/")
            if page.locator("a[href='/bulletins/statistics/']").count():
                page.goto(f"{base}/bulletins/statistics/")
                problems += axe_problems(page, f"{username} statistics")
                screenshot(page, f"a11y-{username}-statistics")
    screenshot(page, f"a11y-{username}-last")

    page.goto(f"{base}/bulletins/{records['own'].public_id}/")
    if username not in {"kp_inv", "dk_inv"}:
        problems += axe_problems(page, f"{username} 404")

    assert problems == [], "\n".join(problems)


def test_locked_out_and_no_membership_pages_are_accessible(world, live_server, open_page, screenshot):
    base = live_server.url
    page = open_page(locale="en")
    page.goto(f"{base}/accounts/login/")
    choose_language(page, "en")
    for _ in range(5):
        page.fill("#id_username", "kp_off")
        page.fill("#id_password", "wrong")
        page.click("form[action='/accounts/login/'] button[type=submit]")
        page.wait_for_load_state()
    problems = axe_problems(page, "locked out")
    assert "locked" in page.inner_text("h1").lower()
    screenshot(page, "a11y-locked-out")

    # A user whose membership was ended sees a clear page and no operational menu.
    from django.utils import timezone

    membership = world.kp_investigator_other.membership
    membership.revoked_at = timezone.now()
    membership.save()
    other = open_page(locale="en")
    other.goto(f"{base}/accounts/login/")
    choose_language(other, "en")
    sign_in(other, base, "kp_inv2", PASSWORD)
    assert "no valid membership" in other.inner_text("main").lower()
    assert other.locator(".kssp-nav a[href='/bulletins/']").count() == 0
    problems += axe_problems(other, "no membership")
    screenshot(other, "a11y-no-membership")

    assert problems == [], "\n".join(problems)
