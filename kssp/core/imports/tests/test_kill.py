"""``kill -9`` at any point leaves no live rows and the import resumable or discardable (issue #3
point 5): a real worker process is killed with SIGKILL inside an open chunk transaction during
validation; then the batch is resumed and completes with exact counts. A promotion killed half-way:
``test_promote_concurrency.py``."""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
import time_machine
from django.db import connection
from django.test import override_settings
from django.utils import timezone

from kssp.core.imports import services
from kssp.core.imports.models import ImportStatus, StagedRow
from kssp.core.imports.tests.conftest import csv_bytes, sample_row

ROOT = Path(__file__).resolve().parents[4]
pytestmark = pytest.mark.django_db(transaction=True)

QUEUE_ONLY = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
N = 2_500
CHUNK = 200
BAD_ROWS = {7: {"title": ""}, 1_234: {"classification": "9"}, 2_222: {"title": "=cmd|' /C calc'!A0"}}

PRELUDE = """
import os, sys, time, django
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django.setup()
def say(text):
    sys.stdout.write(text + "\\n"); sys.stdout.flush()
"""

VALIDATING_WORKER = PRELUDE + """
from kssp.core.imports.validation import validate_batch
stop_at = int(sys.argv[2])
def hook(index, rows):
    if index == stop_at:
        say("inside chunk %d" % index)  # rows written, transaction not committed
        time.sleep(600)
validate_batch(int(sys.argv[1]), chunk_rows=int(sys.argv[3]), on_chunk=hook)
say("finished")
"""

def database_env() -> dict[str, str]:
    settings_dict = connection.settings_dict
    env = dict(os.environ, KSSP_TESTING="1", PYTHONPATH=str(ROOT))
    if connection.vendor == "postgresql":
        user = settings_dict["USER"] or "postgres"
        env["DATABASE_URL"] = f"postgres://{user}@{settings_dict['HOST']}:{settings_dict['PORT']}/{settings_dict['NAME']}"
    else:
        env["DATABASE_URL"] = f"sqlite://{settings_dict['NAME']}"
    return env


def run_until(script: str, *args: object, marker: str) -> subprocess.Popen:
    """Start ``script`` in a new process and return it once it printed ``marker`` (it is then asleep
    inside an open transaction)."""
    proc = subprocess.Popen(  # noqa: S603 - fixed argv
        [sys.executable, "-c", script, *map(str, args)], cwd=ROOT, env=database_env(),
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    assert proc.stdout is not None and proc.stderr is not None
    line = proc.stdout.readline().strip()
    if line != marker:
        proc.kill()
        raise AssertionError(f"worker said {line!r}: {proc.stderr.read()[-3000:]}")
    return proc


def kill_9(proc: subprocess.Popen) -> None:
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL


def rows() -> list[dict[str, str]]:
    out = [sample_row(n) for n in range(1, N + 1)]
    for number, change in BAD_ROWS.items():
        out[number - 1].update(change)
    return out


def test_validation_killed_inside_a_chunk_resumes_from_the_last_committed_chunk(world, sample_model):
    person = world.kp_investigator
    with override_settings(TASKS=QUEUE_ONLY):  # queued, not run: the worker below is the one we kill
        batch = services.import_batch_create(actor=person.actor, import_type_code="samples", filename="big.csv",
                                             content=csv_bytes(rows()))

    proc = run_until(VALIDATING_WORKER, batch.pk, 5, CHUNK, marker="inside chunk 5")
    kill_9(proc)

    batch.refresh_from_db()
    committed = 4 * CHUNK
    assert (batch.status, batch.rows_done, batch.last_row_number) == (ImportStatus.VALIDATING, committed, committed)
    assert StagedRow.objects.filter(batch=batch).count() == committed  # chunk 5 died with its process
    assert batch.rows_invalid == 1  # row 7
    assert not sample_model.objects.unscoped(reason="test").exists()  # nothing live, ever, from validation

    with time_machine.travel(timezone.now() + dt.timedelta(minutes=5)):
        services.import_batch_resume(actor=person.actor, batch=batch)  # the worker runs on commit

    batch.refresh_from_db()
    assert batch.status == ImportStatus.INVALID
    assert (batch.rows_total, batch.rows_done, batch.rows_valid, batch.rows_invalid, batch.attempts) == (
        N, N, N - len(BAD_ROWS), len(BAD_ROWS), 2)
    numbers = list(StagedRow.objects.filter(batch=batch).order_by("row_number").values_list("row_number", flat=True))
    assert numbers == list(range(1, N + 1))  # each row exactly once
    assert set(StagedRow.objects.filter(batch=batch, has_errors=True).values_list("row_number", flat=True)) == set(BAD_ROWS)
    assert not sample_model.objects.unscoped(reason="test").exists()

    services.import_batch_discard(actor=person.actor, batch=batch)  # and it can be dropped
    assert not StagedRow.objects.filter(batch=batch).exists()
