"""What the home page shows a user (issue #7 point 2: it used to repeat the menu as tiles): their open
tasks, their unit's recently changed records, access to shared records that ends soon, and the hit
notices addressed to their unit naming the record that was asked about — all within what the reader may
see, each record named by its declaration's display rule (a panel is not a reading of the record).

The number of queries is bounded by the number of declared record types, never by the amount of data:
every list is cut to a fixed length, and records are fetched once per type.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Q
from django.utils import timezone

from kssp.core.policy import Actor
from kssp.core.records import access as records

TASKS = 8
RECENT = 8
EXPIRING = 6
NOTICES = 10
EXPIRING_WITHIN = dt.timedelta(days=14)
# Grants read to find the EXPIRING the reader may see: a record behind a grant may be out of the reader's
# sight (a clearance below its classification); this many of those before the first visible one hide it.
EXPIRING_READ = 200


@dataclass(frozen=True)
class RecordItem:
    """A record as the home page lists it."""

    type_name: str
    title: str
    number: str
    url: str | None
    when: dt.datetime | None = None


def _item(record: Any, when: dt.datetime | None = None) -> RecordItem:
    declaration = records.record_type_for(record)
    number = ""
    if declaration is not None and declaration.number_field:
        number = str(getattr(record, declaration.number_field, "") or "")
    title = records.record_title(record)
    return RecordItem(
        type_name=str(type(record)._meta.verbose_name).capitalize(), title=title,
        number=number if number and number not in title else "", url=records.record_url(record), when=when,
    )


def open_tasks(*, actor: Actor) -> list[Any]:
    """The actor's open tasks, and those of their unit that nobody took: overdue first, then by deadline."""
    from kssp.core.worklist.choices import WorkItemStatus
    from kssp.core.worklist.selectors import task_rows, work_item_list_visible_to

    mine = Q(assignee_id=actor.user_id) | Q(assignee__isnull=True, assigned_unit_id=actor.unit_id)
    items = work_item_list_visible_to(actor=actor).filter(mine, status=WorkItemStatus.OPEN)[:TASKS]
    return task_rows(items)


def recent_records(*, actor: Actor) -> list[RecordItem]:
    """Records of the actor's unit changed most recently, across every declared type with pages."""
    found: list[Any] = []
    for declaration in records.record_types().values():
        if declaration.is_dependent or not declaration.pages or not declaration.detail_url:
            continue
        qs = declaration.model._default_manager.visible_to(actor)  # type: ignore[attr-defined]
        found += list(qs.filter(owner_unit_id=actor.unit_id).order_by("-updated_at", "-pk")[:RECENT])
    found.sort(key=lambda r: r.updated_at, reverse=True)
    return [_item(record, record.updated_at) for record in found[:RECENT]]


def expiring_access(*, actor: Actor) -> list[RecordItem]:
    """Shared records the actor may read through a grant that ends within two weeks (soonest first)."""
    from kssp.core.models.grants import Grant

    now = timezone.now()
    # The grants naming the actor that end soon are few: read them, then ask whether the actor may see
    # their records (one query per type among them), rather than filtering through every type's policy.
    grants = list(
        Grant.objects.active().naming(actor).filter(expires_at__lte=now + EXPIRING_WITHIN)
        .order_by("expires_at", "pk")[:EXPIRING_READ]
    )
    found = records.visible_records_by_key(actor, {(g.content_type_id, g.object_id) for g in grants})
    out = []
    for grant in grants:
        record = found.get((grant.content_type_id, grant.object_id))
        if record is not None:
            out.append(_item(record, grant.expires_at))
    return out[:EXPIRING]


@dataclass(frozen=True)
class NoticeItem:
    notice: Any
    #: The record asked about, named, when the reader may see it (the notice is addressed to its unit).
    record: RecordItem | None


def hit_notices(*, actor: Actor) -> list[NoticeItem]:
    """Unread hit notices for the actor's unit, each naming the record that was asked about if the reader
    may see it (a unit member whose clearance is below the record's sees only its kind)."""
    from kssp.core.selectors import hit_notice_list_for

    notices = list(hit_notice_list_for(actor=actor).filter(acknowledged_at__isnull=True).order_by("-created_at")[:NOTICES])
    visible = records.visible_records_by_key(actor, {(n.content_type_id, n.object_id) for n in notices})
    out = []
    for notice in notices:
        record = visible.get((notice.content_type_id, notice.object_id))
        out.append(NoticeItem(notice=notice, record=_item(record) if record is not None else None))
    return out


def home_summary(*, actor: Actor) -> dict[str, Any]:
    if not actor.is_authenticated or actor.unit_id is None:
        return {"tasks": [], "recent": [], "expiring": [], "notices": []}
    return {
        "tasks": open_tasks(actor=actor),
        "recent": recent_records(actor=actor),
        "expiring": expiring_access(actor=actor),
        "notices": hit_notices(actor=actor),
    }
