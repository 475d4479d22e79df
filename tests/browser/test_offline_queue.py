"""Offline capture end to end in a real browser (issue #3 point 9).

A KP investigator opens the quick-capture page; the service worker keeps it. The connection drops:
the page still opens (from the worker), and two bulletins are saved into the device's queue. The
answer to one of them is "lost" (the server received it, the device never heard back), so the queue
sends that record again. The connection returns: the queue sends both, the server answers 201 for the
new one and 200 for the one it already had, and there is exactly one bulletin per client UUID.
No CSP message in the console (conftest).
"""

from __future__ import annotations

import time

import pytest
from playwright.sync_api import expect

from kssp.accounts.testing import PASSWORD
from kssp.bulletins.models import Bulletin
from kssp.core.offline_capture.models import OfflineSubmission
from tests.browser.conftest import sign_in

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

QUEUE_KEY = "kssp.offline.queue.v1"
PAGE = "/bulletins/quick-capture/"


def wait_until(page, script: str, timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if page.evaluate(script):
            return
        page.wait_for_timeout(100)
    raise AssertionError(f"timed out waiting for: {script}")


def capture(page, title: str, body: str) -> None:
    page.fill("#id_title", title)
    page.select_option("#id_kind", "lookout")
    page.fill("#id_body", body)
    page.click("#quick-capture-form button[type=submit]")


def test_records_saved_offline_are_sent_once_each_when_the_connection_returns(world, live_server, open_page, screenshot):
    base = live_server.url
    page = open_page(locale="en")
    sign_in(page, base, "kp_inv", PASSWORD)
    page.goto(f"{base}{PAGE}")
    expect(page.locator("#offline-queue")).to_be_visible()
    first_id = page.input_value("input[name='public_id']")

    # The worker is active and controls the page, and it keeps the page for use without a connection.
    wait_until(page, "navigator.serviceWorker.controller !== null", timeout=20)
    wait_until(page, "caches.match(location.href).then(hit => !!hit)")

    context = page.context
    context.set_offline(True)
    page.reload()  # no connection: the page comes from the worker
    expect(page.locator("#quick-capture-form")).to_be_visible()
    expect(page.locator("#offline-queue-status")).to_contain_text("No connection")

    capture(page, "Alpha – grey Golf", "Plates 01-123-AB at Merdare, heading north.")
    expect(page.locator("#offline-queue-list li[data-state='waiting']")).to_have_count(1)
    capture(page, "Bravo – white van", "Two men unloading crates near Vërmicë.")
    expect(page.locator("#offline-queue-list li[data-state='waiting']")).to_have_count(2)
    screenshot(page, "offline-01-two-records-queued")

    queued = page.evaluate(f"JSON.parse(localStorage.getItem('{QUEUE_KEY}'))")
    ids = [item["id"] for item in queued]
    assert len(set(ids)) == 2 and first_id not in ids, "each record got its own UUID, generated in the page"
    assert all("csrfmiddlewaretoken" not in dict(item["fields"]) for item in queued), "no token kept on the device"
    assert not Bulletin.objects.unscoped(reason="test").exists()

    # The first attempt of Alpha reached the server but its answer was lost on the way back.
    lost = world.kp_investigator.client().post(PAGE, dict(queued[0]["fields"]), HTTP_ACCEPT="application/json")
    assert lost.status_code == 201
    assert Bulletin.objects.unscoped(reason="test").count() == 1

    context.set_offline(False)  # the "online" event starts the queue
    expect(page.locator("#offline-queue-list li[data-state='sent']")).to_have_count(1, timeout=20_000)
    expect(page.locator("#offline-queue-list li[data-state='duplicate']")).to_have_count(1)
    expect(page.locator("#offline-queue-status")).to_contain_text("Nothing waits on this device")
    screenshot(page, "offline-02-sent-once-each")

    assert page.evaluate(f"JSON.parse(localStorage.getItem('{QUEUE_KEY}'))") == []
    assert sorted(Bulletin.objects.unscoped(reason="test").values_list("title", flat=True)) == ["Alpha – grey Golf", "Bravo – white van"]
    for client_id in ids:
        assert OfflineSubmission.objects.filter(client_uuid=client_id).count() == 1
    assert OfflineSubmission.objects.count() == 2
    # The link in the list opens the bulletin.
    page.click("#offline-queue-list li[data-state='sent'] a")
    page.wait_for_url(f"{base}/bulletins/*/")
    expect(page.locator("h1")).to_contain_text("Bravo – white van")


def test_a_refused_record_stays_on_the_device_to_be_corrected(world, live_server, open_page):
    base = live_server.url
    page = open_page(locale="en")
    sign_in(page, base, "kp_off", PASSWORD)  # clearance RESTRICTED: cannot mark a record CONFIDENTIAL
    page.goto(f"{base}{PAGE}")
    page.fill("#id_title", "Too secret")
    page.fill("#id_body", "Text")
    # The form offers only permitted levels; a tampered value is what a stale device might send.
    page.evaluate("document.querySelector('#id_classification').add(new Option('Confidential', '2', true, true))")
    page.click("#quick-capture-form button[type=submit]")
    refused = page.locator("#offline-queue-list li[data-state='refused']")
    expect(refused).to_have_count(1)
    expect(refused).to_contain_text("above your own security clearance")
    assert not Bulletin.objects.unscoped(reason="test").exists()

    refused.locator("button", has_text="Correct").click()
    expect(page.locator("#id_title")).to_have_value("Too secret")
    page.select_option("#id_classification", "1")
    page.click("#quick-capture-form button[type=submit]")
    expect(page.locator("#offline-queue-list li[data-state='sent']")).to_have_count(1)
    assert Bulletin.objects.unscoped(reason="test").get().title == "Too secret"
