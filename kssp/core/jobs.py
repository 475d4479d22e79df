"""The kernel's periodic jobs."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from kssp.core.audit.anchor import anchor_write
from kssp.core.schedule import periodic


@periodic("audit.anchor", every="day")
def sign_daily_anchor(now: dt.datetime) -> dict[str, Any]:
    """Sign the chain head once a day, so that removing the tail of the trail is detectable."""
    anchor = anchor_write(day=timezone.localtime(now).date())
    return {"day": anchor.day.isoformat(), "seq": anchor.seq}
