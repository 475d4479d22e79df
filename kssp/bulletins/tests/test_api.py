"""Bulletins and grants in the API: the contract, and the bad input issue #2 point 8 names."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from django.utils import timezone

from kssp.bulletins.api.views import BulletinViewSet
from kssp.bulletins.models import Bulletin
from kssp.bulletins.services import bulletin_create, bulletin_transition
from kssp.core.api.resources import GrantViewSet
from kssp.core.markings import Classification
from kssp.core.models.audit import AuditEvent
from kssp.core.models.grants import Grant
from kssp.core.services.grants import grant_create
from kssp.core.testing.contract import ApiContract, assert_error

URL = "/api/v1/bulletins/"


def make_bulletin(person, *, classification=Classification.RESTRICTED, personal=False, **extra):
    return bulletin_create(
        actor=person.actor, title=extra.pop("title", "Stolen rifles"), body=extra.pop("body", "Two AK-47 reported."),
        kind="notice", classification=classification, contains_personal_data=personal, **extra,
    )


def post(client, url, data):
    return client.post(url, data, content_type="application/json")


def patch(client, url, data):
    return client.patch(url, data, content_type="application/json")


class TestBulletinApi(ApiContract):
    viewset = BulletinViewSet
    list_url = URL
    viewer = "kp_investigator"
    foreign_owner = "customs"
    low_clearance_viewer = "kp_low_clearance"
    high_classification = Classification.RESTRICTED
    unpermitted = "inspector"
    sharable = True
    grantee = "customs"
    create_event = "bulletin.created"
    update_event = "bulletin.updated"
    list_max_queries = 7

    def make_record(self, world, owner, **options):
        return make_bulletin(owner, classification=options.get("classification", Classification.RESTRICTED))

    def create_payload(self, world):
        return {"title": "Lookout", "body": "Grey van, plates KS-123", "kind": "lookout", "classification": 1}

    def update_payload(self, world, record):
        return {"title": "Lookout (updated)"}


class TestGrantApi(ApiContract):
    """The grants resource: grants one made, or that name one, on records one can see."""

    viewset = GrantViewSet
    list_url = "/api/v1/grants/"
    viewer = "kp_investigator"
    foreign_owner = "customs"
    list_max_queries = 8  # one more while the content-type cache is cold (all declared types in one query)

    def make_record(self, world, owner, **options):
        bulletin = make_bulletin(owner, classification=options.get("classification", Classification.RESTRICTED))
        return grant_create(
            actor=owner.actor, obj=bulletin, grantee_type="institution",
            institution=world.prosecutor.membership.unit.institution, reason="for the prosecutor",
        )


# --- reading ------------------------------------------------------------------------------------


def test_list_is_filtered_by_the_filterset(world):
    # given
    issued = make_bulletin(world.kp_investigator, title="Issued one")
    bulletin_transition(actor=world.kp_investigator.actor, bulletin=issued, to="issued")
    make_bulletin(world.kp_investigator, title="Draft one")
    client = world.kp_investigator.client()
    # when
    body = client.get(URL, {"status": "issued"}).json()
    # then
    assert [item["public_id"] for item in body["results"]] == [str(issued.public_id)]
    assert body["count"] == 1


def test_a_bad_filter_value_is_a_field_error(world):
    error = assert_error(world.kp_investigator.client().get(URL, {"classification": "9"}), 400, "invalid")
    assert "classification" in error["fields"]


def test_reading_a_bulletin_with_personal_data_logs_the_purpose(world):
    bulletin = make_bulletin(world.kp_investigator, personal=True)
    response = world.kp_investigator.client().get(f"{URL}{bulletin.public_id}/", {"purpose": "case 12/2026"})
    assert response.status_code == 200
    event = AuditEvent.objects.filter(event_type="bulletin.consulted", target_public_id=bulletin.public_id).get()
    assert event.purpose == "case 12/2026"
    assert event.source == "api"


def test_integer_keys_are_never_exposed(world):
    bulletin = make_bulletin(world.kp_investigator)
    body = world.kp_investigator.client().get(f"{URL}{bulletin.public_id}/").json()
    assert "id" not in body and "pk" not in body
    assert set(body["owner_unit"]) == {"public_id", "code", "name"}
    assert world.kp_investigator.client().get(f"{URL}{bulletin.pk}/").status_code == 404


# --- writing: bad input gives field-level errors ----------------------------------------------------


@pytest.mark.parametrize("value", [9, -1, "secret", None, [1]])
def test_an_unknown_classification_is_a_field_error(world, value):
    data = {"title": "T", "body": "B", "classification": value}
    error = assert_error(post(world.kp_investigator.client(), URL, data), 400, "invalid")
    assert list(error["fields"]) == ["classification"]


def test_a_classification_above_ones_clearance_is_a_field_error(world):
    # given an officer cleared for RESTRICTED only
    client = world.kp_officer.client()
    # when
    response = post(client, URL, {"title": "T", "body": "B", "classification": Classification.SECRET})
    # then
    error = assert_error(response, 400, "invalid")
    assert list(error["fields"]) == ["classification"]
    assert not Bulletin.objects.unscoped(reason="test").exists()


def test_missing_fields_are_listed(world):
    error = assert_error(post(world.kp_investigator.client(), URL, {}), 400, "invalid")
    assert set(error["fields"]) == {"title", "body"}


def test_unknown_and_read_only_fields_are_refused_not_ignored(world):
    bulletin = make_bulletin(world.kp_investigator)
    client = world.kp_investigator.client()
    error = assert_error(patch(client, f"{URL}{bulletin.public_id}/", {"status": "issued", "colour": "red"}), 400, "invalid")
    assert set(error["fields"]) == {"status", "colour"}
    bulletin.refresh_from_db()
    assert bulletin.status == "draft"


def test_a_body_that_is_not_an_object_is_a_field_error(world):
    error = assert_error(post(world.kp_investigator.client(), URL, [1, 2]), 400, "invalid")
    assert "non_field_errors" in error["fields"]


def test_changing_another_institutions_bulletin_is_404(world):
    bulletin = make_bulletin(world.customs)
    client = world.kp_investigator.client()
    assert_error(patch(client, f"{URL}{bulletin.public_id}/", {"title": "x"}), 404, "not_found")
    assert_error(post(client, f"{URL}{bulletin.public_id}/transition/", {"status": "issued"}), 404, "not_found")
    assert_error(post(client, f"{URL}{bulletin.public_id}/grants/", {"grantee_type": "institution", "reason": "x"}), 404)


def test_seeing_a_granted_bulletin_does_not_allow_changing_it(world):
    bulletin = make_bulletin(world.kp_investigator)
    grant_create(actor=world.kp_investigator.actor, obj=bulletin, grantee_type="institution",
                 institution=world.customs.membership.unit.institution, reason="joint operation")
    error = assert_error(patch(world.customs.client(), f"{URL}{bulletin.public_id}/", {"title": "x"}), 403)
    assert error["code"] == "permission_denied"


def test_creating_without_the_permission_is_403(world):
    assert_error(post(world.prosecutor.client(), URL, {"title": "T", "body": "B"}), 403, "permission_denied")


# --- transitions ------------------------------------------------------------------------------------


def test_issue_then_withdraw_with_reason(world):
    bulletin = make_bulletin(world.kp_investigator)
    client = world.kp_investigator.client()
    url = f"{URL}{bulletin.public_id}/transition/"
    assert post(client, url, {"status": "issued"}).json()["status"] == "issued"
    error = assert_error(post(client, url, {"status": "withdrawn"}), 400)
    assert "reason" in error["fields"]
    assert post(client, url, {"status": "withdrawn", "reason": "found"}).json()["status"] == "withdrawn"


def test_a_transition_not_allowed_is_a_field_error(world):
    bulletin = make_bulletin(world.kp_investigator)
    bulletin_transition(actor=world.kp_investigator.actor, bulletin=bulletin, to="withdrawn", reason="typo")
    response = post(world.kp_investigator.client(), f"{URL}{bulletin.public_id}/transition/", {"status": "issued"})
    error = assert_error(response, 400, "invalid_transition")
    assert "status" in error["fields"]


def test_an_unknown_status_is_a_field_error(world):
    bulletin = make_bulletin(world.kp_investigator)
    response = post(world.kp_investigator.client(), f"{URL}{bulletin.public_id}/transition/", {"status": "burnt"})
    assert "status" in assert_error(response, 400, "invalid")["fields"]


# --- sharing ----------------------------------------------------------------------------------------


def grants_url(bulletin):
    return f"{URL}{bulletin.public_id}/grants/"


def test_share_list_and_revoke_through_the_record(world):
    # given
    bulletin = make_bulletin(world.kp_investigator)
    client = world.kp_investigator.client()
    customs = world.customs.membership.unit.institution
    # when
    response = post(client, grants_url(bulletin), {"grantee_type": "institution", "institution": str(customs.public_id),
                                                    "reason": "joint operation"})
    # then
    assert response.status_code == 201, response.json()
    grant = response.json()
    assert grant["grantee_institution"]["code"] == "DK"
    assert grant["record"] == {"type": "bulletins.bulletin", "public_id": str(bulletin.public_id)}
    assert world.customs.client().get(f"{URL}{bulletin.public_id}/").status_code == 200
    assert [g["public_id"] for g in client.get(grants_url(bulletin)).json()] == [grant["public_id"]]
    # and the grantee sees the grant in its own list
    received = world.customs.client().get("/api/v1/grants/").json()["results"]
    assert [g["public_id"] for g in received] == [grant["public_id"]]

    revoke = f"{grants_url(bulletin)}{grant['public_id']}/revoke/"
    assert "reason" in assert_error(post(client, revoke, {}), 400)["fields"]
    response = post(client, revoke, {"reason": "operation over"})
    assert response.status_code == 200 and response.json()["is_active"] is False
    assert_error(world.customs.client().get(f"{URL}{bulletin.public_id}/"), 404)
    assert AuditEvent.objects.filter(event_type="grant.revoked", source="api").exists()


def test_revoking_through_the_grants_resource(world):
    bulletin = make_bulletin(world.kp_investigator)
    grant = grant_create(actor=world.kp_investigator.actor, obj=bulletin, grantee_type="institution",
                         institution=world.customs.membership.unit.institution, reason="joint operation")
    response = post(world.kp_investigator.client(), f"/api/v1/grants/{grant.public_id}/revoke/", {"reason": "over"})
    assert response.status_code == 200
    assert response.json()["record"]["public_id"] == str(bulletin.public_id)
    grant.refresh_from_db()
    assert grant.revoked_at is not None


def test_the_grantee_may_not_revoke_the_owners_grant(world):
    bulletin = make_bulletin(world.kp_investigator)
    grant = grant_create(actor=world.kp_investigator.actor, obj=bulletin, grantee_type="institution",
                         institution=world.customs.membership.unit.institution, reason="joint operation")
    response = post(world.customs.client(), f"/api/v1/grants/{grant.public_id}/revoke/", {"reason": "no"})
    assert_error(response, 403, "permission_denied")


def test_a_grant_to_oneself_is_a_field_error(world):
    bulletin = make_bulletin(world.kp_investigator)
    me = world.kp_investigator
    body = {"grantee_type": "user", "user": str(me.user.public_id),
            "institution": str(me.membership.unit.institution.public_id), "reason": "me"}
    error = assert_error(post(me.client(), grants_url(bulletin), body), 400)
    assert "user" in error["fields"]
    assert not Grant.objects.exists()


def test_a_grant_beyond_ones_own_access_is_a_field_error(world):
    # given customs holds the bulletin by a grant that ends in a week and may re-share
    bulletin = make_bulletin(world.kp_investigator)
    ends = timezone.now() + dt.timedelta(days=7)
    grant_create(actor=world.kp_investigator.actor, obj=bulletin, grantee_type="institution",
                 institution=world.customs.membership.unit.institution, reason="joint", expires_at=ends, may_reshare=True)
    prosecution = world.prosecutor.membership.unit.institution
    # when customs passes it on for longer than that
    body = {"grantee_type": "institution", "institution": str(prosecution.public_id), "reason": "indictment",
            "expires_at": (ends + dt.timedelta(days=30)).isoformat()}
    error = assert_error(post(world.customs.client(), grants_url(bulletin), body), 400)
    # then
    assert "expires_at" in error["fields"]


def test_a_grant_to_a_user_whose_clearance_is_too_low_is_a_field_error(world):
    bulletin = make_bulletin(world.kp_investigator, classification=Classification.CONFIDENTIAL)
    low = world.kp_officer  # cleared for RESTRICTED
    body = {"grantee_type": "user", "user": str(low.user.public_id),
            "institution": str(low.membership.unit.institution.public_id), "reason": "need to know"}
    error = assert_error(post(world.kp_investigator.client(), grants_url(bulletin), body), 400)
    assert "user" in error["fields"]


@pytest.mark.parametrize("field", ["institution", "unit", "user"])
def test_a_grantee_that_does_not_exist_is_404_on_its_field(world, field):
    bulletin = make_bulletin(world.kp_investigator)
    body = {"grantee_type": field, field: str(uuid.uuid4()), "reason": "x"}
    error = assert_error(post(world.kp_investigator.client(), grants_url(bulletin), body), 404, "not_found")
    assert field in error["fields"]


def test_a_unit_of_the_intelligence_agency_answers_like_a_missing_one(world):
    bulletin = make_bulletin(world.kp_investigator)
    aki_unit = world.aki.membership.unit
    body = {"grantee_type": "unit", "unit": str(aki_unit.public_id), "reason": "x"}
    error = assert_error(post(world.kp_investigator.client(), grants_url(bulletin), body), 404, "not_found")
    assert list(error["fields"]) == ["unit"]


def test_an_unknown_grantee_type_and_malformed_ids_are_field_errors(world):
    bulletin = make_bulletin(world.kp_investigator)
    body = {"grantee_type": "everyone", "institution": "not-a-uuid", "reason": "x"}
    error = assert_error(post(world.kp_investigator.client(), grants_url(bulletin), body), 400, "invalid")
    assert set(error["fields"]) == {"grantee_type", "institution"}


def test_unknown_grant_on_a_record_is_404(world):
    bulletin = make_bulletin(world.kp_investigator)
    response = post(world.kp_investigator.client(), f"{grants_url(bulletin)}{uuid.uuid4()}/revoke/", {"reason": "x"})
    assert_error(response, 404, "not_found")


def test_an_empty_change_changes_nothing_and_writes_no_event(world):
    bulletin = make_bulletin(world.kp_investigator)
    since = AuditEvent.objects.count()
    response = patch(world.kp_investigator.client(), f"{URL}{bulletin.public_id}/", {})
    assert response.status_code == 200 and response.json()["title"] == bulletin.title
    assert AuditEvent.objects.count() == since
