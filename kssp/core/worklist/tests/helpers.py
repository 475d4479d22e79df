from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from kssp.core.notifications.tests.helpers import bulletin_model, make_record, share
from kssp.core.worklist.services import work_item_create

__all__ = ["bulletin_model", "make_record", "make_task", "share"]


def make_task(owner: Any, record: Any = None, *, assignee: Any = None, unit: Any = None, title: str = "Interview the owner",
              due_at: dt.datetime | None = None, due_date: dt.date | None = None, **record_options: Any) -> Any:
    record = record if record is not None else make_record(owner, **record_options)
    if assignee is None and unit is None:
        assignee = owner
    return work_item_create(
        actor=owner.actor, record=record, title=title,
        assignee=assignee.membership if assignee is not None else None, unit=unit,
        due_at=due_at, due_date=due_date if due_date is not None or due_at is not None else timezone.localdate() + dt.timedelta(days=3),
    )
