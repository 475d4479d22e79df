"""Rate limiting without stored identifiers (issue #3 point 10).

Counters live in memory, in each process, keyed by ``HMAC-SHA256(secret, client address)``. The secret
is 32 random bytes made in memory when the hour starts and dropped (with every counter) when it ends;
it is never written anywhere. So nothing on disk ever holds an address or a value derived from one,
and after the hour even the process cannot tell which address a counter belonged to.

The key is computed by ``kssp.portal.middleware.AnonymityMiddleware`` before it removes the address
from the request; only the key travels on (``request.portal_client_key``). The limit applies per
process (several workers multiply it) and per clock hour (a client may use its allowance at the end
of one hour and again at the start of the next): it stops floods, not a patient sender.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
import time
from collections.abc import Callable

from django.http import HttpRequest

from kssp.portal import conf

PERIOD_SECONDS = 3600
MAX_KEYS = 100_000
UNKNOWN = "unknown"


class RotatingKeyLimiter:
    def __init__(self, *, period: int = PERIOD_SECONDS, max_keys: int = MAX_KEYS, clock: Callable[[], float] = time.time):
        self.period = period
        self.max_keys = max_keys
        self.clock = clock
        self._lock = threading.Lock()
        self._window: int | None = None
        self._secret = b""
        self._counts: dict[tuple[str, str], int] = {}

    def _rotate(self) -> None:
        """Start a new window (new secret, no counters) when the hour has changed. Call under the lock."""
        window = int(self.clock() // self.period)
        if window != self._window:
            self._window = window
            self._secret = secrets.token_bytes(32)
            self._counts = {}

    def client_key(self, address: str | None) -> str | None:
        """The opaque key of an address for this hour (None when there is no address)."""
        if not address:
            return None
        with self._lock:
            self._rotate()
            return hmac.new(self._secret, address.encode("utf-8", "replace"), hashlib.sha256).hexdigest()

    def hit(self, key: str | None, action: str, limit: int) -> bool:
        """Count one request of ``action`` by ``key``; False when the limit for this hour is used up."""
        with self._lock:
            self._rotate()
            slot = (action, key or UNKNOWN)
            count = self._counts.get(slot, 0)
            if count >= limit:
                return False
            if slot not in self._counts and len(self._counts) >= self.max_keys:
                self._counts = {}  # a flood of distinct keys: forget, rather than grow without bound
            self._counts[slot] = count + 1
            return True

    def retry_after(self) -> int:
        """Seconds until the counters start again."""
        now = self.clock()
        return max(1, int(self.period - (now % self.period)))

    def snapshot(self) -> dict[tuple[str, str], int]:
        """The counters (for tests and diagnostics): keys are HMACs, never addresses."""
        with self._lock:
            return dict(self._counts)

    def reset(self) -> None:
        with self._lock:
            self._window = None
            self._counts = {}
            self._secret = b""


limiter = RotatingKeyLimiter()


def allow(request: HttpRequest, action: str) -> bool:
    """Count this request against the per-hour limit of ``action`` (see conf.RATE_LIMITS)."""
    key = getattr(request, "portal_client_key", None)
    return limiter.hit(key, action, conf.rate_limit(action))
