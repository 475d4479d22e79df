"""The changes of status a record page offers (issue #6 point 4, kssp.core.views_records): every allowed
next status is a button, or, where the writes need a reason (``RecordWrites.reasons``), a form with a
reason field; after a refusal that form comes back bound to what was posted, open, with the service's
message beside the reason. Any record type gets this from its writes; no module builds the form."""

from __future__ import annotations

from django.template.loader import render_to_string

from kssp.core.views_records import RecordPages, StatusAction
from kssp.core.worklist.choices import WorkItemStatus
from kssp.core.worklist.models import WorkItem


class Writes:  # the three things the pages read from a type's RecordWrites
    model = WorkItem
    status_field = "status"
    reasons = {WorkItemStatus.CANCELLED: "Say why it is cancelled."}


class Pages(RecordPages):
    writes = Writes()  # type: ignore[assignment]
    status_actions = {WorkItemStatus.DONE: StatusAction("Finish", "success")}


def test_statuses_needing_a_reason_get_a_form_and_the_others_a_button_in_the_order_of_the_choices():
    done, cancelled = Pages().status_actions_for({WorkItemStatus.CANCELLED, WorkItemStatus.DONE})
    assert (done["status"], done["label"], done["style"], done["form"]) == ("done", "Finish", "success", None)
    assert (cancelled["status"], str(cancelled["label"]), cancelled["style"]) == ("cancelled", "Cancelled", "primary")
    form = cancelled["form"]
    assert form is not None and not form.is_bound and form["to"].value() == "cancelled"
    assert form["reason"].auto_id == "id_cancelled_reason"
    assert Pages().status_actions_for(()) == []


def test_a_refused_change_comes_back_on_its_form_with_the_reason_message_beside_the_reason():
    posted = {"to": "cancelled", "reason": "  "}
    actions = Pages().status_actions_for(
        {WorkItemStatus.CANCELLED, WorkItemStatus.DONE}, {"reason": ["Say why it is cancelled."]}, posted
    )
    form = actions[1]["form"]
    assert form.is_bound and form.errors == {"reason": ["Say why it is cancelled."]}
    html = render_to_string("records/_status_forms.html", {"status_actions": actions, "transition_url": "/x/status/"})
    assert "<details class=\"kssp-panel kssp-status-reason mb-3\" open>" in html
    error = html.split('id="id_cancelled_reason_error"', 1)[1].split("</div>", 1)[0]
    assert "Say why it is cancelled." in error
    buttons = render_to_string("records/_status_buttons.html", {"status_actions": actions, "transition_url": "/x/status/"})
    assert 'name="to" value="done"' in buttons and "btn-success" in buttons and "cancelled" not in buttons


def test_a_form_error_of_the_reason_itself_is_shown_once():
    too_long = "Ensure this value has at most 2000 characters (it has 2001)."
    actions = Pages().status_actions_for({WorkItemStatus.CANCELLED}, {"reason": [too_long]}, {"to": "cancelled", "reason": "x" * 2001})
    assert actions[0]["form"].errors["reason"] == [too_long]


def test_the_api_body_of_a_change_of_status_comes_from_the_writes():
    from kssp.core.api.records import transition_serializer

    serializer = transition_serializer(Writes())  # type: ignore[arg-type]
    assert serializer.__name__ == "WorkItemTransitionSerializer" and transition_serializer(Writes()) is not serializer
    writes = Writes()
    assert transition_serializer(writes) is transition_serializer(writes)  # one class per type: one schema component
    body = serializer(data={"status": "archived"})
    assert not body.is_valid() and set(body.errors) == {"status"}
    body = serializer(data={"status": "cancelled", "reason": "Duplicate"})
    assert body.is_valid() and body.validated_data == {"status": "cancelled", "reason": "Duplicate"}
    assert serializer(data={"status": "done", "colour": "red"}).is_valid() is False  # strict: unknown keys refused
    assert "cancelled" in str(serializer().fields["reason"].help_text)
