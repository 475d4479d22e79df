"""The links panel on the sample detail page (issue #3 point 3): links in both directions, those to
records the viewer cannot see left out and not counted; adding a link by number or public id, the
record picker, removal."""

from __future__ import annotations

from django.test import Client
from django.urls import reverse

from kssp.core.links.models import RecordLink
from kssp.core.links.services import link_create
from kssp.core.models import AuditEvent
from kssp.core.services.grants import grant_create
from kssp.core.testing.recordkind.tests.factories import SampleRecordFactory


def en(person) -> Client:
    client = person.client()
    client.cookies["kssp_language"] = "en"
    return client


def detail(sample) -> str:
    return reverse("recordkind:samplerecord_detail", args=[sample.public_id])


def add_url(sample) -> str:
    return reverse("links:link_add", args=["recordkind.samplerecord", sample.public_id])


def share(owner, record, grantee):
    return grant_create(actor=owner.actor, obj=record, grantee_type="institution",
                        institution=grantee.membership.unit.institution, reason="joint operation")


def link_data(target, **overrides) -> dict:
    data = {"link_type": "derived_from", "target_type": "recordkind.samplerecord", "target": target, "reason": "", "next": ""}
    data.update(overrides)
    return data


def test_the_panel_lists_links_in_both_directions(world):
    a, b, c = (SampleRecordFactory(owner=world.kp_investigator) for _ in range(3))
    link_create(actor=world.kp_investigator.actor, source=a, target=b, link_type="derived_from")
    link_create(actor=world.kp_investigator.actor, source=c, target=a, link_type="evidence_for", reason="Photo of the van")
    html = en(world.kp_investigator).get(detail(a)).content.decode()
    assert 'id="links"' in html
    assert "derived from" in html and b.number in html and detail(b) in html
    assert "supported by evidence" in html and c.number in html and "Photo of the van" in html
    assert add_url(a) in html


def test_links_to_records_the_viewer_cannot_see_are_omitted_not_counted(world):
    # given A shared with customs, linked to B which is not
    a, b = SampleRecordFactory(owner=world.kp_investigator), SampleRecordFactory(owner=world.kp_investigator, title="Informant Z")
    link_create(actor=world.kp_investigator.actor, source=a, target=b, link_type="relates_to")
    share(world.kp_investigator, a, world.customs)
    # when customs opens A
    html = en(world.customs).get(detail(a)).content.decode()
    # then the panel shows no link, no number, no count, no trace of B
    assert "No linked records." in html
    for trace in (b.number, str(b.public_id), "Informant Z", "relates to"):
        assert trace not in html
    # and customs may not add links to A (it may not change it)
    assert add_url(a) not in html


def test_a_link_is_added_by_number_and_the_panel_comes_back(world):
    a, b = SampleRecordFactory(owner=world.kp_investigator), SampleRecordFactory(owner=world.kp_investigator)
    response = en(world.kp_investigator).post(add_url(a), link_data(b.number.lower(), next=detail(a)))
    assert response.status_code == 302 and response["Location"] == detail(a) + "#links"
    link = RecordLink.objects.get()
    assert (link.from_public_id, link.to_public_id, link.link_type) == (a.public_id, b.public_id, "derived_from")
    assert AuditEvent.objects.filter(event_type="link.created", target_public_id=link.public_id).exists()


def test_the_inverse_reading_links_the_other_way(world):
    a, b = SampleRecordFactory(owner=world.kp_investigator), SampleRecordFactory(owner=world.kp_investigator)
    response = en(world.kp_investigator).post(
        add_url(a), link_data(str(b.public_id), link_type="derived_from:inverse"), headers={"HX-Request": "true"}
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert html.lstrip().startswith('<section class="kssp-panel mt-4" id="links"')
    assert "The records were linked." in html and "source of" in html
    link = RecordLink.objects.get()
    assert (link.from_public_id, link.to_public_id) == (b.public_id, a.public_id)


def test_an_unknown_or_invisible_target_is_a_field_error(world):
    a = SampleRecordFactory(owner=world.kp_investigator)
    foreign = SampleRecordFactory(owner=world.customs)
    client = en(world.kp_investigator)
    for reference in ("SMP-NOPE", foreign.number, str(foreign.public_id)):
        response = client.post(add_url(a), link_data(reference), headers={"HX-Request": "true"})
        assert response.status_code == 400
        html = response.content.decode()
        assert "There is no such record, or you may not see it." in html
        assert foreign.title not in html
    response = client.post(add_url(a), link_data(a.number), headers={"HX-Request": "true"})
    assert "A record cannot be linked to itself." in response.content.decode()
    response = client.post(add_url(a), link_data(a.number, link_type="evidence_for"))
    assert response.status_code == 400 and a.number in response.content.decode()  # a page of its own without htmx
    assert not RecordLink.objects.exists()


def test_adding_to_a_record_one_may_not_see_is_404_and_one_may_not_change_403(world):
    a, b = SampleRecordFactory(owner=world.kp_investigator), SampleRecordFactory(owner=world.customs)
    assert en(world.customs).post(add_url(a), link_data(b.number)).status_code == 404
    share(world.kp_investigator, a, world.customs)
    other = SampleRecordFactory(owner=world.kp_investigator)
    share(world.kp_investigator, other, world.customs)
    assert en(world.customs).post(add_url(a), link_data(other.number)).status_code == 403
    assert not RecordLink.objects.exists()


def test_the_picker_offers_only_visible_records(world):
    own = SampleRecordFactory(owner=world.kp_investigator, number="SMP-KP-2026-000777", title="Grey van")
    SampleRecordFactory(owner=world.customs, number="SMP-DK-2026-000777", title="Customs secret")
    html = en(world.kp_investigator).get(
        reverse("links:record_search"), {"target_type": "recordkind.samplerecord", "target": "000777"}
    ).content.decode()
    assert f'<option value="{own.number}">' in html and "Grey van" in html
    assert "SMP-DK" not in html and "Customs secret" not in html


def test_the_picker_does_not_show_the_text_of_records_with_personal_data(world):
    SampleRecordFactory(owner=world.kp_investigator, number="SMP-KP-2026-000888", title="Arben K.", contains_personal_data=True)
    html = en(world.kp_investigator).get(
        reverse("links:record_search"), {"target_type": "recordkind.samplerecord", "target": "000888"}
    ).content.decode()
    assert "SMP-KP-2026-000888" in html and "Arben" not in html


def test_removing_a_link_from_the_panel(world):
    a, b = SampleRecordFactory(owner=world.kp_investigator), SampleRecordFactory(owner=world.kp_investigator)
    link = link_create(actor=world.kp_investigator.actor, source=a, target=b, link_type="relates_to")
    url = reverse("links:link_remove", args=["recordkind.samplerecord", a.public_id, link.public_id])
    client = en(world.kp_investigator)
    response = client.post(url, {"reason": ""}, headers={"HX-Request": "true"})
    assert response.status_code == 400 and "This field is required." in response.content.decode()
    response = client.post(url, {"reason": "Wrong sample"}, headers={"HX-Request": "true"})
    assert response.status_code == 200 and "The link was removed." in response.content.decode()
    link.refresh_from_db()
    assert link.removal_reason == "Wrong sample"
    # a link the viewer cannot see cannot be removed through a record it can
    share(world.kp_investigator, a, world.customs)
    hidden = link_create(actor=world.kp_investigator.actor, source=a, target=b, link_type="relates_to")
    url = reverse("links:link_remove", args=["recordkind.samplerecord", a.public_id, hidden.public_id])
    assert en(world.customs).post(url, {"reason": "x"}).status_code == 404
