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
time per round, ours against none; p50 of the rounds. ``throughput16_ratio`` = ours / none at 16
writers (the goal is ≥ 0.5).

Checks: one audit event (ours) or log entry (auditlog) per write and none for the no-op form; the chain
verifies afterwards. Run: ``KSSP_TESTING=1 .venv/bin/python benchmarks/bench_audit.py --database postgresql``.
"""

from __future__ import annotations

import multiprocessing
import sys
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
    with audit_replaced_by_nothing(), (auditlog_registered(user) if mode == "auditlog" else nullcontext()):
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

    for mode in MODES:
        burst(mode, warmup, record=False)
    for r in range(rounds):
        order = MODES[r % 3:] + MODES[: r % 3]
        for mode in order:
            burst(mode, per_round, record=True)
    stats = {m: h.summary(v) for m, v in samples.items()}
    over = {q: {"ours_ms": round(stats["ours"][q] - stats["none"][q], 3), "auditlog_ms": round(stats["auditlog"][q] - stats["none"][q], 3)}
            for q in ("p50_ms", "p95_ms")}
    ratio = {q: round(v["ours_ms"] / v["auditlog_ms"], 2) if v["auditlog_ms"] > 0 else None for q, v in over.items()}
    return {"writes_per_form": rounds * per_round, "per_write": stats, "overhead": over,
            "overhead_vs_auditlog": ratio["p50_ms"], "overhead_vs_auditlog_p95": ratio["p95_ms"]}


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
        with form(mode, membership.user):
            while time.time() < start_at:
                time.sleep(0.0005)
            end = start_at + seconds
            while True:
                i += 1
                write(actor, bulletins[i % len(bulletins)], i)
                if time.time() > end:
                    break
                done += 1
        conn.send(done)
    conn.close()


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
        per_mode: dict[str, list[float]] = {"ours": [], "none": []}
        try:
            for r in range(rounds + 1):  # the first round of each mode is a warm-up
                for mode in (("ours", "none") if r % 2 == 0 else ("none", "ours")):
                    start_at = time.time() + 0.3
                    for p in pipes:
                        p.send((mode, start_at, seconds))
                    total = sum(p.recv() for p in pipes)
                    if r > 0:
                        per_mode[mode].append(total / seconds)
        finally:
            for p in pipes:
                p.send(None)
            for proc in procs:
                proc.join(timeout=30)
        out[str(writers)] = {
            mode: {"writes_per_s_p50": round(h.percentile(v, 50), 1), "writes_per_s_min": round(min(v), 1),
                   "writes_per_s_max": round(max(v), 1), "rounds": [round(x, 1) for x in v]}
            for mode, v in per_mode.items()
        }
        out[str(writers)]["ratio"] = round(out[str(writers)]["ours"]["writes_per_s_p50"] / out[str(writers)]["none"]["writes_per_s_p50"], 2)
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
    line = (f"RESULT audit db={db} overhead_vs_auditlog={h.fmt(figures['overhead_vs_auditlog'])} "
            f"throughput16_ratio={h.fmt(t16)} p95_write_ms={ours['p95_ms']:.2f} p50_write_ms={ours['p50_ms']:.2f} "
            f"overhead_p50_ms={figures['overhead']['p50_ms']['ours_ms']:.2f} "
            f"auditlog_overhead_p50_ms={figures['overhead']['p50_ms']['auditlog_ms']:.2f}")
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
    for writers, t in figures.get("throughput", {}).items():
        ours, none = t["ours"]["writes_per_s_p50"], t["none"]["writes_per_s_p50"]
        print(f"{writers:>2} writers  ours {ours:8.1f}/s  none {none:8.1f}/s  ratio {t['ratio']}")
    print(line)


if __name__ == "__main__":
    main()
