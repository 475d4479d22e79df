"""One link mechanism (issue #7 point 2): ``connection_create``/``connection_remove`` link a record to
any other and the panel's one form asks what the two ends call for. A party (person, organisation,
vehicle) linked to a record that is not a party is given a *role* in it (``PartyLink``, through the
parties' service: its checks, protections, audit and retention rules); any other pair gets a typed
record link (``RecordLink``). Both are removed from the same panel, with a reason, audited."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse

from kssp.core.exceptions import ApplicationError, NotFound, PermissionDenied
from kssp.core.links.models import RecordLink
from kssp.core.links.selectors import link_rows_for
from kssp.core.links.services import connection_create, connection_remove, link_create
from kssp.core.models import AuditEvent
from kssp.core.parties.models import PartyLink
from kssp.core.parties.tests.factories import OrganisationFactory, PersonFactory, VehicleFactory
from kssp.core.services.grants import grant_create
from kssp.core.testing.recordkind.tests.factories import SampleRecordFactory

SAMPLE = "recordkind.samplerecord"


def en(person) -> Client:
    client = person.client()
    client.cookies["kssp_language"] = "en"
    return client


def share(owner, record, grantee):
    return grant_create(actor=owner.actor, obj=record, grantee_type="institution",
                        institution=grantee.membership.unit.institution, reason="joint operation")


def add_url(sample) -> str:
    return reverse("links:link_add", args=[SAMPLE, sample.public_id])


def fields_url(sample) -> str:
    return reverse("links:link_fields", args=[SAMPLE, sample.public_id])


def panel_token(client: Client, sample) -> str:
    html = client.get(reverse("recordkind:samplerecord_detail", args=[sample.public_id])).content.decode()
    form = html[html.index(add_url(sample)):]
    return re.search(r'name="form_token" value="([^"]+)"', form).group(1)


# --- the service ---------------------------------------------------------------------------------------


def test_a_party_linked_to_a_record_is_given_a_role_and_any_other_pair_a_record_link(world):
    actor = world.kp_investigator.actor
    sample = SampleRecordFactory(owner=world.kp_investigator)
    other_sample = SampleRecordFactory(owner=world.kp_investigator)
    person = PersonFactory(owner=world.kp_investigator)
    van = VehicleFactory(owner=world.kp_investigator)
    firm = OrganisationFactory(owner=world.kp_investigator)

    # A person linked to a record, from the record's side: a role, with the person's data-subject category.
    role = connection_create(actor=actor, record=sample, other=person, role="subject", subject_category="suspect",
                             nature="assessment", reason="Seen at the scene")
    assert isinstance(role, PartyLink)
    assert (role.person, role.object_id, role.role, role.subject_category, role.nature, role.note) == (
        person, sample.pk, "subject", "suspect", "assessment", "Seen at the scene")
    assert AuditEvent.objects.filter(event_type="party_link.created", target_public_id=sample.public_id).count() == 1
    # From the party's side (the person's or the vehicle's page): the role is still in the record.
    owner = connection_create(actor=actor, record=van, other=sample, role="owner")
    assert isinstance(owner, PartyLink) and (owner.vehicle, owner.object_id, owner.subject_category) == (van, sample.pk, "")
    assert isinstance(connection_create(actor=actor, record=firm, other=other_sample, role="representative"), PartyLink)
    # Two records, or two parties: a typed record link, read from the page's record unless reversed.
    link = connection_create(actor=actor, record=sample, other=other_sample, link_type="derived_from", outgoing=False)
    assert isinstance(link, RecordLink) and (link.from_public_id, link.to_public_id) == (other_sample.public_id, sample.public_id)
    pair = connection_create(actor=actor, record=person, other=van, link_type="relates_to")
    assert isinstance(pair, RecordLink)
    assert AuditEvent.objects.filter(event_type="link.created").count() == 2
    assert PartyLink.objects.count() == 3 and RecordLink.objects.count() == 2
    # Both kinds are rows of the one panel, on both ends.
    assert {row.party_role for row in link_rows_for(actor=actor, record=sample)} == {True, False}
    assert [row.other for row in link_rows_for(actor=actor, record=person) if row.party_role] == [sample]


def test_both_kinds_are_removed_with_a_reason_and_audited(world):
    actor = world.kp_investigator.actor
    sample = SampleRecordFactory(owner=world.kp_investigator)
    person = PersonFactory(owner=world.kp_investigator)
    role = connection_create(actor=actor, record=sample, other=person, role="reporter", subject_category="witness")
    link = connection_create(actor=actor, record=sample, other=SampleRecordFactory(owner=world.kp_investigator),
                             link_type="relates_to")
    for made in (role, link):
        with pytest.raises(ApplicationError) as caught:
            connection_remove(actor=actor, link=made, reason=" ")
        assert list(caught.value.fields) == ["reason"]
        connection_remove(actor=actor, link=made, reason="Linked by mistake")
        made.refresh_from_db()
        assert made.removed_at is not None and made.removed_by == actor.user
    assert role.remove_reason == "Linked by mistake" and link.removal_reason == "Linked by mistake"
    assert AuditEvent.objects.filter(event_type="party_link.removed", target_public_id=sample.public_id).count() == 1
    assert AuditEvent.objects.filter(event_type="link.removed", target_public_id=link.public_id).count() == 1
    assert link_rows_for(actor=actor, record=sample) == []


def test_an_end_the_actor_may_not_see_answers_like_a_missing_record(world):
    actor = world.kp_investigator.actor
    sample = SampleRecordFactory(owner=world.kp_investigator)
    hidden_person = PersonFactory(owner=world.customs)
    hidden_sample = SampleRecordFactory(owner=world.customs)
    with pytest.raises(NotFound) as caught:
        connection_create(actor=actor, record=sample, other=hidden_person, role="subject", subject_category="suspect")
    assert list(caught.value.fields) == ["target"]
    with pytest.raises(NotFound) as caught:
        connection_create(actor=actor, record=sample, other=hidden_sample, link_type="relates_to")
    assert list(caught.value.fields) == ["target"]
    with pytest.raises(NotFound) as caught:
        connection_create(actor=actor, record=hidden_sample, other=PersonFactory(owner=world.kp_investigator), role="subject")
    assert not caught.value.fields
    # A role the actor may not see cannot be removed either.
    role = connection_create(actor=world.customs.actor, record=hidden_sample, other=hidden_person, role="subject",
                             subject_category="victim")
    with pytest.raises(NotFound):
        connection_remove(actor=actor, link=role, reason="not mine")
    assert not PartyLink.objects.filter(removed_at__isnull=False).exists() and not RecordLink.objects.exists()


def test_a_refused_role_comes_back_on_the_fields_of_the_one_form(world):
    actor = world.kp_investigator.actor
    sample = SampleRecordFactory(owner=world.kp_investigator)
    person = PersonFactory(owner=world.kp_investigator)
    merged = PersonFactory(owner=world.kp_investigator, merged_into=person)
    with pytest.raises(ApplicationError) as caught:
        connection_create(actor=actor, record=sample, other=person, role="chief", reason="x" * 2001)
    assert set(caught.value.fields) == {"role", "subject_category", "reason"}
    with pytest.raises(ApplicationError) as caught:
        connection_create(actor=actor, record=sample, other=merged, role="subject", subject_category="suspect")
    assert list(caught.value.fields) == ["target"]
    connection_create(actor=actor, record=sample, other=person, role="subject", subject_category="suspect")
    with pytest.raises(ApplicationError) as caught:
        connection_create(actor=actor, record=sample, other=person, role="subject", subject_category="suspect")
    assert list(caught.value.fields) == ["role"] and caught.value.code == "duplicate"
    # Seeing a shared record is not changing it.
    shared = SampleRecordFactory(owner=world.customs)
    share(world.customs, shared, world.kp_investigator)
    with pytest.raises(PermissionDenied):
        connection_create(actor=actor, record=shared, other=person, role="subject", subject_category="suspect")
    assert PartyLink.objects.count() == 1


# --- the panel -----------------------------------------------------------------------------------------


def test_the_form_asks_for_a_role_when_a_party_is_picked_and_for_a_type_otherwise(world):
    sample = SampleRecordFactory(owner=world.kp_investigator)
    person = PersonFactory(owner=world.kp_investigator, given_name="Fatmir", family_name="Krasniqi")
    van = VehicleFactory(owner=world.kp_investigator)
    client = en(world.kp_investigator)

    html = client.get(fields_url(sample), {"pick": f"parties.person:{person.public_id}", "reason": "kept"}).content.decode()
    assert 'data-link-kind="role"' in html
    for name in ("role", "subject_category", "nature", "protected_witness", "juvenile"):
        assert f'name="{name}"' in html
    assert 'name="link_type"' not in html and "kept</textarea>" in html
    html = client.get(fields_url(sample), {"pick": f"parties.vehicle:{van.public_id}"}).content.decode()
    assert 'name="role"' in html and 'name="subject_category"' not in html and 'name="protected_witness"' not in html
    html = client.get(fields_url(sample), {"target_type": SAMPLE}).content.decode()
    assert 'data-link-kind="link"' in html and 'name="link_type"' in html and 'name="role"' not in html
    # From a person's page, a record picked is a role too; another party is a record link.
    person_fields = reverse("links:link_fields", args=["parties.person", person.public_id])
    assert 'name="subject_category"' in client.get(person_fields, {"pick": f"{SAMPLE}:{sample.public_id}"}).content.decode()
    assert 'name="link_type"' in client.get(person_fields, {"pick": f"parties.vehicle:{van.public_id}"}).content.decode()
    # The picker's choices fetch these fields when one is chosen.
    html = client.get(reverse("links:record_find"), {"find": f"{person.given_name} {person.family_name}", "record_type": SAMPLE,
                                                      "record_id": str(sample.public_id)}).content.decode()
    assert f'value="parties.person:{person.public_id}"' in html and f'hx-get="{fields_url(sample)}"' in html


def test_a_role_given_on_the_panel_with_field_errors_first_and_the_input_kept(world):
    sample = SampleRecordFactory(owner=world.kp_investigator)
    person = PersonFactory(owner=world.kp_investigator, given_name="Arta", family_name="Hoxha")
    client = en(world.kp_investigator)
    token = panel_token(client, sample)
    data = {"form_token": token, "find": "Arta Hoxha", "pick": f"parties.person:{person.public_id}", "role": "",
            "subject_category": "", "nature": "fact", "protected_witness": "on", "reason": "Named by the witness", "next": ""}
    response = client.post(add_url(sample), data, headers={"HX-Request": "true"})
    html = response.content.decode()
    assert response.status_code == 400
    assert re.search(r'id="id_link_role_error"[^>]*>\s*<span[^>]*>Choose the role\.', html)
    assert re.search(r'id="id_link_subject_category_error"[^>]*>\s*<span[^>]*>Choose the data-subject category\.', html)
    # What was typed and picked stays: the person chosen, the note, the flag.
    assert f'value="parties.person:{person.public_id}"' in html and "checked" in html and "Arta Hoxha" in html
    assert "Named by the witness</textarea>" in html
    assert re.search(r'name="protected_witness"[^>]*checked', html)
    assert not PartyLink.objects.exists()

    data |= {"role": "subject", "subject_category": "suspect"}
    response = client.post(add_url(sample), data, headers={"HX-Request": "true"})
    assert response.status_code == 200 and "The records were linked." in response.content.decode()
    # Back and send again: the same form token, one role.
    again = client.post(add_url(sample), data, headers={"HX-Request": "true"})
    assert again.status_code == 200 and "This form had already been sent" in again.content.decode()
    role = PartyLink.objects.get()
    assert (role.role, role.subject_category, role.protected_witness, role.note) == ("subject", "suspect", True, "Named by the witness")
    assert not RecordLink.objects.exists()
    # The panel lists the role on the record's page; a protected witness is not named there.
    panel = response.content.decode()
    assert "Subject of the record (Suspect)" in panel and "Protected witness" in panel and "Arta Hoxha" not in panel


def test_a_record_link_on_the_panel_needs_its_type(world):
    sample, other = SampleRecordFactory(owner=world.kp_investigator), SampleRecordFactory(owner=world.kp_investigator)
    client = en(world.kp_investigator)
    data = {"pick": f"{SAMPLE}:{other.public_id}", "link_type": "", "reason": "", "role": "subject"}
    response = client.post(add_url(sample), data, headers={"HX-Request": "true"})
    assert response.status_code == 400 and "Choose a type of link." in response.content.decode()
    response = client.post(add_url(sample), data | {"link_type": "relates_to"}, headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert RecordLink.objects.count() == 1 and not PartyLink.objects.exists()


def test_a_role_on_a_record_one_may_not_see_is_404_and_one_may_only_read_403(world):
    person = PersonFactory(owner=world.kp_investigator)
    hidden = SampleRecordFactory(owner=world.customs)
    role = {"pick": f"parties.person:{person.public_id}", "role": "subject", "subject_category": "suspect"}
    assert en(world.kp_investigator).post(add_url(hidden), role).status_code == 404
    share(world.customs, hidden, world.kp_investigator)
    assert en(world.kp_investigator).post(add_url(hidden), role).status_code == 403
    assert not PartyLink.objects.exists()


def test_a_role_is_removed_from_the_panel_with_a_reason(world):
    sample = SampleRecordFactory(owner=world.kp_investigator)
    person = PersonFactory(owner=world.kp_investigator)
    role = connection_create(actor=world.kp_investigator.actor, record=sample, other=person, role="subject",
                             subject_category="witness")
    link = link_create(actor=world.kp_investigator.actor, source=sample, target=SampleRecordFactory(owner=world.kp_investigator),
                       link_type="relates_to")
    client = en(world.kp_investigator)
    page = client.get(reverse("recordkind:samplerecord_detail", args=[sample.public_id])).content.decode()
    # Both rows offer removal: the role and the record link.
    for made in (role, link):
        assert reverse("links:link_remove", args=[SAMPLE, sample.public_id, made.public_id]) in page
    # From the person's page too (the role is removed where it is seen).
    url = reverse("links:link_remove", args=["parties.person", person.public_id, role.public_id])
    response = client.post(url, {"reason": ""}, headers={"HX-Request": "true"})
    assert response.status_code == 400 and "This field is required." in response.content.decode()
    response = client.post(url, {"reason": "Wrong person"}, headers={"HX-Request": "true"})
    assert response.status_code == 200 and "The link was removed." in response.content.decode()
    role.refresh_from_db()
    assert role.removed_at is not None and role.remove_reason == "Wrong person"
    assert AuditEvent.objects.filter(event_type="party_link.removed").count() == 1
    # Someone who only reads the record and the person sees the role but may not remove it: no button, 403.
    again = connection_create(actor=world.kp_investigator.actor, record=sample, other=person, role="reporter",
                              subject_category="witness")
    share(world.kp_investigator, sample, world.customs)
    share(world.kp_investigator, person, world.customs)
    url = reverse("links:link_remove", args=[SAMPLE, sample.public_id, again.public_id])
    reader = en(world.customs)
    page = reader.get(reverse("recordkind:samplerecord_detail", args=[sample.public_id])).content.decode()
    assert f'data-link="{again.public_id}"' in page and url not in page
    assert reader.post(url, {"reason": "x"}).status_code == 403
    assert PartyLink.objects.active().filter(pk=again.pk).exists()


# --- the API: one read ---------------------------------------------------------------------------------


def test_the_api_reads_a_records_roles_and_record_links_in_one_list(world):
    actor = world.kp_investigator.actor
    sample = SampleRecordFactory(owner=world.kp_investigator)
    person = PersonFactory(owner=world.kp_investigator, given_name="Drita", family_name="Gashi")
    role = connection_create(actor=actor, record=sample, other=person, role="subject", subject_category="suspect")
    link = connection_create(actor=actor, record=sample, other=SampleRecordFactory(owner=world.kp_investigator),
                             link_type="derived_from")
    connection_create(actor=world.customs.actor, record=SampleRecordFactory(owner=world.customs),
                      other=PersonFactory(owner=world.customs), role="subject", subject_category="victim")
    url = "/api/v1/record-links/connections/"
    body = world.kp_investigator.client().get(url, {"record_type": SAMPLE, "record": str(sample.public_id)}).json()
    assert {(row["kind"], row["public_id"]) for row in body} == {("role", str(role.public_id)), ("record_link", str(link.public_id))}
    by_kind = {row["kind"]: row for row in body}
    assert by_kind["role"]["other"]["title"] == "Drita Gashi" and by_kind["role"]["subject_category"] == "suspect"
    assert by_kind["record_link"]["link_type"] == "derived_from" and by_kind["record_link"]["can_remove"] is True
    # From the person's side, the same role.
    body = world.kp_investigator.client().get(url, {"record_type": "parties.person", "record": str(person.public_id)}).json()
    assert [(row["kind"], row["other"]["public_id"]) for row in body] == [("role", str(sample.public_id))]
    # A record one may not see answers like a missing one.
    assert world.customs.client().get(url, {"record_type": SAMPLE, "record": str(sample.public_id)}).status_code == 404
    assert world.kp_investigator.client().get(url, {"record_type": SAMPLE, "record": "nonsense"}).status_code == 404
