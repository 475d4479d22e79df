"""The directory and API tokens in the API: the contract for each resource, and the bad input."""

from __future__ import annotations

import datetime as dt
import itertools
import uuid

import pytest
from django.utils import timezone

from kssp.accounts.api.views import (
    AccessChangeViewSet,
    ApiTokenViewSet,
    InstitutionViewSet,
    MembershipViewSet,
    RoleViewSet,
    UnitViewSet,
    UserViewSet,
)
from kssp.accounts.models import ApiToken, Institution, Membership, Role, Unit, User
from kssp.accounts.services import api_token_create, unit_seed
from kssp.accounts.services_access import membership_propose
from kssp.accounts.testing import make_person
from kssp.core.models.audit import AuditEvent
from kssp.core.testing.contract import ApiContract, assert_error

serial = itertools.count(1)


def post(client, url, data):
    return client.post(url, data, content_type="application/json")


def patch(client, url, data):
    return client.patch(url, data, content_type="application/json")


def colleague_of(person):
    """A new person with the same role in the same unit."""
    membership = person.membership
    return make_person(
        f"colleague{next(serial)}", institution=membership.unit.institution.code, unit=membership.unit.code,
        role=membership.role.code,
    )


# --- institutions ------------------------------------------------------------------------------------


class TestInstitutionApi(ApiContract):
    viewset = InstitutionViewSet
    list_url = "/api/v1/institutions/"
    viewer = "kp_investigator"
    no_outsider = "reference data: every signed-in actor sees every institution"
    updater = "kp_admin"
    update_event = "institution.updated"
    list_max_queries = 6

    def make_record(self, world, owner, **options):
        n = next(serial)
        return Institution.objects.create(code=f"TEST{n}", kind="police", name_sq=f"Test {n}", name_sr=f"Test {n}",
                                          name_en=f"Test {n}")

    def update_payload(self, world, record):
        return {"name_en": "Renamed institution", "active": False}


def test_changing_an_institution_needs_reference_edit(world):
    kp = world.kp_investigator.membership.unit.institution
    response = patch(world.kp_investigator.client(), f"/api/v1/institutions/{kp.public_id}/", {"name_en": "X"})
    assert_error(response, 403, "permission_denied")


def test_an_institutions_code_and_kind_cannot_be_changed(world):
    kp = world.kp_admin.membership.unit.institution
    response = patch(world.kp_admin.client(), f"/api/v1/institutions/{kp.public_id}/", {"code": "X", "kind": "court"})
    error = assert_error(response, 400)
    assert set(error["fields"]) == {"code", "kind"}


# --- units ---------------------------------------------------------------------------------------------


class TestUnitApi(ApiContract):
    viewset = UnitViewSet
    list_url = "/api/v1/units/"
    viewer = "kp_investigator"
    foreign_owner = "aki"  # the Intelligence Agency's structure is not in other institutions' directory
    unpermitted = "inspector"
    creator = "kp_admin"
    create_event = "unit.created"
    list_max_queries = 6

    def make_record(self, world, owner, **options):
        institution = owner.membership.unit.institution
        hq = Unit.objects.get(institution=institution, code="HQ")
        n = next(serial)
        return unit_seed(institution=institution, parent=hq, code=f"T{n}", names=(f"Njësia {n}", f"Jedinica {n}", f"Unit {n}"),
                         kind="unit")

    def create_payload(self, world):
        hq = Unit.objects.get(institution__code="KP", code="HQ")
        return {"code": "NEW-UNIT", "name_sq": "Njësia e re", "name_sr": "Nova jedinica", "name_en": "New unit",
                "parent": str(hq.public_id)}


def test_a_unit_is_created_in_the_administrators_institution_by_default(world):
    response = post(world.kp_admin.client(), "/api/v1/units/", {"code": "ROOT2", "name_sq": "A", "name_sr": "B", "name_en": "C"})
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["institution"]["code"] == "KP" and body["parent"] is None
    assert "path" not in body and "id" not in body


def test_a_unit_in_another_institution_is_404_on_its_field(world):
    customs = Institution.objects.get(code="DK")
    body = {"code": "X", "name_sq": "A", "name_sr": "B", "name_en": "C", "institution": str(customs.public_id)}
    error = assert_error(post(world.kp_admin.client(), "/api/v1/units/", body), 404, "not_found")
    assert list(error["fields"]) == ["institution"]
    other_parent = Unit.objects.get(institution=customs, code="HQ")
    body = {"code": "X", "name_sq": "A", "name_sr": "B", "name_en": "C", "parent": str(other_parent.public_id)}
    error = assert_error(post(world.kp_admin.client(), "/api/v1/units/", body), 404, "not_found")
    assert list(error["fields"]) == ["parent"]
    assert not Unit.objects.filter(code="X").exists()


def test_a_duplicate_unit_code_is_a_field_error(world):
    body = {"code": "NJKT", "name_sq": "A", "name_sr": "B", "name_en": "C"}
    error = assert_error(post(world.kp_admin.client(), "/api/v1/units/", body), 400)
    assert list(error["fields"]) == ["code"]


def test_creating_a_unit_needs_memberships_manage(world):
    body = {"code": "X", "name_sq": "A", "name_sr": "B", "name_en": "C"}
    assert_error(post(world.kp_investigator.client(), "/api/v1/units/", body), 403, "permission_denied")


def test_the_intelligence_agency_sees_its_own_units(world):
    aki_unit = world.aki.membership.unit
    assert world.aki.client().get(f"/api/v1/units/{aki_unit.public_id}/").status_code == 200


# --- roles -----------------------------------------------------------------------------------------------


class TestRoleApi(ApiContract):
    viewset = RoleViewSet
    list_url = "/api/v1/roles/"
    viewer = "kp_investigator"
    no_outsider = "the role catalogue is the same for every institution"
    # No direct update: a PATCH proposes a change (202) that a second platform administrator approves
    # (kssp/accounts/tests/test_access_changes.py).
    list_max_queries = 6

    def make_record(self, world, owner, **options):
        n = next(serial)
        return Role.objects.create(code=f"test_role_{n}", name_sq=f"Rol {n}", name_sr=f"Uloga {n}", name_en=f"Role {n}",
                                   permissions=["bulletins.view"])

    def record_key(self, record):
        return record.code

    def item_key(self, item):
        return item["code"]

    def missing_detail_url(self):
        return f"{self.list_url}no_such_role/"

    def audit_matches(self, event, key):
        return event.target_type == "accounts.role" and event.target_id == str(Role.objects.get(code=key).pk)

    def update_payload(self, world, record):
        return {"scope": "institution", "permissions": ["bulletins.view", "directory.view"]}


def test_changing_a_role_needs_roles_manage(world):
    assert_error(patch(world.kp_investigator.client(), "/api/v1/roles/investigator/", {"privileged": True}), 403)
    assert Role.objects.get(code="investigator").privileged is False


@pytest.mark.parametrize("data", [
    {"permissions": ["bulletins.view", "no.such.permission"]}, {"scope": "galaxy"}, {"code": "renamed"}, {},
])
def test_an_institution_administrator_changes_no_role_even_with_bad_input(world, data):
    assert_error(patch(world.kp_admin.client(), "/api/v1/roles/investigator/", data), 403)


# --- users ------------------------------------------------------------------------------------------------


class TestUserApi(ApiContract):
    viewset = UserViewSet
    list_url = "/api/v1/users/"
    viewer = "kp_investigator"
    foreign_owner = "customs"
    unpermitted = "inspector"
    creator = "kp_admin"
    create_event = "user.created"
    list_max_queries = 7

    def make_record(self, world, owner, **options):
        return colleague_of(owner).user

    def create_payload(self, world):
        return {"username": "new.officer", "first_name": "Arta", "last_name": "Krasniqi", "email": "arta@example.org"}


def test_a_new_account_is_seen_by_its_administrator_and_hides_secrets(world):
    client = world.kp_admin.client()
    body = post(client, "/api/v1/users/", {"username": "fresh", "first_name": "F", "last_name": "R",
                                            "password": "a-long-enough-passphrase-7"}).json()
    assert "password" not in body and "email" not in body
    assert body["memberships"] == []
    assert client.get(f"/api/v1/users/{body['public_id']}/").status_code == 200
    assert User.objects.get(username="fresh").check_password("a-long-enough-passphrase-7")


@pytest.mark.parametrize(("data", "field"), [
    ({"username": "kp_inv", "first_name": "A", "last_name": "B"}, "username"),
    ({"username": "x1", "first_name": "A", "last_name": "B", "password": "short"}, "password"),
    ({"username": "x2", "first_name": "A", "last_name": "B", "email": "not-an-email"}, "email"),
    ({"username": "x3", "first_name": "", "last_name": "B"}, "first_name"),
    ({"username": "x4", "first_name": "A", "last_name": "B", "preferred_language": "klingon"}, "preferred_language"),
])
def test_bad_user_input_is_a_field_error(world, data, field):
    error = assert_error(post(world.kp_admin.client(), "/api/v1/users/", data), 400)
    assert field in error["fields"]


def test_creating_a_user_needs_users_manage(world):
    data = {"username": "x", "first_name": "A", "last_name": "B"}
    assert_error(post(world.kp_investigator.client(), "/api/v1/users/", data), 403, "permission_denied")


def test_a_national_scope_sees_other_institutions_but_not_the_intelligence_agency(world):
    keys = {u["username"] for u in world.kp_ffp.client().get("/api/v1/users/", {"page_size": 200}).json()["results"]}
    assert world.customs.user.username in keys
    assert world.aki.user.username not in keys


# --- memberships --------------------------------------------------------------------------------------------


class TestMembershipApi(ApiContract):
    viewset = MembershipViewSet
    list_url = "/api/v1/memberships/"
    viewer = "kp_admin"
    owner = "kp_investigator"
    foreign_owner = "customs"
    # No direct create: a POST proposes a membership (202) that a second administrator approves
    # (kssp/accounts/tests/test_access_changes.py).
    list_max_queries = 6

    def make_record(self, world, owner, **options):
        return colleague_of(owner).membership


def test_a_member_sees_only_their_own_memberships(world):
    body = world.kp_investigator.client().get("/api/v1/memberships/").json()
    assert [m["public_id"] for m in body["results"]] == [str(world.kp_investigator.membership.public_id)]


def test_ending_a_membership_needs_a_reason_and_is_audited(world):
    membership = colleague_of(world.kp_investigator).membership
    client = world.kp_admin.client()
    url = f"/api/v1/memberships/{membership.public_id}/end/"
    assert "reason" in assert_error(post(client, url, {}), 400)["fields"]
    response = post(client, url, {"reason": "transferred"})
    assert response.status_code == 200 and response.json()["is_active"] is False
    assert AuditEvent.objects.filter(event_type="membership.ended", target_public_id=membership.public_id).exists()


def test_a_membership_in_another_institutions_unit_is_404_on_its_field(world):
    customs_unit = world.customs.membership.unit
    body = {"user": str(world.kp_investigator_other.user.public_id), "unit": str(customs_unit.public_id), "role": "investigator"}
    error = assert_error(post(world.kp_admin.client(), "/api/v1/memberships/", body), 404, "not_found")
    assert list(error["fields"]) == ["unit"]


def test_ending_another_institutions_membership_is_404(world):
    response = post(world.kp_admin.client(), f"/api/v1/memberships/{world.customs.membership.public_id}/end/", {"reason": "x"})
    assert_error(response, 404, "not_found")


@pytest.mark.parametrize(("change", "field"), [
    ({"valid_from": "2030-01-10", "valid_to": "2030-01-01"}, "valid_to"),
    ({"role": "prosecutor"}, "role"),  # not a role of a police institution
    ({"valid_from": "yesterday"}, "valid_from"),
])
def test_bad_membership_input_is_a_field_error(world, change, field):
    body = {"user": str(world.kp_investigator_other.user.public_id),
            "unit": str(world.kp_investigator.membership.unit.public_id), "role": "investigator", **change}
    error = assert_error(post(world.kp_admin.client(), "/api/v1/memberships/", body), 400)
    assert field in error["fields"]


def test_an_unknown_role_code_is_404_on_its_field(world):
    body = {"user": str(world.kp_investigator_other.user.public_id),
            "unit": str(world.kp_investigator.membership.unit.public_id), "role": "wizard"}
    assert list(assert_error(post(world.kp_admin.client(), "/api/v1/memberships/", body), 404)["fields"]) == ["role"]


# --- access changes (proposals that a second person approves) -------------------------------------------------


class TestAccessChangeApi(ApiContract):
    viewset = AccessChangeViewSet
    list_url = "/api/v1/access-changes/"
    viewer = "kp_admin"  # an administrator of the institution concerned
    owner = "kp_investigator"  # whose institution's change it is (a colleague proposes it for them)
    foreign_owner = "customs"
    list_max_queries = 8

    def make_record(self, world, owner, **options):
        institution = owner.membership.unit.institution.code
        proposer = make_person(f"proposer{next(serial)}", institution=institution, role="administrator")
        return membership_propose(actor=proposer.actor, user=colleague_of(owner).user, unit=owner.membership.unit,
                                  role=owner.membership.role, valid_from=timezone.localdate())


# --- API tokens ------------------------------------------------------------------------------------------------


class TestApiTokenApi(ApiContract):
    viewset = ApiTokenViewSet
    list_url = "/api/v1/api-tokens/"
    viewer = "kp_investigator"
    foreign_owner = "customs"
    create_event = "api_token.created"
    list_max_queries = 6

    def make_record(self, world, owner, **options):
        token, _key = api_token_create(actor=owner.actor, name=f"script {next(serial)}")
        return token

    def create_payload(self, world):
        return {"name": "nightly export"}


def test_a_colleagues_tokens_are_not_mine(world):
    token, _ = api_token_create(actor=world.kp_investigator.actor, name="mine")
    client = world.kp_investigator_other.client()
    assert_error(client.get(f"/api/v1/api-tokens/{token.public_id}/"), 404)
    assert_error(post(client, f"/api/v1/api-tokens/{token.public_id}/revoke/", {}), 404)


def test_the_key_is_shown_once_and_works(world):
    client = world.kp_investigator.client()
    created = post(client, "/api/v1/api-tokens/", {"name": "cli"}).json()
    key = created["key"]
    assert key and ApiToken.objects.get(public_id=created["public_id"]).key_hash == ApiToken.hash_key(key)
    assert "key" not in client.get(f"/api/v1/api-tokens/{created['public_id']}/").json()
    assert "key_hash" not in created
    from django.test import Client

    assert Client().get("/api/v1/api-tokens/", HTTP_AUTHORIZATION=f"Bearer {key}").status_code == 200


def test_revoking_a_token_stops_it(world):
    token, key = api_token_create(actor=world.kp_investigator.actor, name="cli")
    response = post(world.kp_investigator.client(), f"/api/v1/api-tokens/{token.public_id}/revoke/", {})
    assert response.status_code == 200 and response.json()["is_active"] is False
    from django.test import Client

    assert_error(Client().get("/api/v1/api-tokens/", HTTP_AUTHORIZATION=f"Bearer {key}"), 401, "authentication_failed")


@pytest.mark.parametrize(("data", "field"), [
    ({"name": "   "}, "name"),
    ({"name": "x", "expires_at": "2001-01-01T00:00:00Z"}, "expires_at"),
    ({"name": "x", "expires_at": "soon"}, "expires_at"),
    ({"name": "x", "key": "chosen-by-me"}, "key"),
])
def test_bad_token_input_is_a_field_error(world, data, field):
    error = assert_error(post(world.kp_investigator.client(), "/api/v1/api-tokens/", data), 400)
    assert field in error["fields"]


def test_creating_a_token_needs_api_tokens(world):
    assert_error(post(world.kp_auditor.client(), "/api/v1/api-tokens/", {"name": "x"}), 403, "permission_denied")


def test_a_token_may_expire_in_the_future(world):
    expires = (timezone.now() + dt.timedelta(days=30)).isoformat()
    response = post(world.kp_investigator.client(), "/api/v1/api-tokens/", {"name": "x", "expires_at": expires})
    assert response.status_code == 201 and response.json()["is_active"] is True


def test_unknown_memberships_and_users_are_404(world):
    client = world.kp_admin.client()
    for url in (f"/api/v1/memberships/{uuid.uuid4()}/", f"/api/v1/users/{uuid.uuid4()}/"):
        assert_error(client.get(url), 404, "not_found")
    assert Membership.objects.count() >= 1


def test_former_staff_of_another_institution_stay_out_of_an_administrators_sight(world):
    Membership.objects.filter(pk=world.aki.membership.pk).update(revoked_at=timezone.now())
    client = world.kp_admin.client()
    assert_error(client.get(f"/api/v1/users/{world.aki.user.public_id}/"), 404, "not_found")
    usernames = {u["username"] for u in client.get("/api/v1/users/", {"page_size": 200}).json()["results"]}
    assert world.aki.user.username not in usernames and world.kp_investigator.user.username in usernames
