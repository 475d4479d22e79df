"""What every benchmark shares (ARCHITECTURE "Benchmarks"): the command line (``--database``,
``--quick``), a database of its own, timing with warm-up and interleaved repeats, p50/p95, the machine
and its load, the results file and the last ``RESULT`` line.

Benchmarks run under ``config.settings_bench`` (the product settings plus the peer libraries used as
baselines). Databases:

* SQLite: a file in a fresh temporary folder (``--quick``) or in ``var/bench/<name>-sqlite/``;
* PostgreSQL: ``kssp_bench_<name>`` (``kssp_bench_<name>_q<pid>`` for ``--quick``, dropped at the end)
  on ``KSSP_BENCH_PG_URL`` (default ``postgres://postgres@127.0.0.1:5432``), dropped and created anew
  unless ``--keep-data`` is given and the data of the same scale and seed is already there.
"""

from __future__ import annotations

import argparse
import atexit
import datetime as dt
import gc
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results"
PG_URL = os.environ.get("KSSP_BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432")


# --- command line and database -------------------------------------------------------------------


def arguments(description: str, extra: Callable[[argparse.ArgumentParser], None] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--database", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--quick", action="store_true", help="small N, for correctness (the test suite runs this)")
    parser.add_argument("--keep-data", action="store_true", help="reuse generated data of the same scale and seed")
    parser.add_argument("--no-write", action="store_true", help="do not write benchmarks/results/")
    if extra is not None:
        extra(parser)
    return parser.parse_args()


def _pg_admin(sql: str) -> None:
    import psycopg

    with psycopg.connect(f"{PG_URL}/postgres", autocommit=True) as conn:
        conn.execute(sql)


def _pg_exists(name: str) -> bool:
    import psycopg

    with psycopg.connect(f"{PG_URL}/postgres", autocommit=True) as conn:
        return conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone() is not None


def database_env(name: str, database: str, *, quick: bool, keep: bool = False) -> dict[str, str]:
    """Environment variables pointing Django at the benchmark's own database (created if needed)."""
    env = {"KSSP_TESTING": "1", "DJANGO_SETTINGS_MODULE": "config.settings_bench"}
    if database == "sqlite":
        if quick:
            folder = Path(tempfile.mkdtemp(prefix=f"kssp-bench-{name}-"))
            atexit.register(shutil.rmtree, folder, True)
        else:
            folder = ROOT / "var" / "bench" / f"{name}-sqlite"
            if folder.exists() and not keep:
                shutil.rmtree(folder)
            folder.mkdir(parents=True, exist_ok=True)
        env["KSSP_VAR_DIR"] = str(folder)
        env["DATABASE_URL"] = ""
        return env
    dbname = f"kssp_bench_{name}" + (f"_q{os.getpid()}" if quick else "")
    if not (keep and _pg_exists(dbname)):
        _pg_admin(f'DROP DATABASE IF EXISTS "{dbname}" WITH (FORCE)')
        _pg_admin(f'CREATE DATABASE "{dbname}"')
    if quick:
        atexit.register(_drop_quietly, dbname)
    env["KSSP_VAR_DIR"] = tempfile.mkdtemp(prefix=f"kssp-bench-{name}-")
    env["DATABASE_URL"] = f"{PG_URL}/{dbname}"
    return env


def _drop_quietly(dbname: str) -> None:
    try:
        from django.db import connections

        connections.close_all()
        _pg_admin(f'DROP DATABASE IF EXISTS "{dbname}" WITH (FORCE)')
    except Exception as exc:  # noqa: BLE001 - clean-up only
        print(f"could not drop {dbname}: {exc}", file=sys.stderr)


def setup_django(name: str, args: argparse.Namespace) -> dict[str, str]:
    """Point Django at the benchmark's database, set it up and migrate it. Returns the environment
    (for worker processes, which call ``attach_django``)."""
    env = database_env(name, args.database, quick=args.quick, keep=args.keep_data)
    attach_django(env)
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    return env


def attach_django(env: dict[str, str]) -> None:
    sys.path.insert(0, str(ROOT))
    for key, value in env.items():
        if value:
            os.environ[key] = value
        else:
            os.environ.pop(key, None)
    import django

    django.setup()


def vendor() -> str:
    from django.db import connection

    return "postgresql" if connection.vendor == "postgresql" else "sqlite"


def analyze() -> None:
    """Fresh planner statistics after a bulk load (what a DBA does; both engines)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    if connection.vendor == "postgresql":
        old = connection.connection.autocommit
        connection.connection.autocommit = True
        try:
            connection.connection.execute("VACUUM (ANALYZE)")
        finally:
            connection.connection.autocommit = old


def data_marker(key: str) -> str | None:
    """A value remembered in the benchmark database (scale and seed of generated data)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE IF NOT EXISTS kssp_bench_meta (k varchar(100) PRIMARY KEY, v text NOT NULL)")
        cursor.execute("SELECT v FROM kssp_bench_meta WHERE k = %s", [key])
        row = cursor.fetchone()
    return row[0] if row else None


def set_data_marker(key: str, value: str) -> None:
    from django.db import connection

    data_marker(key)
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM kssp_bench_meta WHERE k = %s", [key])
        cursor.execute("INSERT INTO kssp_bench_meta (k, v) VALUES (%s, %s)", [key, value])


# --- timing -------------------------------------------------------------------------------------------


def percentile(samples: Sequence[float], q: float) -> float:
    """Linear interpolation between closest ranks (numpy's default); q in [0, 100]."""
    data = sorted(samples)
    if not data:
        return float("nan")
    if len(data) == 1:
        return data[0]
    pos = (len(data) - 1) * q / 100
    lo = int(pos)
    hi = min(lo + 1, len(data) - 1)
    return data[lo] + (data[hi] - data[lo]) * (pos - lo)


def summary(samples_ms: Sequence[float], digits: int = 3) -> dict[str, Any]:
    return {
        "n": len(samples_ms),
        "p50_ms": round(percentile(samples_ms, 50), digits),
        "p95_ms": round(percentile(samples_ms, 95), digits),
        "min_ms": round(min(samples_ms), digits),
        "max_ms": round(max(samples_ms), digits),
        "mean_ms": round(statistics.fmean(samples_ms), digits),
    }


def interleaved(cases: dict[str, Callable[[], Any]], *, warmup: int, repeats: int) -> dict[str, tuple[list[float], Any]]:
    """Run every case ``warmup`` times untimed, then ``repeats`` rounds in which each case runs once
    (in rotating order, so that a burst of load on the shared machine falls on all of them alike).
    Returns, per case, the wall times in ms and the last result."""
    names = list(cases)
    results: dict[str, Any] = {}
    for _ in range(warmup):
        for name in names:
            results[name] = cases[name]()
    times: dict[str, list[float]] = {name: [] for name in names}
    for r in range(repeats):
        order = names[r % len(names):] + names[: r % len(names)]
        for name in order:
            gc.collect()
            start = time.perf_counter()
            results[name] = cases[name]()
            times[name].append((time.perf_counter() - start) * 1000)
    return {name: (times[name], results.get(name)) for name in names}


def batched(items: Iterable[Any], size: int) -> Iterator[list[Any]]:
    batch: list[Any] = []
    for item in items:
        batch.append(item)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


@contextmanager
def stopwatch() -> Iterator[dict[str, float]]:
    box: dict[str, float] = {}
    start = time.perf_counter()
    try:
        yield box
    finally:
        box["s"] = time.perf_counter() - start


# --- the machine, the results file, the RESULT line --------------------------------------------------


def load() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


def warn_if_loaded(label: str) -> None:
    cpus = os.cpu_count() or 1
    one = os.getloadavg()[0]
    if one > cpus:
        print(f"note: load average {one:.1f} on {cpus} cores at {label}; figures may be pessimistic — rerun", file=sys.stderr)


def machine() -> dict[str, Any]:
    from django.db import connection

    mem_gib = None
    try:
        pages = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
        mem_gib = round(pages / 2**30, 1)
    except (ValueError, OSError, AttributeError):
        pass
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SHOW server_version")
            db_version = "PostgreSQL " + cursor.fetchone()[0]
            cursor.execute("SHOW shared_buffers")
            db_version += f" (shared_buffers {cursor.fetchone()[0]})"
    else:
        import sqlite3

        db_version = f"SQLite {sqlite3.sqlite_version} (WAL)"
    return {
        "python": platform.python_version(),
        "cpu_count": os.cpu_count(),
        "memory_gib": mem_gib,
        "platform": platform.platform(),
        "database": db_version,
    }


def _git(*args: str) -> str:
    try:
        return subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True, check=False).stdout.strip()
    except OSError:
        return ""


def write_result(name: str, figures: dict[str, Any], result_line: str, *, load_before: list[float]) -> Path:
    """``benchmarks/results/<name>-<db>.json``: commit, machine, load, N and figures, the RESULT line."""
    RESULTS.mkdir(parents=True, exist_ok=True)
    db = vendor()
    dirty = bool(_git("status", "--porcelain", "--untracked-files=no", "--", "kssp", "config"))
    payload = {
        "name": name,
        "database": db,
        "commit": _git("rev-parse", "--short=12", "HEAD"),
        "product_tree_modified": dirty,
        "measured_at": dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "machine": machine(),
        "load_average": {"before": load_before, "after": load()},
        **figures,
        "result_line": result_line,
    }
    path = RESULTS / f"{name}-{db}.json"
    path.write_text(json.dumps(payload, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return path


def fmt(value: float | None, digits: int = 2) -> str:
    return "na" if value is None else f"{value:.{digits}f}"
