"""Long-running processes survive a busy or unreachable database (issue #7 point 3: both workers died on
one ``OperationalError`` — "database is locked" during a long import — and stayed down, so no sweeper
and no audit anchors ran).

``run_with_retry`` calls one step (a sweep) and, when the database answers with ``OperationalError`` or
``InterfaceError`` (locked, unreachable, connection dropped), logs it, closes the broken connections and
waits before the next attempt: 1, 2, 4 … seconds, at most ``KSSP_DB_RETRY_MAX_SECONDS`` (default 60).
Any other error is not the database's and still stops the process, as it should.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.db import InterfaceError, OperationalError, connections

logger = logging.getLogger("kssp.worker")

DATABASE_ERRORS = (OperationalError, InterfaceError)


class Backoff:
    """Waits that double after each failure, up to ``cap`` seconds; ``reset()`` after a success."""

    def __init__(self, *, first: float = 1.0, cap: float | None = None) -> None:
        self.first = first
        self.cap = float(cap if cap is not None else settings.KSSP.get("DB_RETRY_MAX_SECONDS", 60))
        self.failures = 0

    def next_delay(self) -> float:
        self.failures += 1
        return float(min(self.cap, self.first * 2 ** (self.failures - 1)))

    def reset(self) -> None:
        self.failures = 0


def close_broken_connections() -> None:
    """Drop every connection so that the next attempt opens a fresh one (a dropped PostgreSQL
    connection stays unusable otherwise)."""
    for conn in connections.all(initialized_only=True):
        try:
            conn.close()
        except DATABASE_ERRORS:
            logger.debug("closing a broken connection failed", exc_info=True)


def run_with_retry(
    step: Callable[[], Any], *, backoff: Backoff, what: str, sleep: Callable[[float], None] = time.sleep,
    report: Callable[[str], None] | None = None,
) -> tuple[bool, Any]:
    """``(True, result)`` after a successful ``step()``; ``(False, None)`` after a database error, once
    the back-off wait is over (the caller loops)."""
    try:
        result = step()
    except DATABASE_ERRORS as exc:
        delay = backoff.next_delay()
        message = f"{what}: the database is not available ({exc.__class__.__name__}: {exc}); retrying in {delay:g} s"
        logger.warning(message)
        if report is not None:
            report(message)
        close_broken_connections()
        sleep(delay)
        return False, None
    backoff.reset()
    return True, result
