"""Background tasks of notifications. They only make e-mail arrive sooner; the sweeper job
``notifications.email`` sends whatever a task did not."""

from __future__ import annotations

from django_tasks import task

from kssp.core.notifications.email import notification_email_send


@task()
def send_notification_email(notification_id: int) -> bool:
    return notification_email_send(notification_id=notification_id)
