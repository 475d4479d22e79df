"""Reads on work items, and a record's timeline.

``record_timeline`` builds what ``components/timeline.html`` shows for any record: its audit events
and its tasks, limited to what the viewer may see. It is refused (NotFound) for a record the viewer
cannot see; consultation events never appear; events that reveal how a record was shared or who
looked for it (grants, hit notices, disclosures, security and system events) appear only to the owner's
side or to the person who caused them. Payloads are never shown (an earlier version of a text may
have been edited out before the record was shared); an event shows its label, who and a reason.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import models
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from kssp.core.audit import registered_types, reveal_reasons
from kssp.core.exceptions import NotFound
from kssp.core.models.audit import AuditEvent
from kssp.core.models.scoping import every_row
from kssp.core.notifications.kinds import localize, moment
from kssp.core.notifications.targets import model_label, record_label, record_url
from kssp.core.policy import Actor
from kssp.core.worklist.choices import WorkItemStatus
from kssp.core.worklist.models import WorkItem
from kssp.core.worklist.policies import attachable_policies, work_item_policy

# --- work items --------------------------------------------------------------------------------------


def work_item_list_visible_to(*, actor: Actor, filters: dict[str, Any] | None = None, request: Any = None) -> QuerySet[WorkItem]:
    qs = WorkItem.objects.filter(work_item_policy.visible_q(actor)).select_related(
        "content_type", "assignee", "assigned_unit__institution", "created_by"
    )
    if filters:
        from kssp.core.worklist.filters import WorkItemFilterSet

        qs = WorkItemFilterSet(filters, queryset=qs, request=request).qs
    return qs.order_by("-overdue", "due_moment", "created_at", "pk")


def work_item_get_visible_to(*, actor: Actor, public_id: Any) -> WorkItem:
    try:
        return work_item_list_visible_to(actor=actor).get(public_id=public_id)
    except (WorkItem.DoesNotExist, ValueError, TypeError, DjangoValidationError):
        raise NotFound() from None


def record_work_items(*, actor: Actor, record: models.Model) -> list[WorkItem]:
    """The tasks of one record, if the actor may see it (else none): open first, then by deadline."""
    policy = attachable_policies().get(type(record))
    if policy is None or not policy.can(actor, "view", record):
        return []
    items = list(
        WorkItem.objects.filter(content_type=ContentType.objects.get_for_model(type(record)), object_id=record.pk)
        .select_related("content_type", "assignee", "assigned_unit__institution", "created_by")
        .order_by("status", "-overdue", "due_moment", "created_at", "pk")
    )
    for item in items:
        item._record = record
    return items


def record_get_visible_to(*, actor: Actor, record_type: str, public_id: Any) -> models.Model:
    """A record that can carry tasks, by "app_label.model" and public id; NotFound if the actor may not
    see it (or it does not exist, or its type carries no tasks)."""
    try:
        model = apps.get_model(str(record_type))
    except (LookupError, ValueError):
        raise NotFound() from None
    policy = attachable_policies().get(model)
    if policy is None:
        raise NotFound()
    try:
        obj = policy.visible(actor).filter(public_id=public_id).first()
    except (ValueError, TypeError, DjangoValidationError):
        raise NotFound() from None
    if obj is None:
        raise NotFound()
    return obj  # type: ignore[no-any-return]


@dataclass
class TaskRow:
    item: WorkItem
    record_label: str
    record_url: str | None
    record_type: str


def task_rows(items: Iterable[WorkItem]) -> list[TaskRow]:
    """Rows for a task list: the items were selected through the policy, so their records are visible."""
    items = list(items)
    wanted: dict[int, set[int]] = defaultdict(set)
    for item in items:
        wanted[item.content_type_id].add(item.object_id)
    records: dict[tuple[int, int], Any] = {}
    for ct_id, ids in wanted.items():
        model = ContentType.objects.get_for_id(ct_id).model_class()
        if model is None:
            continue
        for obj in every_row(model, reason="records of tasks already filtered by visibility").filter(pk__in=ids):
            records[(ct_id, obj.pk)] = obj
    rows = []
    for item in items:
        record = records.get((item.content_type_id, item.object_id))
        item._record = record
        rows.append(TaskRow(
            item=item,
            record_label=record_label(record) if record is not None else "",
            record_url=record_url(record) if record is not None else None,
            record_type=str(record._meta.verbose_name) if record is not None else "",
        ))
    return rows


# --- timeline ---------------------------------------------------------------------------------------

#: Event types shown only to the owner's side and to the person who caused them.
_owner_only: set[str] = {"grant.created", "grant.revoked", "grant.expired"}
_owner_only_prefixes: tuple[str, ...] = ("hit_notice.",)
#: Event types never shown on a timeline.
_hidden: set[str] = set()
OWNER_ONLY_CATEGORIES = {AuditEvent.Category.DISCLOSURE, AuditEvent.Category.SECURITY, AuditEvent.Category.SYSTEM}
TIMELINE_LIMIT = 200
#: The marker class of some events on the timeline (components/timeline.html); else the verb.
_EVENT_KINDS = {"grant.created": "grant", "grant.revoked": "revoked", "grant.expired": "revoked"}


def timeline_owner_only(*codes: str) -> None:
    """Show these event types only to the record owner's side (and to who caused them)."""
    _owner_only.update(codes)


def timeline_hidden(*codes: str) -> None:
    """Never show these event types on a record's timeline."""
    _hidden.update(codes)


#: ``formatter(event) -> (title, detail)`` for one event type, registered by the module that owns it
#: (it may read the event's payload with ``kssp.core.audit.payload_for`` and decide what is safe to show,
#: e.g. the status a bulletin moved to). Without one, an event shows its label, who, and the reason.
TimelineFormatter = Callable[[AuditEvent], tuple[str, str]]
_formatters: dict[str, TimelineFormatter] = {}


def timeline_formatter(code: str) -> Callable[[TimelineFormatter], TimelineFormatter]:
    def decorator(func: TimelineFormatter) -> TimelineFormatter:
        _formatters[code] = func
        return func

    return decorator


def _event_visible(event: AuditEvent, actor: Actor, owner_side: bool) -> bool:
    if event.category == AuditEvent.Category.CONSULTATION or event.event_type in _hidden:
        return False
    restricted = (
        event.category in OWNER_ONLY_CATEGORIES
        or event.event_type in _owner_only
        or event.event_type.startswith(_owner_only_prefixes)
    )
    if restricted:
        return owner_side or (actor.user_id is not None and event.actor_id == actor.user_id)
    return True


@dataclass
class TimelineEvent:
    when: dt.datetime
    title: str
    detail: str = ""
    kind: str = "event"


def _who(user: Any) -> str:
    return str(user) if user is not None else ""


def _task_events(items: list[WorkItem]) -> list[TimelineEvent]:
    events = []
    for item in items:
        assignee = str(item.assignee) if item.assignee_id else localize({
            "sq": item.assigned_unit.name_sq, "sr": item.assigned_unit.name_sr, "en": item.assigned_unit.name_en,
        })
        due = item.due
        detail = _("For %(assignee)s") % {"assignee": assignee}
        if due is not None:
            detail += " · " + _("due %(due)s") % {"due": localize(moment(due))}
        events.append(TimelineEvent(item.created_at, _("Task: %(title)s") % {"title": item.title}, detail, "task"))
        if item.overdue and item.overdue_since:
            events.append(TimelineEvent(item.overdue_since, _("Task overdue: %(title)s") % {"title": item.title}, "", "overdue"))
        if item.status == WorkItemStatus.DONE and item.completed_at:
            events.append(TimelineEvent(item.completed_at, _("Task done: %(title)s") % {"title": item.title},
                                        _who(item.completed_by), "done"))
        if item.status == WorkItemStatus.CANCELLED and item.cancelled_at:
            events.append(TimelineEvent(item.cancelled_at, _("Task cancelled: %(title)s") % {"title": item.title},
                                        item.status_reason, "cancelled"))
    return events


def record_timeline(*, actor: Actor, record: models.Model, limit: int = TIMELINE_LIMIT) -> list[TimelineEvent]:
    """What happened to ``record``, oldest first, as far as ``actor`` may know it (see the module)."""
    from kssp.core.policy import policy_for

    try:
        policy = policy_for(type(record))
    except KeyError:
        raise NotFound() from None
    if not policy.can(actor, "view", record):
        raise NotFound()
    owner_side = policy.in_scope(actor, record)
    labels = registered_types()
    found = (
        AuditEvent.objects.filter(target_type=model_label(record), target_id=str(record.pk))
        .exclude(category=AuditEvent.Category.CONSULTATION)
        .defer("payload", "payload_ciphertext")
        .order_by("-seq")[:limit]
    )
    # Typed reasons are sealed in the encrypted payload; formatters see the payload they saw before.
    audit = reveal_reasons(list(found), payloads=True)
    events: list[TimelineEvent] = []
    for event in audit:
        if not _event_visible(event, actor, owner_side):
            continue
        formatter = _formatters.get(event.event_type)
        if formatter is not None:
            title, detail = formatter(event)
        else:
            spec = labels.get(event.event_type)
            title = str(spec.label) if spec else event.event_type
            detail = event.actor_username
            if event.reason:
                detail = f"{detail} · {event.reason}" if detail else event.reason
        events.append(TimelineEvent(
            timezone.localtime(event.occurred_at), title, detail,
            _EVENT_KINDS.get(event.event_type, event.event_type.rsplit(".", 1)[-1]),
        ))
    events += _task_events(record_work_items(actor=actor, record=record))
    events.sort(key=lambda e: e.when)
    return events[-limit:]
