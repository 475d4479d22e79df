"""A working day under load (issue #7 point 4): locust against ``make serve``'s server on PostgreSQL.

    .venv/bin/python benchmarks/bench_load.py [--quick] [--users 200] [--ramp 120] [--steady 600]

1. A fresh database ``kssp_bench_load`` (``kssp_bench_load_q<pid>`` with ``--quick``, dropped), fresh
   random keys, the demo seed, ``--bulletins`` seeded bulletins with their grants
   (benchmarks/generators/bulletins.py) and one staff account per simulated user.
2. The production server as ``make serve`` runs it: ``manage.py run_serve`` (gunicorn, a task worker,
   the sweeper) under ``config.settings_production``, on a free loopback port. Differences, for a
   plain-HTTP measurement without a proxy: ``KSSP_SECURE_COOKIES=0`` and ``KSSP_MFA_REQUIRED=0`` (the
   second factor cannot be typed by simulated users; it costs one HMAC per sign-in).
3. One locust process (benchmarks/locustfile.py): ``--users`` users, ramp-up over ``--ramp`` s, then
   ``--steady`` s, 5–15 s of thinking between actions.
4. Figures, over the steady phase: p50/p95/p99 of interactive requests (pages, searches, sign-in,
   creates, shares), and apart, exports and imports (p95); errors; the request rate. ``max_rps``: the
   highest rate of any 10-second window of the whole run (ramp-up included) whose interactive p99 stayed
   at or under 300 ms with no error — the highest rate *seen* holding the goal, a lower bound on capacity.
5. The server stopped, ``audit_verify`` must pass on the database the day wrote.

``--seed-only`` seeds a full database and keeps it (with its keys and accounts, in var/bench/); a later
``--keep-data`` run of the same size measures on it without seeding again.

Last line: ``RESULT load db=postgresql p99_ms=.. errors=.. rps=.. max_rps=..``; a full run writes
``benchmarks/results/load-postgresql.json``.
"""

from __future__ import annotations

import atexit
import json
import os
import secrets
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections import defaultdict
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from benchmarks import _harness as h  # noqa: E402

GOAL_MS = 300.0
WINDOW_S = 10


def extra_arguments(parser: Any) -> None:
    parser.add_argument("--users", type=int, default=None)
    parser.add_argument("--ramp", type=int, default=None, help="seconds of ramp-up")
    parser.add_argument("--steady", type=int, default=None, help="seconds of steady load")
    parser.add_argument("--bulletins", type=int, default=None, help="seeded bulletins")
    parser.add_argument("--seed-only", action="store_true", help="seed (and keep) the data, then stop")
    parser.add_argument("--web-workers", type=int, default=None, help="gunicorn processes (default 2 x cores + 1)")


def kind_of(name: str) -> str:
    """The kind a request is reported under, by its locust name (benchmarks/locustfile.py)."""
    if name.startswith("export"):
        return "export"
    if name.startswith("import"):
        return "import"
    return "interactive"


class _Form(HTMLParser):
    """The fields of the first ``<form method="post">`` of a page (hidden fields, first option of a select,
    the checked radio) — what a browser would send if the user changed nothing."""

    def __init__(self, action_contains: str = "") -> None:
        super().__init__()
        self.action_contains = action_contains
        self.inside = False
        self.done = False
        self.fields: dict[str, str] = {}
        self.options: dict[str, list[str]] = {}
        self._select: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        action = a.get("action", "")
        # The page's own form: no action (posts to itself) or one naming the page (not the header's sign-out).
        if tag == "form" and not self.done and a.get("method", "").lower() == "post" \
                and (not action or (self.action_contains and self.action_contains in action)):
            self.inside = True
        if not self.inside:
            return
        name = a.get("name")
        if tag == "input" and name:
            kind = a.get("type", "text")
            if kind in {"radio", "checkbox"}:
                if "checked" in a or (kind == "radio" and name not in self.fields):
                    self.fields[name] = a.get("value", "on")
            elif kind != "file" and kind != "submit":
                self.fields[name] = a.get("value", "")
        elif tag == "select" and name:
            self._select = name
            self.options[name] = []
        elif tag == "option" and self._select:
            value = a.get("value", "")
            self.options[self._select].append(value)
            if "selected" in a or self._select not in self.fields:
                self.fields[self._select] = value
        elif tag == "textarea" and name:
            self.fields.setdefault(name, "")

    def handle_endtag(self, tag: str) -> None:
        if tag == "select":
            self._select = None
        if tag == "form" and self.inside:
            self.inside = False
            self.done = True


def form_of(html: str, action_contains: str = "") -> _Form:
    parser = _Form(action_contains)
    parser.feed(html)
    return parser


def keys() -> dict[str, str]:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    anchor = Ed25519PrivateKey.generate()
    return {
        "KSSP_SECRET_KEY": secrets.token_urlsafe(50),
        "KSSP_AUDIT_HMAC_KEY": secrets.token_hex(32),
        "KSSP_DATA_KEY": secrets.token_hex(32),
        "KSSP_AUDIT_ANCHOR_KEY": anchor.private_bytes_raw().hex(),
        "KSSP_AUDIT_ANCHOR_PUBLIC_KEY": anchor.public_key().public_bytes_raw().hex(),
    }


SEED = """
import json, sys
import django
django.setup()
from django.core.management import call_command
call_command("migrate", verbosity=0)
call_command("seed_demo", verbosity=0)
from benchmarks.generators import accounts, bulletins
from kssp.accounts.testing import PASSWORD
from django.contrib.auth.hashers import make_password
from django.test import override_settings
from kssp.accounts.models import User
bulletins.generate(scale=int(sys.argv[1]), seed=7)
# The simulated staff share one password, hashed once with the server's own hasher (Argon2) rather than
# once per account: the seed's time goes into data, not into hashing.
with override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]):
    people = accounts.generate(scale=int(sys.argv[2]), seed=7)["extra"]
names = [p.user.username for p in people]
User.objects.filter(username__in=names).update(password=make_password(PASSWORD))
print(json.dumps({"password": PASSWORD, "users": names}))
"""


ANALYZE = """
import django
django.setup()
from benchmarks import _harness
_harness.analyze()
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_healthy(url: str, server: subprocess.Popen[Any], timeout: float = 180) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"the server ended (exit {server.returncode}) before answering {url}")
        try:
            with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 - our own loopback server
                if response.status == 200:
                    return
        except OSError:
            pass
        time.sleep(1)
    raise SystemExit(f"{url} did not answer 200 within {timeout:.0f} s")


def scrape(url: str, token: str) -> str:
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"})  # noqa: S310
    with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
        return response.read().decode()


def figures(samples: list[dict[str, Any]], start: float, ramp: int, end: float) -> dict[str, Any]:
    steady = [s for s in samples if s["t"] >= start + ramp]
    steady_s = max(1.0, end - (start + ramp))
    by_kind: dict[str, list[float]] = defaultdict(list)
    for s in steady:
        by_kind[s["kind"]].append(s["ms"])
    out: dict[str, Any] = {}
    for kind in ("interactive", "export", "import"):
        data = by_kind.get(kind, [])
        out[kind] = {
            "n": len(data),
            "p50_ms": round(h.percentile(data, 50), 1) if data else None,
            "p95_ms": round(h.percentile(data, 95), 1) if data else None,
            "p99_ms": round(h.percentile(data, 99), 1) if data else None,
            "max_ms": round(max(data), 1) if data else None,
        }
    by_name: dict[str, list[float]] = defaultdict(list)
    for s in steady:
        by_name[s["name"]].append(s["ms"])
    out["by_request"] = {name: {"n": len(v), "p50_ms": round(h.percentile(v, 50), 1), "p95_ms": round(h.percentile(v, 95), 1),
                                "p99_ms": round(h.percentile(v, 99), 1)} for name, v in sorted(by_name.items())}
    errors = [s for s in samples if not s["ok"]]
    out["errors"] = len(errors)
    out["errors_steady"] = sum(1 for s in steady if not s["ok"])
    out["error_examples"] = sorted({f'{s["name"]}: {s["error"]}' for s in errors})[:10]
    out["requests_steady"] = len(steady)
    out["rps"] = round(len(steady) / steady_s, 2)
    windows: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for s in samples:
        windows[int((s["t"] - start) // WINDOW_S)].append(s)
    best = 0.0
    table = []
    for index in sorted(windows):
        rows = windows[index]
        inter = [s["ms"] for s in rows if s["kind"] == "interactive"]
        p99 = h.percentile(inter, 99) if inter else 0.0
        rate = len(rows) / WINDOW_S
        ok = p99 <= GOAL_MS and all(s["ok"] for s in rows)
        table.append({"from_s": index * WINDOW_S, "rps": round(rate, 2), "p99_ms": round(p99, 1), "held": ok})
        if ok:
            best = max(best, rate)
    out["max_rps"] = round(best, 2)
    out["windows"] = table
    return out


def main() -> int:
    args = h.arguments("Load: a working day against the production server", extra_arguments)
    if args.database != "postgresql":
        print("note: the load benchmark is meant for PostgreSQL (--database postgresql); running on SQLite",
              file=sys.stderr)
    users = args.users or (20 if args.quick else 200)
    ramp = args.ramp if args.ramp is not None else (15 if args.quick else 120)
    steady = args.steady if args.steady is not None else (45 if args.quick else 600)
    n_bulletins = args.bulletins if args.bulletins is not None else (1_000 if args.quick else 20_000)

    # 1. database, keys, seed (``--keep-data``: the database, keys and accounts of the last full seed of the
    # same size, kept in var/bench/load-<db>.json; the audit chain's key must be the one that wrote it)
    saved_path = HERE.parent / "var" / "bench" / f"load-{args.database}.json"
    saved = json.loads(saved_path.read_text()) if args.keep_data and saved_path.exists() else None
    if saved and (saved["bulletins"], len(saved["cast"]["users"])) != (n_bulletins, users):
        saved = None
    env = h.database_env("load", args.database, quick=args.quick, keep=saved is not None)
    base = {k: v for k, v in os.environ.items()
            if not k.startswith(("KSSP_", "DJANGO_", "DATABASE_URL", "PROMETHEUS_"))}
    base.update(saved["keys"] if saved else keys())
    base.update({"DATABASE_URL": env["DATABASE_URL"], "KSSP_VAR_DIR": env["KSSP_VAR_DIR"], "PYTHONDONTWRITEBYTECODE": "1"})
    if not args.quick:
        # The anchors signed while seeding belong with the kept database: in the run's own temporary folder
        # they were gone by the next --keep-data run, and audit_verify rightly reported them missing.
        anchors = saved_path.with_name(f"load-{args.database}-audit-anchors.jsonl")
        if not saved:
            anchors.unlink(missing_ok=True)
        base["KSSP_AUDIT_ANCHOR_FILE"] = str(anchors)
    if not base["DATABASE_URL"]:
        base["DATABASE_URL"] = f"sqlite:///{env['KSSP_VAR_DIR']}/kssp.sqlite3"
    load_before = h.load()
    h.warn_if_loaded("start")
    with h.stopwatch() as seed_time:
        if saved:
            cast = saved["cast"]
        else:
            seeded = subprocess.run(  # noqa: S603 - our own code
                [sys.executable, "-c", SEED, str(n_bulletins), str(users)], cwd=HERE.parent, capture_output=True,
                text=True, env={**base, "DJANGO_SETTINGS_MODULE": "config.settings", "KSSP_DEMO": "1",
                                "KSSP_LOG_LEVEL": "WARNING"},
            )
            if seeded.returncode != 0:
                print(seeded.stdout[-3000:], seeded.stderr[-3000:], file=sys.stderr)
                return 1
            cast = json.loads(seeded.stdout.strip().splitlines()[-1])
            if not args.quick:
                saved_path.parent.mkdir(parents=True, exist_ok=True)
                saved_path.write_text(json.dumps({"bulletins": n_bulletins, "cast": cast, "keys": {
                    k: base[k] for k in keys()}}))
                saved_path.chmod(0o600)
    # Fresh planner statistics for the seeded (or last run's) data, as autovacuum keeps them on a live
    # server: this machine's PostgreSQL runs with autovacuum off, and without them the list pages of the
    # first runs scanned all 20,000 bulletins (9.7 ms instead of 0.65 ms per page, EXPLAIN ANALYZE).
    subprocess.run([sys.executable, "-c", ANALYZE], cwd=HERE.parent, check=True,  # noqa: S603 - our own code
                   env={**base, "DJANGO_SETTINGS_MODULE": "config.settings", "KSSP_LOG_LEVEL": "WARNING"})
    if args.seed_only:
        print(f"seeded in {seed_time['s']:.0f} s; run again with --keep-data", file=sys.stderr)
        return 0
    print(f"seeded {n_bulletins} bulletins and {len(cast['users'])} users in {seed_time['s']:.0f} s", file=sys.stderr)

    # 2. the production server
    port = free_port()
    token = secrets.token_urlsafe(24)
    serve_env = {**base, "DJANGO_SETTINGS_MODULE": "config.settings_production",
                 "KSSP_ALLOWED_HOSTS": "127.0.0.1", "KSSP_CSRF_TRUSTED_ORIGINS": f"http://127.0.0.1:{port}",
                 "KSSP_SECURE_COOKIES": "0", "KSSP_MFA_REQUIRED": "0", "KSSP_METRICS_TOKEN": token,
                 "KSSP_LOG_LEVEL": "WARNING"}
    if args.web_workers:
        serve_env["KSSP_WEB_WORKERS"] = str(args.web_workers)
    subprocess.run([sys.executable, "manage.py", "collectstatic", "--no-input", "--verbosity", "0"],  # noqa: S603
                   cwd=HERE.parent, env=serve_env, check=True)
    log = open(Path(env["KSSP_VAR_DIR"]) / "serve.log", "w", encoding="utf-8")  # noqa: SIM115
    server = subprocess.Popen(  # noqa: S603
        [sys.executable, "manage.py", "run_serve", "--bind", f"127.0.0.1:{port}"],
        cwd=HERE.parent, env=serve_env, stdout=log, stderr=subprocess.STDOUT,
    )
    host = f"http://127.0.0.1:{port}"
    samples_path = Path(tempfile.mkdtemp(prefix="kssp-load-")) / "samples.jsonl"
    try:
        wait_healthy(f"{host}/healthz", server)
        # 3. locust
        rate = max(1.0, users / max(1, ramp))
        locust_env = {**base, "KSSP_LOAD_PASSWORD": cast["password"], "KSSP_LOAD_USERS": ",".join(cast["users"]),
                      "KSSP_LOAD_SAMPLES": str(samples_path)}
        start = time.time()
        run = subprocess.run(  # noqa: S603
            [sys.executable, "-m", "locust", "-f", str(HERE / "locustfile.py"), "--headless", "--only-summary",
             "--users", str(users), "--spawn-rate", f"{rate:.3f}", "--run-time", f"{ramp + steady}s",
             "--stop-timeout", "30", "--host", host, "--loglevel", "WARNING", "--exit-code-on-error", "0"],
            cwd=HERE.parent, env=locust_env, capture_output=True, text=True,
        )
        end = time.time()
        if run.returncode != 0:
            print(run.stdout[-3000:], run.stderr[-3000:], file=sys.stderr)
            return 1
        metrics = scrape(f"{host}/metrics", token)
    finally:
        server.terminate()
        try:
            server.wait(timeout=60)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()

    # 4. figures
    samples = [json.loads(line) for line in samples_path.read_text(encoding="utf-8").splitlines() if line.strip()]
    result = figures(samples, start, ramp, end)
    metric_lines = [line for line in metrics.splitlines() if line.startswith(("kssp_task_queue_depth", "kssp_audit_head",
                                                                              "kssp_sweeper_last_run_age"))]

    # 5. the audit chain, checked under the server's own settings
    verify = subprocess.run([sys.executable, "manage.py", "audit_verify"], cwd=HERE.parent, env=serve_env,  # noqa: S603
                            capture_output=True, text=True)
    audit_ok = verify.returncode == 0
    inter = result["interactive"]
    result_line = (f"RESULT load db={args.database} p99_ms={h.fmt(inter['p99_ms'], 1)} errors={result['errors']} "
                   f"rps={result['rps']:.2f} max_rps={result['max_rps']:.2f}")
    print(json.dumps({k: v for k, v in result.items() if k != "windows"}, indent=2, ensure_ascii=False))
    print("metrics after the run: " + "; ".join(metric_lines))
    print(f"audit_verify: {'ok' if audit_ok else 'FAILED'}: {(verify.stdout + verify.stderr).strip()[-500:]}")
    if not audit_ok:
        print("the audit chain did not verify after the load", file=sys.stderr)
    if not args.quick and not args.no_write:
        h.attach_django({"DJANGO_SETTINGS_MODULE": "config.settings_production", **{k: v for k, v in serve_env.items()
                                                                                   if k.startswith(("KSSP_", "DATABASE_URL"))}})
        path = h.write_result("load", {
            "conditions": {"users": users, "ramp_s": ramp, "steady_s": steady, "think_s": [5, 15],
                           "seeded_bulletins": n_bulletins, "server": "run_serve (gunicorn gthread, 1 task worker, sweeper)",
                           "web_workers": serve_env.get("KSSP_WEB_WORKERS", "2 x cores + 1"),
                           "locust": "one process on the same machine", "machine_shared": True},
            "seed_s": round(seed_time["s"], 1), **result, "audit_verified": audit_ok, "metrics_after": metric_lines,
        }, result_line, load_before=load_before)
        print(f"wrote {path.relative_to(HERE.parent)}", file=sys.stderr)
    if args.quick and env["DATABASE_URL"]:
        atexit.unregister(h._drop_quietly)  # dropped here, while the interpreter can still import
        h._pg_admin(f'DROP DATABASE IF EXISTS "{env["DATABASE_URL"].rsplit("/", 1)[1]}" WITH (FORCE)')
    print(result_line)
    return 0 if audit_ok and result["interactive"]["n"] > 0 else 1


if __name__ == "__main__":
    sys.exit(main())
