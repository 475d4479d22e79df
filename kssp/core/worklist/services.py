"""Writes on work items: create, edit, assign, complete/cancel/reopen (one transition service), and
the sweeper's overdue recomputation.

Every write checks the policy, validates (field-level errors), writes its audit event in the same
transaction (payloads encrypted under the record's key, so that retention's crypto-shredding of the
record covers its tasks), and schedules notifications after the commit.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.db import models, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from kssp.core.audit import audit_record
from kssp.core.exceptions import ApplicationError, NotFound, PermissionDenied
from kssp.core.notifications import kinds
from kssp.core.notifications.recipients import Recipient, members, membership_actor
from kssp.core.notifications.services import notify, notify_on_commit
from kssp.core.policy import Actor
from kssp.core.worklist.choices import ALLOWED_TRANSITIONS, WorkItemStatus
from kssp.core.worklist.models import WorkItem, due_moment_of
from kssp.core.worklist.policies import attachable_policies, work_item_policy

EDITABLE = ("title", "description", "due_at", "due_date")
TITLE_MAX = 200
DESCRIPTION_MAX = 4000


def _snapshot(item: WorkItem) -> dict[str, Any]:
    return {
        "title": item.title,
        "description": item.description,
        "assignee": item.assignee.username if item.assignee_id else None,  # type: ignore[union-attr]
        "unit": item.assigned_unit.code,
        "due_at": item.due_at,
        "due_date": item.due_date,
        "status": item.status,
        "record": str(item.record_public_id),
    }


def _audit(actor: Actor, event: str, item: WorkItem, record: Any, **kwargs: Any) -> None:
    audit_record(
        actor=actor, event=event, target=item, data_subject=record,
        target_institution_id=item.record_institution_id, **kwargs,
    )


def _validate_text(data: dict[str, Any], errors: dict[str, list[str]]) -> None:
    if "title" in data:
        title = str(data["title"] or "").strip()
        if not title:
            errors.setdefault("title", []).append(_("Say what is to be done."))
        elif len(title) > TITLE_MAX:
            errors.setdefault("title", []).append(_("At most %(max)s characters.") % {"max": TITLE_MAX})
    if "description" in data and len(str(data["description"] or "")) > DESCRIPTION_MAX:
        errors.setdefault("description", []).append(_("At most %(max)s characters.") % {"max": DESCRIPTION_MAX})


def _validate_due(due_at: Any, due_date: Any, errors: dict[str, list[str]]) -> None:
    if due_at is not None and due_date is not None:
        errors.setdefault("due_at", []).append(_("Give either a day or a date and time, not both."))
        return
    if due_at is not None:
        if not isinstance(due_at, dt.datetime) or timezone.is_naive(due_at):
            errors.setdefault("due_at", []).append(_("Enter a valid date and time."))
        elif due_at <= timezone.now():
            errors.setdefault("due_at", []).append(_("The deadline must be in the future."))
    if due_date is not None:
        if not isinstance(due_date, dt.date) or isinstance(due_date, dt.datetime):
            errors.setdefault("due_date", []).append(_("Enter a valid date."))
        elif due_date < timezone.localdate():
            errors.setdefault("due_date", []).append(_("The date is in the past."))


def _resolve_assignment(
    actor: Actor, record: Any, assignee: Any, unit: Any, errors: dict[str, list[str]]
) -> tuple[Any, Any]:
    """(user or None, unit) from a membership or a unit; field errors otherwise."""
    if assignee is not None:
        membership = assignee
        if not membership.is_valid() or not membership.user.is_active:
            errors.setdefault("assignee", []).append(_("This membership is no longer valid."))
            return None, None
        policy = attachable_policies()[type(record)]
        if not policy.can(membership_actor(membership), "view", record):
            errors.setdefault("assignee", []).append(
                _("This person may not see the record, so the task cannot be assigned to them.")
            )
            return None, None
        return membership.user, membership.unit
    if unit is not None:
        if not unit.active or not _unit_may_receive(actor, record, unit):
            errors.setdefault("unit", []).append(
                _("Choose a unit of your institution, of the record's owner, or one the record is shared with.")
            )
            return None, None
        return None, unit
    errors.setdefault("assignee", []).append(_("Choose a person or a unit."))
    return None, None


def _unit_may_receive(actor: Actor, record: Any, unit: Any) -> bool:
    """A unit as a whole may take a task on ``record`` if it belongs to the actor's institution or the
    record's owner, or if an active grant on the record names it, a unit above it, or its institution
    (another institution's unit sees the record only through such a grant: need-to-know)."""
    from kssp.core.models.grants import Grant

    if unit.institution_id in {actor.institution_id, getattr(record, "owner_institution_id", None)}:
        return True
    ancestors = unit.ancestor_ids()
    named = (
        Q(grantee_type=Grant.GranteeType.INSTITUTION, grantee_institution_id=unit.institution_id)
        | Q(grantee_type=Grant.GranteeType.UNIT, grantee_unit_id__in=ancestors)
    )
    return Grant.objects.active().for_object(record).filter(named).exists()


def _notify_assigned(actor: Actor, item: WorkItem, record: Any) -> None:
    context = {
        "assigner": str(actor.user) if actor.user is not None else actor.label,
        "assignee": str(item.assignee) if item.assignee_id else kinds.names(item.assigned_unit),
        "due": kinds.moment(item.due),
    }
    if item.assignee_id:
        membership = (
            apps.get_model("accounts", "Membership").objects.valid()
            .filter(user_id=item.assignee_id, unit_id=item.assigned_unit_id).first()
        )
        recipients: list[Recipient] = [Recipient(
            item.assignee_id, membership.pk if membership else None, item.assigned_unit_id,
            item.assigned_unit.institution_id,
        )]
    else:
        recipients = members(unit_ids=[item.assigned_unit_id], min_clearance=int(getattr(record, "classification", 0) or 0))
    notify_on_commit(
        recipients=recipients, kind=kinds.TASK_ASSIGNED.code, target=item, context=context,
        exclude_user_ids=[actor.user_id] if actor.user_id else [],
    )


def _set_due(item: WorkItem, due_at: Any, due_date: Any) -> bool:
    """Set the deadline; True if it changed (then the overdue notice may come again)."""
    changed = (item.due_at, item.due_date) != (due_at, due_date)
    item.due_at, item.due_date = due_at, due_date
    item.due_moment = due_moment_of(due_at, due_date)
    if changed:
        item.overdue_notified_at = None
    return changed


# --- create, edit, assign ----------------------------------------------------------------------------


@transaction.atomic
def work_item_create(
    *,
    actor: Actor,
    record: models.Model,
    title: str,
    description: str = "",
    assignee: Any = None,
    unit: Any = None,
    due_at: dt.datetime | None = None,
    due_date: dt.date | None = None,
) -> WorkItem:
    """Attach a task to ``record`` (which the actor must be able to change), for a person (a
    membership) or a unit, with an optional deadline (a moment or a day)."""
    policy = attachable_policies().get(type(record))
    if policy is None or not policy.can(actor, "view", record):
        raise NotFound()
    if not policy.can(actor, "change", record):
        raise PermissionDenied(_("You may not add tasks to this record."))
    errors: dict[str, list[str]] = {}
    _validate_text({"title": title, "description": description}, errors)
    _validate_due(due_at, due_date, errors)
    user, assigned_unit = _resolve_assignment(actor, record, assignee, unit, errors)
    if errors:
        raise ApplicationError(_("The task was not saved."), fields=errors)
    item = WorkItem(
        content_type=ContentType.objects.get_for_model(type(record)),
        object_id=record.pk,
        record_public_id=record.public_id,  # type: ignore[attr-defined]
        record_institution_id=getattr(record, "owner_institution_id", None),
        title=title.strip(),
        description=(description or "").strip(),
        assignee=user,
        assigned_unit=assigned_unit,
        created_by=actor.user,
        created_by_institution_id=actor.ids.institution_id,
    )
    _set_due(item, due_at, due_date)
    item.save()
    item._record = record
    _audit(actor, "work_item.created", item, record, after=_snapshot(item))
    _notify_assigned(actor, item, record)
    return item


def _checked(actor: Actor, item: WorkItem, action: str) -> Any:
    if not work_item_policy.can(actor, "view", item):
        raise NotFound()
    if not work_item_policy.can(actor, action, item):
        raise PermissionDenied(_("You may not change this task."))
    return item.record


@transaction.atomic
def work_item_update(*, actor: Actor, item: WorkItem, **changes: Any) -> WorkItem:
    """Edit the title, details or deadline of an open task."""
    record = _checked(actor, item, "change")
    unknown = set(changes) - set(EDITABLE)
    if unknown:
        raise ApplicationError(_("The task was not saved."), fields={k: [_("This field cannot be changed.")] for k in sorted(unknown)})
    if item.status != WorkItemStatus.OPEN:
        raise ApplicationError(_("Only an open task can be edited."), code="not_open")
    errors: dict[str, list[str]] = {}
    _validate_text(changes, errors)
    due_at = changes.get("due_at", item.due_at)
    due_date = changes.get("due_date", item.due_date)
    if "due_at" in changes and changes["due_at"] is not None and "due_date" not in changes:
        due_date = None  # a moment replaces a day
    if "due_date" in changes and changes["due_date"] is not None and "due_at" not in changes:
        due_at = None
    if ("due_at" in changes or "due_date" in changes) and (due_at, due_date) != (item.due_at, item.due_date):
        _validate_due(due_at, due_date, errors)
    if errors:
        raise ApplicationError(_("The task was not saved."), fields=errors)
    before = _snapshot(item)
    if "title" in changes:
        item.title = str(changes["title"]).strip()
    if "description" in changes:
        item.description = str(changes["description"] or "").strip()
    _set_due(item, due_at, due_date)
    item.save(update_fields=["title", "description", "due_at", "due_date", "due_moment", "overdue_notified_at", "updated_at"])
    _audit(actor, "work_item.updated", item, record, before=before, after=_snapshot(item))
    return item


@transaction.atomic
def work_item_assign(*, actor: Actor, item: WorkItem, assignee: Any = None, unit: Any = None) -> WorkItem:
    """Give an open task to another person (a membership) or to a unit; the new assignee is notified."""
    record = _checked(actor, item, "change")
    if item.status != WorkItemStatus.OPEN:
        raise ApplicationError(_("Only an open task can be assigned."), code="not_open")
    errors: dict[str, list[str]] = {}
    user, assigned_unit = _resolve_assignment(actor, record, assignee, unit, errors)
    if errors:
        raise ApplicationError(_("The task was not assigned."), fields=errors)
    if (item.assignee_id, item.assigned_unit_id) == (getattr(user, "pk", None), assigned_unit.pk):
        return item
    before = _snapshot(item)
    item.assignee, item.assigned_unit = user, assigned_unit
    item.overdue_notified_at = None  # the new assignee hears of it if it is or becomes overdue
    item.save(update_fields=["assignee", "assigned_unit", "overdue_notified_at", "updated_at"])
    _audit(actor, "work_item.assigned", item, record, before=before, after=_snapshot(item))
    _notify_assigned(actor, item, record)
    return item


# --- status ------------------------------------------------------------------------------------------


@transaction.atomic
def work_item_transition(*, actor: Actor, item: WorkItem, to: str, reason: str = "") -> WorkItem:
    """Complete (assignee or editor), cancel (reason required) or reopen (reason required) a task."""
    action = "complete" if to == WorkItemStatus.DONE else "change"
    record = _checked(actor, item, action)
    if to not in ALLOWED_TRANSITIONS.get(item.status, frozenset()):
        raise ApplicationError(
            _("A task cannot go from “%(from)s” to “%(to)s”.") % {"from": item.get_status_display(), "to": to},
            fields={"status": [_("This change of status is not allowed.")]},
            code="invalid_transition",
        )
    reason = (reason or "").strip()
    if to in (WorkItemStatus.CANCELLED, WorkItemStatus.OPEN) and not reason:
        raise ApplicationError(_("The task was not changed."), fields={"reason": [_("Give the reason.")]})
    if len(reason) > DESCRIPTION_MAX:
        too_long = _("At most %(max)s characters.") % {"max": DESCRIPTION_MAX}
        raise ApplicationError(_("The task was not changed."), fields={"reason": [too_long]})
    before = item.status
    now = timezone.now()
    item.status, item.status_reason = to, reason
    if to == WorkItemStatus.DONE:
        item.completed_at, item.completed_by = now, actor.user
    elif to == WorkItemStatus.CANCELLED:
        item.cancelled_at, item.cancelled_by = now, actor.user
    else:
        item.completed_at = item.completed_by = None  # type: ignore[assignment]
    fields = ["status", "status_reason", "completed_at", "completed_by", "cancelled_at", "cancelled_by", "updated_at"]
    if to != WorkItemStatus.OPEN:
        item.overdue, item.overdue_since = False, None
        fields += ["overdue", "overdue_since"]
    item.save(update_fields=fields)
    _audit(actor, "work_item.transitioned", item, record, before={"status": before}, after={"status": to}, reason=reason)
    return item


def work_item_complete(*, actor: Actor, item: WorkItem, note: str = "") -> WorkItem:
    return work_item_transition(actor=actor, item=item, to=WorkItemStatus.DONE, reason=note)


def work_item_cancel(*, actor: Actor, item: WorkItem, reason: str) -> WorkItem:
    return work_item_transition(actor=actor, item=item, to=WorkItemStatus.CANCELLED, reason=reason)


# --- the sweeper ---------------------------------------------------------------------------------------


def overdue_q(now: dt.datetime) -> Q:
    """Open tasks past their deadline at ``now``: hour-based by the instant, calendar ones by the local day."""
    today = timezone.localdate(now)
    return Q(status=WorkItemStatus.OPEN) & (Q(due_at__lte=now) | Q(due_at__isnull=True, due_date__lt=today))


def _overdue_recipients(item: WorkItem) -> list[Recipient]:
    if item.assignee_id:
        return [Recipient(item.assignee_id, None, item.assigned_unit_id, item.assigned_unit.institution_id)]
    record = item.record
    return members(unit_ids=[item.assigned_unit_id], min_clearance=int(getattr(record, "classification", 0) or 0))


@transaction.atomic
def work_items_sweep_overdue(*, now: dt.datetime) -> dict[str, int]:
    """Recompute ``overdue`` of every task from its deadline and status at ``now``, and tell each
    assignee once when a task of theirs is overdue. Idempotent: a second run changes and sends nothing."""
    late = WorkItem.objects.filter(overdue_q(now)).values("pk")
    cleared = WorkItem.objects.filter(overdue=True).exclude(pk__in=late).update(overdue=False, overdue_since=None)
    became = 0
    for item in WorkItem.objects.filter(pk__in=late, overdue=False):
        item.overdue, item.overdue_since = True, due_moment_of(item.due_at, item.due_date)
        item.save(update_fields=["overdue", "overdue_since", "updated_at"])
        became += 1
    notified = 0
    pending = WorkItem.objects.filter(pk__in=late, overdue_notified_at__isnull=True).select_related(
        "assignee", "assigned_unit__institution"
    )
    for item in pending:
        due = item.due
        notify(
            recipients=_overdue_recipients(item),
            kind=kinds.TASK_OVERDUE.code,
            target=item,
            context={
                "assignee": str(item.assignee) if item.assignee_id else kinds.names(item.assigned_unit),
                "due": kinds.moment(item.due_moment if item.due_at else due),
            },
            dedupe_key=f"work_item.overdue:{item.public_id}:{due.isoformat() if due else ''}",
        )
        WorkItem.objects.filter(pk=item.pk).update(overdue_notified_at=now)
        notified += 1
    return {"became_overdue": became, "cleared": cleared, "notified": notified}
