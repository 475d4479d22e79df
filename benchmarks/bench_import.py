"""Staged import end to end against django-import-export (issue #6 point 8).

**Ours**: the platform's staged import of a bulletin CSV, end to end as a user meets it: the upload
check (``import_batch_create``), the worker's validation into the staging table (``validate_batch``,
committed chunks of 1,000 rows) and the all-or-nothing promotion (``import_batch_promote``: every row
through the bulletin import type's ``promote``, audited).

**Baseline**: django-import-export 4 with ``use_bulk=False`` and django-auditlog registered on the
bulletin model (one ``LogEntry`` per created bulletin, the actor set as its middleware would), the
resource in ``benchmarks/peers/resources.py`` (same rules, owner and numbering). Two forms:

* ``single pass``: ``import_data(dry_run=False, use_transactions=True,
  rollback_on_validation_errors=True)`` — validate and save each row, all or nothing, no preview;
* ``two step``: the admin's flow, a ``dry_run=True`` preview and then the real import.

``ratio`` = import-export single pass p50 / ours p50 (the faster baseline; >1 means ours is faster).
The same clean rows go through both; the created bulletins must be the same (titles, fields, owner),
one audit record each.

**Time to first error report** (reported apart, not in the ratio): a file with a bad row every 97
rows. Ours: upload until the chunk holding the first bad row is committed (the report page shows it
from then on), and until the whole file is validated. Import-export: the dry run, which reports only
at its end. Both must name exactly the same bad rows.

Run: ``KSSP_TESTING=1 .venv/bin/python benchmarks/bench_import.py --database postgresql``.
"""

from __future__ import annotations

import csv
import io
import os
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks import _harness as h  # noqa: E402

NAME = "import"
SEED = 20260602
HEADER = ["kind", "title", "body", "classification", "handling_code", "valid_until", "contains_personal_data"]
QUEUE_ONLY = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
COMPARED = ("kind", "title", "body", "classification", "handling_code", "valid_until", "contains_personal_data",
            "owner_institution_id", "owner_unit_id", "created_by_id", "status")


def make_csv(n: int, *, bad_every: int = 0, tag: str = "") -> tuple[bytes, set[int]]:
    """``n`` bulletin rows; every ``bad_every``-th row is bad, in turn: no title, an unknown kind, a
    classification above the uploader's clearance (TOP SECRET), a date in the past."""
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(HEADER)
    bad: set[int] = set()
    for number in range(1, n + 1):
        row = ["notice", f"Armë e vjedhur {tag}{number}", f"Pistoletë CZ 99, seria {number:07d}.", str(number % 4),
               ["", "H1", "H2"][number % 3], "2099-12-31" if number % 2 else "", str(number % 5 == 0 and 1 or 0)]
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


def _new_bulletins(since_pk: int) -> list[tuple[Any, ...]]:
    from kssp.bulletins.models import Bulletin

    return sorted(Bulletin._base_manager.filter(pk__gt=since_pk).values_list(*COMPARED))


def _last_pk() -> int:
    from kssp.bulletins.models import Bulletin

    return Bulletin._base_manager.order_by("-pk").values_list("pk", flat=True).first() or 0


# --- ours ---------------------------------------------------------------------------------------------


# Seconds of each phase of ours, per end-to-end run (where the time goes; the ratio uses the whole run).
PHASES: list[dict[str, float]] = []


def ours_upload_and_validate(actor: Any, content: bytes, *, on_chunk: Any = None, phases: dict[str, float] | None = None) -> Any:
    from django.test import override_settings

    from kssp.core.imports.services import import_batch_create
    from kssp.core.imports.validation import validate_batch

    t0 = time.perf_counter()
    with override_settings(TASKS=QUEUE_ONLY):  # the worker runs here, in this process, and is timed
        batch = import_batch_create(actor=actor, import_type_code="bulletins", filename="bench.csv", content=content)
    t1 = time.perf_counter()
    outcome = validate_batch(batch.pk, on_chunk=on_chunk)
    batch.refresh_from_db()
    if phases is not None:
        phases["upload_check_s"] = t1 - t0
        phases["validate_s"] = time.perf_counter() - t1
    return batch, outcome


def ours_end_to_end(actor: Any, content: bytes) -> int:
    from kssp.core.imports.services import import_batch_promote

    phases: dict[str, float] = {}
    batch, outcome = ours_upload_and_validate(actor, content, phases=phases)
    if outcome != "validated":
        raise AssertionError(f"the clean file did not validate: {outcome}")
    t0 = time.perf_counter()
    promoted = import_batch_promote(actor=actor, batch=batch)
    phases["promote_s"] = time.perf_counter() - t0
    PHASES.append(phases)
    return int(promoted.records_created)


def ours_first_error(actor: Any, content: bytes) -> dict[str, Any]:
    from django.db import transaction

    from kssp.core.imports.models import StagedRow

    marks: dict[str, float] = {}
    start = time.perf_counter()

    def on_chunk(index: int, rows: list[Any]) -> None:
        if "first_error" not in marks and any(r.errors for r in rows):
            transaction.on_commit(lambda: marks.setdefault("first_error", time.perf_counter() - start))

    batch, outcome = ours_upload_and_validate(actor, content, on_chunk=on_chunk)
    marks["complete"] = time.perf_counter() - start
    bad = set(StagedRow.objects.filter(batch=batch, has_errors=True).values_list("row_number", flat=True))
    return {"first_error_s": marks.get("first_error"), "complete_s": marks["complete"], "bad": bad, "outcome": outcome}


# --- django-import-export + django-auditlog ----------------------------------------------------------------


@contextmanager
def auditlog_on(user: Any) -> Iterator[None]:
    """django-auditlog registered on bulletins, with the actor set, only for the baseline's runs."""
    from auditlog.context import set_actor
    from auditlog.registry import auditlog

    from kssp.bulletins.models import Bulletin

    auditlog.register(Bulletin)
    try:
        with set_actor(user):
            yield
    finally:
        auditlog.unregister(Bulletin)


def peer_import(actor: Any, content: bytes, *, dry_run: bool) -> Any:
    import tablib

    if os.environ.get("KSSP_BENCH_SABOTAGE") == NAME:
        # test_benchmarks_quick only: the baseline reads one title differently, which the checks must catch.
        content = content.replace("Armë e vjedhur".encode(), b"Arme e vjedhur", 1)

    from benchmarks.peers.resources import BulletinResource

    dataset = tablib.Dataset().load(content.decode("utf-8"), format="csv")
    resource = BulletinResource(actor=actor)
    return resource.import_data(dataset, dry_run=dry_run, use_transactions=True, rollback_on_validation_errors=True)


def peer_single_pass(actor: Any, content: bytes) -> int:
    with auditlog_on(actor.user):
        result = peer_import(actor, content, dry_run=False)
    if result.has_errors() or result.has_validation_errors():
        raise AssertionError("import-export refused the clean file")
    return int(result.totals["new"])


def peer_two_step(actor: Any, content: bytes) -> int:
    with auditlog_on(actor.user):
        preview = peer_import(actor, content, dry_run=True)
        if preview.has_errors() or preview.has_validation_errors():
            raise AssertionError("import-export refused the clean file")
        result = peer_import(actor, content, dry_run=False)
    return int(result.totals["new"])


def peer_first_error(actor: Any, content: bytes) -> dict[str, Any]:
    start = time.perf_counter()
    with auditlog_on(actor.user):
        result = peer_import(actor, content, dry_run=True)
    elapsed = time.perf_counter() - start
    bad = {row.number for row in result.invalid_rows} | {number for number, _errors in result.row_errors()}
    return {"first_error_s": elapsed, "complete_s": elapsed, "bad": bad}


# --- checks -------------------------------------------------------------------------------------------------


def audit_counts(since_event: int, since_logentry: int) -> tuple[int, int]:
    from auditlog.models import LogEntry

    from kssp.core.models import AuditEvent

    ours = AuditEvent.objects.filter(pk__gt=since_event, event_type="bulletin.created").count()
    return ours, LogEntry.objects.filter(pk__gt=since_logentry).count()


def _last_ids() -> tuple[int, int]:
    from auditlog.models import LogEntry

    from kssp.core.models import AuditEvent

    return (AuditEvent.objects.order_by("-pk").values_list("pk", flat=True).first() or 0,
            LogEntry.objects.order_by("-pk").values_list("pk", flat=True).first() or 0)


def checked(label: str, fn: Any, actor: Any, content: bytes, n: int, *, audit: str) -> Any:
    """Run one import and check it created exactly ``n`` bulletins and ``n`` audit records of its kind."""

    def call() -> list[tuple[Any, ...]]:
        since = _last_pk()
        event0, log0 = _last_ids()
        created = fn(actor, content)
        rows = _new_bulletins(since)
        ours_events, log_entries = audit_counts(event0, log0)
        audited = ours_events if audit == "ours" else log_entries
        if created != n or len(rows) != n or audited != n:
            raise AssertionError(f"{label}: {created} reported, {len(rows)} created, {audited} audit records for {n} rows")
        return rows

    return call


def run(*, n: int, err_n: int, quick: bool) -> tuple[dict[str, Any], str]:
    from kssp.accounts.testing import make_person

    db = h.vendor()
    person = make_person("bench-importer", institution="KP", unit="NJKT", role="investigator")
    actor = person.actor
    clean, _ = make_csv(n, tag="")
    warm, _ = make_csv(max(20, n // 10), tag="w")  # the same rows for both paths
    repeats = 2 if quick else 5

    # Warm-up (imports, caches, connections) on a small file, then interleaved repeats of the full file.
    # The warm-up already compares what both create (so a disagreement stops the run before any timing).
    warm_n = max(20, n // 10)
    warm_rows = [checked(label, fn, actor, warm, warm_n, audit=audit)()
                 for label, fn, audit in (("ours", ours_end_to_end, "ours"), ("single pass", peer_single_pass, "auditlog"))]
    if warm_rows[0] != warm_rows[1]:
        raise AssertionError("import_export_single_pass created different bulletins from ours (warm-up file)")
    cases = {
        "ours": checked("ours", ours_end_to_end, actor, clean, n, audit="ours"),
        "import_export_single_pass": checked("single pass", peer_single_pass, actor, clean, n, audit="auditlog"),
        "import_export_two_step": checked("two step", peer_two_step, actor, clean, n, audit="auditlog"),
    }
    lb = h.load()
    timed = h.interleaved(cases, warmup=0, repeats=repeats)
    for name, (_samples, rows) in timed.items():
        if rows != timed["ours"][1]:
            raise AssertionError(f"{name} created different bulletins from ours")

    bad_file, expected_bad = make_csv(err_n, bad_every=97, tag="e")
    first: dict[str, list[dict[str, Any]]] = {"ours": [], "import_export": []}
    for _ in range(repeats):
        first["ours"].append(ours_first_error(actor, bad_file))
        first["import_export"].append(peer_first_error(actor, bad_file))
    for name, runs in first.items():
        for r in runs:
            if r["bad"] != expected_bad:
                raise AssertionError(f"{name} named other bad rows: {sorted(r['bad'] ^ expected_bad)[:5]}")

    stats = {name: h.summary(samples) for name, (samples, _rows) in timed.items()}
    ours_p50 = stats["ours"]["p50_ms"]
    timed_phases = PHASES[-repeats:]
    phases = {key: h.summary([p[key] * 1000 for p in timed_phases]) for key in timed_phases[0]}
    figures: dict[str, Any] = {
        "N": n, "seed": SEED, "actor": actor.label, "repeats": repeats,
        "end_to_end": stats,
        "rows_per_s_p50": {name: round(n / (s["p50_ms"] / 1000)) for name, s in stats.items()},
        "ours_phases_ms": phases,
        "ms_per_row_p50": {name: round(s["p50_ms"] / n, 2) for name, s in stats.items()},
        "ratio": round(stats["import_export_single_pass"]["p50_ms"] / ours_p50, 2),
        "ratio_p95": round(stats["import_export_single_pass"]["p95_ms"] / stats["ours"]["p95_ms"], 2),
        "ratio_two_step": round(stats["import_export_two_step"]["p50_ms"] / ours_p50, 2),
        "time_to_first_error_report": {
            "N": err_n, "bad_rows": len(expected_bad), "first_bad_row": min(expected_bad),
            "ours_first_error_ms": h.summary([r["first_error_s"] * 1000 for r in first["ours"]]),
            "ours_complete_report_ms": h.summary([r["complete_s"] * 1000 for r in first["ours"]]),
            "import_export_dry_run_ms": h.summary([r["first_error_s"] * 1000 for r in first["import_export"]]),
        },
        "load_during": {"before": lb, "after": h.load()},
    }
    ttfe = figures["time_to_first_error_report"]
    figures["detail_line"] = (f"import db={db} N={n} ours_p50_s={ours_p50 / 1000:.2f} "
                              f"import_export_p50_s={stats['import_export_single_pass']['p50_ms'] / 1000:.2f} "
                              f"ratio_p95={h.fmt(figures['ratio_p95'])} ratio_two_step={h.fmt(figures['ratio_two_step'])} "
                              f"time_to_first_error_report (apart, not in the ratio): "
                              f"ours_ms={ttfe['ours_first_error_ms']['p50_ms']:.0f} "
                              f"import_export_dry_run_ms={ttfe['import_export_dry_run_ms']['p50_ms']:.0f} (N={err_n})")
    line = f"RESULT import db={db} ratio={h.fmt(figures['ratio'])}"
    return figures, line


def main() -> None:
    args = h.arguments(__doc__.splitlines()[0], lambda p: (p.add_argument("-n", type=int, default=2000),
                                                            p.add_argument("--errors-n", type=int, default=5000)))
    load_before = h.load()
    h.warn_if_loaded("start")
    h.setup_django(NAME, args)
    n, err_n = (30, 120) if args.quick else (args.n, args.errors_n)
    figures, line = run(n=n, err_n=err_n, quick=args.quick)
    if not args.quick and not args.no_write:
        h.write_result(NAME, figures, line, load_before=load_before)
    h.warn_if_loaded("end")
    for name, stats in figures["end_to_end"].items():
        print(f"end to end   {name:27} p50 {stats['p50_ms'] / 1000:8.2f} s  p95 {stats['p95_ms'] / 1000:8.2f} s")
    print("ours by phase (p50 s): " + ", ".join(f"{k} {v['p50_ms'] / 1000:.2f}" for k, v in figures["ours_phases_ms"].items()))
    ttfe = figures["time_to_first_error_report"]
    print(f"first error report (not in the ratio): ours {ttfe['ours_first_error_ms']['p50_ms']:.0f} ms "
          f"(whole report {ttfe['ours_complete_report_ms']['p50_ms']:.0f} ms), "
          f"import-export dry run {ttfe['import_export_dry_run_ms']['p50_ms']:.0f} ms")
    print(figures["detail_line"])
    print(line)


if __name__ == "__main__":
    main()
