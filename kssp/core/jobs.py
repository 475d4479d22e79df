"""The kernel's periodic jobs."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from kssp.core.audit.anchor import anchor_write
from kssp.core.schedule import periodic


@periodic("audit.anchor", every="day")
def sign_daily_anchor(now: dt.datetime) -> dict[str, Any]:
    """Sign the chain head at least once a day (``manage.py audit_anchor`` does the same on demand), so
    that removing the tail of the trail, or rewriting it, is detectable. A new anchor only if the head moved."""
    outcome = anchor_write(now=now)
    anchor = outcome.anchor
    return {
        "day": timezone.localtime(now).date().isoformat(),
        "seq": anchor.seq if anchor is not None else 0,
        "created": outcome.created,
        "copied_to_file": outcome.copied_to_file,
    }
