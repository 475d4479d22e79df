"""Every benchmark's ``--quick`` mode, run by the suite for correctness only (no timing is asserted):
each script builds its data, runs every path, checks that the paths return the same rows (or the same
bad rows, or the same change in each form's audit record) and exits non-zero otherwise.

Each script also runs once with ``KSSP_BENCH_SABOTAGE=<name>``, which makes its baseline give a
slightly different answer (one guardian permission row dropped; one title read differently by
import-export; auditlog not registered): that run must fail on the agreement check, so a check that
stopped comparing anything would turn this test red.

The scripts run as subprocesses under ``config.settings_bench`` (the product settings plus the peer
libraries of requirements-bench.lock, which ``make test`` installs), each on a database of its own:
SQLite, or PostgreSQL when the suite itself runs on PostgreSQL (so the row-level-security path and the
concurrent writers run too). All six start at once, so the module takes as long as the slowest."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlparse

import pytest

HERE = Path(__file__).resolve().parent
NAMES = ("visibility", "import", "audit")
# What each script says when the sabotaged baseline disagrees.
DISAGREEMENT = {
    "visibility": "differs from ours",
    "import": "created different bulletins from ours",
    "audit": "log entries for",
}


def _database() -> tuple[str, dict[str, str]]:
    env = {k: v for k, v in os.environ.items()
           if k not in {"DJANGO_SETTINGS_MODULE", "DATABASE_URL", "KSSP_VAR_DIR", "KSSP_BENCH_SABOTAGE"}}
    env.update({"KSSP_TESTING": "1", "DJANGO_SETTINGS_MODULE": "config.settings_bench", "PYTHONDONTWRITEBYTECODE": "1"})
    url = os.environ.get("DATABASE_URL", "")
    if url.startswith(("postgres://", "postgresql://")):
        parsed = urlparse(url)
        env["KSSP_BENCH_PG_URL"] = f"{parsed.scheme}://{parsed.netloc}"
        return "postgresql", env
    return "sqlite", env


@pytest.fixture(scope="module")
def runs() -> dict[tuple[str, bool], tuple[str, int, str, str]]:
    db, env = _database()
    procs = {}
    for name in NAMES:
        for sabotaged in (False, True):
            run_env = {**env, "KSSP_BENCH_SABOTAGE": name} if sabotaged else env
            procs[(name, sabotaged)] = subprocess.Popen(  # noqa: S603 - our own script
                [sys.executable, str(HERE / f"bench_{name}.py"), "--quick", "--database", db],
                cwd=HERE.parent, env=run_env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
            )
    out = {}
    for key, proc in procs.items():
        stdout, stderr = proc.communicate(timeout=600)
        out[key] = (db, proc.returncode, stdout, stderr)
    return out


@pytest.mark.parametrize("name", NAMES)
def test_quick_benchmark_runs_and_paths_agree(runs, name):
    db, code, stdout, stderr = runs[(name, False)]
    assert code == 0, stdout[-3000:] + stderr[-3000:]
    last = stdout.strip().splitlines()[-1]
    assert last.startswith(f"RESULT {name} db={db} "), last


@pytest.mark.parametrize("name", NAMES)
def test_quick_benchmark_fails_when_the_baseline_disagrees(runs, name):
    _db, code, stdout, stderr = runs[(name, True)]
    assert code != 0, "the sabotaged baseline was not caught:\n" + stdout[-2000:]
    assert "AssertionError" in stderr and DISAGREEMENT[name] in stderr, stderr[-3000:]
    assert "RESULT " not in stdout
