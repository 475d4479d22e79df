"""One picker and one list of links (issue #7 point 2): the picker finds records of every kind by name
(any spelling), number, plate or serial through the kernel's search, offering only what the user may
see; a link is shown by the other record's display name with its number, on both records' pages; a
party's role in a record (PartyLink) and a record link are listed in the same panel, so a page never
says "nothing linked" while a link exists."""

from __future__ import annotations

import re

from django.test import Client
from django.urls import reverse

from kssp.core.links.models import RecordLink
from kssp.core.models import AuditEvent
from kssp.core.parties.models import PartyLink
from kssp.core.parties.tests.factories import PartyLinkFactory, PersonFactory, VehicleFactory
from kssp.core.testing.recordkind.tests.factories import SampleRecordFactory


def en(person) -> Client:
    client = person.client()
    client.cookies["kssp_language"] = "en"
    return client


def find(person, text: str, record=None) -> str:
    params = {"find": text}
    if record is not None:
        params |= {"record_type": "recordkind.samplerecord", "record_id": str(record.public_id)}
    return en(person).get(reverse("links:record_find"), params).content.decode()


def picked_values(html: str) -> set[str]:
    return set(re.findall(r'name="pick" value="([^"]+)"', html))


def person_page(person) -> str:
    return reverse("parties:person_detail", args=[person.public_id])


def sample_page(sample) -> str:
    return reverse("recordkind:samplerecord_detail", args=[sample.public_id])


def test_the_picker_finds_a_person_by_another_spelling_and_a_vehicle_by_its_plate_only_if_visible(world):
    own = PersonFactory(owner=world.kp_investigator, given_name="Xhemajl", family_name="Qerimi")
    hidden = PersonFactory(owner=world.customs, given_name="Xhemajl", family_name="Qerimi")
    van = VehicleFactory(owner=world.kp_investigator, plate="01-234-KS", make="Iveco", model="Daily")
    foreign_van = VehicleFactory(owner=world.customs, plate="01-234-KT")

    # The Serbian spelling finds the Albanian-spelled record (the shared name matching), not the hidden twin.
    html = find(world.kp_investigator, "Džemajl Ćerimi")
    assert picked_values(html) == {f"parties.person:{own.public_id}"}
    assert str(hidden.public_id) not in html
    # A plate typed with spaces and in lower case.
    html = find(world.kp_investigator, "01 234 ks")
    assert any(value.endswith(str(van.public_id)) for value in picked_values(html))
    assert "Iveco" in html and str(foreign_van.public_id) not in html
    # Finding persons is a reading, logged with its purpose.
    assert AuditEvent.objects.filter(event_type="person.searched", purpose="linking records").exists()


def test_the_picker_finds_records_by_number_and_leaves_out_the_record_being_linked(world):
    a = SampleRecordFactory(owner=world.kp_investigator, number="SMP-KP-2026-000321", title="Grey van")
    b = SampleRecordFactory(owner=world.kp_investigator, number="SMP-KP-2026-000322", title="Red car")
    SampleRecordFactory(owner=world.customs, number="SMP-KP-2026-000323", title="Customs secret")
    values = picked_values(find(world.kp_investigator, "SMP-KP-2026-000322", record=a))
    assert values == {f"recordkind.samplerecord:{b.public_id}"}
    assert picked_values(find(world.kp_investigator, "SMP-KP-2026-000321", record=a)) == set()
    assert "Customs secret" not in find(world.kp_investigator, "SMP-KP-2026-000323")


def test_a_person_picked_by_name_is_linked_and_both_pages_show_the_link_by_name(world):
    sample = SampleRecordFactory(owner=world.kp_investigator, number="SMP-KP-2026-000555", title="Pistol found")
    person = PersonFactory(owner=world.kp_investigator, given_name="Dragan", family_name="Petrović")
    value = next(iter(picked_values(find(world.kp_investigator, "Dragan Petrovic", record=sample))))
    response = en(world.kp_investigator).post(
        reverse("links:link_add", args=["recordkind.samplerecord", sample.public_id]),
        {"role": "subject", "subject_category": "witness", "nature": "fact", "find": "Dragan Petrovic", "pick": value,
         "reason": "", "next": ""},
    )
    assert response.status_code == 302
    # A person linked to a record is given a role in it (one mechanism, the role's own table).
    link = PartyLink.objects.get()
    assert (link.person, link.object_id, link.subject_category) == (person, sample.pk, "witness")
    assert not RecordLink.objects.exists()

    # The record's page names the person, not a number or a fragment of an id.
    html = en(world.kp_investigator).get(sample_page(sample)).content.decode()
    panel = html[html.index('id="links"'):]
    assert "Dragan Petrović" in panel and str(person.public_id)[:8] + "<" not in panel
    # The person's page shows the record by its number and title, and does not say nothing is linked.
    html = en(world.kp_investigator).get(person_page(person)).content.decode()
    panel = html[html.index('id="links"'):]
    assert "SMP-KP-2026-000555" in panel and "Pistol found" in panel
    assert "No linked records." not in html and "No record you may see is linked" not in html


def test_a_picked_record_the_user_may_not_see_is_a_field_error(world):
    sample = SampleRecordFactory(owner=world.kp_investigator)
    hidden = PersonFactory(owner=world.customs)
    response = en(world.kp_investigator).post(
        reverse("links:link_add", args=["recordkind.samplerecord", sample.public_id]),
        {"link_type": "relates_to", "pick": f"parties.person:{hidden.public_id}", "reason": ""},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 400
    assert "There is no such record, or you may not see it." in response.content.decode()
    nothing = en(world.kp_investigator).post(
        reverse("links:link_add", args=["recordkind.samplerecord", sample.public_id]),
        {"link_type": "relates_to", "pick": "", "target": "", "reason": ""}, headers={"HX-Request": "true"},
    )
    assert nothing.status_code == 400 and "choose the record to link" in nothing.content.decode()
    assert not RecordLink.objects.exists()


def test_a_partys_role_in_a_record_is_listed_on_both_pages_in_the_one_panel(world):
    owner = world.kp_investigator
    van = VehicleFactory(owner=owner, plate="PZ-777-AA", make="Zastava", model="101")
    driver = PersonFactory(owner=owner, given_name="Vjosa", family_name="Berisha")
    PartyLinkFactory(record=van, person=driver, role="driver", subject_category="suspect")
    client = en(owner)

    person_html = client.get(person_page(driver)).content.decode()
    panel = person_html[person_html.index('id="links"'):]
    assert "PZ-777-AA · Zastava 101" in panel and "Driver (Suspect)" in panel
    assert "No linked records." not in person_html

    van_html = client.get(reverse("parties:vehicle_detail", args=[van.public_id])).content.decode()
    panel = van_html[van_html.index('id="links"'):]
    assert "Vjosa Berisha" in panel and "Driver (Suspect)" in panel
    # One list: no second section that could disagree with it.
    assert 'id="linked-records"' not in person_html and 'id="linked-records"' not in van_html
