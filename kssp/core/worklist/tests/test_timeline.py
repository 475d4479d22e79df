"""A record's timeline: audit events and tasks, only what the viewer may see, never consultations."""

from __future__ import annotations

import pytest
from django.db import transaction
from django.template.loader import render_to_string
from django.test import RequestFactory

from kssp.core.audit import audit_record, consultation_record
from kssp.core.exceptions import NotFound
from kssp.core.services.grants import grant_revoke
from kssp.core.worklist.selectors import record_timeline
from kssp.core.worklist.services import work_item_cancel, work_item_complete

from .helpers import make_record, make_task, share


def titles(events):
    return [e.title for e in events]


def test_the_timeline_joins_audit_events_and_tasks_oldest_first(world):
    owner = world.kp_investigator
    record = make_record(owner, personal=True)
    with transaction.atomic():
        audit_record(actor=owner.actor, event="bulletin.transitioned", target=record, before={"status": "draft"},
                     after={"status": "issued"})
    consultation_record(actor=owner.actor, target=record, purpose="reading", event="bulletin.consulted")
    done = make_task(owner, record, title="Call the witness")
    work_item_complete(actor=owner.actor, item=done)
    dropped = make_task(owner, record, title="Visit the shop")
    work_item_cancel(actor=owner.actor, item=dropped, reason="closed down")
    events = record_timeline(actor=owner.actor, record=record)
    got = titles(events)
    assert got[:2] == ["Bulletin drafted", "Bulletin issued"]  # the bulletins module formats its transitions
    assert "Task: Call the witness" in got and "Task done: Call the witness" in got
    assert "Task cancelled: Visit the shop" in got
    assert "Bulletin with personal data read" not in got  # consultations are never on a timeline
    assert [e.when for e in events] == sorted(e.when for e in events)
    cancelled = next(e for e in events if e.title.startswith("Task cancelled"))
    assert cancelled.detail == "closed down"


def test_payloads_are_never_shown(world):
    owner = world.kp_investigator
    record = make_record(owner, title="Redacted before sharing")
    with transaction.atomic():
        audit_record(actor=owner.actor, event="bulletin.updated", target=record,
                     before={"body": "the informant is Agim"}, after={"body": "—"})
    text = " ".join(f"{e.title} {e.detail}" for e in record_timeline(actor=owner.actor, record=record))
    assert "Agim" not in text


def test_sharing_events_are_for_the_owner_side_only(world):
    owner = world.kp_investigator
    record = make_record(owner)
    grant = share(record, owner, institution=world.customs.membership.unit.institution)
    share(record, owner, institution=world.prosecutor.membership.unit.institution)
    owner_view = titles(record_timeline(actor=owner.actor, record=record))
    assert owner_view.count("Record shared by grant") == 2
    grantee_view = titles(record_timeline(actor=world.customs.actor, record=record))
    assert "Record shared by grant" not in grantee_view  # customs does not learn the prosecutor also has it
    assert "Bulletin drafted" in grantee_view
    grant_revoke(actor=owner.actor, grant=grant, reason="over")
    with pytest.raises(NotFound):
        record_timeline(actor=world.customs.actor, record=record)


def test_a_record_one_may_not_see_has_no_timeline(world):
    record = make_record(world.kp_investigator)
    for person in (world.customs, world.kp_investigator_other, world.inspector):
        with pytest.raises(NotFound):
            record_timeline(actor=person.actor, record=record)


def _render(template, person, record):
    request = RequestFactory().get("/")
    request.user = person.user
    request.actor = person.actor
    return render_to_string(template, {"record": record, "request": request, "kssp": {}}, request=request)


def test_the_timeline_and_panel_components_render_for_a_record(world):
    owner = world.kp_investigator
    record = make_record(owner)
    make_task(owner, record, title="Call the witness")
    timeline = _render("worklist/_timeline.html", owner, record)
    assert "Bulletin drafted" in timeline and "Task: Call the witness" in timeline
    panel = _render("worklist/_panel.html", owner, record)
    assert 'id="tasks"' in panel and "Call the witness" in panel and "Add a task" in panel
    # the panel links to the task page of this record (its form is built there, not on every record page)
    assert f'href="/worklist/new/?record_type=bulletins.bulletin&amp;record={record.public_id}"' in panel
    assert 'name="title"' not in panel
    # a grantee sees the tasks but may not add one; a stranger sees nothing at all
    share(record, owner, institution=world.customs.membership.unit.institution)
    grantee_panel = _render("worklist/_panel.html", world.customs, record)
    assert "Call the witness" in grantee_panel and "Add a task" not in grantee_panel
    stranger = world.prosecutor
    assert "Call the witness" not in _render("worklist/_panel.html", stranger, record)
    assert "Call the witness" not in _render("worklist/_timeline.html", stranger, record)


def test_a_module_may_format_its_events(world):
    from kssp.core.audit import payload_for
    from kssp.core.worklist import selectors

    @selectors.timeline_formatter("bulletin.transitioned")
    def status_change(event):
        return "Status: " + payload_for(event)["after"]["status"], event.actor_username

    try:
        owner = world.kp_investigator
        record = make_record(owner)
        with transaction.atomic():
            audit_record(actor=owner.actor, event="bulletin.transitioned", target=record, before={"status": "draft"},
                         after={"status": "issued"})
        assert "Status: issued" in titles(record_timeline(actor=owner.actor, record=record))
    finally:
        selectors._formatters.pop("bulletin.transitioned")
