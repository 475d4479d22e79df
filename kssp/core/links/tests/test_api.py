"""Record links in the API: the contract, creation by public ids, field errors, removal."""

from __future__ import annotations

import pytest

from kssp.core.links.api.views import RecordLinkViewSet
from kssp.core.links.models import RecordLink
from kssp.core.links.services import link_create
from kssp.core.markings import Classification
from kssp.core.services.grants import grant_create, grant_revoke
from kssp.core.testing.contract import ApiContract, assert_error
from kssp.core.testing.recordkind.models import SampleRecord
from kssp.core.testing.recordkind.tests.factories import SampleRecordFactory

# See kssp/core/attachments/tests/test_api.py: ordered with the database tests.
pytestmark = pytest.mark.django_db

URL = "/api/v1/record-links/"


def end(sample) -> dict:
    return {"type": "recordkind.samplerecord", "public_id": str(sample.public_id)}


def post(client, data, url=URL):
    return client.post(url, data, content_type="application/json")


class TestRecordLinkApi(ApiContract):
    viewset = RecordLinkViewSet
    list_url = URL
    viewer = "kp_investigator"
    foreign_owner = "customs"
    low_clearance_viewer = "kp_low_clearance"
    high_classification = Classification.RESTRICTED
    sharable = True
    grantee = "customs"
    create_event = "link.created"
    list_max_queries = 7

    def make_record(self, world, owner, **options):
        level = options.get("classification", Classification.RESTRICTED)
        source = SampleRecordFactory(owner=owner, classification=level)
        target = SampleRecordFactory(owner=owner, classification=level)
        return link_create(actor=owner.actor, source=source, target=target, link_type="relates_to")

    def create_payload(self, world):
        a, b = SampleRecordFactory(owner=world.kp_investigator), SampleRecordFactory(owner=world.kp_investigator)
        return {"type": "derived_from", "source": end(a), "target": end(b)}

    def grant(self, world, record, owner, grantee):
        # A link shows only when both its ends are visible: share both.
        institution = grantee.membership.unit.institution
        grants = []
        for public_id in (record.from_public_id, record.to_public_id):
            grants.append(grant_create(actor=owner.actor, obj=SampleRecord.objects.unscoped(reason="test").get(public_id=public_id),
                                       grantee_type="institution", institution=institution, reason="contract test"))
        return grants

    def revoke(self, world, grant, owner):
        # Revoking either end hides the link.
        grant_revoke(actor=owner.actor, grant=grant[1], reason="contract test over")


def test_create_and_read_a_link(world):
    a, b = SampleRecordFactory(owner=world.kp_investigator), SampleRecordFactory(owner=world.kp_investigator)
    client = world.kp_investigator.client()
    response = post(client, {"type": "evidence_for", "source": end(a), "target": end(b), "reason": "Plate photo"})
    assert response.status_code == 201, response.json()
    item = response.json()
    assert item["type"] == "evidence_for" and item["evidential"] is True
    assert item["source"] == end(a) and item["target"] == end(b)
    assert set(item) >= {"label", "inverse_label", "created_by", "created_at"}
    listed = client.get(URL, {"record": str(b.public_id)}).json()
    assert [x["public_id"] for x in listed["results"]] == [item["public_id"]]
    assert client.get(URL, {"record": str(a.public_id), "evidential": "false"}).json()["count"] == 0


def test_an_invisible_end_is_404_on_its_field(world):
    own, foreign = SampleRecordFactory(owner=world.kp_investigator), SampleRecordFactory(owner=world.customs)
    client = world.kp_investigator.client()
    error = assert_error(post(client, {"type": "relates_to", "source": end(own), "target": end(foreign)}), 404, "not_found")
    assert list(error["fields"]) == ["target"]
    error = assert_error(post(client, {"type": "relates_to", "source": end(foreign), "target": end(own)}), 404, "not_found")
    assert list(error["fields"]) == ["source"]
    assert not RecordLink.objects.exists()


def test_bad_bodies_are_field_errors(world):
    a, b = SampleRecordFactory(owner=world.kp_investigator), SampleRecordFactory(owner=world.kp_investigator)
    client = world.kp_investigator.client()
    error = assert_error(post(client, {"type": "relates_to", "source": end(a), "target": end(b), "colour": 1}), 400)
    assert list(error["fields"]) == ["colour"]
    error = assert_error(post(client, {"type": "married_to", "source": end(a), "target": {"type": "x"}}), 400)
    assert {"type", "target.public_id"} <= set(error["fields"])
    error = assert_error(post(client, {"type": "relates_to", "source": end(a), "target": end(a)}), 400)
    assert list(error["fields"]) == ["target"]
    error = assert_error(post(client, {"type": "evidence_for", "source": end(a), "target": end(b)}), 400)
    assert list(error["fields"]) == ["reason"]
    assert not RecordLink.objects.exists()


def test_remove_through_the_api(world):
    a, b = SampleRecordFactory(owner=world.kp_investigator), SampleRecordFactory(owner=world.kp_investigator)
    link = link_create(actor=world.kp_investigator.actor, source=a, target=b, link_type="relates_to")
    client = world.kp_investigator.client()
    url = f"{URL}{link.public_id}/remove/"
    assert "reason" in assert_error(post(client, {}, url), 400)["fields"]
    response = post(client, {"reason": "mistake"}, url)
    assert response.status_code == 200 and response.json()["removal_reason"] == "mistake"
    assert_error(client.get(f"{URL}{link.public_id}/"), 404)
