"""A production way to run the platform (issue #7 point 4): settings that refuse to start without their
keys, naming each; the compose file and the documented environment in step with the one declaration
(config/environment.py); and ``run_serve`` as real processes — gunicorn serving pages and collected
static files, workers and the sweeper beside it, a dead child started again, TERM stopping them all.

The production settings are loaded in subprocesses (they cannot be loaded twice in one process)."""

from __future__ import annotations

import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
import yaml

from config.environment import BY_NAME, VARIABLES

ROOT = Path(__file__).resolve().parents[3]
# Written out here, not read from config/environment.py: the oracle of what production needs.
REQUIRED = {
    "KSSP_SECRET_KEY", "KSSP_AUDIT_HMAC_KEY", "KSSP_DATA_KEY", "KSSP_AUDIT_ANCHOR_PUBLIC_KEY", "DATABASE_URL",
    "KSSP_ALLOWED_HOSTS", "KSSP_CSRF_TRUSTED_ORIGINS",
}
PLATFORM_SERVICES = {"platform", "worker", "sweeper", "migrate"}


def production_env(var_dir: Path, **overrides: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("KSSP_", "DJANGO_", "DATABASE_URL", "PROMETHEUS_"))}
    env.update({
        "DJANGO_SETTINGS_MODULE": "config.settings_production",
        "KSSP_VAR_DIR": str(var_dir),
        "KSSP_SECRET_KEY": secrets.token_urlsafe(50),
        "KSSP_AUDIT_HMAC_KEY": secrets.token_hex(32),
        "KSSP_DATA_KEY": secrets.token_hex(32),
        "KSSP_AUDIT_ANCHOR_KEY": "11" * 32,
        "KSSP_AUDIT_ANCHOR_PUBLIC_KEY": "d04ab232742bb4ab3a1368bd4615e4e6d0224ab71a016baf8520a332c9778737",
        "DATABASE_URL": f"sqlite:///{var_dir}/kssp.sqlite3",
        "KSSP_ALLOWED_HOSTS": "127.0.0.1",
        "KSSP_CSRF_TRUSTED_ORIGINS": "https://kssp.example.org",
        "PYTHONDONTWRITEBYTECODE": "1",
    })
    env.update(overrides)
    return {k: v for k, v in env.items() if v is not None}


def load_settings(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    code = "import config.settings_production as settings; print('DEBUG', settings.DEBUG)"
    return subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)  # noqa: S603


# --- settings that refuse to start --------------------------------------------------------------------


def test_production_settings_refuse_to_start_without_any_key_and_name_every_one(tmp_path):
    env = production_env(tmp_path)
    for name in REQUIRED:
        env.pop(name)
    result = load_settings(env)
    assert result.returncode != 0
    named = set(re.findall(r"^  - ([A-Z_]+) is not set", result.stderr, re.M))
    assert named == REQUIRED
    assert not (tmp_path / "secrets.env").exists()  # production never invents keys


@pytest.mark.parametrize("missing", sorted(REQUIRED))
def test_production_settings_name_the_one_missing_key(tmp_path, missing):
    result = load_settings(production_env(tmp_path, **{missing: ""}))
    assert result.returncode != 0
    assert re.findall(r"^  - ([A-Z_]+) ", result.stderr, re.M) == [missing]


@pytest.mark.parametrize(("name", "value"), [
    ("KSSP_AUDIT_HMAC_KEY", "abc"), ("KSSP_DATA_KEY", "zz" * 32), ("KSSP_SECRET_KEY", "short"),
    ("KSSP_DEBUG", "1"), ("KSSP_TESTING", "1"), ("KSSP_DEMO", "1"),
])
def test_production_settings_refuse_malformed_keys_and_debug_modes(tmp_path, name, value):
    result = load_settings(production_env(tmp_path, **{name: value}))
    assert result.returncode != 0
    assert re.findall(r"^  - ([A-Z_]+) ", result.stderr, re.M) == [name]


def test_production_settings_start_with_their_keys(tmp_path):
    result = load_settings(production_env(tmp_path))
    assert result.returncode == 0, result.stderr[-2000:]
    assert "DEBUG False" in result.stdout


# --- one list of variables: the declaration, the documentation, the compose file ---------------------


def test_the_required_variables_are_the_ones_declared_required():
    assert {v.name for v in VARIABLES if v.required} == REQUIRED


def test_the_documented_environment_table_is_the_declaration():
    text = (ROOT / "docs" / "deploy.md").read_text(encoding="utf-8")
    section = text.split("## Environment", 1)[1].split("\n## ", 1)[0]
    rows = re.findall(r"^\| `([A-Z_]+)` \| (yes)? \| (yes)? \|", section, re.M)
    assert [name for name, _req, _sec in rows] == [v.name for v in VARIABLES]
    assert {name for name, req, _sec in rows if req} == REQUIRED
    assert {name for name, _req, sec in rows if sec} == {v.name for v in VARIABLES if v.secret}


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load((ROOT / "deploy" / "compose.yaml").read_text(encoding="utf-8"))


def test_compose_file_names_every_service_of_a_national_installation(compose):
    assert set(compose["services"]) == {"proxy", "platform", "worker", "sweeper", "migrate", "postgres", "redis"}
    commands = {name: " ".join(compose["services"][name]["command"]) for name in PLATFORM_SERVICES}
    assert "run_serve --bind 0.0.0.0:8000 --only web" in commands["platform"]
    assert "run_serve --only workers" in commands["worker"]
    assert "run_serve --only sweeper" in commands["sweeper"]
    assert "migrate" in commands["migrate"]
    for name in PLATFORM_SERVICES:
        assert compose["services"][name]["image"] == "kssp-platform"
        assert compose["services"][name]["depends_on"]["postgres"]["condition"] == "service_healthy"
    assert "platform:8000" in (ROOT / "deploy" / "Caddyfile").read_text(encoding="utf-8")


def test_compose_environment_matches_the_documented_environment(compose):
    for name in PLATFORM_SERVICES:
        env = compose["services"][name]["environment"]
        assert set(env) <= set(BY_NAME), f"{name} sets undocumented variables: {set(env) - set(BY_NAME)}"
        assert set(env) >= REQUIRED, f"{name} lacks {REQUIRED - set(env)}"
        assert env["DJANGO_SETTINGS_MODULE"] == "config.settings_production"
        assert env["KSSP_TASKS_BACKEND"] == "rq" and env["KSSP_REDIS_URL"].startswith("redis://redis:")
        assert env["DATABASE_URL"].startswith("postgres://") and "@postgres:5432/" in env["DATABASE_URL"]
        for variable, value in env.items():
            if BY_NAME[variable].secret and variable != "DATABASE_URL":
                # Secrets come from the operator's .env, never with a value written in the file.
                assert str(value).startswith("${"), f"{name}: {variable} has a value in the compose file"
    # The anchor signing key lives where the sweeper runs, and nowhere else.
    holders = {n for n in PLATFORM_SERVICES if "KSSP_AUDIT_ANCHOR_KEY" in compose["services"][n]["environment"]}
    assert holders == {"sweeper"}


# --- run_serve: real processes -----------------------------------------------------------------------


def _children(pid: int) -> set[int]:
    found = set()
    try:
        tasks = os.listdir(f"/proc/{pid}/task")
    except FileNotFoundError:
        return found
    for task in tasks:
        try:
            text = Path(f"/proc/{pid}/task/{task}/children").read_text()
        except FileNotFoundError:
            continue
        for child in map(int, text.split()):
            found |= {child} | _children(child)
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0]
    except FileNotFoundError:
        return False
    return state != "Z"


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except FileNotFoundError:
        return ""


def _get(url: str, headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], bytes]:
    request = urllib.request.Request(url, headers=headers or {})  # noqa: S310 - loopback
    try:
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers), exc.read()


def _wait(predicate, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.5)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="reads the process tree from /proc")
def test_run_serve_serves_pages_and_static_files_supervises_and_stops_its_processes(tmp_path):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = production_env(tmp_path, KSSP_SECURE_COOKIES="0", KSSP_METRICS_TOKEN="tok", KSSP_WEB_WORKERS="1",
                         KSSP_WEB_THREADS="2", KSSP_PERIODIC_INTERVAL="5", KSSP_LOG_LEVEL="WARNING")
    for step in (["migrate", "--no-input", "--verbosity", "0"], ["collectstatic", "--no-input", "--verbosity", "0"]):
        done = subprocess.run([sys.executable, "manage.py", *step], cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)  # noqa: S603
        assert done.returncode == 0, done.stderr[-2000:]
    log = (tmp_path / "serve.log").open("w")
    server = subprocess.Popen(  # noqa: S603
        [sys.executable, "manage.py", "run_serve", "--bind", f"127.0.0.1:{port}", "--task-workers", "1"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        def healthy():
            try:
                return _get(f"{base}/healthz")[0] == 200
            except OSError:
                return False

        _wait(healthy, 180, "/healthz")
        # Three kinds of process, each its own: gunicorn, a task worker, the sweeper.
        tree = _children(server.pid)
        lines = [_cmdline(pid) for pid in tree]
        assert any("gunicorn" in line for line in lines)
        assert any("db_worker" in line for line in lines)
        sweeper = [pid for pid in tree if "run_periodic --loop" in _cmdline(pid)]
        assert len(sweeper) == 1

        # The sign-in page, with its stylesheet under a content-hashed name, served with long caching.
        status, _headers, body = _get(f"{base}/accounts/login/")
        assert status == 200
        css = re.search(rb'href="(/static/css/kssp\.[0-9a-f]{12}\.css)"', body)
        assert css, "the page does not name the collected, hashed stylesheet"
        status, headers, _body = _get(f"{base}{css.group(1).decode()}")
        assert status == 200
        assert "max-age=315360000" in headers.get("Cache-Control", "")
        assert _get(f"{base}/metrics")[0] == 404
        status, _headers, body = _get(f"{base}/metrics", {"Authorization": "Bearer tok"})
        assert status == 200 and b'route="healthz"' in body

        # A child that dies is started again.
        os.kill(sweeper[0], signal.SIGKILL)
        _wait(lambda: [p for p in _children(server.pid) if "run_periodic --loop" in _cmdline(p) and p != sweeper[0]],
              60, "a new sweeper")
        tree = _children(server.pid)
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=60)
        finally:
            if server.poll() is None:
                server.kill()
            log.close()
    # TERM stopped every process it had started, gunicorn's workers included.
    _wait(lambda: not [pid for pid in tree if _alive(pid)], 30, "every child to end")
