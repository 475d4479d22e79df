"""Person pages: search with a purpose, detail with consultation, create and edit, documents, the links
panel, merge and unmerge, and pseudonymised display (issue #3 point 1)."""

from __future__ import annotations

import pytest

from kssp.core.models import AuditEvent, Grant
from kssp.core.parties import services
from kssp.core.parties.models import Person, PersonDocument, PersonMerge
from kssp.core.parties.tests.factories import PartyLinkFactory, PersonDocumentFactory, PersonFactory, VehicleFactory
from kssp.core.services.grants import grant_create
from kssp.core.testing.contract import last_audit_seq

pytestmark = pytest.mark.django_db
SEARCH = "/parties/"
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


def detail(person):
    return f"/parties/persons/{person.public_id}/"


def test_the_search_page_asks_for_a_purpose_and_logs_nothing_without_one(world):
    client = world.kp_investigator.client()
    assert client.get(SEARCH, **EN).status_code == 200
    since = last_audit_seq()
    response = client.post(SEARCH, {"name": "Xhemajl"}, **EN)
    assert response.status_code == 400
    assert "Give the purpose of the search or a case reference" in response.content.decode()
    assert last_audit_seq() == since


def test_search_shows_ranked_matches_with_reasons_and_carries_the_purpose_to_the_detail(world):
    owner = world.kp_investigator
    person = PersonFactory(owner=owner, given_name="Džemajl", family_name="Šaćiri")
    client = owner.client()
    response = client.post(SEARCH, {"name": "Xhemajl Shaqiri", "purpose": "border check", "case_ref": "C-7"}, **EN)
    page = response.content.decode()
    assert response.status_code == 200
    assert "Džemajl" in page and "same key after Xh→Dž, Sh→Š, Q→Ć" in page
    assert AuditEvent.objects.filter(event_type="person.searched", purpose="border check", case_ref="C-7").exists()
    # the result's link carries the purpose to the consultation of the detail page
    assert f"{detail(person)}?purpose=border+check&amp;case_ref=C-7" in page
    client.get(f"{detail(person)}?purpose=border+check&case_ref=C-7")
    event = AuditEvent.objects.filter(event_type="person.consulted").latest("seq")
    assert (event.purpose, event.case_ref) == ("border check", "C-7")


def test_an_htmx_search_answers_with_the_fragment(world):
    PersonFactory(owner=world.kp_investigator, given_name="Qerim", family_name="Zhuja")
    response = world.kp_investigator.client().post(SEARCH, {"name": "Ćerim Žuja", "purpose": "p"}, HTTP_HX_REQUEST="true", **EN)
    page = response.content.decode()
    assert response.status_code == 200 and page.lstrip().startswith('<div id="person-search">')
    assert "Qerim" in page and "<html" not in page


def test_the_pages_speak_albanian_by_default(world):
    page = world.kp_investigator.client().get(SEARCH).content.decode()
    assert '<html lang="sq">' in page


def test_the_person_pages_need_the_permission(world):
    client = world.inspector.client()
    assert client.get(SEARCH).status_code == 403
    assert client.get("/parties/persons/new/").status_code == 403


def test_detail_is_logged_and_other_institutions_get_404(world):
    person = PersonFactory(owner=world.kp_investigator, given_name="Arben", family_name="Gashi")
    PersonDocumentFactory(person=person, number="P0001")
    vehicle = VehicleFactory(owner=world.kp_investigator, plate="01-234-KS", make="Zastava", model="101")
    PartyLinkFactory(record=vehicle, person=person, role="keeper", subject_category="suspect")
    hidden_record = VehicleFactory(owner=world.customs, plate="PR-999-XX")
    PartyLinkFactory(record=hidden_record, person=person, created_by=world.customs.user,
                     created_by_institution=world.customs.membership.unit.institution)

    response = world.kp_investigator.client().get(detail(person), **EN)
    page = response.content.decode()
    assert response.status_code == 200
    assert "Arben" in page and "P0001" in page
    assert "01-234-KS · Zastava 101" in page and "Suspect" in page
    assert "PR-999-XX" not in page  # a record the viewer cannot see is omitted, not counted
    assert AuditEvent.objects.filter(event_type="person.consulted", target_public_id=person.public_id,
                                     purpose="person detail page").exists()
    assert world.customs.client().get(detail(person)).status_code == 404


def test_a_protected_witness_page_shows_the_pseudonym_until_a_grant(world):
    owner = world.kp_investigator
    person = PersonFactory(owner=owner, given_name="Arben", family_name="Krasniqi", birth_year=1990, birth_month=5, birth_day=17)
    PersonDocumentFactory(person=person, number="P777")
    PartyLinkFactory(record=VehicleFactory(owner=owner), person=person, protected_witness=True)
    client = owner.client()
    page = client.get(detail(person), **EN).content.decode()
    assert "Krasniqi" not in page and "P777" not in page and "17.05.1990" not in page
    assert "Witness W-" in page and "1990" in page
    assert client.get(f"{detail(person)}edit/").status_code == 403

    grant_create(actor=world.kp_ffp.actor, obj=person, grantee_type=Grant.GranteeType.USER, user=owner.user,
                 institution=owner.membership.unit.institution, reason="witness handler")
    page = client.get(detail(person), **EN).content.decode()
    assert "Krasniqi" in page and "P777" in page and "17.05.1990" in page


def test_create_with_errors_then_success(world):
    client = world.kp_investigator.client()
    response = client.post("/parties/persons/new/", {"given_name": "Џемајл", "family_name": "Shaqiri", "sex": "male",
                                                     "date_of_birth": "31.02.1980", "classification": "1"}, **EN)
    assert response.status_code == 400
    page = response.content.decode()
    assert "Write all the names in one script" in page and "Write the date of birth as" in page
    assert not Person.objects.unscoped(reason="test").exists()
    response = client.post("/parties/persons/new/", {"given_name": "Џемајл", "family_name": "Шаћири", "sex": "male",
                                                     "date_of_birth": "12.03.1980", "classification": "1", "nationality": "XK"})
    person = Person.objects.unscoped(reason="test").get()
    assert response.status_code == 302 and response["Location"] == detail(person)
    assert person.name_script == "cyrillic"


def test_edit_saves_only_changes(world):
    person = services.person_create(actor=world.kp_investigator.actor, given_name="Arben", family_name="Gashi")
    client = world.kp_investigator.client()
    page = client.get(f"{detail(person)}edit/").content.decode()
    assert 'value="Arben"' in page
    since = last_audit_seq()
    response = client.post(f"{detail(person)}edit/", {"given_name": "Arben", "family_name": "Gashi", "sex": "unknown",
                                                      "classification": "1", "personal_number": "1234567890"})
    assert response.status_code == 302
    assert list(AuditEvent.objects.filter(seq__gt=since, event_type="person.updated").values_list("event_type", flat=True)) == [
        "person.updated"
    ]
    person.refresh_from_db()
    assert person.personal_number == "1234567890"


def test_adding_a_document_with_errors_keeps_the_form_open(world):
    person = PersonFactory(owner=world.kp_investigator)
    client = world.kp_investigator.client()
    response = client.post(f"{detail(person)}documents/", {"doc_type": "passport", "number": ""}, **EN)
    assert response.status_code == 400
    assert 'details class="kssp-add-document" open' in response.content.decode()
    response = client.post(f"{detail(person)}documents/", {"doc_type": "passport", "number": "P123", "issuing_country": "XK"})
    assert response.status_code == 302
    assert PersonDocument.objects.unscoped(reason="test").get().issuing_country.code == "XK"


def test_merge_pages_pick_preview_confirm_then_unmerge(world):
    owner = world.kp_investigator
    survivor = PersonFactory(owner=owner, given_name="Xhemajl", family_name="Shaqiri", birth_year=1980)
    duplicate = PersonFactory(owner=owner, given_name="Džemajl", family_name="Šaćiri", birth_year=1980)
    PersonDocumentFactory(person=duplicate, number="D-1")
    client = owner.client()
    url = f"{detail(survivor)}merge/"

    page = client.get(url, **EN).content.decode()
    assert f"?duplicate={duplicate.public_id}" in page and "same key after" in page

    page = client.get(f"{url}?duplicate={duplicate.public_id}", **EN).content.decode()
    assert "What moves" in page and "D-1" in page

    response = client.post(url, {"duplicate": str(duplicate.public_id), "reason": ""}, **EN)
    assert response.status_code == 400 and not PersonMerge.objects.exists()

    response = client.post(url, {"duplicate": str(duplicate.public_id), "reason": "same man, two spellings"})
    assert response.status_code == 302 and response["Location"] == detail(survivor)
    duplicate.refresh_from_db()
    assert duplicate.merged_into == survivor

    page = client.get(detail(duplicate), **EN).content.decode()
    assert "This person was merged into another record" in page and "Undo the merge" in page
    assert client.post(f"{detail(duplicate)}unmerge/", {"reason": ""}).status_code == 400
    response = client.post(f"{detail(duplicate)}unmerge/", {"reason": "not the same"})
    assert response.status_code == 302
    duplicate.refresh_from_db()
    assert duplicate.merged_into is None and PersonDocument.objects.unscoped(reason="test").get().person == duplicate


def test_the_merge_page_with_a_person_of_another_institution_is_404_and_writes_nothing(world):
    survivor = PersonFactory(owner=world.kp_investigator)
    foreign = PersonFactory(owner=world.customs)
    client = world.kp_investigator.client()
    since = last_audit_seq()
    assert client.get(f"{detail(survivor)}merge/?duplicate={foreign.public_id}").status_code == 404
    assert client.post(f"{detail(survivor)}merge/", {"duplicate": str(foreign.public_id), "reason": "x"}).status_code == 404
    assert client.get(f"{detail(survivor)}merge/?duplicate=not-a-uuid").status_code == 404
    assert last_audit_seq() == since
    assert not PersonMerge.objects.exists()


def test_the_merge_preview_shows_refusals_before_anything_is_written(world):
    from kssp.core.markings import Classification

    survivor = PersonFactory(owner=world.kp_investigator)
    secret = PersonFactory(owner=world.kp_investigator, classification=Classification.SECRET)
    client = world.kp_investigator.client()
    response = client.get(f"{detail(survivor)}merge/?duplicate={secret.public_id}", **EN)
    assert response.status_code == 200
    assert "classified higher" in response.content.decode() and "kssp-merge-form" not in response.content.decode()
    response = client.post(f"{detail(survivor)}merge/", {"duplicate": str(secret.public_id), "reason": "x"}, **EN)
    assert response.status_code == 400 and not PersonMerge.objects.exists()


def test_vehicle_and_organisation_pages_with_their_links_and_the_parties_panel(world):
    owner = world.kp_investigator
    vehicle = VehicleFactory(owner=owner, plate="PZ-123-AB", make="Zastava", model="101")
    keeper = PersonFactory(owner=owner, given_name="Vjosa", family_name="Berisha")
    witness = PersonFactory(owner=owner, given_name="Arben", family_name="Krasniqi")
    PartyLinkFactory(record=vehicle, person=keeper, role="keeper", subject_category="other")
    PartyLinkFactory(record=vehicle, person=witness, role="passenger", protected_witness=True)
    client = owner.client()
    page = client.get(f"/parties/vehicles/{vehicle.public_id}/", **EN).content.decode()
    assert "PZ-123-AB · Zastava 101" in page
    assert "Vjosa" in page and "Krasniqi" not in page and "Witness W-" in page  # the panel pseudonymises
    assert AuditEvent.objects.filter(event_type="vehicle.consulted", target_public_id=vehicle.public_id).exists()
    assert world.customs.client().get(f"/parties/vehicles/{vehicle.public_id}/").status_code == 404
    # the keeper's page lists the vehicle and links to it
    assert f"/parties/vehicles/{vehicle.public_id}/" in client.get(detail(keeper)).content.decode()

    from kssp.core.parties.tests.factories import OrganisationFactory

    organisation = OrganisationFactory(owner=owner, name="Siguria Sh.p.k.")
    assert "Siguria Sh.p.k." in client.get(f"/parties/organisations/{organisation.public_id}/").content.decode()


def test_the_person_forms_cancel_back_to_where_they_came_from(world):
    from django.urls import reverse

    client = world.kp_investigator.client()
    new = client.get(reverse("parties:person_create"), **EN).content.decode()
    assert f'btn-outline-secondary" href="{reverse("parties:person_search")}"' in new
    person = PersonFactory(owner=world.kp_investigator)
    edit = client.get(reverse("parties:person_update", args=[person.public_id]), **EN).content.decode()
    assert f'btn-outline-secondary" href="{reverse("parties:person_detail", args=[person.public_id])}"' in edit
    assert 'name="classification"' in edit and 'name="handling_code"' in edit
