"""Periodic jobs of the accounts app (registered when the app is ready; see kssp.core.schedule)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from kssp.accounts.services_security import access_review_remind
from kssp.core.schedule import periodic


@periodic("accounts.access_review", every="day")
def access_review(now: dt.datetime) -> dict[str, Any]:
    """Once a day: tell each institution's administrators which memberships await the access review.
    Idempotent: the sweeper runs it once per day, and the list is recomputed from stored state."""
    return access_review_remind(at=now)
