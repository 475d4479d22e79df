"""E-mail of notifications: only when wanted, once, carrying no content, retried by the sweeper."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.test import override_settings
from django.utils import timezone

from kssp.core.notifications.jobs import send_pending_emails
from kssp.core.notifications.models import Notification
from kssp.core.notifications.services import notification_email_send, notification_preferences_set, notify
from kssp.core.schedule import run_periodic

from .helpers import make_record


@pytest.fixture
def me(world):
    person = world.kp_investigator
    person.user.email = "inv@kp.example"
    person.user.preferred_language = "en"
    person.user.save()
    return person


def test_an_email_is_sent_once_when_the_kind_asks_for_it(me, django_capture_on_commit_callbacks):
    # given task_overdue is e-mailed by default; task_assigned is not
    with django_capture_on_commit_callbacks(execute=True):
        overdue = notify(recipients=[me.user], kind="task_overdue", context={"assignee": "x"})[0]
        notify(recipients=[me.user], kind="task_assigned")
    # then the task sent exactly one e-mail
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["inv@kp.example"]
    assert "Task overdue" in mail.outbox[0].subject
    overdue.refresh_from_db()
    assert overdue.emailed_at is not None
    # and neither the task again nor the sweeper sends it a second time
    assert notification_email_send(notification_id=overdue.pk) is False
    assert run_periodic(only="notifications.email")["notifications.email"] == {"pending": 0, "sent": 0}
    assert len(mail.outbox) == 1


def test_the_users_preference_is_respected(me, django_capture_on_commit_callbacks):
    notification_preferences_set(actor=me.actor, email_kinds=["task_assigned"])
    with django_capture_on_commit_callbacks(execute=True):
        notify(recipients=[me.user], kind="task_overdue")
        notify(recipients=[me.user], kind="task_assigned")
    assert [m.subject for m in mail.outbox] == ["[KSSP] Task assigned"]


def test_no_address_no_email(world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        n = notify(recipients=[world.customs.user], kind="break_glass_alert")[0]
    assert not n.email_due and mail.outbox == []


def test_the_email_carries_no_title_or_context(me, django_capture_on_commit_callbacks):
    record = make_record(me, title="Operation Nightjar")
    with django_capture_on_commit_callbacks(execute=True):
        n = notify(recipients=[me.user], kind="deadline", target=record, context={"what": "Nightjar report", "when": "x"})[0]
    body = mail.outbox[0].body + mail.outbox[0].subject
    assert "Nightjar" not in body
    assert f"/notifications/{n.public_id}/" in body


def test_the_email_is_in_the_recipients_language(me, django_capture_on_commit_callbacks):
    me.user.preferred_language = "sq"
    me.user.save()
    with django_capture_on_commit_callbacks(execute=True):
        notify(recipients=[me.user], kind="deadline")
    # Whatever the catalogue says, it was rendered (no crash) and names the link.
    assert "/notifications/" in mail.outbox[0].body


class BrokenBackend:
    def __init__(self, *args, **kwargs):
        pass

    def send_messages(self, messages):
        raise ConnectionRefusedError("smtp down")


def test_a_failed_send_is_retried_by_the_sweeper(me, django_capture_on_commit_callbacks):
    # given the mail server is down when the notification is made
    with override_settings(EMAIL_BACKEND=f"{__name__}.BrokenBackend"), django_capture_on_commit_callbacks(execute=True):
        n = notify(recipients=[me.user], kind="task_overdue")[0]
    n.refresh_from_db()
    assert n.emailed_at is None and n.email_claimed_at is None and n.email_attempts == 1
    # when the sweeper runs with the server back
    outcome = send_pending_emails(timezone.now())
    # then it is sent, once
    assert outcome == {"pending": 1, "sent": 1}
    assert len(mail.outbox) == 1
    assert send_pending_emails(timezone.now()) == {"pending": 0, "sent": 0}


def test_a_claimed_email_is_not_sent_twice_but_an_abandoned_claim_is_retried(me):
    n = notify(recipients=[me.user], kind="task_overdue")[0]  # no commit callbacks: the task never ran
    Notification.objects.filter(pk=n.pk).update(email_claimed_at=timezone.now())
    assert notification_email_send(notification_id=n.pk) is False
    Notification.objects.filter(pk=n.pk).update(email_claimed_at=timezone.now() - dt.timedelta(hours=1))
    assert notification_email_send(notification_id=n.pk) is True
    assert len(mail.outbox) == 1


def test_retries_stop_after_the_maximum(me):
    n = notify(recipients=[me.user], kind="task_overdue")[0]
    with override_settings(EMAIL_BACKEND=f"{__name__}.BrokenBackend"):
        for _ in range(7):
            notification_email_send(notification_id=n.pk)
    n.refresh_from_db()
    assert n.email_attempts == 5 and n.emailed_at is None
