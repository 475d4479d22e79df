"""Issue #7 point 3: the existence-only check leaks nothing into the searcher's audit trail, answers
identifiers only (never content questions), and is limited, with the owner alerted."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.conf import settings
from django.test import override_settings
from django.utils import timezone

from kssp.accounts.testing import make_person
from kssp.core.audit.service import payload_for
from kssp.core.models import AuditEvent, HitNotice
from kssp.core.notifications.models import Notification
from kssp.core.search.hits import HitCheckLimited
from kssp.core.search.query import parse_query
from kssp.core.search.services import search_hit_check
from kssp.core.selectors import audit_event_list_visible_to

pytestmark = pytest.mark.django_db

CHECK = "/search/check/"
API_CHECK = "/api/v1/search/check/"
NUMBER = "BUL-DK-2026-004711"
TITLE = "Glock 17 serial 19Z45Z, Berisha brothers"
BODY = "Suspect born 1990 in Peja, car 01-123-AB, seen at Vërmica."


@pytest.fixture
def hidden(world, make_bulletin):
    """A Customs bulletin the KP investigator may not see."""
    return make_bulletin(world.customs, number=NUMBER, title=TITLE, body=BODY)


def check(person, q, *, purpose="Case PP 12/2026", lang="en", **headers):
    return person.client().post(CHECK, {"q": q, "purpose": purpose}, HTTP_ACCEPT_LANGUAGE=lang, **headers)


def api_check(person, q, *, purpose="Case PP 12/2026"):
    return person.client().post(API_CHECK, {"q": q, "purpose": purpose}, content_type="application/json",
                                HTTP_ACCEPT_LANGUAGE="en")


def event_text(event: AuditEvent) -> str:
    """Everything an audit reader is shown of an event, payload decrypted."""
    fields = [event.event_type, event.actor_label, event.target_type, event.target_id, str(event.target_public_id or ""),
              event.target_repr, event.reason, event.purpose, event.case_ref, repr(payload_for(event))]
    return " | ".join(fields)


# --- 1. the searcher's institution's trail ----------------------------------------------------------------


def test_no_audit_event_the_searchers_auditor_or_dpo_reads_names_the_hidden_record(world, hidden):
    response = check(world.kp_investigator, "19Z45Z")
    assert response.status_code == 200 and "possible match held by" in response.content.decode()
    assert HitNotice.objects.filter(object_id=hidden.pk).count() == 1
    for reader in (world.kp_auditor, world.kp_dpo):
        events = list(audit_event_list_visible_to(actor=reader.actor))
        assert any(e.event_type == "hit_check.run" for e in events) or reader is world.kp_dpo
        for event in events:
            text = event_text(event)
            assert NUMBER not in text and "Glock" not in text and "Berisha" not in text, text
            assert str(hidden.public_id) not in text and event.target_public_id != hidden.public_id
    # The pages the auditor reads: the list and every event's detail page.
    client = world.kp_auditor.client()
    pages = [client.get("/audit/", HTTP_ACCEPT_LANGUAGE="en").content.decode()]
    for event in audit_event_list_visible_to(actor=world.kp_auditor.actor):
        detail = client.get(f"/audit/events/{event.seq}/", HTTP_ACCEPT_LANGUAGE="en")
        assert detail.status_code == 200
        pages.append(detail.content.decode())
    for html in pages:
        assert NUMBER not in html and "Glock" not in html and str(hidden.public_id) not in html


def test_the_searchers_trail_says_what_the_searcher_was_told_and_the_owners_trail_names_the_record(world, hidden):
    check(world.kp_investigator, "19Z45Z", purpose="Case PP 12/2026")
    run = AuditEvent.objects.get(event_type="hit_check.run")
    assert run.actor_id == world.kp_investigator.user.pk and run.purpose == "Case PP 12/2026"
    unit = hidden.owner_unit
    assert payload_for(run)["extra"]["units"] == [f"{unit} ({hidden.owner_institution})"]
    dk_auditor = make_person("dk_aud", institution="DK", role="internal_auditor")
    owners = [e for e in audit_event_list_visible_to(actor=dk_auditor.actor) if e.event_type == "hit_notice.created"]
    assert len(owners) == 1 and owners[0].target_id == str(hidden.pk) and owners[0].target_public_id == hidden.public_id
    assert world.kp_investigator.user.username in owners[0].actor_label  # the owner learns who asked


# --- 2. identifiers only -----------------------------------------------------------------------------------


@pytest.mark.parametrize("q", ["born 1990", "1990", "1991", "12.05.1990", "05/1990", "Peja", "Berisha brothers", "Glock"])
def test_content_questions_are_refused_alike_with_a_field_error(world, hidden, q):
    response = check(world.kp_investigator, q)
    assert response.status_code == 400
    body = response.content.decode()
    assert "possible match" not in body and "No match" not in body
    assert "A check looks for an identifier" in body or "None of the records you may check" in body
    assert not HitNotice.objects.exists()
    api = api_check(world.kp_investigator, q)
    assert api.status_code == 400 and list(api.json()["error"]["fields"]) == ["q"]


def test_born_1990_and_born_1991_get_the_same_answer(world, hidden):
    answers = {q: (api_check(world.kp_investigator, q).status_code, api_check(world.kp_investigator, q).json())
               for q in ("born 1990", "born 1991", "1990", "1991")}
    assert answers["born 1990"] == answers["born 1991"] and answers["1990"] == answers["1991"]
    assert not HitNotice.objects.exists()


@pytest.mark.parametrize("q", ["19Z45Z", "19z45z", NUMBER, NUMBER.lower(), "01-123-AB"])
def test_identifiers_find_the_hidden_record_and_the_answer_is_unit_and_institution_only(world, hidden, q):
    response = api_check(world.kp_investigator, q)
    assert response.status_code == 200
    assert response.json() == {"hits": [{"type": "bulletin", "label": "Bulletins", "unit": str(hidden.owner_unit),
                                         "institution": str(hidden.owner_institution)}]}


@pytest.mark.parametrize("q", ["19Z45", "9Z45Z", "BUL-DK-2026-00471", "01-123-A"])
def test_a_part_of_an_identifier_is_not_a_match(world, hidden, q):
    response = api_check(world.kp_investigator, q)
    assert response.status_code == 200 and response.json() == {"hits": []}


def test_the_search_page_offers_the_check_for_identifiers_and_says_why_not_for_words(world, hidden):
    client = world.kp_investigator.client()
    words = client.get("/search/", {"q": "born 1990"}, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'id="hit-check"' not in words and 'id="hit-check-hint"' in words
    number = client.get("/search/", {"q": "19Z45Z"}, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'id="hit-check"' in number and 'id="hit-check-hint"' not in number


def test_the_list_page_check_answers_identifiers_only(world, hidden):
    client = world.kp_investigator.client()
    refused = client.post("/bulletins/check/", {"term": "born 1990", "purpose": "case"}, HTTP_ACCEPT_LANGUAGE="en")
    assert refused.status_code == 400 and "term" in refused.context["hit_form"].errors
    found = client.post("/bulletins/check/", {"term": "19Z45Z", "purpose": "case"}, HTTP_ACCEPT_LANGUAGE="en")
    assert found.status_code == 200 and "Possible match held by" in found.content.decode()
    assert HitNotice.objects.count() == 1


# --- 3. probing is limited ---------------------------------------------------------------------------------


def test_the_default_limits_are_20_an_hour_and_5_on_one_record():
    assert settings.KSSP_HIT_CHECK_PER_HOUR == 20 and settings.KSSP_HIT_CHECK_PER_RECORD == 5


@override_settings(KSSP_HIT_CHECK_PER_HOUR=3, KSSP_HIT_CHECK_PER_RECORD=50)
def test_checks_per_hour_are_limited_then_refused_with_a_translated_message_and_a_429(world, hidden):
    for n in range(3):
        assert check(world.kp_investigator, f"XY{n}0000").status_code == 200
    page = check(world.kp_investigator, "19Z45Z")
    assert page.status_code == 429
    assert "You have run 3 checks in the last hour" in page.content.decode()
    sq = check(world.kp_investigator, "19Z45Z", lang="sq")
    assert sq.status_code == 429 and "You have run" not in sq.content.decode()
    api = api_check(world.kp_investigator, "19Z45Z")
    assert api.status_code == 429 and 0 < int(api["Retry-After"]) <= 3601
    assert api.json()["error"]["code"] == "too_many_checks" and "3 checks" in api.json()["error"]["message"]
    assert not HitNotice.objects.exists()  # the refused checks looked at nothing
    assert AuditEvent.objects.filter(event_type="hit_check.refused", actor_id=world.kp_investigator.user.pk).count() == 3
    # Another user is not affected; the same user may check again an hour later.
    assert check(world.kp_investigator_other, "19Z45Z").status_code == 200
    with time_machine.travel(timezone.now() + dt.timedelta(minutes=61)):
        assert check(world.kp_investigator, "19Z45Z").status_code == 200


@override_settings(KSSP_HIT_CHECK_PER_HOUR=3)
def test_the_count_is_read_from_the_database_not_the_process(world, hidden):
    """Checks made by another worker (here: the service called directly) count for the web request."""
    for n in range(3):
        search_hit_check(actor=world.kp_investigator.actor, query=parse_query(f"XY{n}0000"), purpose="elsewhere")
    with pytest.raises(HitCheckLimited):
        search_hit_check(actor=world.kp_investigator.actor, query=parse_query("19Z45Z"), purpose="again")
    assert check(world.kp_investigator, "19Z45Z").status_code == 429


def test_five_checks_on_one_record_then_refused_and_the_owner_alerted(world, hidden, django_capture_on_commit_callbacks):
    for n in range(5):
        with django_capture_on_commit_callbacks(execute=True):
            assert check(world.kp_investigator, "19Z45Z" if n % 2 else NUMBER).status_code == 200
    refused = check(world.kp_investigator, "01-123-AB")
    assert refused.status_code == 429 and "checked the same record 5 times" in refused.content.decode()
    assert HitNotice.objects.filter(object_id=hidden.pk).count() == 5
    # The owner's institution has the alert in its trail, the owner's unit in its inbox.
    reached = AuditEvent.objects.get(event_type="hit_notice.limit_reached")
    assert reached.target_institution_id == hidden.owner_institution_id and reached.actor_institution_id is None
    kinds = set(Notification.objects.filter(recipient=world.customs.user).values_list("kind", flat=True))
    assert kinds == {"hit_notice", "hit_check_limit"}
    assert not Notification.objects.filter(recipient=world.kp_investigator.user).exists()
    # ... and none of it reaches the searcher's institution's auditor.
    assert reached not in audit_event_list_visible_to(actor=world.kp_auditor.actor)
    # Other records may still be checked.
    assert check(world.kp_investigator, "XY00000").status_code == 200


# --- issue #7 point 2: border and customs officers check; the owner shares with the one who asked ------------


@pytest.fixture
def border_and_customs(world):
    """The demo's border police and customs officers (kssp/demo seed_demo: the same units and roles)."""
    return (make_person("arben.berisha", institution="KP", unit="PKK-MERDARE", role="border_officer"),
            make_person("edona.kelmendi", institution="DK", unit="DG-VERMICE", role="customs_officer"))


def test_border_and_customs_officers_get_the_check_and_run_it(world, make_bulletin, border_and_customs):
    border, customs = border_and_customs
    held_by_customs = make_bulletin(world.customs, title="Golf 01-123-AB at Vërmica")
    held_by_police = make_bulletin(world.kp_investigator, title="Pistol 19Z45Z in Prizren")
    for person, q, held in ((border, "01-123-AB", held_by_customs), (customs, "19Z45Z", held_by_police)):
        assert person.actor.has_perm("hits.check")
        assert 'id="hit-check"' in person.client().get("/bulletins/").content.decode()
        assert "Check other institutions" in person.client().get("/search/", {"q": q}, HTTP_ACCEPT_LANGUAGE="en").content.decode()
        response = api_check(person, q)
        assert response.json()["hits"] == [{"type": "bulletin", "label": "Bulletins", "unit": str(held.owner_unit),
                                            "institution": str(held.owner_institution)}]


def test_the_migration_gives_existing_border_and_customs_roles_the_check():
    import importlib

    from django.apps import apps

    from kssp.accounts.models import Role

    migration = importlib.import_module("kssp.accounts.migrations.0008_hit_check_border_customs")
    for code in ("border_officer", "customs_officer"):
        role = Role.objects.get(code=code)
        role.permissions = [p for p in role.permissions if p != "hits.check"]
        role.save()
    migration.grant(apps, None)
    assert all("hits.check" in Role.objects.get(code=c).permissions for c in ("border_officer", "customs_officer"))
    assert "hits.check" not in Role.objects.get(code="police_officer").permissions
    migration.withdraw(apps, None)
    assert not any("hits.check" in Role.objects.get(code=c).permissions for c in ("border_officer", "customs_officer"))


def _notice_after_check(world, hidden):
    assert check(world.kp_investigator, "19Z45Z").status_code == 200
    return HitNotice.objects.get(object_id=hidden.pk)


@pytest.mark.parametrize(("grantee", "sees", "does_not_see"), [
    ("user", "kp_investigator", "kp_low_clearance"),  # kp_low is in the asker's unit, not named
    ("unit", "kp_investigator", "kp_investigator_other"),  # another unit of the asker's institution
])
def test_the_owner_shares_the_record_with_the_one_who_asked_in_one_step(world, hidden, grantee, sees, does_not_see):
    from kssp.core.models import Grant

    notice = _notice_after_check(world, hidden)
    detail_url = f"/bulletins/{hidden.public_id}/"
    assert getattr(world, sees).client().get(detail_url).status_code == 404
    owner = world.customs.client()
    page = owner.get(f"/notices/{notice.public_id}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Share with the one who asked" in page and hidden.number in page and "Case PP 12/2026" in page
    response = owner.post(f"/notices/{notice.public_id}/share/", {"grantee": grantee, "reason": "In answer to PP 12/2026"})
    assert response.status_code == 302
    grant = Grant.objects.get(object_id=hidden.pk)
    assert grant.grantee_type == grantee and grant.reason == "In answer to PP 12/2026"
    assert AuditEvent.objects.filter(event_type="grant.created", actor_id=world.customs.user.pk).count() == 1
    assert getattr(world, sees).client().get(detail_url).status_code == 200
    assert getattr(world, does_not_see).client().get(detail_url).status_code == 404
    notice.refresh_from_db()
    assert notice.acknowledged_at is not None


def test_only_the_owner_unit_opens_the_notice_and_a_share_needs_a_reason(world, hidden):
    from kssp.core.models import Grant

    notice = _notice_after_check(world, hidden)
    for stranger in (world.kp_investigator, world.kp_investigator_other, world.qkmk):
        assert stranger.client().get(f"/notices/{notice.public_id}/").status_code == 404
        assert stranger.client().post(f"/notices/{notice.public_id}/share/", {"grantee": "user", "reason": "x"}).status_code == 404
    response = world.customs.client().post(f"/notices/{notice.public_id}/share/", {"grantee": "user", "reason": " "},
                                           HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400 and "reason" in response.context["share_form"].errors
    assert not Grant.objects.exists()


def test_a_plate_or_a_vin_finds_a_vehicle_another_unit_holds_and_nothing_of_the_vehicle(world):
    from kssp.core.parties.tests.factories import VehicleFactory

    border = make_person("arben.berisha", institution="KP", unit="PKK-MERDARE", role="border_officer")
    vehicle = VehicleFactory(owner=world.customs, plate="02-456-KS", vin="WVWZZZ1JZXW000001", make="Audi")
    for q in ("02-456-KS", "02 456 KS", "WVWZZZ1JZXW000001"):
        body = api_check(border, q).json()
        assert body == {"hits": [{"type": "vehicle", "label": "Vehicles", "unit": str(vehicle.owner_unit),
                                  "institution": str(vehicle.owner_institution)}]}, q
    assert api_check(border, "02-456-KX").json() == {"hits": []}
    assert api_check(border, "Audi").status_code == 400  # a make is not an identifier
    assert HitNotice.objects.filter(object_id=vehicle.pk).count() == 3
