"""The production server (``make serve``): gunicorn, the task workers and the periodic sweeper, each its
own process, supervised.

* web: gunicorn with ``config/gunicorn.py`` (threaded workers; static files by WhiteNoise);
* task workers: ``--task-workers`` (KSSP_TASK_WORKERS, default 1) processes of the configured backend
  (``db_worker``, or ``rqworker`` with the scheduler for KSSP_TASKS_BACKEND=rq);
* the sweeper: one ``run_periodic --loop`` (idempotent per job and period, so a second one elsewhere
  does no harm).

A child that ends is started again (after a pause that grows while it keeps failing). TERM or HUP stops
every child and waits for it; children end by themselves if this process is killed outright (Linux'
parent-death signal). The compose file runs the same three kinds as separate services instead
(``--only web|workers|sweeper``).
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from kssp.core.management.commands.run_worker import worker_command
from kssp.core.processes import child_environment, exit_on_termination, stop

KINDS = ("web", "workers", "sweeper")


def _die_with_parent() -> None:  # pragma: no cover - runs in the child between fork and exec
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


@dataclass
class Child:
    name: str
    argv: list[str]
    process: subprocess.Popen[Any] | None = None
    failures: int = 0
    restart_at: float = 0.0
    started_at: float = field(default=0.0)


class Command(BaseCommand):
    help = "Serve in production: gunicorn, task workers and the periodic sweeper as supervised processes."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--bind", default="127.0.0.1:8000", help="address:port of the web server")
        parser.add_argument("--task-workers", type=int, default=int(os.environ.get("KSSP_TASK_WORKERS") or 1))
        parser.add_argument("--only", choices=KINDS, action="append", help="run only these kinds (repeatable)")

    def handle(self, *args: object, **options: Any) -> None:
        if settings.DEBUG:
            raise CommandError("run_serve is the production server: KSSP_DEBUG must be off.")
        kinds = set(options["only"] or KINDS)
        exit_on_termination()
        metrics_dir = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
        if "web" in kinds and not metrics_dir:
            # The web workers write their histograms here and /metrics sums them; a fresh folder per start.
            folder = Path(settings.VAR_DIR) / "prometheus"
            shutil.rmtree(folder, ignore_errors=True)
            folder.mkdir(parents=True)
            os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(folder)
        children = []
        if "web" in kinds:
            gunicorn = [sys.executable, "-m", "gunicorn", "-c", str(Path(settings.BASE_DIR) / "config" / "gunicorn.py"),
                        "--bind", options["bind"]]
            children.append(Child("web", gunicorn))
        if "workers" in kinds and settings.TASKS_BACKEND != "immediate":
            children += [Child(f"task-worker-{n + 1}", worker_command()) for n in range(options["task_workers"])]
        if "sweeper" in kinds:
            children.append(Child("sweeper", [sys.executable, "manage.py", "run_periodic", "--loop"]))
        self.stdout.write(f"Serving on http://{options['bind']}/ with " + ", ".join(c.name for c in children))
        self.stdout.flush()
        try:
            self.supervise(children)
        finally:
            for child in reversed(children):
                stop(child.process, timeout=float(30 if child.name == "web" else 10))

    def start(self, child: Child) -> None:
        child.process = subprocess.Popen(  # noqa: S603 - fixed argv
            child.argv, cwd=settings.BASE_DIR, env=child_environment(), preexec_fn=_die_with_parent  # noqa: PLW1509
        )
        child.started_at = time.monotonic()
        self.stdout.write(f"{child.name} started (pid {child.process.pid})")
        self.stdout.flush()

    def supervise(self, children: list[Child]) -> None:
        for child in children:
            self.start(child)
        while True:
            now = time.monotonic()
            for child in children:
                if child.process is not None and child.process.poll() is not None:
                    code = child.process.returncode
                    # A child that ran a minute before failing starts over from a short pause.
                    child.failures = 1 if now - child.started_at > 60 else child.failures + 1
                    child.restart_at = now + min(2 ** child.failures, 60)
                    self.stderr.write(f"{child.name} ended (exit {code}); starting it again in "
                                      f"{child.restart_at - now:.0f} s")
                    child.process = None
                if child.process is None and now >= child.restart_at:
                    self.start(child)
            time.sleep(0.5)
