"""Staged import validation: `validate_batch` (rows parsed and validated by the import type, written to
the staging table 1,000 at a time, one committed chunk each) against the named baseline "validate and
create row by row in one transaction" — what a module would do without staging: parse each row, create
the bulletin through `bulletin_create` in a savepoint, note the refusals, and roll the whole file back
if any row failed. Both must find exactly the same bad rows. For information, the promotion of a clean
file through the same service is timed too.

Run: `KSSP_TESTING=1 .venv/bin/python benchmarks/bench_import.py [--quick] [-n 20000]`.
"""

from __future__ import annotations

import argparse
import csv
import io
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks._harness import setup_django, write_result  # noqa: E402

HEADER = ["kind", "title", "body", "classification", "handling_code", "valid_until", "contains_personal_data"]
QUEUE_ONLY = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}


def make_csv(n: int, *, bad_every: int = 97) -> tuple[bytes, set[int]]:
    """``n`` bulletin rows; every ``bad_every``-th row is bad, in turn: no title, an unknown kind, a
    classification above the uploader's clearance (SECRET), a date in the past."""
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(HEADER)
    bad: set[int] = set()
    for number in range(1, n + 1):
        row = ["notice", f"Armë e vjedhur {number}", f"Pistoletë CZ 99, seria {number:07d}.", "1", "H2", "2099-12-31", "0"]
        if bad_every and number % bad_every == 0:
            bad.add(number)
            flaw = (number // bad_every) % 4
            if flaw == 0:
                row[1] = ""
            elif flaw == 1:
                row[0] = "memo"
            elif flaw == 2:
                row[3] = "4"
            else:
                row[5] = "2001-01-01"
        writer.writerow(row)
    return out.getvalue().encode("utf-8"), bad


def staged(actor: Any, content: bytes) -> dict[str, Any]:
    from django.test import override_settings

    from kssp.core.imports.models import StagedRow
    from kssp.core.imports.services import import_batch_create
    from kssp.core.imports.validation import validate_batch

    t0 = time.perf_counter()
    with override_settings(TASKS=QUEUE_ONLY):  # the worker is run (and timed) below
        batch = import_batch_create(actor=actor, import_type_code="bulletins", filename="bench.csv", content=content)
    upload_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    outcome = validate_batch(batch.pk)
    validate_s = time.perf_counter() - t0
    bad = set(StagedRow.objects.filter(batch=batch, has_errors=True).values_list("row_number", flat=True))
    return {"batch": batch, "outcome": outcome, "upload_s": upload_s, "validate_s": validate_s, "bad": bad}


def baseline(actor: Any, content: bytes) -> dict[str, Any]:
    from django.db import transaction

    from kssp.bulletins import services
    from kssp.core.exceptions import ApplicationError
    from kssp.core.imports import readers
    from kssp.core.imports.registry import import_type

    spec = import_type("bulletins")
    assert spec is not None
    bad: set[int] = set()
    created = 0
    t0 = time.perf_counter()
    with transaction.atomic():
        for number, cells in readers.data_rows(content, "csv", ","):
            raw = dict(zip(HEADER, cells, strict=False))
            values, errors, _warnings = spec.parse_row(actor, raw)
            if errors or values is None:
                bad.add(number)
                continue
            try:
                with transaction.atomic():
                    services.bulletin_create(actor=actor, **values)
                    created += 1
            except ApplicationError:
                bad.add(number)
        if bad:
            transaction.set_rollback(True)  # all or nothing: one bad row undoes the file
    return {"seconds": time.perf_counter() - t0, "bad": bad, "created_before_rollback": created}


def run(n: int, *, promote_n: int | None = None) -> dict[str, Any]:
    import importlib

    from kssp.accounts.testing import World
    from kssp.bulletins.models import Bulletin
    from kssp.core.imports.services import import_batch_promote

    importlib.import_module("kssp.bulletins.imports")  # registered by BulletinsConfig.ready() once wired
    world = World()
    actor = world.kp_investigator.actor
    content, expected_bad = make_csv(n)

    stage = staged(actor, content)
    base = baseline(actor, content)
    if not (stage["bad"] == base["bad"] == expected_bad):
        raise AssertionError(f"bad rows disagree: staged {sorted(stage['bad'])[:5]}…, baseline {sorted(base['bad'])[:5]}…")
    if Bulletin.objects.exists():
        raise AssertionError("the baseline's rollback left bulletins behind")

    promote_n = promote_n or min(n, 5000)
    clean, _ = make_csv(promote_n, bad_every=0)
    batch = staged(actor, clean)["batch"]
    t0 = time.perf_counter()
    import_batch_promote(actor=actor, batch=batch)
    promote_s = time.perf_counter() - t0
    if Bulletin.objects.count() != promote_n:
        raise AssertionError("promotion did not create one bulletin per row")

    staged_rps = n / stage["validate_s"]
    baseline_rps = n / base["seconds"]
    return {
        "N": n,
        "bad_rows": len(expected_bad),
        "chunk_rows": 1000,
        "outcome": stage["outcome"],
        "upload_check_s": round(stage["upload_s"], 3),
        "staged_validate_s": round(stage["validate_s"], 3),
        "staged_rows_per_s": round(staged_rps),
        "baseline_s": round(base["seconds"], 3),
        "baseline_rows_per_s": round(baseline_rps),
        "speedup": round(staged_rps / baseline_rps, 1),
        "promote_N": promote_n,
        "promote_rows_per_s": round(promote_n / promote_s),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("-n", type=int, default=20_000)
    args = parser.parse_args()
    setup_django()
    n = 300 if args.quick else args.n
    figures = run(n, promote_n=100 if args.quick else None)
    if not args.quick:
        write_result("import", figures)
    print(
        f"RESULT import N={n} staged_rows_per_s={figures['staged_rows_per_s']} baseline_rows_per_s={figures['baseline_rows_per_s']} "
        f"speedup={figures['speedup']} bad_rows={figures['bad_rows']} promote_rows_per_s={figures['promote_rows_per_s']}"
    )


if __name__ == "__main__":
    main()
