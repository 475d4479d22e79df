"""Need-to-know list reads at 1,000,000 bulletins for a restricted actor (issue #6 point 8).

The actor is a Customs investigator (scope: the ZL unit and the units below it, clearance SECRET) who
also sees what grants name Customs, one of those units or the person. Two operations, each timed as
the user meets it:

* **list page**: ``count()`` + the first page (25 rows, as ``kssp/bulletins/views.py``), full objects
  with the selector's ``select_related``, newest first;
* **export-sized read**: the rows an export reads (``EXPORT_MAX_ROWS + 1`` at most, full objects).

Paths, each returning the same rows in the same order (checked every run):

* **ours**: ``bulletin_list_visible_to(actor=...)`` (the policy's ``visible_q``);
* **guardian (default)**: ``get_objects_for_user(user, "bulletins.view_bulletin", klass=...)`` with
  django-guardian's defaults (generic ``UserObjectPermission`` rows, groups and global permissions
  consulted), rows materialised from the policy for every person of the cast before timing;
* **guardian (direct FK)**: the same with guardian's documented performance option, a direct
  foreign-key permission model (``benchmarks/peers``), ``use_groups=False``, no global permissions;
* **RLS** (PostgreSQL only): the bulletin table with ``ENABLE`` + ``FORCE ROW LEVEL SECURITY`` and one
  policy that restates the need-to-know rule over session settings; the query is the selector's ORM
  query without ``visible_q``, run as a non-owner role (``SET LOCAL ROLE`` and ``set_config`` in the
  same transaction, counted in the time).

Warm cache (warm-up runs first), interleaved rounds; p50/p95 per path and operation. Ratios:
``guardian_ratio`` = best guardian p95 / ours p95 (worst of the two operations), ``rls_ratio`` = ours
p95 / RLS p95 (worst of the two operations); ``p95_ms`` = ours, list page. Query plans go into the
results file. Run: ``KSSP_TESTING=1 .venv/bin/python benchmarks/bench_visibility.py --database postgresql``.
"""

from __future__ import annotations

import copy
import os
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks import _harness as h  # noqa: E402

NAME = "visibility"
SEED = 20260601
PAGE_SIZE = 25
READER_ROLE = "kssp_bench_reader"


def export_rows() -> int:
    try:
        from kssp.core.exports.registry import max_rows

        return max_rows("csv") + 1  # what collect_rows reads: the limit and one more, to refuse
    except ImportError:
        return 50_001


def view_perm() -> str:
    from kssp.bulletins.models import Bulletin

    try:
        from kssp.core.policy import policy_for

        return str(policy_for(Bulletin).view_perm)  # type: ignore[attr-defined]
    except (ImportError, KeyError, AttributeError):
        from kssp.bulletins import permissions

        return str(permissions.VIEW)


# --- the paths ----------------------------------------------------------------------------------------


def ours_qs(actor: Any) -> Any:
    from kssp.bulletins.selectors import bulletin_list_visible_to

    return bulletin_list_visible_to(actor=actor)


_SHAPE: dict[str, Any] = {}


def remember_shape(actor: Any) -> None:
    """The selector's select_related and ordering, read once, so that every path reads the same columns
    in the same order without paying for building the selector's query."""
    ours = ours_qs(actor)
    _SHAPE["select_related"] = copy.deepcopy(ours.query.select_related)
    _SHAPE["order_by"] = tuple(ours.query.order_by or ours.model._meta.ordering)


def shaped_like_ours(qs: Any, actor: Any) -> Any:
    qs.query.select_related = copy.deepcopy(_SHAPE["select_related"])
    return qs.order_by(*_SHAPE["order_by"])


@contextmanager
def guardian_generic() -> Iterator[None]:
    """Make guardian use its generic ``UserObjectPermission`` for bulletins, as without ``benchmarks.peers``."""
    from guardian import shortcuts
    from guardian.models import UserObjectPermission

    original = shortcuts.get_user_obj_perms_model
    shortcuts.get_user_obj_perms_model = lambda obj=None: UserObjectPermission
    try:
        yield
    finally:
        shortcuts.get_user_obj_perms_model = original


def guardian_default_qs(user: Any, actor: Any) -> Any:
    from guardian.shortcuts import get_objects_for_user

    from kssp.bulletins.models import Bulletin

    with guardian_generic():
        qs = get_objects_for_user(user, "bulletins.view_bulletin", klass=Bulletin._base_manager)
    return shaped_like_ours(qs, actor)


def guardian_fk_qs(user: Any, actor: Any) -> Any:
    from guardian.shortcuts import get_objects_for_user

    from kssp.bulletins.models import Bulletin

    qs = get_objects_for_user(user, "bulletins.view_bulletin", klass=Bulletin._base_manager, use_groups=False,
                              with_superuser=False, accept_global_perms=False)
    return shaped_like_ours(qs, actor)


def rls_qs(actor: Any) -> Any:
    from kssp.bulletins.models import Bulletin

    return shaped_like_ours(Bulletin._base_manager.all(), actor)


@contextmanager
def rls_session(actor: Any) -> Iterator[None]:
    """One transaction as the non-owner reader role, the actor's attributes in session settings."""
    from django.db import connection, transaction

    settings = {
        "kssp.can_view": "1" if actor.is_authenticated and actor.has_perm(view_perm()) else "0",
        "kssp.clearance": str(actor.clearance),
        "kssp.scope": str(actor.effective_scope),
        "kssp.user_id": str(actor.user_id or 0),
        "kssp.institution_id": str(actor.institution_id or 0),
        "kssp.unit_id": str(actor.unit_id or 0),
        "kssp.unit_path": actor.unit_path or "-",
        "kssp.unit_ancestor_ids": ",".join(str(i) for i in actor.unit_ancestor_ids) or "0",
    }
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"SET LOCAL ROLE {READER_ROLE}")
        cursor.execute("SELECT " + ", ".join(["set_config(%s, %s, true)"] * len(settings)),
                       [x for pair in settings.items() for x in pair])
        yield


def install_rls() -> dict[str, str]:
    """The reader role, its SELECT rights, and the policy on the bulletin table (PostgreSQL)."""
    from django.contrib.contenttypes.models import ContentType
    from django.db import connection

    from kssp.accounts.models import Institution, Unit
    from kssp.bulletins.models import Bulletin
    from kssp.core.models import Grant

    table = Bulletin._meta.db_table
    ct = ContentType.objects.get_for_model(Bulletin).pk
    # Written as a competent RLS author would: every session setting read once per statement through a
    # scalar sub-select (an InitPlan, PostgreSQL's documented way to keep a stable function out of the
    # per-row filter), the unit subtree and the grants as hashed sub-plans.
    def setting(name: str, cast: str = "") -> str:
        return f"(SELECT current_setting('kssp.{name}', true){cast})"

    policy = f"""
        {setting('can_view')} = '1'
        AND classification <= {setting('clearance', '::int')}
        AND (
            ({setting('scope')} = 'own_unit' AND owner_unit_id = {setting('unit_id', '::bigint')})
         OR ({setting('scope')} = 'unit_subtree' AND owner_unit_id IN (
                SELECT u.id FROM {Unit._meta.db_table} u WHERE u.path LIKE {setting('unit_path')} || '%'))
         OR ({setting('scope')} = 'institution' AND owner_institution_id = {setting('institution_id', '::bigint')})
         OR ({setting('scope')} = 'national' AND (
                owner_institution_id = {setting('institution_id', '::bigint')}
                OR owner_institution_id IN (SELECT i.id FROM {Institution._meta.db_table} i WHERE i.kind <> 'intelligence')))
         OR id IN (
                SELECT g.object_id FROM {Grant._meta.db_table} g
                WHERE g.content_type_id = {ct} AND g.revoked_at IS NULL AND (g.expires_at IS NULL OR g.expires_at > now())
                  AND ((g.grantee_type = 'institution' AND g.grantee_institution_id = {setting('institution_id', '::bigint')})
                    OR (g.grantee_type = 'unit'
                        AND g.grantee_unit_id = ANY (string_to_array({setting('unit_ancestor_ids')}, ',')::bigint[]))
                    OR (g.grantee_type = 'user' AND g.grantee_user_id = {setting('user_id', '::bigint')}
                        AND g.grantee_institution_id = {setting('institution_id', '::bigint')})))
        )"""
    with connection.cursor() as cursor:
        # The role is the cluster's (parallel quick runs may race to create it).
        cursor.execute(f"DO $$ BEGIN CREATE ROLE {READER_ROLE} NOLOGIN NOSUPERUSER NOBYPASSRLS; "
                       "EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END $$")
        cursor.execute(f"GRANT USAGE ON SCHEMA public TO {READER_ROLE}")
        cursor.execute(f"GRANT SELECT ON ALL TABLES IN SCHEMA public TO {READER_ROLE}")
        cursor.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
        cursor.execute(f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY")
        cursor.execute(f"DROP POLICY IF EXISTS kssp_need_to_know ON {table}")
        cursor.execute(f"CREATE POLICY kssp_need_to_know ON {table} AS PERMISSIVE FOR SELECT TO {READER_ROLE} USING ({policy})")
        cursor.execute("SELECT tableowner FROM pg_tables WHERE tablename = %s", [table])
        owner = cursor.fetchone()[0]
    return {"table": table, "owner": owner, "reader_role": READER_ROLE, "policy_using": " ".join(policy.split())}


# --- guardian rows ------------------------------------------------------------------------------------


def materialise_guardian(people: dict[str, Any]) -> dict[str, Any]:
    """One view permission row per (person, bulletin the policy lets them see), in both guardian models."""
    from django.contrib.auth.models import Permission
    from django.contrib.contenttypes.models import ContentType
    from guardian.models import UserObjectPermission

    from benchmarks.peers.models import BulletinUserObjectPermission
    from kssp.bulletins.models import Bulletin

    t0 = time.perf_counter()
    ct = ContentType.objects.get_for_model(Bulletin)
    perm = Permission.objects.get(content_type=ct, codename="view_bulletin")
    rows = {}
    for key, person in people.items():
        pks = list(ours_qs(person.actor).order_by().values_list("pk", flat=True))
        rows[key] = len(pks)
        for batch in h.batched(pks, 20_000):
            UserObjectPermission.objects.bulk_create(
                [UserObjectPermission(user_id=person.user.pk, permission_id=perm.pk, content_type_id=ct.pk, object_pk=str(pk))
                 for pk in batch], batch_size=5000)
            BulletinUserObjectPermission.objects.bulk_create(
                [BulletinUserObjectPermission(user_id=person.user.pk, permission_id=perm.pk, content_object_id=pk) for pk in batch],
                batch_size=5000)
    return {"rows_per_person": rows, "rows_total": sum(rows.values()), "seconds": round(time.perf_counter() - t0, 1)}


def sabotage_guardian(actor: Any, user: Any) -> None:
    """test_benchmarks_quick only: drop the guardian rows of the newest record the actor sees, so that
    the baseline's answer differs from ours and the checks must fail."""
    from guardian.models import UserObjectPermission

    from benchmarks.peers.models import BulletinUserObjectPermission

    newest = ours_qs(actor).values_list("pk", flat=True)[0]
    UserObjectPermission.objects.filter(user=user, object_pk=str(newest)).delete()
    BulletinUserObjectPermission.objects.filter(user=user, content_object_id=newest).delete()


# --- operations, checks, plans --------------------------------------------------------------------------


def page_op(qs: Any) -> tuple[int, list[int]]:
    return qs.count(), [b.pk for b in qs[:PAGE_SIZE]]


def export_op(qs: Any, limit: int) -> list[int]:
    return [b.pk for b in qs[:limit]]


class Capture:
    """Record the SQL and parameters a block runs (for EXPLAIN)."""

    def __init__(self) -> None:
        self.queries: list[tuple[str, Any]] = []

    def __call__(self, execute: Callable[..., Any], sql: str, params: Any, many: bool, context: Any) -> Any:
        self.queries.append((sql, params))
        return execute(sql, params, many, context)


def explain(queries: list[tuple[str, Any]]) -> list[str]:
    from django.db import connection

    plans = []
    with connection.cursor() as cursor:
        for sql, params in queries:
            if not sql.lstrip().upper().startswith("SELECT") or "set_config" in sql:
                continue
            if connection.vendor == "postgresql":
                cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, params)
                plans.append("\n".join(row[0] for row in cursor.fetchall()))
            else:
                cursor.execute("EXPLAIN QUERY PLAN " + sql, params)
                plans.append("\n".join(str(row[-1]) for row in cursor.fetchall()))
    return plans


def plans_for(paths: dict[str, Callable[[], Any]], sessions: dict[str, Callable[[], Any]]) -> dict[str, dict[str, Any]]:
    from django.db import connection

    out: dict[str, dict[str, Any]] = {}
    for name, make in paths.items():
        capture = Capture()
        with sessions[name](), connection.execute_wrapper(capture):
            page_op(make())
        with sessions[name]():
            plans = explain(capture.queries)
        sql = [s for s, _ in capture.queries if s.lstrip().upper().startswith("SELECT") and "set_config" not in s]
        out[name] = {"count_sql": sql[0] if sql else "", "page_sql": sql[1] if len(sql) > 1 else "",
                     "count_plan": plans[0] if plans else "", "page_plan": plans[1] if len(plans) > 1 else ""}
    return out


@contextmanager
def no_session() -> Iterator[None]:
    yield


# --- the run ------------------------------------------------------------------------------------------


def run(*, n: int, quick: bool, keep: bool, prepare_only: bool = False) -> tuple[dict[str, Any], str]:
    from django.contrib.auth import get_user_model

    from benchmarks.generators import bulletins as gen

    db = h.vendor()
    marker = f"n={n} seed={SEED}"
    setup: dict[str, Any] = {}
    if keep and h.data_marker("visibility") == marker:
        from benchmarks.generators import accounts

        people = accounts.generate(scale=0, seed=SEED)["people"]
        setup["reused_data"] = True
        # Migrations since the data was written may have added columns or indexes: fresh statistics (and,
        # on PostgreSQL, the visibility map) as after a bulk load, not timed.
        with h.stopwatch() as t:
            h.analyze()
        setup["analyze_seconds"] = round(t["s"], 1)
    else:
        generated = gen.generate(scale=n, seed=SEED)
        people = generated["people"]
        setup["generate"] = {"bulletins": generated["bulletins"], "grants": generated["grants"], "seconds": generated["seconds"]}
        setup["guardian"] = materialise_guardian(people)
        with h.stopwatch() as t:
            h.analyze()
        setup["analyze_seconds"] = round(t["s"], 1)
        h.set_data_marker("visibility", marker)
    if prepare_only:
        return setup, f"prepared visibility db={db} N={n}"
    if db == "postgresql":
        setup["rls"] = install_rls()

    person = people["restricted"]
    actor = person.actor
    remember_shape(actor)
    user = get_user_model().objects.get(pk=person.user.pk)
    if os.environ.get("KSSP_BENCH_SABOTAGE") == NAME:
        sabotage_guardian(actor, user)
    limit = export_rows()
    makers: dict[str, Callable[[], Any]] = {
        "ours": lambda: ours_qs(actor),
        "guardian_default": lambda: guardian_default_qs(user, actor),
        "guardian_fk": lambda: guardian_fk_qs(user, actor),
    }
    sessions: dict[str, Callable[[], Any]] = dict.fromkeys(makers, no_session)
    if db == "postgresql":
        makers["rls"] = lambda: rls_qs(actor)
        sessions["rls"] = lambda: rls_session(actor)

    def timed(name: str, op: Callable[[Any], Any]) -> Callable[[], Any]:
        def call() -> Any:
            with sessions[name]():
                return op(makers[name]())
        return call

    # Agreement first (each path once, outside the timing), so a disagreement stops the run early; the
    # answers of the timed runs are compared again below.
    for name in makers:
        if timed(name, page_op)() != timed("ours", page_op)():
            raise AssertionError(f"{name}: list page differs from ours (before timing)")

    lb = h.load()
    page = h.interleaved({name: timed(name, page_op) for name in makers}, warmup=1 if quick else 3, repeats=3 if quick else 30)
    export = h.interleaved({name: timed(name, lambda qs: export_op(qs, limit)) for name in makers},
                           warmup=1, repeats=2 if quick else 10)

    # The paths must agree: same count, same first page, same export rows in the same order.
    ref_count, ref_page = page["ours"][1]
    for name in makers:
        count, first = page[name][1]
        if (count, first) != (ref_count, ref_page):
            raise AssertionError(f"{name}: list page differs from ours (count {count} vs {ref_count})")
        if export[name][1] != export["ours"][1]:
            raise AssertionError(f"{name}: export rows differ from ours ({len(export[name][1])} vs {len(export['ours'][1])})")
    if ref_count == 0 or len(ref_page) != min(PAGE_SIZE, ref_count):
        raise AssertionError("the restricted actor sees nothing: the benchmark would measure nothing")

    figures: dict[str, Any] = {"N": n, "seed": SEED, "actor": actor.label, "visible": ref_count, "page_size": PAGE_SIZE,
                               "export_rows_read": len(export["ours"][1]), "export_limit": limit, "setup": setup,
                               "list_page": {k: h.summary(v[0]) for k, v in page.items()},
                               "export_read": {k: h.summary(v[0]) for k, v in export.items()}}
    ratios: dict[str, Any] = {}
    for op in ("list_page", "export_read"):
        stats = figures[op]
        best_guardian = min(stats["guardian_default"]["p95_ms"], stats["guardian_fk"]["p95_ms"])
        ratios[op] = {
            "guardian_default_ratio": round(stats["guardian_default"]["p95_ms"] / stats["ours"]["p95_ms"], 2),
            "guardian_fk_ratio": round(stats["guardian_fk"]["p95_ms"] / stats["ours"]["p95_ms"], 2),
            "guardian_ratio": round(best_guardian / stats["ours"]["p95_ms"], 2),
            "rls_ratio": round(stats["ours"]["p95_ms"] / stats["rls"]["p95_ms"], 2) if "rls" in stats else None,
        }
    figures["ratios"] = ratios
    guardian_ratio = min(r["guardian_ratio"] for r in ratios.values())
    rls_values = [r["rls_ratio"] for r in ratios.values() if r["rls_ratio"] is not None]
    rls_ratio = max(rls_values) if rls_values else None
    figures.update({"guardian_ratio": guardian_ratio, "rls_ratio": rls_ratio, "p95_ms": figures["list_page"]["ours"]["p95_ms"]})
    figures["plans"] = plans_for(makers, sessions)
    figures["load_during"] = {"before": lb, "after": h.load()}
    figures["detail_line"] = (f"visibility db={db} N={n} visible={ref_count} "
                              f"list_p50_ms={h.fmt(figures['list_page']['ours']['p50_ms'], 1)} "
                              f"export_p50_ms={h.fmt(figures['export_read']['ours']['p50_ms'], 1)} "
                              f"export_p95_ms={h.fmt(figures['export_read']['ours']['p95_ms'], 1)}")
    line = (f"RESULT visibility db={db} guardian_ratio={h.fmt(guardian_ratio)} rls_ratio={h.fmt(rls_ratio)} "
            f"p95_ms={h.fmt(figures['p95_ms'], 1)}")
    return figures, line


def main() -> None:
    def extra(p: Any) -> None:
        p.add_argument("-n", type=int, default=1_000_000)
        p.add_argument("--prepare", action="store_true", help="only generate the data (keep it with --keep-data), no timing")

    args = h.arguments(__doc__.splitlines()[0], extra)
    load_before = h.load()
    h.warn_if_loaded("start")
    h.setup_django(NAME, args)
    n = 3000 if args.quick else args.n
    figures, line = run(n=n, quick=args.quick, keep=args.keep_data, prepare_only=args.prepare)
    if args.prepare:
        print(figures)
        print(line)
        return
    if not args.quick and not args.no_write:
        h.write_result(NAME, figures, line, load_before=load_before)
    h.warn_if_loaded("end")
    for op in ("list_page", "export_read"):
        for name, stats in figures[op].items():
            print(f"{op:12} {name:17} p50 {stats['p50_ms']:10.2f} ms  p95 {stats['p95_ms']:10.2f} ms")
    print(figures["detail_line"])
    print(line)


if __name__ == "__main__":
    main()
