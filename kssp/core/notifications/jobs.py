"""Periodic job of notifications: send the e-mails that are due and were not sent (rule 5)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from kssp.core.notifications.email import notification_email_send, pending_email_ids
from kssp.core.schedule import periodic


@periodic("notifications.email", every="minute")
def send_pending_emails(now: dt.datetime) -> dict[str, Any]:
    pending = pending_email_ids(now=now)
    sent = sum(1 for pk in pending if notification_email_send(notification_id=pk))
    return {"pending": len(pending), "sent": sent}
