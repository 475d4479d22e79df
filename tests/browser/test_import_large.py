"""A staged import of 50,000 rows with one bad row at row 25,000, in a real browser against a real
worker process (issue #3 point 5).

A KP investigator uploads the CSV; the batch page shows a progress bar that htmx refreshes while the
database task worker (a separate process) validates the rows into the staging table; when it is done
the page reloads with the report. Filtered to errors it shows exactly row 25,000 with its message;
promotion is refused while any row is invalid (no button, and a forged POST is refused); the errors
report downloads as CSV with exactly that row. Nothing live is created. The console must stay free of
CSP messages (conftest)."""

from __future__ import annotations

import csv
import io
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.db import connection
from playwright.sync_api import expect

from kssp.accounts.testing import PASSWORD
from kssp.bulletins.models import Bulletin
from kssp.core.imports.models import ImportBatch, ImportStatus, StagedRow
from tests.browser.conftest import choose_language, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

ROOT = Path(__file__).resolve().parents[2]
ROWS = 50_000
BAD_ROW = 25_000
DB_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
HEADER = ["kind", "title", "body", "classification", "handling_code", "valid_until", "contains_personal_data"]

WORKER = """
import os, django
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django.setup()  # the bulletins' import type is derived from their declaration when the kernel starts
from django.core.management import call_command
call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload", "--queue-name", "default", verbosity=0)
"""


def big_csv() -> bytes:
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(HEADER)
    for n in range(1, ROWS + 1):
        title = "" if n == BAD_ROW else f"Armë e vjedhur {n}"
        writer.writerow(["notice", title, f"Pistoletë CZ 99, seria {n:06d}, raportuar e vjedhur.", "1", "", "", "0"])
    return out.getvalue().encode("utf-8")


def start_worker() -> subprocess.Popen:
    settings_dict = connection.settings_dict
    env = dict(os.environ, KSSP_TESTING="1", KSSP_TASKS_BACKEND="db", PYTHONPATH=str(ROOT))
    if connection.vendor == "postgresql":
        user = settings_dict["USER"] or "postgres"
        env["DATABASE_URL"] = f"postgres://{user}@{settings_dict['HOST']}:{settings_dict['PORT']}/{settings_dict['NAME']}"
    else:
        env["DATABASE_URL"] = f"sqlite://{settings_dict['NAME']}"
    return subprocess.Popen(  # noqa: S603 - fixed argv
        [sys.executable, "-c", WORKER], cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )


def test_import_with_a_bad_row_at_25000_of_50000(world, live_server, open_page, screenshot, settings, tmp_path):
    settings.TASKS = DB_TASKS  # the upload queues the task; the worker process below runs it
    base = live_server.url
    page = open_page(locale="en-GB")
    page.goto(f"{base}/accounts/login/")
    choose_language(page, "en")
    sign_in(page, base, "kp_inv", PASSWORD)

    # --- upload ---
    page.goto(f"{base}/imports/new/")
    page.select_option("#id_import_type", "bulletins")
    upload = tmp_path / "armet-50000.csv"
    upload.write_bytes(big_csv())
    page.set_input_files("#id_file", str(upload))
    screenshot(page, "imports-01-upload")
    page.click("form.kssp-import-form button[type=submit]")
    page.wait_for_url(f"{base}/imports/*/")
    batch = ImportBatch.objects.get()
    assert (batch.rows_total, batch.status) == (ROWS, ImportStatus.UPLOADED)
    progress = page.locator("#import-progress-bar")
    expect(progress).to_have_attribute("max", str(ROWS))
    expect(progress).to_have_attribute("value", "0")
    expect(page.locator("#import-progress")).to_contain_text("Waiting for a worker")
    expect(page.locator(f"#import-status-{batch.public_id}")).to_have_text("Waiting for validation")
    screenshot(page, "imports-02-waiting")

    # --- the worker validates; htmx refreshes the bar every second, then the page reloads ---
    worker = start_worker()
    try:
        seen: list[int] = []
        started = time.monotonic()
        while time.monotonic() - started < 120:
            if page.locator(".kssp-import-blocked").count():
                break
            value = page.locator("#import-progress-bar").get_attribute("value")
            if value is not None:
                seen.append(int(value))
                if 0 < seen[-1] < ROWS and len([v for v in seen if 0 < v < ROWS]) == 1:
                    screenshot(page, "imports-03-progress")
            page.wait_for_timeout(250)
        _out, err = worker.communicate(timeout=120)
    finally:
        if worker.poll() is None:
            worker.kill()
    assert worker.returncode == 0, err[-3000:]
    assert seen == sorted(seen), seen  # the bar only moves forward
    expect(page.locator(f"#import-status-{batch.public_id}")).to_have_text("Has errors")
    expect(page.locator(".kssp-import-blocked")).to_contain_text("1 row has errors, so nothing can be imported")

    batch.refresh_from_db()
    assert (batch.status, batch.rows_done, batch.rows_valid, batch.rows_invalid) == (ImportStatus.INVALID, ROWS, ROWS - 1, 1)
    assert StagedRow.objects.filter(batch=batch).count() == ROWS
    expect(page.locator("#import-progress-bar")).to_have_attribute("value", str(ROWS))
    expect(page.locator(".kssp-import-invalid")).to_have_text("1")
    expect(page.locator(".kssp-import-valid")).to_have_text(f"{ROWS - 1:,}")  # 49,999 in English
    assert page.locator(".kssp-import-promote").count() == 0  # no way to promote while a row is invalid
    screenshot(page, "imports-04-report")

    # --- the report, errors only: exactly row 25,000 ---
    with page.expect_response(lambda r: "outcome=errors" in r.url):
        page.select_option("#id_outcome", "errors")
    rows = page.locator("#report-results tr.kssp-import-row")
    expect(rows).to_have_count(1)
    expect(rows.first).to_have_attribute("id", f"row-{BAD_ROW}")
    expect(rows.first).to_contain_text("Title: This column is required.")
    screenshot(page, "imports-05-errors-only")

    # --- a forged promotion is refused, nothing is written ---
    token = next(c["value"] for c in page.context.cookies() if c["name"] == "csrftoken")
    refused = page.request.post(f"{base}/imports/{batch.public_id}/promote/", headers={"X-CSRFToken": token, "Referer": base})
    assert refused.ok and "Correct it in the file and upload it again, or discard this import." in refused.text()
    assert not Bulletin.objects.unscoped(reason="test").exists()

    # --- the errors report downloads as CSV with exactly that row ---
    with page.expect_download() as download:
        page.click(".kssp-import-download-errors")
    path = tmp_path / "report.csv"
    download.value.save_as(path)
    text = path.read_text(encoding="utf-8")
    assert text.startswith("\ufeff")
    table = list(csv.reader(io.StringIO(text[1:])))
    assert table[0][:3] == ["Row", "Outcome", "Messages"] and len(table) == 2
    assert table[1][0] == str(BAD_ROW) and "This column is required." in table[1][2]

    # --- discard: the staged rows go, nothing was ever live ---
    page.click(".kssp-import-discard")
    expect(page.locator(".alert-secondary")).to_contain_text("This import was discarded")
    assert not StagedRow.objects.exists() and not Bulletin.objects.unscoped(reason="test").exists()
    screenshot(page, "imports-06-discarded")
