"""Sending the e-mail of a notification (issue #3), apart from ``services`` so that the task that sends
it (``tasks.send_notification_email``) and the sweeper job (``jobs``) sit below the service that
enqueues the task: ``services -> tasks -> email``, no cycle (issue #6 point 7).

E-mail carries no content: the kind's label and a link to the platform, since mail leaves the
need-to-know boundary. A claim on the row makes each e-mail go out once even if a task and the sweeper
race.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.conf import settings
from django.core.mail import send_mail
from django.db import models
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from kssp.core.notifications.kinds import kind_for
from kssp.core.notifications.models import Notification

logger = logging.getLogger(__name__)

#: An e-mail claim older than this is considered abandoned (the sender died) and may be retried.
EMAIL_CLAIM_TIMEOUT = dt.timedelta(minutes=10)
EMAIL_MAX_ATTEMPTS = 5


def _site_url() -> str:
    return str(getattr(settings, "KSSP", {}).get("SITE_URL", "")).rstrip("/")


def render_email(notification: Notification) -> tuple[str, str]:
    """Subject and body in the recipient's language. No record title, no context: a label and a link."""
    user = notification.recipient
    language = getattr(user, "preferred_language", "") or settings.LANGUAGE_CODE
    with translation.override(language):
        kind = kind_for(notification.kind)
        context = {
            "kind": kind,
            "notification": notification,
            "url": _site_url() + reverse("notifications:open", args=[notification.public_id]),
            "preferences_url": _site_url() + reverse("notifications:preferences"),
        }
        subject = render_to_string("notifications/email/subject.txt", context).strip().replace("\n", " ")
        body = render_to_string("notifications/email/body.txt", context)
    return subject, body


def _claim(pk: int, now: dt.datetime) -> bool:
    stale = now - EMAIL_CLAIM_TIMEOUT
    claimed = Notification.objects.filter(
        Q(email_claimed_at__isnull=True) | Q(email_claimed_at__lt=stale),
        pk=pk, email_due=True, emailed_at__isnull=True, email_attempts__lt=EMAIL_MAX_ATTEMPTS,
    ).update(email_claimed_at=now, email_attempts=models.F("email_attempts") + 1)
    return claimed == 1


def notification_email_send(*, notification_id: int) -> bool:
    """Send the e-mail of one notification if it is due and not sent; True if this call sent it.

    Idempotent: a sent e-mail is never sent again, and two concurrent callers cannot both claim it. A
    failed send releases the claim, so the sweeper retries it (at most ``EMAIL_MAX_ATTEMPTS`` times).
    """
    now = timezone.now()
    if not _claim(notification_id, now):
        return False
    notification = Notification.objects.select_related("recipient").get(pk=notification_id)
    try:
        subject, body = render_email(notification)
        send_mail(subject, body, None, [notification.recipient.email], fail_silently=False)
    except Exception:  # noqa: BLE001 - any mail failure: release the claim, retry later
        logger.exception("e-mail of notification %s failed", notification_id)
        Notification.objects.filter(pk=notification_id, email_claimed_at=now).update(email_claimed_at=None)
        return False
    Notification.objects.filter(pk=notification_id).update(emailed_at=timezone.now())
    return True


def pending_email_ids(*, now: dt.datetime, limit: int = 500) -> list[int]:
    """Notifications whose e-mail is due, unsent and not being sent (for the sweeper)."""
    stale = now - EMAIL_CLAIM_TIMEOUT
    return list(
        Notification.objects.filter(email_due=True, emailed_at__isnull=True, email_attempts__lt=EMAIL_MAX_ATTEMPTS)
        .filter(Q(email_claimed_at__isnull=True) | Q(email_claimed_at__lt=stale))
        .order_by("pk")
        .values_list("pk", flat=True)[:limit]
    )
