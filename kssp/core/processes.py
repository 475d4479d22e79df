"""Child processes of the demo and worker commands stop with their parent (issue #7 point 3: stopping
``make demo`` with TERM left the workers running).

Python's default answer to SIGTERM ends the process at once, skipping ``finally`` blocks, so a parent
never stopped its children. ``exit_on_termination()`` turns SIGTERM and SIGHUP into ``SystemExit``, so the
cleanup runs; ``stop()`` ends a child and waits for it (killing it if it does not stop in time); a child
started with ``KSSP_EXIT_WITH_PARENT`` also notices when its parent is gone, even after a ``kill -9``.
"""

from __future__ import annotations

import os
import signal
import subprocess
from typing import Any

PARENT_ENV = "KSSP_EXIT_WITH_PARENT"


def exit_on_termination() -> None:
    def handler(signum: int, frame: Any) -> None:
        raise SystemExit(128 + signum)

    for sig in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, handler)


def stop(child: subprocess.Popen[Any] | None, *, timeout: float = 10.0) -> None:
    if child is None or child.poll() is not None:
        return
    child.terminate()
    try:
        child.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        child.kill()
        child.wait()


def child_environment() -> dict[str, str]:
    """The environment for a child that must end with this process."""
    return {**os.environ, PARENT_ENV: str(os.getpid())}


def parent_gone() -> bool:
    """For a child started with ``child_environment()``: whether the process that started it has ended."""
    expected = os.environ.get(PARENT_ENV)
    return bool(expected) and str(os.getppid()) != expected
