"""The retention sweeper job: once a day, carry out what a DPO approved, then flag what fell due."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from kssp.core.retention.services import retention_execute_approved, retention_sweep
from kssp.core.schedule import periodic


@periodic("retention.sweep", every="day")
def sweep_retention(now: dt.datetime) -> dict[str, Any]:
    executed = retention_execute_approved()
    swept = retention_sweep(today=timezone.localdate(now))
    return {"executed": executed, **swept}
