"""Notifications (issue #3 point 4): notify, the inbox, the unread count, opening one, preferences."""

from __future__ import annotations

import pytest
from django.urls import reverse

from kssp.core.exceptions import ApplicationError, NotFound
from kssp.core.models.audit import AuditEvent
from kssp.core.notifications import kinds
from kssp.core.notifications.models import Notification, NotificationPreference
from kssp.core.notifications.recipients import Recipient
from kssp.core.notifications.selectors import notification_unread_count
from kssp.core.notifications.services import (
    notification_mark_all_read,
    notification_mark_read,
    notification_preferences_set,
    notify,
)

from .helpers import make_record

INBOX = "/notifications/"


def test_notify_creates_one_per_person_and_a_dedupe_key_makes_it_idempotent(world):
    people = [world.kp_investigator.user, world.kp_investigator.user, Recipient(world.customs.user.pk)]
    first = notify(recipients=people, kind="deadline", context={"what": "x"}, dedupe_key="deadline:1")
    again = notify(recipients=people, kind="deadline", context={"what": "x"}, dedupe_key="deadline:1")
    assert len(first) == 2 and again == []
    assert Notification.objects.count() == 2


def test_an_unknown_kind_is_refused(world):
    with pytest.raises(LookupError):
        notify(recipients=[world.kp_investigator.user], kind="no.such.kind")


def test_inactive_users_and_excluded_users_get_nothing(world):
    world.customs.user.is_active = False
    world.customs.user.save()
    made = notify(recipients=[world.customs.user, world.kp_investigator.user, world.prosecutor.user], kind="deadline",
                  exclude_user_ids=[world.prosecutor.user.pk])
    assert [n.recipient_id for n in made] == [world.kp_investigator.user.pk]


def test_unread_count_follows_reading(world):
    me = world.kp_investigator
    made = notify(recipients=[me.user] * 1, kind="deadline") + notify(recipients=[me.user], kind="approval_requested")
    notify(recipients=[world.customs.user], kind="deadline")
    assert notification_unread_count(user=me.user) == 2
    notification_mark_read(actor=me.actor, public_id=made[0].public_id)
    notification_mark_read(actor=me.actor, public_id=made[0].public_id)  # idempotent
    assert notification_unread_count(user=me.user) == 1
    assert notification_mark_all_read(actor=me.actor) == 1
    assert notification_unread_count(user=me.user) == 0
    assert notification_unread_count(user=world.customs.user) == 1


def test_another_persons_notification_answers_like_a_missing_one(world):
    theirs = notify(recipients=[world.customs.user], kind="deadline")[0]
    with pytest.raises(NotFound):
        notification_mark_read(actor=world.kp_investigator.actor, public_id=theirs.public_id)
    with pytest.raises(NotFound):
        notification_mark_read(actor=world.kp_investigator.actor, public_id="not-a-uuid")
    client = world.kp_investigator.client()
    assert client.get(reverse("notifications:open", args=[theirs.public_id])).status_code == 404
    assert client.post(reverse("notifications:mark_read", args=[theirs.public_id])).status_code == 404
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_the_header_badge_shows_the_unread_count_and_polls_passively(world):
    me = world.kp_investigator
    notify(recipients=[me.user, me.user], kind="deadline")
    notify(recipients=[me.user], kind="task_assigned")
    page = me.client().get("/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'id="kssp-notification-badge"' in page
    assert "(2 unread)" in page
    assert 'hx-headers=\'{"X-KSSP-Passive": "1"}\'' in page and "every 60s" in page
    badge = me.client().get(reverse("notifications:badge"), HTTP_HX_REQUEST="true", HTTP_X_KSSP_PASSIVE="1",
                            HTTP_ACCEPT_LANGUAGE="en")
    assert badge.status_code == 200 and "(2 unread)" in badge.content.decode()


def test_the_inbox_lists_only_ones_own_and_filters(world):
    me = world.kp_investigator
    notify(recipients=[me.user], kind="deadline", context={"what": "Report due", "when": kinds.moment(None)})
    read = notify(recipients=[me.user], kind="approval_requested", context={"requester": "Chief", "what": "leave"})[0]
    notification_mark_read(actor=me.actor, public_id=read.public_id)
    notify(recipients=[world.customs.user], kind="deadline", context={"what": "Customs only"})
    client = me.client()
    html = client.get(INBOX, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Report due" in html and "Chief asks for your approval" in html and "Customs only" not in html
    unread = client.get(INBOX, {"state": "unread"}, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Report due" in unread and "Chief" not in unread
    by_kind = client.get(INBOX, {"kind": "approval_requested"}, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Chief" in by_kind and "Report due" not in by_kind
    fragment = client.get(INBOX, {"state": "unread"}, HTTP_HX_REQUEST="true", HTTP_ACCEPT_LANGUAGE="en")
    assert fragment.status_code == 200 and "<html" not in fragment.content.decode()


@pytest.mark.parametrize("params", [{"state": "nonsense"}, {"kind": "x" * 500}, {"page": "-3"}, {"after": "31.02.2026"}])
def test_bad_filters_never_fail(world, params):
    response = world.kp_investigator.client().get(INBOX, params)
    assert response.status_code == 200


def test_marking_read_from_the_inbox_with_htmx_returns_the_row_and_refreshes_the_badge(world):
    me = world.kp_investigator
    n = notify(recipients=[me.user], kind="deadline", context={"what": "Report"})[0]
    response = me.client().post(reverse("notifications:mark_read", args=[n.public_id]), {"next": "/notifications/?state=unread"},
                                HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert response["HX-Trigger"] == "kssp-notifications-changed"
    assert f'id="notification-{n.public_id}"' in response.content.decode()
    n.refresh_from_db()
    assert n.read_at is not None


def test_mark_all_read_without_javascript_redirects_back_to_the_inbox_only(world):
    me = world.kp_investigator
    notify(recipients=[me.user, me.user], kind="deadline")
    response = me.client().post(reverse("notifications:mark_all_read"), {"next": "https://evil.example/"})
    assert response.status_code == 302 and response["Location"] == INBOX
    assert notification_unread_count(user=me.user) == 0


def test_opening_goes_to_the_record_the_reader_may_see(world):
    me = world.kp_investigator
    record = make_record(me)
    n = notify(recipients=[me.user], kind="deadline", target=record, context={"what": "x"})[0]
    response = me.client().get(reverse("notifications:open", args=[n.public_id]))
    assert response.status_code == 302
    assert response["Location"] == reverse("bulletins:bulletin_detail", args=[record.public_id])
    n.refresh_from_db()
    assert n.read_at is not None


def test_a_record_the_reader_may_not_see_is_neither_named_nor_linked(world):
    # given a notification about a KP bulletin addressed to someone in customs, who cannot see it
    record = make_record(world.kp_investigator, title="Operation Nightjar")
    n = notify(recipients=[world.customs.user], kind="deadline", target=record, context={"what": "x"})[0]
    client = world.customs.client()
    # then the inbox does not show the title nor the record's address
    html = client.get(INBOX, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Nightjar" not in html and str(record.public_id) not in html
    assert "Not available to you in your current role" in html
    # and opening it leads to the inbox, not to the record
    response = client.get(reverse("notifications:open", args=[n.public_id]))
    assert response["Location"] == INBOX


def test_a_notification_shows_in_the_language_of_the_reader(world):
    from django.utils import translation

    unit = world.customs.membership.unit
    n = notify(recipients=[world.kp_investigator.user], kind="hit_notice",
               context={"searcher": "Dk", "searcher_unit": kinds.names(unit), "searcher_institution": "DK", "count": 1,
                        "purpose": "p"})[0]
    with translation.override("sr-cyrl"):
        text = kinds.render_message(kinds.kind_for(n.kind), n.context)
    from kssp.core.translit import latin_to_cyrillic

    assert latin_to_cyrillic(unit.name_sr) in text


def test_preferences_are_saved_audited_and_unknown_kinds_refused(world):
    me = world.kp_investigator
    after = notification_preferences_set(actor=me.actor, email_kinds=["task_assigned"])
    assert after["task_assigned"] is True and after["task_overdue"] is False  # default True, now off
    assert NotificationPreference.objects.filter(user=me.user, kind="task_overdue", email=False).exists()
    assert AuditEvent.objects.filter(event_type="notification.preferences_changed", actor_id=me.user.pk).count() == 1
    notification_preferences_set(actor=me.actor, email_kinds=["task_assigned"])  # no change: no second event
    assert AuditEvent.objects.filter(event_type="notification.preferences_changed").count() == 1
    with pytest.raises(ApplicationError) as err:
        notification_preferences_set(actor=me.actor, email_kinds=["nope"])
    assert "email_kinds" in err.value.fields


def test_the_preferences_page_saves_and_refuses_bad_input(world):
    client = world.kp_investigator.client()
    url = reverse("notifications:preferences")
    assert client.get(url).status_code == 200
    assert client.post(url, {"email_kinds": ["deadline", "grant_received"]}).status_code == 302
    assert NotificationPreference.objects.filter(user=world.kp_investigator.user, kind="grant_received", email=True).exists()
    response = client.post(url, {"email_kinds": ["<script>"]})
    assert response.status_code == 400
    assert not NotificationPreference.objects.filter(kind="<script>").exists()


def test_anonymous_visitors_are_sent_to_sign_in(client, db):
    for name in ("notifications:inbox", "notifications:badge", "notifications:preferences"):
        response = client.get(reverse(name))
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]
