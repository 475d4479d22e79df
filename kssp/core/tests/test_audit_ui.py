"""Audit trail and consultation log pages (issue #2 point 5): scope per role, 404 out of scope, the
CSV export (content, formula neutralisation, purpose and recipient, audited), searches audited, the
chain verification button."""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import io

import pytest
import time_machine
from django.db import connection, transaction

from kssp.core.audit import audit_record, payload_for
from kssp.core.audit.service import shred_subject
from kssp.core.exceptions import ApplicationError, PermissionDenied
from kssp.core.export_csv import BOM, neutralise
from kssp.core.models import AuditEvent
from kssp.core.policy import Actor
from kssp.core.services.audit_ui import audit_export_record, audit_search_record

pytestmark = pytest.mark.django_db

LIST = "/audit/"
EXPORT = "/audit/export/"
VERIFY = "/audit/verify/"


def detail(seq: int) -> str:
    return f"/audit/events/{seq}/"


def record(person_or_actor, event: str, **kw) -> AuditEvent:
    actor = person_or_actor if isinstance(person_or_actor, Actor) else person_or_actor.actor
    with transaction.atomic():
        return audit_record(actor=actor, event=event, **kw)


@pytest.fixture
def trail(world):
    """Five events: two consultations (KP, DK), a KP write, a DK write about KP, a disclosure about KP."""
    kp = world.kp_investigator.membership.unit.institution_id
    dk = world.customs.membership.unit.institution_id
    return {
        "kp_consulted": record(world.kp_investigator, "record.consulted", purpose="border check BCP Merdare",
                               case_ref="PP.nr.12/2025", target_institution_id=kp),
        "dk_consulted": record(world.customs, "record.consulted", purpose="customs control", target_institution_id=dk),
        "kp_write": record(world.kp_admin, "reference.updated", extra={"field": "name_en"}),
        "dk_about_kp": record(world.customs, "grant.created", target_institution_id=kp),
        "disclosure_about_kp": record(world.prosecutor, "hit_notice.created", target_institution_id=kp),
    }


def listed(response) -> set[int]:
    return {event.seq for event in response.context["table"]["page_obj"].object_list}


def searches_by(person) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(event_type="audit.searched", actor_id=person.user.pk).order_by("seq"))


def csv_rows(response) -> list[list[str]]:
    body = b"".join(response.streaming_content).decode("utf-8")
    assert body.startswith(BOM)
    return list(csv.reader(io.StringIO(body[len(BOM):])))


# --- scope per role ------------------------------------------------------------------------------


def test_external_inspector_sees_every_institutions_events(world, trail):
    # given five events of KP, DK and the prosecution
    # when the IPA inspector opens the trail
    response = world.inspector.client().get(LIST)
    # then every event is listed
    assert response.status_code == 200
    assert {e.seq for e in trail.values()} <= listed(response)


def test_internal_auditor_sees_events_by_or_about_own_institution(world, trail):
    response = world.kp_auditor.client().get(LIST)
    assert response.status_code == 200
    seqs = listed(response)
    assert {trail[k].seq for k in ("kp_consulted", "kp_write", "dk_about_kp", "disclosure_about_kp")} <= seqs
    assert trail["dk_consulted"].seq not in seqs


def test_dpo_sees_only_the_consultation_log_of_own_institution(world, trail):
    response = world.kp_dpo.client().get(LIST)
    assert response.status_code == 200
    seqs = listed(response)
    assert {trail["kp_consulted"].seq, trail["disclosure_about_kp"].seq} <= seqs
    assert not seqs & {trail["kp_write"].seq, trail["dk_about_kp"].seq, trail["dk_consulted"].seq}


def test_without_an_audit_permission_the_trail_is_forbidden(world, trail):
    for person in (world.kp_investigator, world.kp_admin):
        assert person.client().get(LIST).status_code == 403
        assert person.client().get(detail(trail["kp_write"].seq)).status_code == 403
    assert not AuditEvent.objects.filter(event_type="audit.searched").exists()


def test_anonymous_visitor_is_sent_to_sign_in(client, trail):
    response = client.get(LIST)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_event_outside_the_scope_answers_404_like_a_missing_one(world, trail):
    assert world.kp_dpo.client().get(detail(trail["kp_write"].seq)).status_code == 404
    assert world.kp_auditor.client().get(detail(trail["dk_consulted"].seq)).status_code == 404
    assert world.kp_auditor.client().get(detail(999_999)).status_code == 404
    assert world.kp_auditor.client().get(detail(10**30)).status_code == 404
    assert world.inspector.client().get(detail(trail["dk_consulted"].seq)).status_code == 200


def test_filters_narrow_the_list_within_the_scope(world, trail):
    client = world.kp_auditor.client()
    response = client.get(LIST, {"category": "consultation"})
    assert listed(response) == {trail["kp_consulted"].seq}
    response = client.get(LIST, {"purpose": "merdare", "case_ref": "12/2025"})
    assert listed(response) == {trail["kp_consulted"].seq}
    # DK's consultation matches the filter but lies outside the auditor's scope
    response = client.get(LIST, {"purpose": "customs"})
    assert listed(response) == set()


@pytest.mark.parametrize(
    "params",
    [{"record": "not-a-uuid"}, {"after": "2025-13-45"}, {"after": "2025-02-01", "before": "2025-01-01"}, {"category": "nope"}],
)
def test_bad_filters_are_field_errors_not_an_unfiltered_list(world, trail, params):
    response = world.kp_auditor.client().get(LIST, params)
    assert response.status_code == 400
    assert response.context["table"]["filterset"].form.errors
    assert listed(response) == set()
    assert searches_by(world.kp_auditor) == []


def test_times_are_shown_in_europe_belgrade(world):
    kp = world.kp_investigator.membership.unit.institution_id
    with time_machine.travel(dt.datetime(2025, 7, 1, 10, 0, tzinfo=dt.UTC), tick=False):
        evt = record(world.kp_investigator, "record.consulted", purpose="summer", target_institution_id=kp)
    response = world.kp_auditor.client().get(detail(evt.seq))
    assert "01.07.2025 12:00:00" in response.content.decode()


# --- searching is itself logged ------------------------------------------------------------------


def test_every_search_is_written_to_the_trail_with_its_filters_and_purpose(world, trail):
    # when the internal auditor searches for an actor
    world.kp_auditor.client().get(LIST, {"actor": "kp_inv", "category": "consultation"})
    # then the search is an audit event of the consultation log, with the filters and hit count
    [search] = searches_by(world.kp_auditor)
    assert search.category == "consultation"
    assert search.purpose == "audit:internal_audit"
    assert payload_for(search)["extra"]["filters"] == {"actor": "kp_inv", "category": "consultation"}
    assert payload_for(search)["extra"]["results"] == 1
    assert search.actor_institution_id == world.kp_auditor.membership.unit.institution_id


def test_opening_an_event_is_logged_and_the_search_shows_up_for_the_inspector(world, trail):
    world.kp_dpo.client().get(detail(trail["kp_consulted"].seq))
    [opened] = searches_by(world.kp_dpo)
    assert payload_for(opened)["extra"]["event"] == trail["kp_consulted"].seq
    assert opened.purpose == "audit:data_protection_review"
    # the inspector sees the DPO's look into the trail
    response = world.inspector.client().get(LIST, {"event_type": "audit.searched"})
    assert opened.seq in listed(response)


def test_search_service_refuses_an_actor_without_audit_permission(world):
    with pytest.raises(PermissionDenied):
        audit_search_record(actor=world.kp_investigator.actor, filters={})


# --- event detail and payloads -------------------------------------------------------------------


def test_detail_shows_a_readable_payload_and_erased_once_shredded(world):
    subject = world.kp_officer.user
    kp = world.kp_admin.membership.unit.institution_id
    evt = record(world.kp_admin, "user.created", target=subject, after={"username": "kp_off", "last_name": "Krasniqi"},
                 target_institution_id=kp)
    client = world.kp_auditor.client()
    response = client.get(detail(evt.seq))
    assert response.status_code == 200
    assert response.context["payload_state"] == "readable"
    assert "Krasniqi" in response.content.decode()

    shred_subject(subject_type="accounts.user", subject_id=str(subject.pk), reason="retention")
    response = client.get(detail(evt.seq), HTTP_ACCEPT_LANGUAGE="en")
    assert response.context["payload_state"] == "shredded"
    assert "Krasniqi" not in response.content.decode()


def test_a_tampered_ciphertext_is_shown_as_undecryptable_not_as_erased(world):
    from kssp.core.audit.testing import tampering

    subject = world.kp_officer.user
    kp = world.kp_admin.membership.unit.institution_id
    evt = record(world.kp_admin, "user.created", target=subject, after={"username": "kp_off", "last_name": "Krasniqi"},
                 target_institution_id=kp)
    stored = bytearray(AuditEvent.objects.get(pk=evt.pk).payload_ciphertext)
    stored[-1] ^= 0x01  # one bit of the authentication tag
    with tampering():
        AuditEvent.objects.filter(pk=evt.pk).update(payload_ciphertext=bytes(stored))
    response = world.kp_auditor.client().get(detail(evt.seq), HTTP_ACCEPT_LANGUAGE="en")
    assert response.context["payload_state"] == "undecryptable"
    assert "cannot be decrypted although their key was never destroyed" in response.content.decode()
    assert "Payload erased" not in response.content.decode()
    api = world.kp_auditor.client().get(f"/api/v1/audit-events/{evt.seq}/").json()
    assert api["payload_state"] == "undecryptable" and api["payload_shredded"] is False and api["payload"] is None


def test_detail_of_an_event_without_payload_says_so(world, trail):
    response = world.kp_auditor.client().get(detail(trail["kp_consulted"].seq))
    assert response.context["payload_state"] == "empty"


# --- CSV export ----------------------------------------------------------------------------------


def test_export_streams_utf8_csv_with_bom_of_the_current_filter_and_is_audited(world, trail):
    client = world.kp_auditor.client()
    # when the auditor exports the consultation events with a purpose and a recipient
    response = client.post(EXPORT + "?category=consultation",
                           {"purpose": "Inspektimi nr. 7/2025 – Prishtinë", "recipient": "IPA, inspector Çeku"})
    # then a CSV attachment streams
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment;" in response["Content-Disposition"]
    rows = csv_rows(response)
    header, data = rows[0], rows[1:]
    assert len(header) == len(data[0]) == 18
    assert [int(r[0]) for r in data] == [trail["kp_consulted"].seq]
    assert "border check BCP Merdare" in data[0] and "PP.nr.12/2025" in data[0]
    # and the disclosure is recorded before the stream, with purpose, recipient, filters and size
    exported = AuditEvent.objects.get(event_type="audit.exported")
    assert exported.category == "disclosure" and exported.actor_id == world.kp_auditor.user.pk
    assert exported.purpose == "Inspektimi nr. 7/2025 – Prishtinë"
    extra = payload_for(exported)["extra"]
    assert extra["recipient"] == "IPA, inspector Çeku"
    assert extra["filters"] == {"category": "consultation"}
    assert extra["rows"] == len(data) == 1


def test_export_of_the_dpo_holds_only_the_dpos_scope(world, trail):
    response = world.kp_dpo.client().post(EXPORT, {"purpose": "DPIA review", "recipient": "DPO file"})
    seqs = {int(r[0]) for r in csv_rows(response)[1:]}
    assert {trail["kp_consulted"].seq, trail["disclosure_about_kp"].seq} <= seqs
    assert not seqs & {trail["kp_write"].seq, trail["dk_about_kp"].seq, trail["dk_consulted"].seq}


def test_export_neutralises_formula_injection(world):
    kp = world.kp_auditor.membership.unit.institution_id
    hostile = Actor(user=None, label="=HYPERLINK(\"http://evil\",\"x\")", institution_id=kp, source="web")
    record(hostile, "record.consulted", purpose="+SUM(1,2)", case_ref="@evil", target_institution_id=kp)
    record(hostile, "record.consulted", purpose="-2+3", case_ref="\tcmd", target_institution_id=kp)
    record(hostile, "record.consulted", purpose="\r=1", case_ref="ok", target_institution_id=kp)
    response = world.kp_auditor.client().post(EXPORT + "?category=consultation", {"purpose": "test", "recipient": "me"})
    cells = [cell for row in csv_rows(response)[1:] for cell in row]
    for dangerous in ('=HYPERLINK("http://evil","x")', "+SUM(1,2)", "@evil", "-2+3", "\tcmd", "\r=1"):
        assert dangerous not in cells
        assert "'" + dangerous in cells
    assert "ok" in cells


def test_neutralise_prefixes_only_text_that_a_spreadsheet_would_run():
    assert neutralise("=1+1") == "'=1+1"
    assert neutralise("  =1") == "'  =1"
    assert neutralise("\uff1dcmd") == "'\uff1dcmd"
    assert neutralise("Prishtinë") == "Prishtinë"
    assert neutralise("a=b") == "a=b"
    assert neutralise(-5) == "-5"
    assert neutralise(None) == ""


@pytest.mark.parametrize("data", [{"purpose": "", "recipient": "IPA"}, {"purpose": "   ", "recipient": "IPA"},
                                  {"purpose": "inspection", "recipient": ""}, {}])
def test_export_without_purpose_or_recipient_is_refused_with_field_errors(world, trail, data):
    response = world.kp_auditor.client().post(EXPORT, data)
    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/html")
    form = response.context["form"]
    missing = {name for name in ("purpose", "recipient") if not data.get(name, "").strip()}
    assert set(form.errors) == missing
    assert not AuditEvent.objects.filter(event_type="audit.exported").exists()


def test_export_with_bad_filters_exports_nothing(world, trail):
    response = world.kp_auditor.client().post(EXPORT + "?record=xyz", {"purpose": "p", "recipient": "r"})
    assert response.status_code == 400
    assert not AuditEvent.objects.filter(event_type="audit.exported").exists()


def test_export_form_shows_the_filters_and_the_count(world, trail):
    response = world.kp_auditor.client().get(EXPORT + "?category=consultation")
    assert response.status_code == 200
    assert response.context["count"] == 1


def test_export_needs_an_audit_permission(world, trail):
    assert world.kp_investigator.client().post(EXPORT, {"purpose": "p", "recipient": "r"}).status_code == 403
    with pytest.raises(PermissionDenied):
        audit_export_record(actor=world.kp_investigator.actor, filters={}, purpose="p", recipient="r", rows=0, up_to_seq=0)
    assert not AuditEvent.objects.filter(event_type="audit.exported").exists()


def test_export_service_names_the_missing_fields(world):
    with pytest.raises(ApplicationError) as info:
        audit_export_record(actor=world.inspector.actor, filters={}, purpose=" ", recipient="", rows=0, up_to_seq=0)
    assert set(info.value.fields) == {"purpose", "recipient"}


# --- chain verification --------------------------------------------------------------------------


@contextlib.contextmanager
def tampering():
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ALTER TABLE core_auditevent DISABLE TRIGGER kssp_audit_no_update")
    try:
        yield
    finally:
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("ALTER TABLE core_auditevent ENABLE TRIGGER kssp_audit_no_update")


def test_verify_button_is_offered_only_with_audit_verify(world, trail):
    assert world.kp_auditor.client().get(LIST).context["can_verify"] is True
    assert world.inspector.client().get(LIST).context["can_verify"] is True
    assert world.kp_dpo.client().get(LIST).context["can_verify"] is False


def test_verify_says_ok_on_an_intact_chain(world, trail):
    response = world.kp_auditor.client().post(VERIFY)
    assert response.status_code == 200
    assert response.context["result"].ok


def test_verify_names_the_first_problem(world, trail):
    with tampering():
        AuditEvent.objects.filter(seq=trail["kp_write"].seq).update(actor_label="someone else")
    response = world.inspector.client().post(VERIFY)
    result = response.context["result"]
    assert (result.ok, result.kind, result.seq) == (False, "changed", trail["kp_write"].seq)
    assert str(result.message) in response.content.decode()


def test_verify_without_permission_is_forbidden_and_get_is_not_allowed(world, trail):
    assert world.kp_dpo.client().post(VERIFY).status_code == 403
    assert world.kp_investigator.client().post(VERIFY).status_code == 403
    assert world.kp_auditor.client().get(VERIFY).status_code == 405


def test_htmx_refresh_answers_the_results_and_the_export_link_for_the_new_filters(world, trail):
    response = world.kp_auditor.client().get(LIST, {"category": "consultation"}, HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in body
    assert 'id="audit-export-link"' in body and 'hx-swap-oob="true"' in body
    assert "/audit/export/?category=consultation" in body
