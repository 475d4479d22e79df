"""The attachments and links panels in a real browser (issue #3 points 2 and 3), on the bulletin
detail page: a file past the limit is refused in the browser before it is sent, a photograph is
uploaded through htmx and listed with its GPS position removed, a PDF renamed .jpg is refused with its
message in the panel, the file downloads under its own name; a link is added through the picker.
No CSP message in the console (the fixtures of tests/browser)."""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection

from kssp.accounts.testing import PASSWORD
from kssp.bulletins.tests.factories import BulletinFactory
from kssp.core.attachments.models import Attachment
from kssp.core.attachments.tests import files
from kssp.core.links.models import RecordLink
from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS, Console, sign_in

# Playwright's sync API runs an event loop in its thread; the ORM checks run in that thread too.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(os.environ.get("KSSP_SKIP_BROWSER") == "1", reason="KSSP_SKIP_BROWSER=1"),
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def in_own_browser(scenario: Callable[[Any], None]) -> list[str]:
    """Run ``scenario(page)`` with a chromium of its own, in a thread of its own (the browser tests of
    tests/browser hold a Playwright loop in the main thread for the whole session). Returns the console."""
    from playwright.sync_api import sync_playwright

    console = Console()
    failure: list[BaseException] = []

    def run() -> None:
        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
                context = browser.new_context(locale="en-GB", viewport={"width": 1366, "height": 900})
                page = context.new_page()
                page.set_default_timeout(15_000)
                console.attach(page)
                try:
                    scenario(page)
                finally:
                    context.close()
                    browser.close()
        except BaseException as exc:  # noqa: BLE001 - re-raised in the test's thread
            failure.append(exc)
        finally:
            connection.close()

    thread = threading.Thread(target=run, name="attachments-browser")
    thread.start()
    thread.join(timeout=180)
    assert not thread.is_alive(), "the browser scenario did not finish"
    if failure:
        raise failure[0]
    return console.messages


@pytest.fixture(autouse=True)
def forget_content_types_after_the_flush():
    """The transactional test ends with a flush that empties django_content_type without recreating it
    (serialized rollback); forget the cached ids so that later tests in this process create them anew."""
    yield
    from django.contrib.contenttypes.models import ContentType

    ContentType.objects.clear_cache()


def open_upload_form(page) -> None:
    """The upload form sits in a closed <details> until asked for (after a swap it is closed again)."""
    closed = page.locator("#attachments details:not([open]) > summary.btn-outline-primary")
    if closed.count():
        closed.click()


def test_attach_files_and_link_records_on_the_detail_page(world, live_server, settings):
    settings.KSSP = {**settings.KSSP, "ATTACHMENT_MAX_BYTES": 50_000}
    base = live_server.url
    bulletin = BulletinFactory(owner=world.kp_investigator, title="Golf i hirtë")
    other = BulletinFactory(owner=world.kp_investigator, number="BUL-KP-2026-000042", title="Kamioni i bardhë")
    messages = in_own_browser(lambda page: scenario(page, base, bulletin, other))
    csp = [m for m in messages if "Content Security Policy" in m or "Refused to" in m]
    assert csp == [], "CSP violations in the console:\n" + "\n".join(csp)


def scenario(page: Any, base: str, bulletin: Any, other: Any) -> None:
    sign_in(page, base, "kp_inv", PASSWORD)
    page.goto(f"{base}/bulletins/{bulletin.public_id}/")

    # --- a file past the limit: refused in the browser, nothing sent ---
    open_upload_form(page)
    page.set_input_files("#id_attachment_file", {"name": "big.pdf", "mimeType": "application/pdf",
                                                 "buffer": files.pdf(b"0" * 60_000)})
    page.click("#attachments form[data-kssp-upload] button[type=submit]")
    error = page.locator("[data-kssp-size-error]")
    error.wait_for()
    assert "too large" in error.inner_text() or "madh" in error.inner_text()
    assert page.get_attribute("#id_attachment_file", "aria-invalid") == "true"
    assert not Attachment.objects.exists()

    # --- a photograph: uploaded through htmx, listed, position removed ---
    page.set_input_files("#id_attachment_file", {"name": "skena.jpg", "mimeType": "image/jpeg", "buffer": files.image("JPEG")})
    page.fill("#id_attachment_description", "Foto nga vendi i ngjarjes")
    page.click("#attachments form[data-kssp-upload] button[type=submit]")
    page.wait_for_selector("#attachments tr[data-attachment]")
    attachment = Attachment.objects.get()
    assert attachment.gps_removed
    assert "skena.jpg" in page.inner_text("#attachments")
    assert attachment.sha256 in page.inner_text("#attachments")

    # --- a PDF renamed .jpg: the field error comes back in the panel ---
    open_upload_form(page)
    page.set_input_files("#id_attachment_file", {"name": "foto.jpg", "mimeType": "image/jpeg", "buffer": files.pdf()})
    page.click("#attachments form[data-kssp-upload] button[type=submit]")
    page.wait_for_selector("#id_attachment_file_error")
    assert page.get_attribute("#id_attachment_file", "aria-invalid") == "true"
    assert Attachment.objects.count() == 1

    # --- download under its own name ---
    with page.expect_download() as download:
        page.click(f"#attachments a[href='/attachments/{attachment.public_id}/download/']")
    assert download.value.suggested_filename == "skena.jpg"

    # --- a link through the picker ---
    page.click("#links summary.btn-outline-primary")
    page.click("#links summary:has-text('Or give the exact number or id')")  # the picker by name is above it
    page.fill("#id_link_target", "0000")
    page.wait_for_selector("#link-target-options option", state="attached")
    assert page.get_attribute("#link-target-options option", "value") == other.number
    page.fill("#id_link_target", other.number)
    page.select_option("#id_link_link_type", "derived_from")
    page.click("#links form button[type=submit]")
    page.wait_for_selector("#links tr[data-link]")
    assert RecordLink.objects.get().to_public_id == other.public_id
    assert other.number in page.inner_text("#links")
