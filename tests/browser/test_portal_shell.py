"""The public site in a real browser (issue #3 point 10): on a phone-sized screen, in each public
language, no serious accessibility violation (axe), no CSP message (conftest), no cookie but the
language and CSRF; a citizen sends a message, keeps the code and reads the answer."""

from __future__ import annotations

import re

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from kssp.portal.models import PublicSubmission

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.urls("kssp.portal.tests.urls"),
]

AXE = Axe()
PHONE = {"width": 375, "height": 740}


def serious(page, label: str) -> list[str]:
    found = []
    for violation in AXE.run(page).response["violations"]:
        if violation["impact"] in {"serious", "critical"}:
            found.append(f"[{label}] {violation['id']}: {violation['help']} → {[n['target'] for n in violation['nodes'][:3]]}")
    return found


def test_public_pages_are_accessible_on_a_phone_in_every_public_language(world, live_server, open_page):
    base = live_server.url
    page = open_page(locale="sq")
    page.set_viewport_size(PHONE)
    problems: list[str] = []
    for language, tag in [("sq", "sq"), ("sr-latn", "sr-Latn"), ("sr-cyrl", "sr-Cyrl"), ("en", "en")]:
        page.goto(f"{base}/public/")
        page.click(f".portal-languages a[lang='{tag}']")
        expect(page.locator("html")).to_have_attribute("lang", tag)
        for path in ["/public/", "/public/message/", "/public/status/", "/public/privacy/"]:
            page.goto(f"{base}{path}")
            problems += serious(page, f"{language} {path}")
            # Nothing wider than the phone: no sideways scrolling.
            assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1"), f"{language} {path}"
    assert not problems, "\n".join(problems)
    names = {c["name"] for c in page.context.cookies()}
    assert names <= {"kssp_language", "csrftoken"}, names


def test_a_citizen_sends_a_message_and_reads_the_answer_with_the_code(world, live_server, open_page, screenshot):
    base = live_server.url
    page = open_page(locale="en")
    page.set_viewport_size(PHONE)
    page.goto(f"{base}/public/")
    page.click("a.btn-primary[href='/public/message/']")
    # The honeypot is out of sight and out of the keyboard's way.
    box = page.locator("#id_website").bounding_box()
    assert box is None or box["x"] + box["width"] < 0
    assert page.get_attribute("#id_website", "tabindex") == "-1"

    page.select_option("#id_topic", "weapons")
    page.fill("#id_message", "My neighbour fires a rifle at every wedding.")
    screenshot(page, "portal-01-message-form-phone")
    page.click("form.portal-form button[type=submit]")
    code = page.text_content("#tracking-code").strip()
    assert re.fullmatch(r"[0-9A-Z]{4}(-[0-9A-Z]{4}){3}", code)
    screenshot(page, "portal-02-received-phone")

    PublicSubmission.objects.unscoped(reason="test").update(status="answered", public_reply="Thank you. Officers will visit the area.")
    page.click("main a[href='/public/status/']")
    page.fill("#id_code", code.lower())
    page.click("form.portal-form button[type=submit]")
    expect(page.locator(".portal-result")).to_contain_text("Officers will visit the area.")
    expect(page.locator(".portal-result")).to_contain_text("Answered")
    screenshot(page, "portal-03-status-phone")
    assert {c["name"] for c in page.context.cookies()} <= {"kssp_language", "csrftoken"}
