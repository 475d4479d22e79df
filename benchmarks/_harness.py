"""Shared set-up for benchmarks: a fresh SQLite (or DATABASE_URL) database, timing, result files."""

from __future__ import annotations

import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results"


def setup_django() -> None:
    """Point Django at a throw-away database and migrate it (standalone runs only)."""
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("KSSP_TESTING", "1")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    if "DATABASE_URL" not in os.environ:
        os.environ["KSSP_VAR_DIR"] = tempfile.mkdtemp(prefix="kssp-bench-")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def best_of(fn: Callable[[], Any], repeat: int) -> tuple[float, Any]:
    """Median wall time of ``repeat`` runs, and the last result."""
    times = []
    result = None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def write_result(name: str, figures: dict[str, Any]) -> None:
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True, check=False
        ).stdout.strip()
    except OSError:
        commit = ""
    RESULTS.mkdir(parents=True, exist_ok=True)
    from django.db import connection

    payload = {
        "name": name,
        "commit": commit,
        "machine": {"python": platform.python_version(), "cpu_count": os.cpu_count(), "platform": platform.platform()},
        "database": connection.vendor,
        **figures,
    }
    (RESULTS / f"{name}.json").write_text(json.dumps(payload, indent=2) + "\n", encoding="utf-8")
