"""Persons, vehicles and organisations in the global search (the types this module registers)."""

from __future__ import annotations

import pytest

pytest.importorskip("kssp.core.search.registry")

from kssp.core.models import AuditEvent  # noqa: E402
from kssp.core.parties import search as parties_search  # noqa: E402
from kssp.core.parties.models import Organisation, Vehicle  # noqa: E402
from kssp.core.parties.tests.factories import OrganisationFactory, PersonFactory, VehicleFactory  # noqa: E402
from kssp.core.records import declaration_for  # noqa: E402
from kssp.core.search.query import parse_query  # noqa: E402
from kssp.core.search.registry import search_type  # noqa: E402

pytestmark = pytest.mark.django_db


def test_the_three_types_are_registered_and_persons_need_a_purpose():
    person, vehicle, organisation = (search_type(code) for code in ("person", "vehicle", "organisation"))
    assert person.requires_purpose and person.permission == "parties.view"
    assert vehicle is not None and organisation is not None


def test_a_name_in_any_script_finds_the_person_with_reasons_and_logs_the_purpose(world):
    person = PersonFactory(owner=world.kp_investigator, given_name="Xhemajl", family_name="Shaqiri")
    PersonFactory(owner=world.customs, given_name="Xhemajl", family_name="Shaqiri")  # not visible
    results = parties_search.persons(world.kp_investigator.actor, parse_query("Џемајл Шаћири", purpose="border check"))
    assert [r.public_id for r in results] == [person.public_id]
    assert results[0].title == "Xhemajl Shaqiri" and "Cyrillic" in results[0].detail
    assert "purpose=border+check" in results[0].url
    assert AuditEvent.objects.filter(event_type="person.searched", purpose="border check").count() == 1


def test_without_a_purpose_the_person_type_finds_nothing_and_logs_nothing(world):
    PersonFactory(owner=world.kp_investigator, given_name="Xhemajl", family_name="Shaqiri")
    assert parties_search.persons(world.kp_investigator.actor, parse_query("Xhemajl")) == []
    assert not AuditEvent.objects.filter(event_type="person.searched").exists()


def test_a_personal_number_and_a_record_link_find_the_person(world):
    person = PersonFactory(owner=world.kp_investigator, personal_number="1234567890")
    actor = world.kp_investigator.actor
    assert [r.public_id for r in parties_search.persons(actor, parse_query("1234567890", case_ref="C-1"))] == [person.public_id]
    by_link = parties_search.persons(actor, parse_query(f"/parties/persons/{person.public_id}/", purpose="QR"))
    assert [r.public_id for r in by_link] == [person.public_id]
    assert AuditEvent.objects.filter(event_type="person.consulted", purpose="QR").exists()


def test_plates_vins_and_organisations_are_found(world):
    vehicle = VehicleFactory(owner=world.kp_investigator, plate="PR 123-AB", vin="WVWZZZ1JZXW000001")
    organisation = OrganisationFactory(owner=world.kp_investigator, name="Siguria Sh.p.k.", business_number_key="810001234")
    visible = Vehicle.objects.unscoped(reason="test").filter(declaration_for(Vehicle).search_match(parse_query("pr-123 АВ")))
    assert list(visible) == [vehicle]
    match = declaration_for(Vehicle).search_match(parse_query("wvwzzz1jzxw000001"))
    assert list(Vehicle.objects.unscoped(reason="test").filter(match)) == [vehicle]
    assert declaration_for(Vehicle).search_present(vehicle).url == f"/parties/vehicles/{vehicle.public_id}/"
    found = Organisation.objects.unscoped(reason="test").filter(declaration_for(Organisation).search_match(parse_query("siguria")))
    assert list(found) == [organisation]
