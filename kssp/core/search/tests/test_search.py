"""Global search (issue #3 point 7): only what the actor may see, counted as such; QR payloads open the
record; types that log a consultation ask for a purpose; "check other institutions" is existence only."""

from __future__ import annotations

import re

import pytest
from django.apps import apps
from django.db.models import Q

from kssp.core.exceptions import ApplicationError, PermissionDenied
from kssp.core.models.audit import AuditEvent
from kssp.core.models.notices import HitNotice
from kssp.core.search.query import NAME, parse_query
from kssp.core.search.registry import SearchResult, any_type_requires_purpose, register_search_type, registered_search_types
from kssp.core.search.selectors import search_resolve_visible_to, search_visible_to
from kssp.core.search.services import search_hit_check
from kssp.core.services.grants import grant_create

INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE)


def search(person, text, **extra):
    return search_visible_to(actor=person.actor, query=parse_query(text, **extra))


def bulletin_group(outcome):
    return next((g for g in outcome.groups if g.type.code == "bulletin"), None)


# --- reading results is a consultation ------------------------------------------------------------


def test_results_holding_personal_data_are_logged_once_with_the_purpose_and_counting_is_not(world, make_bulletin):
    personal = make_bulletin(world.kp_investigator, title="Suspect Arben K. seen", contains_personal_data=True)
    make_bulletin(world.kp_investigator, title="Suspect vehicle seen")  # no personal data: not named
    outcome = search(world.kp_investigator, "suspect", purpose="Case 2026/77")
    assert bulletin_group(outcome).count == 2
    [event] = AuditEvent.objects.filter(event_type="bulletin.listed").order_by("-seq")[:1]
    assert AuditEvent.objects.filter(event_type="bulletin.listed").count() == 1  # one for the read, none for the count
    assert event.purpose == "Case 2026/77" and event.actor_id == world.kp_investigator.user.pk
    from kssp.core.audit import payload_for

    assert payload_for(event)["extra"]["records"] == [personal.number]


# --- visibility --------------------------------------------------------------------------------------


def test_results_and_counts_are_of_visible_records_only(world, make_bulletin):
    own = make_bulletin(world.kp_investigator, title="Zastava M70 seized")
    make_bulletin(world.customs, title="Zastava M70 at Vërmica")

    outcome = search(world.kp_investigator, "zastava m70")
    group = bulletin_group(outcome)
    assert group.count == 1 and outcome.total == 1
    assert [r.public_id for r in group.results] == [own.public_id]
    assert search(world.customs, "Zastava M70").total == 1


def test_a_clearance_below_the_classification_hides_and_does_not_count(world, make_bulletin):
    make_bulletin(world.kp_investigator, title="Confidential lookout", classification=2)
    assert search(world.kp_investigator, "confidential lookout").total == 1
    assert search(world.kp_low_clearance, "confidential lookout").total == 0


def test_a_grant_makes_a_record_searchable_for_the_grantee(world, make_bulletin):
    bulletin = make_bulletin(world.kp_investigator, title="Shared lookout")
    assert search(world.customs, "shared lookout").total == 0
    grant_create(actor=world.kp_investigator.actor, obj=bulletin, grantee_type="institution",
                 institution=world.customs.membership.unit.institution, reason="joint operation")
    assert search(world.customs, "shared lookout").total == 1


def test_types_the_actor_may_not_search_are_not_asked(world, make_bulletin):
    make_bulletin(world.kp_investigator, title="Lookout for inspectors")
    outcome = search(world.inspector, "lookout for inspectors")  # the IPA holds no bulletins.view
    assert bulletin_group(outcome) is None and outcome.total == 0


def test_an_exact_number_comes_first(world, make_bulletin):
    make_bulletin(world.kp_investigator, title="About BUL-KP-2026-777001 and others", number="BUL-KP-2026-777002")
    exact = make_bulletin(world.kp_investigator, title="The one", number="BUL-KP-2026-777001")
    results = bulletin_group(search(world.kp_investigator, "bul-kp-2026-777001")).results
    assert results[0].public_id == exact.public_id and len(results) == 2


# --- QR payloads -------------------------------------------------------------------------------------


def test_a_qr_payload_resolves_to_the_record_when_visible(world, make_bulletin):
    bulletin = make_bulletin(world.kp_investigator, title="Scanned")
    spec, result = search_resolve_visible_to(actor=world.kp_investigator.actor, public_id=bulletin.public_id)
    assert spec.code == "bulletin" and result.public_id == bulletin.public_id

    response = world.kp_investigator.client().get("/search/", {"q": f"kssp:bulletin:{bulletin.public_id}"})
    assert response.status_code == 302 and response["Location"] == f"/bulletins/{bulletin.public_id}/"
    link = world.kp_investigator.client().get("/search/", {"q": f"https://kssp.example/bulletins/{bulletin.public_id}/"})
    assert link.status_code == 302


def test_a_qr_payload_of_a_record_out_of_reach_opens_nothing(world, make_bulletin):
    bulletin = make_bulletin(world.customs, title="Customs only")
    response = world.kp_investigator.client().get("/search/", {"q": f"kssp:bulletin:{bulletin.public_id}"},
                                                  HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    body = response.content.decode()
    assert "Customs only" not in body and "0 results you may see" in body
    assert "Check other institutions" in body  # the investigator holds hits.check


def test_a_qr_payload_naming_another_type_matches_nothing(world, make_bulletin):
    bulletin = make_bulletin(world.kp_investigator, title="Typed")
    assert search(world.kp_investigator, f"kssp:person:{bulletin.public_id}").total == 0


# --- pages -------------------------------------------------------------------------------------------


def test_the_results_page_groups_by_type_with_counts(world, make_bulletin):
    for n in range(12):
        make_bulletin(world.kp_investigator, title=f"Golf lookout {n}")
    response = world.kp_investigator.client().get("/search/", {"q": "golf lookout"}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    body = response.content.decode()
    assert "12 results you may see" in body and "looks like: name" in body
    assert 'id="search-group-bulletin"' in body and body.count('class="list-group-item"') == 10
    assert "All 12 in Bulletins" in body
    assert not INLINE_SCRIPT.search(body) and " style=" not in body

    page = world.kp_investigator.client().get("/search/", {"q": "golf lookout", "type": "bulletin"}, HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 200 and page.content.decode().count('class="list-group-item"') == 12


def test_the_type_page_is_paginated(world, make_bulletin):
    for n in range(27):
        make_bulletin(world.kp_investigator, title=f"Paged {n}")
    client = world.kp_investigator.client()
    first = client.get("/search/", {"q": "paged", "type": "bulletin"}).content.decode()
    second = client.get("/search/", {"q": "paged", "type": "bulletin", "page": 2}).content.decode()
    assert first.count('class="list-group-item"') == 25 and second.count('class="list-group-item"') == 2


def test_the_header_box_is_on_every_page_with_an_accessible_label(world):
    body = world.kp_officer.client().get("/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    form = re.search(r'<form[^>]*action="/search/"[^>]*role="search".*?</form>', body, re.S)
    assert form, "the header search form is missing"
    assert '<label class="visually-hidden" for="kssp-search-q">' in form.group(0)
    # The purpose field is there exactly when a registered type (persons) logs a consultation.
    assert ('name="purpose"' in form.group(0)) == any_type_requires_purpose(world.kp_officer.actor)


def test_the_header_asks_for_a_purpose_only_when_a_type_requires_one(world, temporary_type, monkeypatch):
    from kssp.core.search import registry

    without = {code: spec for code, spec in registry._types.items() if not spec.requires_purpose}
    monkeypatch.setattr(registry, "_types", without)
    body = world.kp_officer.client().get("/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'id="kssp-search-purpose"' not in body
    temporary_type("persons-locked", label_sq="Personat", label_sr="Osobe", label_en="Persons",
                   selector=lambda actor, query: [], kinds={NAME}, requires_purpose=True, permission="nobody.has.this")
    body = world.kp_officer.client().get("/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'id="kssp-search-purpose"' not in body  # a type the actor may not search asks nothing
    temporary_type("persons-test", label_sq="Personat", label_sr="Osobe", label_en="Persons",
                   selector=lambda actor, query: [], kinds={NAME}, requires_purpose=True)
    body = world.kp_officer.client().get("/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'id="kssp-search-purpose"' in body and 'for="kssp-search-purpose"' in body


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"q": ""}, "Type what you are looking for."),
        ({"q": "x"}, "Type at least 2 characters."),
        ({"q": "x" * 500}, "Search for at most 200 characters."),
        ({"q": "\x00\x01"}, "Null characters are not allowed."),
        ({"q": "\x01\x02"}, "Type what you are looking for."),
    ],
)
def test_bad_search_text_is_a_field_error_not_a_500(world, params, message):
    response = world.kp_officer.client().get("/search/", params, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    assert message in response.content.decode()


def test_an_unknown_type_page_is_404(world):
    assert world.kp_officer.client().get("/search/", {"q": "golf", "type": "nothing"}).status_code == 404


def test_the_empty_search_page_shows_the_form(world):
    response = world.kp_officer.client().get("/search/")
    assert response.status_code == 200 and 'name="q"' in response.content.decode()


def test_search_needs_a_membership_and_a_sign_in(world, client):
    assert client.get("/search/", {"q": "golf"}).status_code == 302  # to the sign-in page


# --- types that need a purpose (persons) ---------------------------------------------------------------


def test_a_type_that_logs_a_consultation_is_asked_only_with_a_purpose(world, temporary_type):
    calls = []

    def persons(actor, query):
        calls.append((query.text, query.purpose, query.case_ref))
        return [SearchResult(title="Xhemajl B.", url="/parties/x/")]

    temporary_type("persons-test", label_sq="Personat", label_sr="Osobe", label_en="Persons",
                   selector=persons, kinds={NAME}, requires_purpose=True)
    outcome = search(world.kp_investigator, "Xhemajl Berisha")
    group = next(g for g in outcome.groups if g.type.code == "persons-test")
    assert group.needs_purpose and group.count is None and calls == []

    outcome = search(world.kp_investigator, "Xhemajl Berisha", purpose="border check Merdare", case_ref="PP 12/2026")
    group = next(g for g in outcome.groups if g.type.code == "persons-test")
    assert group.count == 1 and calls == [("Xhemajl Berisha", "border check Merdare", "PP 12/2026")]

    assert not any(g.type.code == "persons-test" for g in search(world.kp_investigator, "01-123-AB", purpose="x").groups)

    body = world.kp_investigator.client().get("/search/", {"q": "Xhemajl Berisha"}, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Give the purpose of this search" in body and 'name="purpose"' in body


# --- check other institutions (existence only) ------------------------------------------------------


def test_the_check_is_offered_only_when_nothing_visible_matches_and_to_holders_of_hits_check(world, make_bulletin):
    make_bulletin(world.customs, title="Kalashnikov 19Z45Z at Vërmica")
    assert search(world.kp_investigator, "19Z45Z").offers_hit_check
    assert not search(world.kp_officer, "19Z45Z").offers_hit_check  # no hits.check
    assert not search(world.kp_investigator, "kalashnikov").offers_hit_check  # a word is not an identifier
    make_bulletin(world.kp_investigator, title="Kalashnikov 19Z45Z in Prizren")
    assert not search(world.kp_investigator, "19Z45Z").offers_hit_check  # something visible matches


def test_the_check_tells_only_who_holds_a_match_and_notifies_the_owner(world, make_bulletin):
    hidden = make_bulletin(world.customs, title="Secret lookout Vërmica 19Z45Z", body="Sensitive content")
    client = world.kp_investigator.client()
    response = client.post("/search/check/", {"q": "19Z45Z", "purpose": "cross-border trafficking case"},
                           HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    body = response.content.decode()
    assert "possible match held by" in body and str(hidden.owner_unit.name_en) in body
    assert "Secret lookout" not in body and "Sensitive content" not in body and hidden.number not in body
    notice = HitNotice.objects.get()
    assert notice.object_id == hidden.pk and notice.owner_unit_id == hidden.owner_unit_id
    assert notice.searcher_id == world.kp_investigator.user.pk and notice.purpose == "cross-border trafficking case"
    event = AuditEvent.objects.get(event_type="hit_notice.created")  # the owner's event, not the searcher's
    assert event.purpose == "cross-border trafficking case" and event.target_id == str(hidden.pk)
    assert event.actor_institution_id is None and event.target_institution_id == hidden.owner_institution_id


def test_the_check_answers_no_match_without_revealing_anything(world):
    response = world.kp_investigator.client().post("/search/check/", {"q": "XY98765", "purpose": "routine"},
                                                   HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200 and "No match in records outside your reach." in response.content.decode()


def test_a_check_without_purpose_is_refused_and_writes_nothing(world, make_bulletin):
    make_bulletin(world.customs, title="Hidden lookout")
    before = AuditEvent.objects.count()
    response = world.kp_investigator.client().post("/search/check/", {"q": "hidden lookout", "purpose": "  "},
                                                   HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400 and "Give the purpose of the check." in response.content.decode()
    with pytest.raises(ApplicationError) as caught:
        search_hit_check(actor=world.kp_investigator.actor, query=parse_query("hidden lookout"), purpose="")
    assert "purpose" in caught.value.fields
    assert HitNotice.objects.count() == 0 and AuditEvent.objects.count() == before


def test_the_check_is_refused_without_hits_check_and_to_the_intelligence_agency(world, make_bulletin):
    make_bulletin(world.customs, title="Hidden lookout")
    assert world.kp_officer.client().post("/search/check/", {"q": "hidden lookout", "purpose": "x"}).status_code == 403
    assert world.aki.client().post("/search/check/", {"q": "hidden lookout", "purpose": "x"}).status_code == 403
    with pytest.raises(PermissionDenied):
        search_hit_check(actor=world.aki.actor, query=parse_query("hidden lookout"), purpose="analysis")
    assert HitNotice.objects.count() == 0


def test_the_check_works_with_htmx(world, make_bulletin):
    make_bulletin(world.customs, title="Htmx lookout 19Z45Z")
    response = world.kp_investigator.client().post("/search/check/", {"q": "19Z45Z", "purpose": "case"},
                                                   HTTP_HX_REQUEST="true", HTTP_ACCEPT_LANGUAGE="en")
    body = response.content.decode()
    assert response.status_code == 200 and body.lstrip().startswith('<div id="hit-check">') and "<html" not in body


# --- the registry -------------------------------------------------------------------------------------


def test_the_bulletin_type_is_registered_with_its_labels():
    spec = next(t for t in registered_search_types() if t.code == "bulletin")
    assert (spec.label_sq, spec.label_sr, spec.label_en) == ("Buletinet", "Bilteni", "Bulletins")
    assert spec.offers_hit_check and spec.permission == "bulletins.view"
    from django.utils import translation

    with translation.override("sr-cyrl"):
        assert spec.label == "Билтени"


@pytest.mark.parametrize(
    "kwargs",
    [
        {"code": "Bad Code"},
        {"label_en": ""},
        {"visible": None},
        {"kinds": {"telepathy"}},
        {"hidden_check": True},  # without the model
    ],
)
def test_a_bad_registration_is_refused(kwargs):
    arguments = {
        "code": "probe", "label_sq": "Provë", "label_sr": "Proba", "label_en": "Probe",
        "visible": lambda actor: apps.get_model("bulletins", "Bulletin").objects.none(), "match": lambda q: Q(pk=0),
    }
    arguments.update(kwargs)
    code = arguments.pop("code")
    with pytest.raises(ValueError):
        register_search_type(code, **arguments)
