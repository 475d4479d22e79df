"""Periodic job of the worklist: recompute which tasks are overdue and tell their assignees once."""

from __future__ import annotations

import datetime as dt
from typing import Any

from kssp.core.schedule import periodic
from kssp.core.worklist.services import work_items_sweep_overdue


@periodic("worklist.overdue", every="minute")
def sweep_overdue(now: dt.datetime) -> dict[str, Any]:
    return work_items_sweep_overdue(now=now)
