"""The party index in the API: the contract for every resource, search with reasons, consultation,
pseudonymisation, merge and unmerge, and the bad input of issue #3 point 1."""

from __future__ import annotations

import re
import uuid

import pytest

from kssp.core.markings import Classification
from kssp.core.models import AuditEvent, Grant
from kssp.core.parties import services
from kssp.core.parties.api.views import OrganisationViewSet, PartyLinkViewSet, PersonViewSet, VehicleViewSet
from kssp.core.parties.models import PartyLink, Person, PersonMerge
from kssp.core.parties.tests.factories import (
    OrganisationFactory,
    PartyLinkFactory,
    PersonDocumentFactory,
    PersonFactory,
    VehicleFactory,
)
from kssp.core.services.grants import grant_create
from kssp.core.testing.contract import ApiContract, assert_error, last_audit_seq

# Marked so that pytest-django runs these before the transactional (browser) tests, which empty the
# tables the reference data (countries, plate formats) live in.
pytestmark = pytest.mark.django_db

PERSONS = "/api/v1/persons/"
LINKS = "/api/v1/party-links/"


def post(client, url, data):
    return client.post(url, data, content_type="application/json")


class TestPersonApi(ApiContract):
    viewset = PersonViewSet
    list_url = PERSONS
    viewer = "kp_investigator"
    foreign_owner = "customs"
    low_clearance_viewer = "kp_low_clearance"
    high_classification = Classification.RESTRICTED
    unpermitted = "inspector"
    sharable = True
    grantee = "customs"
    create_event = "person.created"
    update_event = "person.updated"
    # the page, its protection, the consultation event (search row, chain head, key), a content type
    list_max_queries = 16

    def make_record(self, world, owner, **options):
        return PersonFactory(owner=owner, classification=options.get("classification", Classification.RESTRICTED))

    def create_payload(self, world):
        return {"given_name": "Qerim", "family_name": "Zhuja", "date_of_birth": "1975", "nationality": "XK"}

    def update_payload(self, world, record):
        return {"father_name": "Ramadan"}


class TestOrganisationApi(ApiContract):
    viewset = OrganisationViewSet
    list_url = "/api/v1/organisations/"
    viewer = "kp_investigator"
    foreign_owner = "customs"
    low_clearance_viewer = "kp_low_clearance"
    unpermitted = "inspector"
    sharable = True
    grantee = "customs"
    create_event = "organisation.created"
    update_event = "organisation.updated"
    list_max_queries = 7  # with the content type of the grants' subquery when not cached yet

    def make_record(self, world, owner, **options):
        return OrganisationFactory(owner=owner, classification=options.get("classification", Classification.RESTRICTED))

    def create_payload(self, world):
        return {"name": "Siguria Sh.p.k.", "business_number": "810001234", "org_type": "security_company"}

    def update_payload(self, world, record):
        return {"name": "Siguria Plus Sh.p.k."}


class TestVehicleApi(ApiContract):
    viewset = VehicleViewSet
    list_url = "/api/v1/vehicles/"
    viewer = "kp_investigator"
    foreign_owner = "customs"
    low_clearance_viewer = "kp_low_clearance"
    unpermitted = "inspector"
    sharable = True
    grantee = "customs"
    create_event = "vehicle.created"
    update_event = "vehicle.updated"
    list_max_queries = 12  # the grants' content type when not cached yet, and the list's consultation event (plates)

    def make_record(self, world, owner, **options):
        return VehicleFactory(owner=owner, classification=options.get("classification", Classification.RESTRICTED))

    def create_payload(self, world):
        return {"plate": "PZ 123-AB", "plate_format": "SRB_KOSOVO_TOWN", "make": "Zastava", "model": "101"}

    def update_payload(self, world, record):
        return {"colour": "red"}


class TestPartyLinkApi(ApiContract):
    viewset = PartyLinkViewSet
    list_url = LINKS
    viewer = "kp_investigator"
    foreign_owner = "customs"
    low_clearance_viewer = "kp_low_clearance"
    unpermitted = "inspector"
    create_event = "party_link.created"
    list_max_queries = 8  # one query for the content types of every kind of record, when not cached yet

    def make_record(self, world, owner, **options):
        level = options.get("classification", Classification.RESTRICTED)
        vehicle = VehicleFactory(owner=owner, classification=level)
        return PartyLinkFactory(record=vehicle, person=PersonFactory(owner=owner, classification=level))

    def create_payload(self, world):
        owner = world.kp_investigator
        vehicle = VehicleFactory(owner=owner)
        return {"record": {"type": "parties.vehicle", "public_id": str(vehicle.public_id)},
                "person": str(PersonFactory(owner=owner).public_id), "role": "driver", "subject_category": "suspect",
                "nature": "fact"}

    def audit_matches(self, event, key):
        return PartyLink.objects.filter(public_id=key, object_id=event.target_id).exists()


# --- search -------------------------------------------------------------------------------------------


def search(client, **body):
    return post(client, f"{PERSONS}search/", body)


def test_search_finds_every_spelling_ranked_with_reasons_and_logs_the_purpose(world):
    owner = world.kp_investigator
    latin = PersonFactory(owner=owner, given_name="Džemajl", family_name="Šaćiri", birth_year=1980)
    cyrillic = PersonFactory(owner=owner, given_name="Џемајл", family_name="Шаћири", birth_year=1981)
    PersonFactory(owner=owner, given_name="Xhevdet", family_name="Shala")
    hidden = PersonFactory(owner=world.customs, given_name="Xhemajl", family_name="Shaqiri")
    since = last_audit_seq()

    response = search(owner.client(), name="Xhemajl Shaqiri", date_of_birth="1980", purpose="border check BCP Merdare",
                      case_ref="PR-2026-17")

    assert response.status_code == 200, response.content
    body = response.json()
    assert [r["person"]["public_id"] for r in body["results"]] == [str(latin.public_id), str(cyrillic.public_id)]
    assert str(hidden.public_id) not in response.content.decode()
    first, second = body["results"]
    assert first["reasons"][0]["code"] == "name_same_key" and first["reasons"][0]["rules"] == ["xh", "sh", "q"]
    assert [r["code"] for r in second["reasons"]] == ["name_same_key", "dob_within_year"]
    assert second["person"]["family_name"] == "Шаћири"
    (event,) = AuditEvent.objects.filter(seq__gt=since, event_type="person.searched")
    assert (event.category, event.purpose, event.case_ref) == ("consultation", "border check BCP Merdare", "PR-2026-17")
    assert event.payload is None and event.payload_ciphertext  # the criteria are personal data


def test_search_answers_in_the_readers_language(world):
    PersonFactory(owner=world.kp_investigator, given_name="Qerim", family_name="Gashi")
    client = world.kp_investigator.client()
    response = client.post(f"{PERSONS}search/", {"name": "Ћерим", "purpose": "x"}, content_type="application/json",
                           HTTP_ACCEPT_LANGUAGE="sr-latn")
    (result,) = response.json()["results"]
    assert result["reasons"][0]["text"].startswith("isti ključ posle") or result["reasons"][0]["text"]


def test_search_without_purpose_or_case_reference_is_a_field_error_and_logs_nothing(world):
    since = last_audit_seq()
    error = assert_error(search(world.kp_investigator.client(), name="Xhemajl"), 400, "invalid")
    assert list(error["fields"]) == ["purpose"]
    assert last_audit_seq() == since


@pytest.mark.parametrize(
    ("body", "field"),
    [({"date_of_birth": "31.02.1980", "name": "X"}, "date_of_birth"), ({"personal_number": "12"}, "personal_number"),
     ({}, "name"), ({"name": "1234"}, "name"), ({"limit": 1000, "name": "X"}, "limit"), ({"colour": "red", "name": "X"}, "colour")],
)
def test_bad_search_input_is_a_field_error(world, body, field):
    error = assert_error(search(world.kp_investigator.client(), purpose="check", **body), 400)
    assert field in error["fields"]


def test_search_needs_the_permission(world):
    assert_error(search(world.inspector.client(), name="X", purpose="p"), 403, "permission_denied")


def test_search_by_personal_number_or_document(world):
    owner = world.kp_investigator
    person = PersonFactory(owner=owner, personal_number="1234567890")
    other = PersonFactory(owner=owner)
    PersonDocumentFactory(person=other, number="P0012345")
    body = search(owner.client(), personal_number="1234567890", purpose="p").json()
    assert [r["person"]["public_id"] for r in body["results"]] == [str(person.public_id)]
    assert body["results"][0]["reasons"][0]["code"] == "personal_number_equal"
    body = search(owner.client(), document_number="p-001 2345", purpose="p").json()
    assert [r["person"]["public_id"] for r in body["results"]] == [str(other.public_id)]


def test_a_merged_duplicates_spelling_finds_the_survivor(world):
    owner = world.kp_investigator
    survivor = PersonFactory(owner=owner, given_name="Arben", family_name="Gashi")
    duplicate = PersonFactory(owner=owner, given_name="Xhemajl", family_name="Shaqiri")
    services.person_merge(actor=owner.actor, survivor=survivor, duplicate=duplicate, reason="same person")
    (result,) = search(owner.client(), name="Džemajl Šaćiri", purpose="p").json()["results"]
    assert result["person"]["public_id"] == str(survivor.public_id)
    assert result["reasons"][-1]["code"] == "merged_spelling"


# --- consultation and pseudonymisation -----------------------------------------------------------------


def test_reading_a_person_logs_a_consultation_with_purpose_and_case_reference(world):
    person = PersonFactory(owner=world.kp_investigator)
    response = world.kp_investigator.client().get(f"{PERSONS}{person.public_id}/", {"purpose": "arrest warrant", "case_ref": "C-1"})
    assert response.status_code == 200
    event = AuditEvent.objects.get(event_type="person.consulted", target_public_id=person.public_id)
    assert (event.purpose, event.case_ref, event.source) == ("arrest warrant", "C-1", "api")


def test_the_list_is_logged_as_one_consultation_naming_the_persons_shown(world):
    from kssp.core.audit import payload_for

    people = [PersonFactory(owner=world.kp_investigator) for _ in range(3)]
    since = last_audit_seq()
    assert world.kp_investigator.client().get(PERSONS, {"purpose": "weekly review"}).status_code == 200
    (event,) = AuditEvent.objects.filter(seq__gt=since)
    assert (event.event_type, event.purpose) == ("person.searched", "weekly review")
    assert set(payload_for(event)["extra"]["results"]) == {str(p.public_id) for p in people}


def protected_witness(world):
    owner = world.kp_investigator
    person = PersonFactory(owner=owner, given_name="Arben", family_name="Krasniqi", personal_number="1234567890",
                           birth_year=1990, birth_month=5, birth_day=17)
    PersonDocumentFactory(person=person, number="P777")
    PartyLinkFactory(record=VehicleFactory(owner=owner), person=person, protected_witness=True, subject_category="witness")
    return person


def test_a_protected_witness_is_pseudonymised_without_a_specific_grant(world):
    person = protected_witness(world)
    client = world.kp_investigator.client()
    body = client.get(f"{PERSONS}{person.public_id}/").json()
    assert body["pseudonymised"] is True
    assert re.fullmatch(r".+ W-[0-9A-F]{4}", body["display_name"])  # "Witness W-3F9A" in the reader's language
    assert body["date_of_birth"] == "1990"
    assert body["given_name"] == body["family_name"] == body["personal_number"] == ""
    assert "Krasniqi" not in client.get(PERSONS).content.decode()
    assert client.get(f"{PERSONS}{person.public_id}/documents/").json() == []
    # and a search by name does not confirm that the witness exists
    assert search(client, name="Arben Krasniqi", purpose="p").json()["results"] == []


def test_a_specific_grant_reveals_the_protected_witness(world):
    person = protected_witness(world)
    grant_create(actor=world.kp_ffp.actor, obj=person, grantee_type=Grant.GranteeType.USER, user=world.kp_investigator.user,
                 institution=world.kp_investigator.membership.unit.institution, reason="witness handler")
    client = world.kp_investigator.client()
    body = client.get(f"{PERSONS}{person.public_id}/").json()
    assert body["pseudonymised"] is False
    assert (body["display_name"], body["date_of_birth"], body["personal_number"]) == ("Arben Krasniqi", "17.05.1990", "1234567890")
    assert [d["number"] for d in client.get(f"{PERSONS}{person.public_id}/documents/").json()] == ["P777"]
    # the FFP officer who made the grant (national scope, no grant naming them) still sees the pseudonym
    assert world.kp_ffp.client().get(f"{PERSONS}{person.public_id}/").json()["pseudonymised"] is True


def test_an_institution_grant_is_not_a_specific_grant(world):
    person = protected_witness(world)
    grant_create(actor=world.kp_investigator.actor, obj=person, grantee_type="institution",
                 institution=world.customs.membership.unit.institution, reason="joint operation")
    body = world.customs.client().get(f"{PERSONS}{person.public_id}/").json()
    assert body["pseudonymised"] is True


def test_a_juvenile_is_pseudonymised_too(world):
    owner = world.kp_investigator
    person = PersonFactory(owner=owner, birth_year=2012)
    PartyLinkFactory(record=VehicleFactory(owner=owner), person=person, juvenile=True, subject_category="suspect")
    body = owner.client().get(f"{PERSONS}{person.public_id}/").json()
    assert re.fullmatch(r".+ J-[0-9A-F]{4}", body["display_name"]) and body["date_of_birth"] == "2012"


def test_editing_a_pseudonymised_person_is_refused(world):
    person = protected_witness(world)
    response = world.kp_investigator.client().patch(f"{PERSONS}{person.public_id}/", {"given_name": "X"},
                                                    content_type="application/json")
    assert_error(response, 403, "permission_denied")


# --- writing -----------------------------------------------------------------------------------------


def test_create_returns_the_person_with_keys_hidden_and_script_detected(world):
    body = post(world.kp_investigator.client(), PERSONS, {"given_name": "Ђорђе", "family_name": "Петровић",
                                                          "date_of_birth": "~1962", "nationality": "RS"}).json()
    assert body["name_script"] == "cyrillic" and body["date_of_birth"] == "~1962"
    assert body["nationality"]["code"] == "RS"
    assert "given_key" not in body and "id" not in body


@pytest.mark.parametrize(
    ("data", "field"),
    [({"family_name": "Gashi"}, "given_name"), ({"given_name": "A", "family_name": "B", "date_of_birth": "yesterday"}, "date_of_birth"),
     ({"given_name": "A", "family_name": "B", "nationality": "ZZ"}, "nationality"),
     ({"given_name": "A", "family_name": "B", "personal_number": "123"}, "personal_number"),
     ({"given_name": "A", "family_name": "B", "given_key": "x"}, "given_key")],
)
def test_bad_person_input_in_the_api_is_a_field_error(world, data, field):
    error = assert_error(post(world.kp_investigator.client(), PERSONS, data), 400)
    assert field in error["fields"]
    assert not Person.objects.unscoped(reason="test").exists()


def test_documents_are_added_through_the_person(world):
    person = PersonFactory(owner=world.kp_investigator)
    client = world.kp_investigator.client()
    url = f"{PERSONS}{person.public_id}/documents/"
    response = post(client, url, {"doc_type": "passport", "number": "P123", "issuing_country": "XK"})
    assert response.status_code == 201, response.content
    assert response.json()["issuing_country"]["code"] == "XK"
    assert "number" in assert_error(post(client, url, {"doc_type": "passport", "number": "p-123"}), 400)["fields"]
    assert_error(post(world.customs.client(), url, {"doc_type": "passport", "number": "X1"}), 404)


def test_merge_and_unmerge_through_the_api(world):
    owner = world.kp_investigator
    survivor, duplicate = PersonFactory(owner=owner), PersonFactory(owner=owner)
    PersonDocumentFactory(person=duplicate)
    client = owner.client()
    response = post(client, f"{PERSONS}{survivor.public_id}/merge/", {"duplicate": str(duplicate.public_id), "reason": "same"})
    assert response.status_code == 200, response.content
    assert response.json()["moved_documents"] == 1
    assert client.get(f"{PERSONS}{duplicate.public_id}/").json()["merged_into"] == str(survivor.public_id)
    assert "reason" in assert_error(post(client, f"{PERSONS}{duplicate.public_id}/unmerge/", {}), 400)["fields"]
    response = post(client, f"{PERSONS}{duplicate.public_id}/unmerge/", {"reason": "different people"})
    assert response.status_code == 200 and response.json()["undone_at"]


def test_a_merge_naming_a_person_of_another_institution_is_404_on_its_field_and_writes_nothing(world):
    survivor = PersonFactory(owner=world.kp_investigator)
    foreign = PersonFactory(owner=world.customs)
    since = last_audit_seq()
    response = post(world.kp_investigator.client(), f"{PERSONS}{survivor.public_id}/merge/",
                    {"duplicate": str(foreign.public_id), "reason": "same"})
    error = assert_error(response, 404, "not_found")
    assert list(error["fields"]) == ["duplicate"]
    response = post(world.kp_investigator.client(), f"{PERSONS}{foreign.public_id}/merge/",
                    {"duplicate": str(survivor.public_id), "reason": "same"})
    assert_error(response, 404, "not_found")
    assert last_audit_seq() == since and not PersonMerge.objects.exists()
    foreign.refresh_from_db()
    assert foreign.merged_into_id is None


# --- links -------------------------------------------------------------------------------------------


def test_links_show_ids_not_names_and_need_both_sides_visible(world):
    owner = world.kp_investigator
    person = PersonFactory(owner=owner)
    mine = PartyLinkFactory(record=VehicleFactory(owner=owner), person=person)
    foreign_record = VehicleFactory(owner=world.customs)
    hidden = PartyLinkFactory(record=foreign_record, person=person, created_by=world.customs.user,
                              created_by_institution=world.customs.membership.unit.institution)
    body = owner.client().get(LINKS).json()
    assert [item["public_id"] for item in body["results"]] == [str(mine.public_id)]
    assert body["results"][0]["party"] == {"type": "person", "public_id": str(person.public_id)}
    assert body["results"][0]["linked_record"]["type"] == "parties.vehicle"
    assert_error(owner.client().get(f"{LINKS}{hidden.public_id}/"), 404)


@pytest.mark.parametrize(
    ("change", "status", "field"),
    [
        ({"record": {"type": "auth.user", "public_id": str(uuid.uuid4())}}, 400, "record.type"),
        ({"record": {"type": "parties.vehicle", "public_id": str(uuid.uuid4())}}, 404, "record"),
        ({"person": str(uuid.uuid4())}, 404, "person"),
        ({"subject_category": "celebrity"}, 400, "subject_category"),
        ({"role": None}, 400, "role"),
    ],
)
def test_bad_link_input(world, change, status, field):
    owner = world.kp_investigator
    data = {"record": {"type": "parties.vehicle", "public_id": str(VehicleFactory(owner=owner).public_id)},
            "person": str(PersonFactory(owner=owner).public_id), "role": "driver", "subject_category": "suspect"}
    data.update(change)
    error = assert_error(post(owner.client(), LINKS, data), status)
    assert field in error["fields"]
    assert not PartyLink.objects.exists()


def test_remove_a_link_with_a_reason(world):
    owner = world.kp_investigator
    link = PartyLinkFactory(record=VehicleFactory(owner=owner), person=PersonFactory(owner=owner))
    client = owner.client()
    assert "reason" in assert_error(post(client, f"{LINKS}{link.public_id}/remove/", {}), 400)["fields"]
    body = post(client, f"{LINKS}{link.public_id}/remove/", {"reason": "wrong person"}).json()
    assert body["removed_at"] and body["remove_reason"] == "wrong person"
    assert str(link.public_id) not in client.get(LINKS).content.decode()


def test_record_a_suspects_acquittal(world):
    owner = world.kp_investigator
    link = PartyLinkFactory(record=VehicleFactory(owner=owner), person=PersonFactory(owner=owner), subject_category="suspect")
    client = owner.client()
    assert "acquitted_at" in assert_error(post(client, f"{LINKS}{link.public_id}/acquittal/", {"acquitted_at": "soon"}), 400)["fields"]
    body = post(client, f"{LINKS}{link.public_id}/acquittal/", {"acquitted_at": "2025-06-30"}).json()
    assert body["acquitted_at"] == "2025-06-30"
