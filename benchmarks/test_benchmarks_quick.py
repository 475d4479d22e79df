"""Every benchmark's ``--quick`` mode, run by the suite for correctness only (no timing is asserted):
each script builds its data, runs every path, checks that the paths return the same rows (or the same
bad rows, or one audit record per write) and exits non-zero otherwise.

The scripts run as subprocesses under ``config.settings_bench`` (the product settings plus the peer
libraries of requirements-bench.lock, which ``make test`` installs), each on a database of its own:
SQLite, or PostgreSQL when the suite itself runs on PostgreSQL (so the row-level-security path and the
concurrent writers run too)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlparse

import pytest

HERE = Path(__file__).resolve().parent


def _database() -> tuple[str, dict[str, str]]:
    env = {k: v for k, v in os.environ.items() if k not in {"DJANGO_SETTINGS_MODULE", "DATABASE_URL", "KSSP_VAR_DIR"}}
    env.update({"KSSP_TESTING": "1", "DJANGO_SETTINGS_MODULE": "config.settings_bench", "PYTHONDONTWRITEBYTECODE": "1"})
    url = os.environ.get("DATABASE_URL", "")
    if url.startswith(("postgres://", "postgresql://")):
        parsed = urlparse(url)
        env["KSSP_BENCH_PG_URL"] = f"{parsed.scheme}://{parsed.netloc}"
        return "postgresql", env
    return "sqlite", env


@pytest.mark.parametrize("name", ["visibility", "import", "audit"])
def test_quick_benchmark_runs_and_paths_agree(name):
    db, env = _database()
    proc = subprocess.run(  # noqa: S603 - our own script
        [sys.executable, str(HERE / f"bench_{name}.py"), "--quick", "--database", db],
        cwd=HERE.parent, env=env, capture_output=True, text=True, timeout=600, check=False,
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    last = proc.stdout.strip().splitlines()[-1]
    assert last.startswith(f"RESULT {name} db={db} "), last
