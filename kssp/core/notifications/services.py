"""Writes on notifications: creating them (``notify``), reading them, preferences, and e-mail.

``notify`` is called by other services, normally through ``notify_on_commit`` so that nobody is told of
a change that was rolled back, and so that a failure to notify never undoes the change itself (the
callback is ``robust``: logged, not raised). Jobs that recompute state (the sweeper) call ``notify``
inside their own transaction with a ``dedupe_key``, which makes a rerun harmless.

E-mail is optional, per user and kind (``NotificationPreference``; absent: the kind's default), and
carries no content: the kind's label and a link to the platform, since mail leaves the need-to-know
boundary. It is sent (``email``) by a task (``tasks.send_notification_email``) after the commit; the sweeper job
``notifications.email`` retries what a task did not send. A claim on the row makes each e-mail go
out once even if a task and the sweeper race.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kssp.core.audit import audit_record
from kssp.core.exceptions import ApplicationError, NotFound

# Sending lives in ``email``, below this module and the task that sends (issue #6 point 7); re-exported.
from kssp.core.notifications.email import notification_email_send as notification_email_send
from kssp.core.notifications.kinds import kind_for, registered_kinds
from kssp.core.notifications.models import Notification, NotificationPreference
from kssp.core.notifications.recipients import Recipient
from kssp.core.policy import Actor


def _as_recipient(value: Any) -> Recipient:
    if isinstance(value, Recipient):
        return value
    if isinstance(value, int):
        return Recipient(value)
    # A user instance.
    return Recipient(int(value.pk))


def email_wanted(user: Any, kind: str) -> bool:
    """Whether ``user`` wants ``kind`` by e-mail too (and has an address to send it to)."""
    if not getattr(user, "email", ""):
        return False
    pref = NotificationPreference.objects.filter(user_id=user.pk, kind=kind).values_list("email", flat=True).first()
    return bool(kind_for(kind).default_email if pref is None else pref)


def notify(
    *,
    recipients: Iterable[Any],
    kind: str,
    target: models.Model | None = None,
    context: dict[str, Any] | None = None,
    dedupe_key: str = "",
    exclude_user_ids: Iterable[int] = (),
) -> list[Notification]:
    """Create one notification per recipient (``Recipient``, user or user id); returns the new ones.

    With ``dedupe_key``, a recipient who already has a notification with that key gets no second one.
    The e-mails the recipients asked for are queued after the commit.
    """
    kind_for(kind)  # an unknown kind is a programming error, raised at once
    excluded = set(exclude_user_ids)
    ct = ContentType.objects.get_for_model(type(target)) if target is not None else None
    created: list[Notification] = []
    seen: set[int] = set()
    user_model = Notification._meta.get_field("recipient").related_model
    with transaction.atomic():
        wanted = [r for r in (_as_recipient(v) for v in recipients) if r.user_id not in excluded]
        users = {u.pk: u for u in user_model._default_manager.filter(pk__in=[r.user_id for r in wanted], is_active=True)}  # type: ignore[union-attr]
        for recipient in wanted:
            user = users.get(recipient.user_id)
            if user is None or recipient.user_id in seen:
                continue
            seen.add(recipient.user_id)
            if dedupe_key and Notification.objects.filter(recipient_id=user.pk, dedupe_key=dedupe_key).exists():
                continue
            notification = Notification(
                recipient_id=user.pk,
                recipient_membership_id=recipient.membership_id,
                recipient_unit_id=recipient.unit_id,
                recipient_institution_id=recipient.institution_id,
                kind=kind,
                content_type=ct,
                object_id=target.pk if target is not None else None,
                target_public_id=getattr(target, "public_id", None) if target is not None else None,
                context=context or {},
                dedupe_key=dedupe_key[:200],
                email_due=email_wanted(user, kind),
            )
            try:
                with transaction.atomic():
                    notification.save(force_insert=True)
            except IntegrityError:  # the same key, written by a concurrent run
                continue
            created.append(notification)
        due = [n.pk for n in created if n.email_due]
        if due:
            transaction.on_commit(functools.partial(_enqueue_emails, due), robust=True)
    return created


def notify_on_commit(**kwargs: Any) -> None:
    """``notify(**kwargs)`` once the caller's transaction commits; a failure is logged, not raised."""
    transaction.on_commit(functools.partial(notify, **kwargs), robust=True)


def _enqueue_emails(ids: list[int]) -> None:
    from kssp.core.notifications.tasks import send_notification_email

    for pk in ids:
        send_notification_email.enqueue(pk)


# --- the reader's side ------------------------------------------------------------------------------


def _own(actor: Actor) -> models.QuerySet[Notification]:
    from kssp.core.notifications.policies import notification_policy

    return Notification.objects.filter(notification_policy.visible_q(actor))


def notification_mark_read(*, actor: Actor, public_id: Any) -> Notification:
    """Mark one of the actor's notifications read (idempotent). Another's answers NotFound.

    Reading one's own inbox is personal state, not a change of any record: it writes no audit event."""
    try:
        notification = _own(actor).get(public_id=public_id)
    except (Notification.DoesNotExist, ValueError, TypeError, DjangoValidationError):
        raise NotFound() from None
    if notification.read_at is None:
        notification.read_at = timezone.now()
        Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(
            read_at=notification.read_at, updated_at=notification.read_at
        )
    return notification


def notification_mark_all_read(*, actor: Actor, kind: str = "") -> int:
    """Mark all (or one kind of) the actor's unread notifications read; returns how many."""
    qs = _own(actor).filter(read_at__isnull=True)
    if kind:
        qs = qs.filter(kind=kind)
    now = timezone.now()
    return qs.update(read_at=now, updated_at=now)


@transaction.atomic
def notification_preferences_set(*, actor: Actor, email_kinds: Iterable[str]) -> dict[str, bool]:
    """Set, for every kind, whether the actor also wants it by e-mail. Audited."""
    user_id = actor.user_id
    if user_id is None:
        raise NotFound()
    chosen = set(email_kinds)
    known = registered_kinds()
    unknown = sorted(chosen - set(known))
    if unknown:
        raise ApplicationError(
            _("The preferences were not saved."), fields={"email_kinds": [_("Unknown kind of notification.")]}
        )
    stored = {p.kind: p.email for p in NotificationPreference.objects.filter(user_id=user_id)}
    before = {code: stored.get(code, kind.default_email) for code, kind in known.items()}
    after = {code: code in chosen for code in known}
    for code, want in after.items():
        if stored.get(code) != want and (code in stored or before[code] != want):
            NotificationPreference.objects.update_or_create(user_id=user_id, kind=code, defaults={"email": want})
    if before != after:
        audit_record(
            actor=actor, event="notification.preferences_changed",
            before={"email": sorted(k for k, v in before.items() if v)},
            after={"email": sorted(k for k, v in after.items() if v)},
        )
    return after


def email_preferences(user: Any) -> dict[str, bool]:
    prefs = {p.kind: p.email for p in NotificationPreference.objects.filter(user_id=user.pk)}
    return {code: prefs.get(code, kind.default_email) for code, kind in registered_kinds().items()}
