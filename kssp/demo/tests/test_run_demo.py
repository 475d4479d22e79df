"""Stopping the demo stops its workers (issue #7 point 3): TERM to ``run_demo`` ends the worker loop and
the task worker it started; a worker whose parent was killed outright (``kill -9``) ends by itself.
Real processes on a freshly migrated SQLite database in a temporary directory (Linux: reads /proc)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings

pytestmark = pytest.mark.skipif(not Path("/proc").is_dir(), reason="reads the process table from /proc")
ROOT = Path(settings.BASE_DIR)


def children(pid: int) -> list[int]:
    """Live child processes of ``pid`` (zombies excluded)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        state, ppid = fields[0], int(fields[1])
        if ppid == pid and state != "Z":
            found.append(int(entry.name))
    return found


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def wait_until(condition, timeout: float = 30.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.2)
    return condition()


@pytest.fixture
def demo_env(tmp_path):
    env = {
        **os.environ, "KSSP_VAR_DIR": str(tmp_path), "KSSP_TESTING": "1", "KSSP_TASKS_BACKEND": "db",
        "KSSP_PERIODIC_INTERVAL": "1", "PYTHONUNBUFFERED": "1",
    }
    env.pop("DATABASE_URL", None)
    subprocess.run([sys.executable, "manage.py", "migrate", "--no-input"], cwd=ROOT, env=env, check=True,
                   capture_output=True, timeout=300)
    return env


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_demo(env: dict[str, str]) -> tuple[subprocess.Popen[str], int, int]:
    demo = subprocess.Popen([sys.executable, "manage.py", "run_demo", "--addrport", f"127.0.0.1:{free_port()}"],
                            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    line = demo.stdout.readline()  # "Worker started (pid N). …"
    worker = int(line.split("(pid ")[1].split(")")[0])
    assert wait_until(lambda: bool(children(worker))), "the worker loop never started its task worker"
    (task_worker,) = children(worker)
    return demo, worker, task_worker


def test_term_to_the_demo_stops_the_worker_loop_and_the_task_worker(demo_env):
    demo, worker, task_worker = start_demo(demo_env)
    demo.send_signal(signal.SIGTERM)
    demo.wait(timeout=30)
    assert wait_until(lambda: not alive(worker) and not alive(task_worker), timeout=20), (
        f"left running: {[p for p in (worker, task_worker) if alive(p)]}"
    )


def test_a_worker_whose_demo_was_killed_outright_ends_by_itself(demo_env):
    demo, worker, task_worker = start_demo(demo_env)
    demo.send_signal(signal.SIGKILL)  # no cleanup can run in the demo itself
    demo.wait(timeout=30)
    assert wait_until(lambda: not alive(worker) and not alive(task_worker), timeout=30), (
        f"left running: {[p for p in (worker, task_worker) if alive(p)]}"
    )
