"""Registered exportables (issue #3 point 6): the bulletin list and the bulletin statistics, exported
through the module's selector and FilterSet, or through the aggregate exception with small cells
suppressed. Bulletins are reached through the registry and ``apps.get_model`` (the kernel imports no
module)."""

from __future__ import annotations

import re

import pytest
from django.apps import apps

from kssp.core.audit import payload_for
from kssp.core.exceptions import ApplicationError, NotFound, PermissionDenied
from kssp.core.exports.registry import get_exportable, registered_exportables
from kssp.core.exports.services import export_registered
from kssp.core.exports.tests.conftest import csv_rows, make_bulletin, pdf_text, sheet_rows
from kssp.core.markings import Classification
from kssp.core.models.audit import AuditEvent
from kssp.core.services.grants import grant_create, grant_revoke

HEADER_ROW = 3  # marking, designation, title, then the header


def run(person, name="bulletins", fmt="csv", filters=None, **options):
    options.setdefault("purpose", "Weekly lookout summary")
    options.setdefault("recipient", "Head of NJKT")
    options.setdefault("language", "en")
    return export_registered(actor=person.actor, name=name, filters=filters or {}, format=fmt, **options)


def numbers(result):
    return {row[0] for row in csv_rows(result.content)[HEADER_ROW + 1:]}


def test_bulletins_register_their_list_and_their_statistics():
    exportables = registered_exportables()
    assert {"bulletins", "bulletin-statistics"} <= set(exportables)
    assert exportables["bulletins"].record_type == "bulletins.bulletin"
    assert "status" in exportables["bulletins"].filter_names()


def test_only_visible_bulletins_are_ever_exported(world):
    # given bulletins of the investigator's unit, of another institution, and one above a low clearance
    own = make_bulletin(world.kp_investigator, number="OWN-1")
    secret = make_bulletin(world.kp_investigator, number="OWN-SECRET", classification=Classification.SECRET)
    foreign = make_bulletin(world.customs, number="DK-1")
    # when the investigator and a colleague with no clearance export every bulletin they may see
    mine = run(world.kp_investigator)
    low = run(world.kp_low_clearance)
    # then
    assert numbers(mine) == {own.number, secret.number}
    assert foreign.number not in numbers(mine)
    assert numbers(low) == set()  # restricted and secret records are above an unclassified clearance
    event = mine.event
    assert payload_for(event)["extra"]["count"] == 2
    assert set(payload_for(event)["extra"]["record_ids"]) == {str(own.public_id), str(secret.public_id)}
    assert foreign.number not in pdf_text(run(world.kp_investigator, fmt="pdf").content)


def test_a_grant_brings_a_record_into_the_export_and_revocation_takes_it_out(world):
    record = make_bulletin(world.kp_investigator, number="SHARED-1")
    assert record.number not in numbers(run(world.customs))
    grant = grant_create(
        actor=world.kp_investigator.actor, obj=record, grantee_type="institution",
        institution=world.customs.membership.unit.institution, reason="joint operation",
    )
    assert record.number in numbers(run(world.customs))
    grant_revoke(actor=world.kp_investigator.actor, grant=grant, reason="operation over")
    assert record.number not in numbers(run(world.customs))


def test_the_lists_filters_apply_and_are_recorded_and_described(world):
    issued = make_bulletin(world.kp_investigator, number="ISS-1", status="issued")
    make_bulletin(world.kp_investigator, number="DRF-1", status="draft")
    result = run(world.kp_investigator, filters={"status": "issued", "page": "3", "unknown": "x"}, fmt="xlsx")
    rows = sheet_rows(result.content)
    assert [row[0] for row in rows[HEADER_ROW + 1:]] == [issued.number]
    assert rows[HEADER_ROW][:3] == ["Number", "Title", "Kind"]
    extra = payload_for(result.event)["extra"]
    assert extra["filters"] == {"status": "issued"}  # known filters only
    about = {row[0]: row[1] for row in sheet_rows(result.content, 1) if len(row) > 1}
    assert about["Filters"] == "Status: Issued"


def test_the_marking_is_the_highest_classification_exported(world):
    make_bulletin(world.kp_investigator, classification=Classification.RESTRICTED)
    make_bulletin(world.kp_investigator, classification=Classification.SECRET, handling_code="H1")
    result = run(world.kp_investigator)
    assert csv_rows(result.content)[0] == ["SECRET · H1"]
    assert payload_for(result.event)["extra"]["classification"] == Classification.SECRET
    assert payload_for(result.event)["extra"]["handling_codes"] == ["H1"]
    low = run(world.kp_investigator, filters={"classification": "1"})
    assert csv_rows(low.content)[0] == ["RESTRICTED"]


def test_the_disclosure_names_who_what_why_and_for_whom(world):
    make_bulletin(world.kp_investigator)
    result = run(world.kp_investigator, fmt="pdf", purpose="Request 45/2026 of the prosecutor", recipient="PSRK, duty prosecutor")
    event = AuditEvent.objects.get(event_type="export.disclosed")
    assert event == result.event
    assert event.category == "disclosure" and event.actor_id == world.kp_investigator.user.pk
    assert event.membership_id == world.kp_investigator.membership.pk
    assert event.purpose == "Request 45/2026 of the prosecutor"
    extra = payload_for(event)["extra"]
    assert extra["recipient"] == "PSRK, duty prosecutor"
    assert extra["exportable"] == "bulletins" and extra["record_type"] == "bulletins.bulletin"
    assert extra["count"] == 1 and extra["format"] == "pdf"


def test_a_bad_filter_value_is_a_field_error_and_nothing_is_recorded(world):
    with pytest.raises(ApplicationError) as caught:
        run(world.kp_investigator, filters={"classification": "9", "created_after": "yesterday"})
    assert set(caught.value.fields) == {"filters.classification", "filters.created_after"}
    assert not AuditEvent.objects.filter(event_type="export.disclosed").exists()


def test_missing_purpose_is_a_field_error_before_any_row_is_read(world, django_assert_max_num_queries):
    actor = world.kp_investigator.actor
    with django_assert_max_num_queries(0), pytest.raises(ApplicationError) as caught:
        export_registered(actor=actor, name="bulletins", filters={}, format="csv", purpose="", recipient="r")
    assert set(caught.value.fields) == {"purpose"}


def test_an_unknown_exportable_is_not_found_and_a_forbidden_one_is_refused(world):
    with pytest.raises(NotFound):
        run(world.kp_investigator, name="no-such-export")
    with pytest.raises(PermissionDenied):
        run(world.inspector)  # the external inspector does not read bulletins
    with pytest.raises(PermissionDenied):
        run(world.kp_investigator, name="bulletin-statistics")  # needs the aggregate permission
    assert not AuditEvent.objects.filter(event_type="export.disclosed").exists()


# --- statistics: small cells suppressed ---------------------------------------------------------------


def test_statistics_export_suppresses_small_cells_of_other_institutions(world):
    # given 6 KP alerts and 2 customs lookouts, all beyond the QKMK analyst's own institution
    for _ in range(6):
        make_bulletin(world.kp_investigator, kind="alert", classification=Classification.UNCLASSIFIED)
    for _ in range(2):
        make_bulletin(world.customs, kind="lookout", classification=Classification.UNCLASSIFIED)
    # when the analyst exports the statistics
    result = run(world.qkmk, name="bulletin-statistics", fmt="csv")
    rows = csv_rows(result.content)
    body = {(row[0], row[1]): row[2] for row in rows[HEADER_ROW + 1:]}
    # then the small cell is suppressed, never its count, and so is the big one beside it, which with
    # the total (8 by classification) would give the small one away
    assert body[("Kind", "Lookout")] == "x"
    assert body[("Kind", "Alert")] == "x"
    assert body[("Classification", "Unclassified")] == "8"
    assert rows[0] == ["UNCLASSIFIED"]
    assert payload_for(result.event)["extra"]["suppressed_cells"] == 2
    assert AuditEvent.objects.filter(event_type="stats.aggregate_viewed").count() == 3  # one per breakdown
    xlsx = sheet_rows(run(world.qkmk, name="bulletin-statistics", fmt="xlsx").content)
    assert ["Kind", "Lookout", "x"] in xlsx
    text = pdf_text(run(world.qkmk, name="bulletin-statistics", fmt="pdf").content)
    assert re.search(r"Lookout\s+x\s", text) and "suppressed" in text


def test_statistics_of_ones_own_institution_are_not_suppressed(world):
    for _ in range(2):
        make_bulletin(world.kp_investigator, kind="lookout")
    rows = csv_rows(run(world.kp_ffp, name="bulletin-statistics").content)
    assert ["Kind", "Lookout", "2"] in rows


def test_statistics_count_records_nobody_could_export_but_never_list_them(world):
    secret = make_bulletin(world.customs, number="DK-SECRET", classification=Classification.SECRET)
    result = run(world.qkmk, name="bulletin-statistics", fmt="csv")
    assert secret.number not in result.content.decode("utf-8")
    assert payload_for(result.event)["extra"]["record_ids"] == []


def test_the_bulletin_model_is_the_one_registered():
    assert get_exportable("bulletin-statistics").model is apps.get_model("bulletins", "Bulletin")
