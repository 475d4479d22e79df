"""Workers survive database errors and retry (issue #7 point 3: both workers died on one
``OperationalError`` during a long import and stayed down). Real processes on the test database file:
another connection holds SQLite's write lock, the sweeper meets "database is locked", logs it, backs off,
and once the lock is gone it sweeps."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.db import connection

from kssp.core.models.schedule import PeriodicRun
from kssp.core.resilience import Backoff

ROOT = Path(__file__).resolve().parents[3]

# The command runs in a process of its own on the test database, with a busy timeout of 0.2 s instead of
# 20 s (so that the lock below is met at once); system checks are skipped as call_command does.
COMMAND = """
import os, sys, django
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django.setup()
from django.db import connections
options = connections["default"].settings_dict["OPTIONS"]
options["timeout"] = 0.2
options["init_command"] = options["init_command"].replace("busy_timeout=20000", "busy_timeout=200")
from django.core.management import call_command
name = sys.argv[1]
if name == "run_periodic":
    call_command("run_periodic", loop=True, job="imports.resume")
else:
    call_command("run_worker")
"""


def test_backoff_doubles_up_to_its_cap_and_starts_again_after_a_success():
    backoff = Backoff(first=1, cap=8)
    assert [backoff.next_delay() for _ in range(6)] == [1, 2, 4, 8, 8, 8]
    backoff.reset()
    assert backoff.next_delay() == 1


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("command", ["run_periodic", "run_worker"])
def test_the_sweeper_waits_out_a_locked_database_and_then_sweeps(command):
    if connection.vendor != "sqlite":
        pytest.skip("SQLite's write lock; PostgreSQL's dropped connections are the same exception classes")
    path = str(connection.settings_dict["NAME"])
    locker = sqlite3.connect(path, isolation_level=None, timeout=5)
    locker.execute("BEGIN IMMEDIATE")  # another writer holds the lock, as a long import used to
    env = dict(os.environ, KSSP_TESTING="1", PYTHONPATH=str(ROOT), DATABASE_URL=f"sqlite://{path}",
               KSSP_PERIODIC_INTERVAL="1")
    proc = subprocess.Popen(  # noqa: S603 - fixed argv
        [sys.executable, "-c", COMMAND, command], cwd=ROOT, env=env,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        assert proc.stderr is not None
        line = proc.stderr.readline()
        assert "the database is not available" in line and "database is locked" in line, line
        time.sleep(2.5)  # a few more attempts fail while the lock is held
        assert proc.poll() is None  # still alive
        locker.execute("ROLLBACK")
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not PeriodicRun.objects.filter(job="imports.resume").exists():
            time.sleep(0.3)
        assert PeriodicRun.objects.filter(job="imports.resume", finished_at__isnull=False).exists()
        assert proc.poll() is None  # and it goes on
    finally:
        if locker.in_transaction:
            locker.execute("ROLLBACK")
        locker.close()
        proc.terminate()
        proc.wait(timeout=30)
