"""Writes on the party index: persons, documents, organisations, vehicles, links, merge and unmerge
(issue #3 point 1 and its bad input "a person merge across institutions the actor cannot see")."""

from __future__ import annotations

import pytest
from django.db.models import Max

from kssp.core.audit import payload_for
from kssp.core.audit.testing import events_with_reason, reason_of
from kssp.core.exceptions import ApplicationError, Conflict, NotFound, PermissionDenied
from kssp.core.markings import Classification
from kssp.core.models import AuditDataKey, AuditEvent, Country
from kssp.core.parties import services
from kssp.core.parties.models import Organisation, PartyLink, Person, PersonDocument, PersonMerge, PlateFormat, Vehicle
from kssp.core.parties.tests.factories import PersonDocumentFactory, PersonFactory, VehicleFactory

pytestmark = pytest.mark.django_db


def top_seq():
    return AuditEvent.objects.aggregate(top=Max("seq"))["top"] or 0


def events_since(seq, **filters):
    return list(AuditEvent.objects.filter(seq__gt=seq, **filters).order_by("seq"))


def new_person(who, **extra):
    data = {"given_name": "Xhemajl", "family_name": "Shaqiri", "date_of_birth": "12.03.1980", "sex": "male"}
    data.update(extra)
    return services.person_create(actor=who.actor, **data)


# --- persons --------------------------------------------------------------------------------------


def test_create_stores_names_as_written_with_keys_and_an_encrypted_audit_event(world):
    since = top_seq()
    person = new_person(world.kp_investigator, father_name="Ramadan", personal_number="1234567890", nationality="XK",
                        addresses="Rr. Nëna Terezë 1, Prishtinë")
    assert (person.given_name, person.family_name, person.name_script) == ("Xhemajl", "Shaqiri", "latin")
    assert (person.given_key, person.family_key, person.family_prefix) == ("džemajl", "šaćiri", "sac")
    assert (person.birth_year, person.birth_month, person.birth_day) == (1980, 3, 12)
    assert person.nationality == Country.objects.get(code="XK")
    assert person.contains_personal_data is True
    assert person.owner_unit == world.kp_investigator.membership.unit
    (event,) = events_since(since, event_type="person.created")
    assert event.payload is None and event.payload_ciphertext  # personal data: encrypted per subject
    assert payload_for(event)["after"]["given_name"] == "Xhemajl"
    assert event.target_public_id == person.public_id
    assert "Xhemajl" not in event.target_repr


def test_cyrillic_names_are_kept_in_cyrillic_and_match_the_latin_key(world):
    person = new_person(world.kp_investigator, given_name="Џемајл", family_name="Шаћири")
    assert person.name_script == "cyrillic"
    assert person.family_name == "Шаћири"
    assert (person.given_key, person.family_key) == ("džemajl", "šaćiri")


@pytest.mark.parametrize(
    ("extra", "field"),
    [
        ({"given_name": "  "}, "given_name"),
        ({"family_name": ""}, "family_name"),
        ({"family_name": "1234"}, "family_name"),
        ({"given_name": "x" * 101}, "given_name"),
        ({"family_name": "Шаћири"}, "family_name"),  # mixed scripts
        ({"date_of_birth": "31.02.1980"}, "date_of_birth"),
        ({"date_of_birth": "12.03.2999"}, "date_of_birth"),
        ({"date_of_birth": "1850"}, "date_of_birth"),
        ({"personal_number": "12345"}, "personal_number"),
        ({"personal_number": "12345678AB"}, "personal_number"),
        ({"sex": "robot"}, "sex"),
        ({"nationality": "ZZ"}, "nationality"),
        ({"classification": Classification.TOP_SECRET}, "classification"),
        ({"handling_code": "H9"}, "handling_code"),
    ],
)
def test_bad_person_input_is_a_field_error_and_nothing_is_written(world, extra, field):
    since = top_seq()
    with pytest.raises(ApplicationError) as error:
        new_person(world.kp_officer, **extra)  # cleared for RESTRICTED only
    assert field in error.value.fields
    assert not Person.objects.unscoped(reason="test").exists()
    assert top_seq() == since


def test_a_personal_number_already_in_a_visible_record_is_refused(world):
    new_person(world.kp_investigator, personal_number="1234567890")
    with pytest.raises(ApplicationError) as error:
        new_person(world.kp_investigator, given_name="Arben", personal_number="1234567890")
    assert "personal_number" in error.value.fields


def test_a_personal_number_held_only_by_another_institution_reveals_nothing(world):
    new_person(world.customs, personal_number="1234567890")
    person = new_person(world.kp_investigator, personal_number="1234567890")  # no error: nothing revealed
    assert person.personal_number == "1234567890"


def test_creating_needs_the_permission(world):
    with pytest.raises(PermissionDenied):
        new_person(world.inspector)


def test_update_is_audited_with_before_and_after_and_recomputes_keys(world):
    person = new_person(world.kp_investigator)
    since = top_seq()
    services.person_update(actor=world.kp_investigator.actor, person=person, family_name="Krasniqi", date_of_birth="1981")
    person.refresh_from_db()
    assert person.family_key == "krasnići" and (person.birth_year, person.birth_month) == (1981, None)
    (event,) = events_since(since, event_type="person.updated")
    payload = payload_for(event)
    assert payload["before"]["family_name"] == "Shaqiri" and payload["after"]["family_name"] == "Krasniqi"


def test_updating_another_institutions_person_is_not_found(world):
    person = new_person(world.customs)
    with pytest.raises(NotFound):
        services.person_update(actor=world.kp_investigator.actor, person=person, family_name="X")


def test_unknown_fields_cannot_be_changed(world):
    person = new_person(world.kp_investigator)
    with pytest.raises(ApplicationError) as error:
        services.person_update(actor=world.kp_investigator.actor, person=person, owner_unit=None)
    assert "owner_unit" in error.value.fields


def test_documents_are_added_once(world):
    person = new_person(world.kp_investigator)
    actor = world.kp_investigator.actor
    document = services.person_document_add(actor=actor, person=person, doc_type="passport", number="p 001-234", issuing_country="XK")
    assert document.number_key == "P001234"
    assert AuditEvent.objects.filter(event_type="person_document.added", target_public_id=person.public_id).exists()
    with pytest.raises(ApplicationError) as error:
        services.person_document_add(actor=actor, person=person, doc_type="passport", number="P001234")
    assert "number" in error.value.fields
    with pytest.raises(ApplicationError) as error:
        services.person_document_add(actor=actor, person=person, doc_type="tattoo", number="")
    assert set(error.value.fields) == {"doc_type", "number"}
    assert PersonDocument.objects.unscoped(reason="test").count() == 1


# --- organisations and vehicles ----------------------------------------------------------------------


def test_organisation_and_vehicle_create_and_update(world):
    actor = world.kp_investigator.actor
    organisation = services.organisation_create(actor=actor, name="Siguria Sh.p.k.", business_number="81-000-1234",
                                                org_type="security_company")
    assert organisation.business_number_key == "810001234"
    services.organisation_update(actor=actor, organisation=organisation, name="Siguria Plus")
    vehicle = services.vehicle_create(actor=actor, plate="PR 123-AB", plate_format="SRB_KOSOVO_TOWN", vin="wvwzzz1jzxw000001",
                                      make="Volkswagen", model="Golf")
    assert (vehicle.plate_key, vehicle.vin) == ("PR123AB", "WVWZZZ1JZXW000001")
    assert vehicle.plate_format.name_en.startswith("Older Serbia-issued plate for a Kosovo town")
    services.vehicle_update(actor=actor, vehicle=vehicle, colour="grey")
    types = set(AuditEvent.objects.values_list("event_type", flat=True))
    assert {"organisation.created", "organisation.updated", "vehicle.created", "vehicle.updated"} <= types


@pytest.mark.parametrize(
    ("data", "field"),
    [({"plate": "", "vin": ""}, "plate"), ({"vin": "WVWZZZ1JZXW00000I"}, "vin"), ({"vin": "AB1"}, "vin"),
     ({"plate": "KS-1", "plate_format": "KOSOVO_I_METOHIJA"}, "plate_format"), ({"plate": "---"}, "plate")],
)
def test_bad_vehicle_input_is_a_field_error(world, data, field):
    with pytest.raises(ApplicationError) as error:
        services.vehicle_create(actor=world.kp_investigator.actor, **data)
    assert field in error.value.fields
    assert not Vehicle.objects.unscoped(reason="test").exists()


def test_plate_formats_are_seeded_with_neutral_labels():
    labels = {f.code: f for f in PlateFormat.objects.all()}
    assert {"RKS", "SRB_KOSOVO_TOWN", "FOREIGN"} <= set(labels)
    assert "KM, PR, PZ, PE, UR, ĐA, GL" in labels["SRB_KOSOVO_TOWN"].name_en
    for fmt in labels.values():
        for text in (fmt.name_sq, fmt.name_sr, fmt.name_en, fmt.name_sr_cyrl):
            assert "Metohij" not in text and "Kosova " not in fmt.name_en and "KiM" not in text


def test_organisation_bad_input(world):
    with pytest.raises(ApplicationError) as error:
        services.organisation_create(actor=world.kp_investigator.actor, name="", business_number="#", org_type="cartel")
    assert set(error.value.fields) == {"name", "business_number", "org_type"}
    assert not Organisation.objects.unscoped(reason="test").exists()


# --- links -------------------------------------------------------------------------------------------


def link(who, record, person, **extra):
    data = {"role": "owner", "subject_category": "other", "nature": "fact"}
    data.update(extra)
    return services.party_link_create(actor=who.actor, record=record, person=person, **data)


def test_link_a_record_to_a_person_with_category_and_nature(world):
    vehicle = VehicleFactory(owner=world.kp_investigator)
    person = new_person(world.kp_investigator)
    since = top_seq()
    created = link(world.kp_investigator, vehicle, person, role="keeper", subject_category="suspect", nature="assessment")
    assert (created.role, created.subject_category, created.nature) == ("keeper", "suspect", "assessment")
    (event,) = events_since(since, event_type="party_link.created")
    assert event.target_public_id == vehicle.public_id and event.payload is None
    key = AuditDataKey.objects.get(pk=event.data_key_id)
    assert key.subject_type == "parties.person" and key.subject_id == str(person.pk)


def test_the_same_role_twice_is_refused_on_the_role_field_whichever_way_it_comes(world):
    """The rule lives in the parties' service, so the API's party-link endpoint and the links panel
    refuse a second identical role alike; a removed role may be given again."""
    vehicle = VehicleFactory(owner=world.kp_investigator)
    person = new_person(world.kp_investigator)
    first = link(world.kp_investigator, vehicle, person, role="keeper")
    with pytest.raises(ApplicationError) as caught:
        link(world.kp_investigator, vehicle, person, role="keeper")
    assert caught.value.fields == {"role": ["This party already has this role in the record."]}
    assert caught.value.code == "duplicate"
    link(world.kp_investigator, vehicle, person, role="driver")  # another role of the same person is fine
    services.party_link_remove(actor=world.kp_investigator.actor, link=first, reason="entered twice")
    link(world.kp_investigator, vehicle, person, role="keeper")


@pytest.mark.parametrize(
    ("extra", "field"),
    [({"role": "boss"}, "role"), ({"subject_category": "celebrity"}, "subject_category"), ({"subject_category": ""}, "subject_category"),
     ({"nature": "rumour"}, "nature")],
)
def test_bad_link_input_is_a_field_error(world, extra, field):
    vehicle = VehicleFactory(owner=world.kp_investigator)
    person = new_person(world.kp_investigator)
    with pytest.raises(ApplicationError) as error:
        link(world.kp_investigator, vehicle, person, **extra)
    assert field in error.value.fields
    assert not PartyLink.objects.exists()


def test_organisations_and_vehicles_take_no_category_or_protection(world):
    person = new_person(world.kp_investigator)
    vehicle = VehicleFactory(owner=world.kp_investigator)
    with pytest.raises(ApplicationError) as error:
        services.party_link_create(actor=world.kp_investigator.actor, record=person, vehicle=vehicle, role="owner",
                                   subject_category="suspect", protected_witness=True)
    assert set(error.value.fields) == {"subject_category", "protected_witness"}
    with pytest.raises(ApplicationError) as error:
        services.party_link_create(actor=world.kp_investigator.actor, record=person, role="owner")
    assert "party" in error.value.fields


def test_linking_a_record_or_party_one_cannot_see_is_not_found(world):
    mine = VehicleFactory(owner=world.kp_investigator)
    theirs = VehicleFactory(owner=world.customs)
    person = new_person(world.kp_investigator)
    foreign_person = new_person(world.customs)
    with pytest.raises(NotFound) as error:
        link(world.kp_investigator, theirs, person)
    assert "record" in error.value.fields
    with pytest.raises(NotFound) as error:
        link(world.kp_investigator, mine, foreign_person)
    assert "person" in error.value.fields
    assert not PartyLink.objects.exists()


def test_removing_a_link_needs_a_reason_and_keeps_it_marked(world):
    vehicle = VehicleFactory(owner=world.kp_investigator)
    created = link(world.kp_investigator, vehicle, new_person(world.kp_investigator))
    with pytest.raises(ApplicationError) as error:
        services.party_link_remove(actor=world.kp_investigator.actor, link=created, reason=" ")
    assert "reason" in error.value.fields
    services.party_link_remove(actor=world.kp_investigator.actor, link=created, reason="entered by mistake")
    created.refresh_from_db()
    assert created.removed_at is not None and created.remove_reason == "entered by mistake"
    assert events_with_reason("entered by mistake", event_type="party_link.removed")
    with pytest.raises(ApplicationError):
        services.party_link_remove(actor=world.kp_investigator.actor, link=created, reason="again")


# --- merge and unmerge -------------------------------------------------------------------------------


def state(*persons):
    """Every column of the persons, their documents and every link that touches them."""
    ids = [p.pk for p in persons]
    return {
        "persons": list(Person.objects.unscoped(reason="test").filter(pk__in=ids).order_by("pk").values()),
        "documents": list(PersonDocument.objects.unscoped(reason="test").filter(person__in=ids).order_by("pk").values()),
        "links": list(PartyLink.objects.order_by("pk").values()),
    }


def arrange_duplicates(world):
    owner = world.kp_investigator
    survivor = new_person(owner, personal_number="1234567890")
    duplicate = new_person(owner, given_name="Džemajl", family_name="Šaćiri", date_of_birth="1980")
    PersonDocumentFactory(person=survivor, number="S1")
    PersonDocumentFactory(person=duplicate, number="D1")
    PersonDocumentFactory(person=duplicate, number="D2", doc_type="passport")
    vehicle = VehicleFactory(owner=owner)
    link(owner, vehicle, duplicate, role="driver", subject_category="suspect")
    removed = link(owner, VehicleFactory(owner=owner), duplicate)
    services.party_link_remove(actor=owner.actor, link=removed, reason="mistake")
    link(owner, vehicle, survivor, role="keeper")
    # a link whose record is the duplicate itself (a vehicle linked to the person as a record)
    services.party_link_create(actor=owner.actor, record=duplicate, vehicle=VehicleFactory(owner=owner), role="owner")
    return survivor, duplicate


def test_merge_then_unmerge_restores_every_row_exactly(world):
    survivor, duplicate = arrange_duplicates(world)
    before = state(survivor, duplicate)
    actor = world.kp_investigator.actor

    merge = services.person_merge(actor=actor, survivor=survivor, duplicate=duplicate, reason="same person, two spellings")

    duplicate.refresh_from_db()
    assert duplicate.merged_into == survivor
    documents = PersonDocument.objects.unscoped(reason="test").filter(person=survivor)
    assert set(documents.values_list("number", flat=True)) == {"S1", "D1", "D2"}
    assert PartyLink.objects.filter(person=duplicate).count() == 0
    assert PartyLink.objects.filter(person=survivor).count() == 3
    assert len(merge.moved_link_ids) == 2 and len(merge.moved_document_ids) == 2 and len(merge.moved_record_link_ids) == 1

    services.person_unmerge(actor=actor, duplicate=duplicate, reason="they are father and son")

    assert state(survivor, duplicate) == before
    merge.refresh_from_db()
    assert merge.undone_at is not None and merge.undo_reason == "they are father and son"


def test_merge_and_unmerge_are_audited_with_their_reason(world):
    survivor, duplicate = arrange_duplicates(world)
    actor = world.kp_investigator.actor
    since = top_seq()
    services.person_merge(actor=actor, survivor=survivor, duplicate=duplicate, reason="same person")
    services.person_unmerge(actor=actor, duplicate=duplicate, reason="different people")
    merged, unmerged = events_since(since)
    assert (merged.event_type, reason_of(merged), merged.target_public_id) == ("person.merged", "same person", duplicate.public_id)
    assert (unmerged.event_type, reason_of(unmerged)) == ("person.unmerged", "different people")
    payload = payload_for(merged)
    assert payload["before"]["given_name"] == "Džemajl" and payload["extra"]["survivor"] == str(survivor.public_id)
    assert len(payload["extra"]["moved"]["documents"]) == 2 and merged.payload is None


def test_a_merge_naming_a_person_of_an_institution_one_cannot_see_is_not_found_and_writes_nothing(world):
    # given a KP investigator's person and a Customs person KP cannot see
    survivor = new_person(world.kp_investigator)
    foreign = new_person(world.customs, given_name="Džemajl", family_name="Šaćiri")
    PersonDocumentFactory(person=foreign)
    before, since = state(survivor, foreign), top_seq()
    # when the investigator names it, either way round
    for kwargs in ({"survivor": survivor, "duplicate": foreign}, {"survivor": foreign, "duplicate": survivor}):
        with pytest.raises(NotFound) as error:
            services.person_merge(actor=world.kp_investigator.actor, reason="same", **kwargs)
        assert list(error.value.fields) == ["duplicate" if kwargs["duplicate"] is foreign else "survivor"]
    # then nothing was written
    assert state(survivor, foreign) == before
    assert top_seq() == since
    assert not PersonMerge.objects.exists()


def test_a_merge_across_institutions_one_can_see_is_refused(world):
    # a national-scope FFP officer sees (and may change) persons of both KP and Customs
    kp_person = new_person(world.kp_investigator)
    customs_person = new_person(world.customs)
    since = top_seq()
    with pytest.raises(ApplicationError) as error:
        services.person_merge(actor=world.kp_ffp.actor, survivor=kp_person, duplicate=customs_person, reason="same")
    assert "duplicate" in error.value.fields
    assert top_seq() == since


def test_a_person_seen_by_grant_cannot_be_merged(world):
    from kssp.core.services.grants import grant_create

    mine = new_person(world.kp_investigator)
    shared = new_person(world.customs)
    grant_create(actor=world.customs.actor, obj=shared, grantee_type="institution",
                 institution=world.kp_investigator.membership.unit.institution, reason="joint operation")
    with pytest.raises(PermissionDenied):
        services.person_merge(actor=world.kp_investigator.actor, survivor=mine, duplicate=shared, reason="same")


def test_merge_refusals(world):
    actor = world.kp_investigator.actor
    a, b, c = new_person(world.kp_investigator), new_person(world.kp_investigator), new_person(world.kp_investigator)
    with pytest.raises(ApplicationError) as error:
        services.person_merge(actor=actor, survivor=a, duplicate=a, reason="x")
    assert "duplicate" in error.value.fields
    with pytest.raises(ApplicationError) as error:
        services.person_merge(actor=actor, survivor=a, duplicate=b, reason="  ")
    assert "reason" in error.value.fields
    officer_a, officer_b = new_person(world.kp_officer), new_person(world.kp_officer)
    with pytest.raises(PermissionDenied):  # a police officer sees the persons but has no merge permission
        services.person_merge(actor=world.kp_officer.actor, survivor=officer_a, duplicate=officer_b, reason="x")
    secret = new_person(world.kp_investigator, classification=Classification.SECRET)
    with pytest.raises(ApplicationError) as error:
        services.person_merge(actor=actor, survivor=a, duplicate=secret, reason="x")
    assert "duplicate" in error.value.fields
    services.person_merge(actor=actor, survivor=a, duplicate=b, reason="same")
    with pytest.raises(ApplicationError):  # already merged
        services.person_merge(actor=actor, survivor=c, duplicate=b, reason="x")
    with pytest.raises(ApplicationError):  # merged persons cannot be edited
        services.person_update(actor=actor, person=b, family_name="Y")
    assert PersonMerge.objects.count() == 1


def test_unmerge_after_a_later_merge_of_the_survivor_is_a_conflict(world):
    actor = world.kp_investigator.actor
    a, b, c = new_person(world.kp_investigator), new_person(world.kp_investigator), new_person(world.kp_investigator)
    services.person_merge(actor=actor, survivor=a, duplicate=b, reason="same")
    services.person_merge(actor=actor, survivor=c, duplicate=a, reason="same again")
    with pytest.raises(Conflict):
        services.person_unmerge(actor=actor, duplicate=b, reason="undo")
    services.person_unmerge(actor=actor, duplicate=a, reason="undo the later one first")
    services.person_unmerge(actor=actor, duplicate=b, reason="now this one")
    assert Person.objects.unscoped(reason="test").filter(merged_into__isnull=False).count() == 0


def test_unmerge_of_a_person_not_merged_is_refused(world):
    person = new_person(world.kp_investigator)
    with pytest.raises(ApplicationError):
        services.person_unmerge(actor=world.kp_investigator.actor, duplicate=person, reason="x")


def test_a_merge_of_someone_elses_persons_by_unmerge_is_not_found(world):
    a, b = new_person(world.customs), new_person(world.customs)
    services.person_merge(actor=world.customs.actor, survivor=a, duplicate=b, reason="same")
    with pytest.raises(NotFound):
        services.person_unmerge(actor=world.kp_investigator.actor, duplicate=b, reason="x")
    assert PersonFactory._meta.model.objects.unscoped(reason="test").get(pk=b.pk).merged_into_id == a.pk


def test_a_suspects_final_acquittal_is_recorded_for_retention(world):
    import datetime as dt

    from django.utils import timezone

    owner = world.kp_investigator
    person = new_person(owner)
    suspect = link(owner, VehicleFactory(owner=owner), person, subject_category="suspect")
    witness = link(owner, VehicleFactory(owner=owner), person, subject_category="witness")
    day = timezone.localdate() - dt.timedelta(days=3)
    services.party_link_record_acquittal(actor=owner.actor, link=suspect, acquitted_on=day)
    suspect.refresh_from_db()
    assert suspect.acquitted_at == day
    assert AuditEvent.objects.filter(event_type="party_link.acquittal_recorded").count() == 1
    with pytest.raises(ApplicationError) as error:
        services.party_link_record_acquittal(actor=owner.actor, link=witness, acquitted_on=day)
    assert "acquitted_at" in error.value.fields
    with pytest.raises(ApplicationError):
        services.party_link_record_acquittal(actor=owner.actor, link=suspect, acquitted_on=timezone.localdate() + dt.timedelta(days=1))
    with pytest.raises(NotFound):
        services.party_link_record_acquittal(actor=world.customs.actor, link=suspect, acquitted_on=day)
