"""Reads on notifications: the actor's own, and how each is shown to the actor now.

A notification's record is named and linked only if the reader, acting as the current membership, may
see it now (its policy's ``visible_q``): a revoked grant, a lowered clearance or another acting
membership hides it, and nothing of it (not even its title) is shown.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import QuerySet
from django.urls import NoReverseMatch, reverse

from kssp.core.exceptions import NotFound
from kssp.core.notifications.kinds import NotificationKind, kind_for, render_message
from kssp.core.notifications.models import Notification
from kssp.core.notifications.policies import notification_policy
from kssp.core.notifications.targets import record_label, record_url, visible_objects
from kssp.core.policy import Actor


def notification_list_for(*, actor: Actor, filters: dict[str, Any] | None = None) -> QuerySet[Notification]:
    qs = Notification.objects.filter(notification_policy.visible_q(actor)).select_related(
        "recipient_membership__role", "recipient_membership__unit__institution"
    )
    if filters:
        from kssp.core.notifications.filters import NotificationFilterSet

        qs = NotificationFilterSet(filters, queryset=qs).qs
    return qs.order_by("-created_at", "-pk")


def notification_get_for(*, actor: Actor, public_id: Any) -> Notification:
    try:
        return notification_list_for(actor=actor).get(public_id=public_id)
    except (Notification.DoesNotExist, ValueError, TypeError, DjangoValidationError):
        raise NotFound() from None


def notification_unread_count(*, user: Any) -> int:
    """The header badge's number: the signed-in person's unread notifications (one query)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return 0
    return Notification.objects.filter(recipient_id=user.pk, read_at__isnull=True).count()


@dataclass
class InboxItem:
    notification: Notification
    kind: NotificationKind | None
    message: str
    #: The record, if the reader may see it now; else None (and nothing about it is shown).
    record: Any
    record_label: str
    record_url: str | None
    #: Where "Open" leads: the record's page, or the kind's page (never a hidden record's).
    url: str
    had_target: bool
    #: The membership it was addressed to, when that is not the acting one.
    other_membership: Any

    @property
    def public_id(self) -> Any:
        return self.notification.public_id


def _fallback(kind: NotificationKind | None) -> str:
    try:
        return reverse(kind.fallback_url if kind else "notifications:inbox")
    except NoReverseMatch:
        return reverse("notifications:inbox")


def inbox_items(*, actor: Actor, notifications: list[Notification]) -> list[InboxItem]:
    """How each notification reads for ``actor`` now (one query per record type for the targets)."""
    keys = [(n.content_type_id, n.object_id) for n in notifications if n.content_type_id and n.object_id]
    visible = visible_objects(actor, keys)
    items = []
    for n in notifications:
        try:
            kind: NotificationKind | None = kind_for(n.kind)
        except LookupError:
            kind = None
        record = visible.get((n.content_type_id, n.object_id)) if n.content_type_id and n.object_id else None
        url = record_url(record) if record is not None else None
        other = n.recipient_membership if n.recipient_membership_id and n.recipient_membership_id != actor.membership_id else None
        items.append(InboxItem(
            notification=n,
            kind=kind,
            message=render_message(kind, n.context) if kind else n.kind,
            record=record,
            record_label=record_label(record) if record is not None else "",
            record_url=url,
            url=url or _fallback(kind),
            had_target=n.content_type_id is not None,
            other_membership=other,
        ))
    return items
