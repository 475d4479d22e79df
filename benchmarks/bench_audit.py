"""The cost of the audit trail on a write (issue #6 point 8).

The write is ``bulletin_update`` (an investigator edits the title and text of one of their unit's
bulletins: policy check, validation, ``full_clean``, UPDATE, and its audit event, in one transaction).
Three forms of the same service:

* **ours**: as it is — the HMAC-chained audit event in the service's transaction;
* **none**: the audit call replaced by nothing (every module's ``audit_record`` swapped for a no-op);
* **auditlog**: the no-op service with django-auditlog registered on the bulletin model (its
  ``pre_save`` reads the old row, its ``post_save`` writes a ``LogEntry`` with the changes) and the
  actor set as its middleware would. auditlog keeps no chain, no sequence, no signature.

**Per-write overhead** (one writer): warm-up, then interleaved rounds of writes in each form; p50 and
p95 per write. ``overhead_vs_auditlog`` = (ours − none) / (auditlog − none), on p50 (p95 beside it).

**Throughput** (PostgreSQL only): 1, 4 and 16 writer processes, each on its own bulletins, for a fixed
time per round, ours against none (and auditlog beside them: an unchained append in the writer's
transaction, what the writers would pay if the chain were sealed elsewhere); p50 of the rounds, the
write latencies of every writer, and what the writers' backends are doing (sampled every 10 ms from
``pg_stat_activity``: lock waits on the audit head show there). ``throughput16_ratio`` = ours / none at
16 writers (the goal is ≥ 0.5).

**Why** (untimed, beside the figures): statements per write in each form, and the time spent inside
``audit_record`` itself.

Checks: one audit event (ours) or log entry (auditlog) per write and none for the no-op form; the chain
verifies afterwards. Run: ``KSSP_TESTING=1 .venv/bin/python benchmarks/bench_audit.py --database postgresql``.
"""

from __future__ import annotations

import multiprocessing
import os
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks import _harness as h  # noqa: E402

NAME = "audit"
SEED = 20260603
MODES = ("ours", "none", "auditlog")


# --- the three forms of the write ---------------------------------------------------------------------


def _nothing(**_kwargs: Any) -> None:
    return None


@contextmanager
def audit_replaced_by_nothing() -> Iterator[int]:
    """Swap ``audit_record`` for a no-op in every loaded module that holds it (services import it by
    name). Yields how many places were swapped."""
    import kssp.bulletins.services  # noqa: F401 - loaded before looking for the name
    from kssp.core.audit import service

    original = service.audit_record
    holders = [m for m in list(sys.modules.values()) if m is not None and getattr(m, "audit_record", None) is original]
    for module in holders:
        module.audit_record = _nothing  # type: ignore[attr-defined]
    try:
        yield len(holders)
    finally:
        for module in holders:
            module.audit_record = original  # type: ignore[attr-defined]


@contextmanager
def auditlog_registered(user: Any) -> Iterator[None]:
    from auditlog.context import set_actor
    from auditlog.registry import auditlog

    from kssp.bulletins.models import Bulletin

    auditlog.register(Bulletin)
    try:
        with set_actor(user):
            yield
    finally:
        auditlog.unregister(Bulletin)


@contextmanager
def form(mode: str, user: Any) -> Iterator[None]:
    if mode == "ours":
        yield
        return
    # KSSP_BENCH_SABOTAGE=audit (test_benchmarks_quick only): the baseline silently records nothing,
    # which the checks must catch.
    sabotaged = os.environ.get("KSSP_BENCH_SABOTAGE") == NAME
    with audit_replaced_by_nothing(), (auditlog_registered(user) if mode == "auditlog" and not sabotaged else nullcontext()):
        yield


def write(actor: Any, bulletin: Any, i: int) -> None:
    from kssp.bulletins.services import bulletin_update

    bulletin_update(actor=actor, bulletin=bulletin, title=f"Bulletin edit {i}", body=f"Text of edit {i}.")


def make_bulletins(person: Any, count: int) -> list[int]:
    """Bulletins owned by the writer's unit, bulk-inserted (set-up data, no audit)."""
    import uuid

    from kssp.bulletins.models import Bulletin

    unit = person.membership.unit
    start = Bulletin._base_manager.count()
    rows = [Bulletin(owner_institution_id=unit.institution_id, owner_unit_id=unit.pk, created_by_id=person.user.pk,
                     number=f"BUL-A-{start + i:08d}", title=f"Bulletin {i}", body="Text.", kind="notice",
                     classification=1, public_id=uuid.uuid4()) for i in range(count)]
    Bulletin._base_manager.bulk_create(rows, batch_size=1000)
    return list(Bulletin._base_manager.filter(number__startswith="BUL-A-").order_by("pk").values_list("pk", flat=True))[-count:]


# --- what each form must have written -----------------------------------------------------------------


def recorded_change(mode: str, bulletin: Any) -> dict[str, Any] | None:
    """The new title and text as the form's audit record holds them (None for the no-op form)."""
    from auditlog.models import LogEntry
    from django.contrib.contenttypes.models import ContentType

    from kssp.core.audit.service import payload_read
    from kssp.core.models import AuditEvent

    if mode == "ours":
        evt = AuditEvent.objects.filter(event_type="bulletin.updated", target_id=str(bulletin.pk)).order_by("-seq").first()
        after = (payload_read(evt).payload or {}).get("after", {}) if evt is not None else {}
        return {"title": after.get("title"), "body": after.get("body")}
    if mode == "auditlog":
        ct = ContentType.objects.get_for_model(type(bulletin))
        entry = LogEntry.objects.filter(content_type=ct, object_pk=str(bulletin.pk)).order_by("-pk").first()
        changes = (entry.changes if entry is not None else None) or {}
        if isinstance(changes, str):
            import json

            changes = json.loads(changes)
        return {"title": changes.get("title", [None, None])[1], "body": changes.get("body", [None, None])[1]}
    return None


def check_last_write(mode: str, bulletin: Any, i: int) -> None:
    """The same write in every form: the row holds the new values, and the form's audit record (ours:
    the event's ``after``; auditlog: the entry's ``changes``) names the same new title and text."""
    from kssp.bulletins.models import Bulletin

    expected = {"title": f"Bulletin edit {i}", "body": f"Text of edit {i}."}
    row = Bulletin._base_manager.filter(pk=bulletin.pk).values("title", "body").get()
    if row != expected:
        raise AssertionError(f"{mode}: the bulletin holds {row}, not {expected}")
    recorded = recorded_change(mode, bulletin)
    if recorded is not None and recorded != expected:
        raise AssertionError(f"{mode}: the audit record holds {recorded}, not {expected}")


# --- per-write overhead, one writer -------------------------------------------------------------------


def per_write(person: Any, pks: list[int], *, rounds: int, per_round: int, warmup: int) -> dict[str, Any]:
    from auditlog.models import LogEntry

    from kssp.bulletins.models import Bulletin
    from kssp.core.models import AuditEvent

    actor = person.actor
    bulletins = list(Bulletin._base_manager.filter(pk__in=pks).order_by("pk"))
    samples: dict[str, list[float]] = {m: [] for m in MODES}
    counter = [0]

    def burst(mode: str, k: int, record: bool) -> None:
        events0, logs0 = AuditEvent.objects.count(), LogEntry.objects.count()
        with form(mode, person.user):
            for _ in range(k):
                counter[0] += 1
                b = bulletins[counter[0] % len(bulletins)]
                t0 = time.perf_counter()
                write(actor, b, counter[0])
                if record:
                    samples[mode].append((time.perf_counter() - t0) * 1000)
        events, logs = AuditEvent.objects.count() - events0, LogEntry.objects.count() - logs0
        expected = {"ours": (k, 0), "none": (0, 0), "auditlog": (0, k)}[mode]
        if (events, logs) != expected:
            raise AssertionError(f"{mode}: {events} audit events and {logs} log entries for {k} writes")
        check_last_write(mode, bulletins[counter[0] % len(bulletins)], counter[0])

    for mode in MODES:
        burst(mode, warmup, record=False)
    for r in range(rounds):
        order = MODES[r % 3:] + MODES[: r % 3]
        for mode in order:
            burst(mode, per_round, record=True)
    breakdown = why(person, bulletins, counter, k=10 if per_round < 100 else 60)
    stats = {m: h.summary(v) for m, v in samples.items()}
    over = {q: {"ours_ms": round(stats["ours"][q] - stats["none"][q], 3), "auditlog_ms": round(stats["auditlog"][q] - stats["none"][q], 3)}
            for q in ("p50_ms", "p95_ms")}
    ratio = {q: round(v["ours_ms"] / v["auditlog_ms"], 2) if v["auditlog_ms"] > 0 else None for q, v in over.items()}
    return {"writes_per_form": rounds * per_round, "per_write": stats, "overhead": over, "breakdown": breakdown,
            "overhead_vs_auditlog": ratio["p50_ms"], "overhead_vs_auditlog_p95": ratio["p95_ms"]}


def _kind(sql: str) -> str:
    text = sql.lstrip().upper()
    if text.startswith("SELECT") and "FOR UPDATE" in text:
        return "SELECT … FOR UPDATE"
    for word in ("SELECT", "INSERT", "UPDATE", "DELETE", "SAVEPOINT", "RELEASE", "ROLLBACK"):
        if text.startswith(word):
            return word
    return text.split(" ", 1)[0]


def why(person: Any, bulletins: list[Any], counter: list[int], k: int = 60) -> dict[str, Any]:
    """Untimed by the figures above: the statements each form runs per write (by kind and table), and
    the time spent inside ``audit_record`` itself (ours), to say where the overhead goes."""
    from django.db import connection

    from kssp.core.audit import service

    out: dict[str, Any] = {"statements_per_write": {}}
    for mode in MODES:
        seen: list[str] = []

        def capture(execute: Any, sql: str, params: Any, many: bool, context: Any, seen: list[str] = seen) -> Any:
            seen.append(sql)
            return execute(sql, params, many, context)

        with form(mode, person.user), connection.execute_wrapper(capture):
            for _ in range(k):
                counter[0] += 1
                write(person.actor, bulletins[counter[0] % len(bulletins)], counter[0])
        kinds: dict[str, float] = {}
        for sql in seen:
            table = ""
            for marker in (" INTO ", " FROM ", "UPDATE "):
                if marker in sql.upper():
                    rest = sql[sql.upper().index(marker) + len(marker):].strip()
                    table = rest.split()[0].strip('"') if rest else ""
                    break
            key = f"{_kind(sql)} {table}".strip()
            kinds[key] = kinds.get(key, 0) + 1 / k
        out["statements_per_write"][mode] = {"total": round(len(seen) / k, 2), **{x: round(v, 2) for x, v in sorted(kinds.items())}}

    # Time inside audit_record (ours), wrapped where the services hold it by name.
    original = service.audit_record
    inside: list[float] = []

    def timed_audit(**kwargs: Any) -> Any:
        t0 = time.perf_counter()
        try:
            return original(**kwargs)
        finally:
            inside.append((time.perf_counter() - t0) * 1000)

    holders = [m for m in list(sys.modules.values()) if m is not None and getattr(m, "audit_record", None) is original]
    for module in holders:
        module.audit_record = timed_audit  # type: ignore[attr-defined]
    try:
        for _ in range(k * 3):
            counter[0] += 1
            write(person.actor, bulletins[counter[0] % len(bulletins)], counter[0])
    finally:
        for module in holders:
            module.audit_record = original  # type: ignore[attr-defined]
    out["inside_audit_record_ms"] = h.summary(inside)
    return out


# --- throughput, several writer processes (PostgreSQL) ---------------------------------------------------


def writer_main(conn: Any, env: dict[str, str], user_pk: int, membership_pk: int, pks: list[int]) -> None:
    """A writer process: set up Django, then for each order (mode, start time, seconds) write as fast as
    it can on its own bulletins and report how many writes finished inside the window."""
    h.attach_django(env)
    from kssp.accounts.actor import actor_for
    from kssp.accounts.models import Membership
    from kssp.bulletins.models import Bulletin

    membership = Membership.objects.select_related("user", "unit__institution", "role").get(pk=membership_pk)
    actor = actor_for(membership.user, membership)
    bulletins = list(Bulletin._base_manager.filter(pk__in=pks).order_by("pk"))
    i = 0
    conn.send("ready")
    while True:
        order = conn.recv()
        if order is None:
            break
        mode, start_at, seconds = order
        done = 0
        latencies: list[float] = []
        with form(mode, membership.user):
            while time.time() < start_at:
                time.sleep(0.0005)
            end = start_at + seconds
            while True:
                i += 1
                t0 = time.perf_counter()
                write(actor, bulletins[i % len(bulletins)], i)
                if time.time() > end:
                    break
                latencies.append((time.perf_counter() - t0) * 1000)
                done += 1
        conn.send((done, latencies))
    conn.close()


class WaitSampler(threading.Thread):
    """Every 10 ms during a round: what each writer backend of the benchmark database is doing
    (``pg_stat_activity``: on CPU, waiting for a lock — the audit head row shows as ``Lock:transactionid``
    or ``Lock:tuple`` — waiting for the client, for I/O, ...)."""

    def __init__(self, env: dict[str, str], start_at: float, seconds: float) -> None:
        super().__init__(daemon=True)
        self.url, self.start_at, self.seconds = env["DATABASE_URL"], start_at, seconds
        self.counts: dict[str, int] = {}
        self.start()

    def run(self) -> None:
        import psycopg

        dbname = self.url.rsplit("/", 1)[1]
        with psycopg.connect(self.url, autocommit=True) as conn:
            margin = min(0.2, self.seconds / 5)
            while time.time() < self.start_at + margin:
                time.sleep(0.01)
            end = self.start_at + self.seconds - margin
            while time.time() < end:
                rows = conn.execute(
                    "SELECT state, wait_event_type, wait_event FROM pg_stat_activity "
                    "WHERE datname = %s AND pid <> pg_backend_pid() AND backend_type = 'client backend'", [dbname]).fetchall()
                for state, wtype, wevent in rows:
                    if state == "idle in transaction" and wtype == "Client":
                        key = "in transaction, waiting for the writer (Python)"
                    elif state == "idle":
                        key = "idle between transactions (Python)"
                    elif wtype is None:
                        key = "running (CPU)"
                    else:
                        key = f"{wtype}:{wevent}"
                    self.counts[key] = self.counts.get(key, 0) + 1
                time.sleep(0.01)


def wait_shares(counts: dict[str, int]) -> dict[str, float]:
    total = sum(counts.values()) or 1
    return {key: round(count / total, 3) for key, count in sorted(counts.items(), key=lambda kv: -kv[1])}


def throughput(env: dict[str, str], person: Any, pks: list[int], *, levels: tuple[int, ...], rounds: int,
               seconds: float) -> dict[str, Any]:
    ctx = multiprocessing.get_context("spawn")
    out: dict[str, Any] = {}
    for writers in levels:
        pipes, procs = [], []
        for w in range(writers):
            parent, child = ctx.Pipe()
            mine = pks[w::writers]
            proc = ctx.Process(target=writer_main, args=(child, env, person.user.pk, person.membership.pk, mine))
            proc.start()
            pipes.append(parent)
            procs.append(proc)
        for p in pipes:
            if p.recv() != "ready":
                raise RuntimeError("a writer did not start")
        per_mode: dict[str, list[float]] = {m: [] for m in MODES}
        lat: dict[str, list[float]] = {m: [] for m in MODES}
        waits: dict[str, dict[str, int]] = {m: {} for m in MODES}
        try:
            for r in range(rounds + 1):  # the first round of each mode is a warm-up
                for mode in MODES[r % 3:] + MODES[: r % 3]:
                    start_at = time.time() + 0.3
                    for p in pipes:
                        p.send((mode, start_at, seconds))
                    sampler = WaitSampler(env, start_at, seconds) if r > 0 else None
                    replies = [p.recv() for p in pipes]
                    total = sum(done for done, _l in replies)
                    if sampler is not None:
                        sampler.join()
                        for key, count in sampler.counts.items():
                            waits[mode][key] = waits[mode].get(key, 0) + count
                    if r > 0:
                        per_mode[mode].append(total / seconds)
                        for _done, latencies in replies:
                            lat[mode].extend(latencies)
        finally:
            for p in pipes:
                p.send(None)
            for proc in procs:
                proc.join(timeout=30)
        out[str(writers)] = {
            mode: {"writes_per_s_p50": round(h.percentile(v, 50), 1), "writes_per_s_min": round(min(v), 1),
                   "writes_per_s_max": round(max(v), 1), "rounds": [round(x, 1) for x in v],
                   "write_latency_ms": h.summary(lat[mode]) if lat[mode] else None,
                   "writer_wait_samples": wait_shares(waits[mode])}
            for mode, v in per_mode.items()
        }
        level = out[str(writers)]
        level["ratio"] = round(level["ours"]["writes_per_s_p50"] / level["none"]["writes_per_s_p50"], 2)
        level["auditlog_ratio"] = round(level["auditlog"]["writes_per_s_p50"] / level["none"]["writes_per_s_p50"], 2)
    return out


# --- the run ------------------------------------------------------------------------------------------


def verify() -> str:
    from kssp.core.audit import verify_chain

    result = verify_chain()
    if not getattr(result, "ok", False):
        raise AssertionError(f"the audit chain does not verify: {getattr(result, 'message', result)}")
    return "ok"


def run(env: dict[str, str], *, quick: bool) -> tuple[dict[str, Any], str]:
    from kssp.accounts.testing import make_person

    db = h.vendor()
    person = make_person("bench-writer", institution="KP", unit="NJKT", role="investigator")
    pks = make_bulletins(person, 64 if quick else 640)
    lb = h.load()
    figures: dict[str, Any] = {"seed": SEED, "actor": person.actor.label}
    figures.update(per_write(person, pks, rounds=2 if quick else 7, per_round=15 if quick else 300, warmup=5 if quick else 100))
    if db == "postgresql":
        levels, seconds = ((1, 2), 0.3) if quick else ((1, 4, 16), 5.0)
        figures["throughput"] = throughput(env, person, pks, levels=levels, rounds=1 if quick else 5, seconds=seconds)
        figures["throughput_seconds_per_round"] = seconds
    figures["chain"] = verify()
    figures["load_during"] = {"before": lb, "after": h.load()}
    t16 = figures.get("throughput", {}).get("16", {}).get("ratio")
    ours = figures["per_write"]["ours"]
    figures["detail_line"] = (f"audit db={db} p95_write_ms={ours['p95_ms']:.2f} p50_write_ms={ours['p50_ms']:.2f} "
                              f"overhead_p50_ms={figures['overhead']['p50_ms']['ours_ms']:.2f} "
                              f"auditlog_overhead_p50_ms={figures['overhead']['p50_ms']['auditlog_ms']:.2f} "
                              f"overhead_vs_auditlog_p95={h.fmt(figures['overhead_vs_auditlog_p95'])}")
    line = f"RESULT audit db={db} overhead_vs_auditlog={h.fmt(figures['overhead_vs_auditlog'])} throughput16_ratio={h.fmt(t16)}"
    return figures, line


def main() -> None:
    args = h.arguments(__doc__.splitlines()[0])
    load_before = h.load()
    h.warn_if_loaded("start")
    env = h.setup_django(NAME, args)
    figures, line = run(env, quick=args.quick)
    if not args.quick and not args.no_write:
        h.write_result(NAME, figures, line, load_before=load_before)
    h.warn_if_loaded("end")
    for mode, stats in figures["per_write"].items():
        print(f"per write  {mode:9} p50 {stats['p50_ms']:7.3f} ms  p95 {stats['p95_ms']:7.3f} ms")
    print("statements per write:", figures["breakdown"]["statements_per_write"])
    print("inside audit_record:", figures["breakdown"]["inside_audit_record_ms"])
    for writers, t in figures.get("throughput", {}).items():
        ours, none = t["ours"]["writes_per_s_p50"], t["none"]["writes_per_s_p50"]
        print(f"{writers:>2} writers  ours {ours:8.1f}/s  none {none:8.1f}/s  auditlog {t['auditlog']['writes_per_s_p50']:8.1f}/s  "
              f"ratio {t['ratio']} (auditlog {t['auditlog_ratio']})  p95 write ms: "
              + ", ".join(f"{m} {t[m]['write_latency_ms']['p95_ms']:.1f}" for m in MODES))
        for m in MODES:
            print(f"           backends ({m}): {t[m]['writer_wait_samples']}")
    print(figures["detail_line"])
    print(line)


if __name__ == "__main__":
    main()
