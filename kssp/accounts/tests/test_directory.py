"""Directory pages (issue #2 points 2-3): institutions by kind in the current language, an institution's
unit tree, the role catalogue; an administrator's members list, granting and ending memberships and
recording clearances within the own institution only, through the audited services."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from django.utils import timezone

from kssp.accounts.models import AccessChange, Clearance, Institution, Membership, Unit, User
from kssp.accounts.testing import make_person
from kssp.core.audit.testing import reason_of
from kssp.core.markings import Classification
from kssp.core.models import AuditEvent

pytestmark = pytest.mark.django_db


def unit(institution: str, code: str) -> Unit:
    return Unit.objects.get(institution__code=institution, code=code)


def members_url(u: Unit) -> str:
    return f"/directory/units/{u.public_id}/members/"


def grant_url(u: Unit) -> str:
    return f"/directory/units/{u.public_id}/members/grant/"


def end_url(m: Membership) -> str:
    return f"/directory/memberships/{m.public_id}/end/"


def clearance_url(m: Membership) -> str:
    return f"/directory/memberships/{m.public_id}/clearance/"


@pytest.fixture
def newcomer(db):
    return User.objects.create(username="arta.berisha", first_name="Arta", last_name="Berisha", public_id=uuid.uuid4())


def in_language(client, code: str):
    client.cookies["kssp_language"] = code
    return client


# --- institutions, units, roles ------------------------------------------------------------------


def test_institutions_are_grouped_by_kind_and_named_in_the_current_language(world):
    client = world.kp_investigator.client()
    response = client.get("/directory/")
    assert response.status_code == 200
    kinds = [kind for kind, _label, _institutions in response.context["groups"]]
    assert kinds.index("police") < kinds.index("customs")
    assert "Policia e Kosovës" in response.content.decode()

    assert "Policija Kosova" in in_language(client, "sr-latn").get("/directory/").content.decode()
    assert "Полиција Косова" in in_language(client, "sr-cyrl").get("/directory/").content.decode()
    html = in_language(client, "en").get("/directory/").content.decode()
    assert "Kosovo Police" in html and "Policia e Kosovës" not in html


def test_directory_needs_directory_view(world):
    # the external inspector's role has no directory.view
    client = world.inspector.client()
    assert client.get("/directory/").status_code == 403
    assert client.get("/directory/roles/").status_code == 403
    kp = Institution.objects.get(code="KP")
    assert client.get(f"/directory/institutions/{kp.public_id}/").status_code == 403


def test_anonymous_visitor_is_sent_to_sign_in(client, world):
    response = client.get("/directory/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_unit_tree_nests_units_under_their_parents(world):
    kp = Institution.objects.get(code="KP")
    response = world.kp_investigator.client().get(f"/directory/institutions/{kp.public_id}/")
    assert response.status_code == 200

    def find(nodes, code, depth=0):
        for node in nodes:
            if node.unit.code == code:
                return node, depth
            found = find(node.children, code, depth + 1)
            if found:
                return found
        return None

    tree = response.context["tree"]
    border_police, depth = find(tree, "PK")
    assert {child.unit.code for child in border_police.children} >= {"PK-VERI", "PK-LINDJE"}
    merdare, merdare_depth = find(tree, "PKK-MERDARE")
    assert merdare_depth == depth + 2
    assert response.context["is_admin"] is False
    assert "/members/" not in response.content.decode()


def test_unknown_institution_is_404(world):
    assert world.kp_investigator.client().get(f"/directory/institutions/{uuid.uuid4()}/").status_code == 404


def test_administrator_gets_members_links_for_the_own_institution_only(world):
    client = world.kp_admin.client()
    kp = Institution.objects.get(code="KP")
    dk = Institution.objects.get(code="DK")
    assert client.get(f"/directory/institutions/{kp.public_id}/").context["is_admin"] is True
    response = client.get(f"/directory/institutions/{dk.public_id}/")
    assert response.context["is_admin"] is False and "/members/" not in response.content.decode()


def test_role_catalogue_lists_permissions_with_labels_scope_and_privilege(world):
    response = world.kp_investigator.client().get("/directory/roles/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    roles = {item["role"].code: item for item in response.context["roles"]}
    admin = roles["administrator"]
    assert admin["role"].privileged is True
    assert ("memberships.manage", "Assign and end memberships", "accounts") in [
        (code, str(label), group) for code, label, group in admin["permissions"]
    ]
    assert str(roles["investigator"]["scope_label"]) == "unit and the units below it"
    assert roles["investigator"]["role"].privileged is False


# --- members of a unit ---------------------------------------------------------------------------


def test_administrator_sees_the_members_of_an_own_unit_with_their_clearance(world):
    response = world.kp_admin.client().get(members_url(unit("KP", "NJKT")))
    assert response.status_code == 200
    current = response.context["rows"]["current"]
    names = {row["membership"].user.username for row in current}
    assert {"kp_inv", "kp_low"} <= names
    by_name = {row["membership"].user.username: row for row in current}
    assert by_name["kp_inv"]["clearance"].level == Classification.SECRET


def test_members_of_another_institutions_unit_are_404(world):
    assert world.kp_admin.client().get(members_url(unit("DK", "ZL"))).status_code == 404
    assert world.kp_admin.client().get(f"/directory/units/{uuid.uuid4()}/members/").status_code == 404


def test_members_list_needs_memberships_manage(world):
    assert world.kp_investigator.client().get(members_url(unit("KP", "NJKT"))).status_code == 403
    assert world.kp_auditor.client().get(members_url(unit("KP", "NJKT"))).status_code == 403


# --- granting a membership -----------------------------------------------------------------------


def test_administrator_proposes_a_membership_and_a_second_one_approves_it(world, newcomer):
    today = timezone.localdate()
    response = world.kp_admin.client().post(grant_url(unit("KP", "NJKT")), {
        "username": "Arta.Berisha", "role": "investigator", "valid_from": today.isoformat(), "valid_to": "",
    })
    assert response.status_code == 302
    assert not Membership.objects.filter(user=newcomer).exists()  # proposed only
    change = AccessChange.objects.get(user=newcomer)
    assert response["Location"] == f"/directory/changes/{change.public_id}/"
    second = make_person("kp_admin2", institution="KP", role="administrator")
    assert second.client().post(response["Location"], {"decision": "approve"}).status_code == 302
    membership = Membership.objects.get(user=newcomer)
    assert (membership.unit.code, membership.role.code) == ("NJKT", "investigator")
    assert (membership.valid_from, membership.valid_to) == (today, None)
    event = AuditEvent.objects.get(event_type="membership.created")
    assert event.actor_id == second.user.pk
    assert event.target_institution_id == membership.unit.institution_id


def test_grant_with_end_date_before_start_is_a_field_error(world, newcomer):
    response = world.kp_admin.client().post(grant_url(unit("KP", "NJKT")), {
        "username": newcomer.username, "role": "investigator", "valid_from": "2025-05-10", "valid_to": "2025-05-01",
    })
    assert response.status_code == 400
    assert "valid_to" in response.context["form"].errors
    assert not Membership.objects.filter(user=newcomer).exists()
    assert not AuditEvent.objects.filter(event_type="membership.created").exists()


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"username": "nobody.here", "role": "investigator"}, "username"),
        ({"role": "investigator"}, "username"),
        ({"username": "arta.berisha", "role": "prosecutor"}, "role"),  # no prosecutors in the police
        ({"username": "arta.berisha", "role": "no_such_role"}, "role"),
        ({"username": "arta.berisha", "role": "investigator", "valid_from": "10.05.2025x"}, "valid_from"),
    ],
)
def test_grant_bad_inputs_are_field_errors(world, newcomer, data, field):
    data = {"valid_from": timezone.localdate().isoformat(), **data}
    response = world.kp_admin.client().post(grant_url(unit("KP", "NJKT")), data)
    assert response.status_code == 400
    assert field in response.context["form"].errors
    assert not Membership.objects.filter(user=newcomer).exists()


def test_administrator_cannot_give_themselves_a_privileged_role(world):
    response = world.kp_admin.client().post(grant_url(unit("KP", "HQ")), {
        "username": "kp_admin", "role": "internal_auditor", "valid_from": timezone.localdate().isoformat(),
    })
    assert response.status_code == 400
    assert "username" in response.context["form"].errors  # nobody proposes their own membership
    assert not AccessChange.objects.exists()


def test_grant_in_another_institutions_unit_is_404_and_writes_nothing(world, newcomer):
    client = world.kp_admin.client()
    assert client.get(grant_url(unit("DK", "ZL"))).status_code == 404
    response = client.post(grant_url(unit("DK", "ZL")), {
        "username": newcomer.username, "role": "investigator", "valid_from": timezone.localdate().isoformat(),
    })
    assert response.status_code == 404
    assert not Membership.objects.filter(user=newcomer).exists()


def test_grant_needs_memberships_manage(world, newcomer):
    response = world.kp_investigator.client().post(grant_url(unit("KP", "NJKT")), {
        "username": newcomer.username, "role": "investigator", "valid_from": timezone.localdate().isoformat(),
    })
    assert response.status_code == 403
    assert not Membership.objects.filter(user=newcomer).exists()


def test_grant_form_offers_the_roles_of_the_institutions_kind(world):
    response = world.kp_admin.client().get(grant_url(unit("KP", "NJKT")))
    offered = {value for value, _label in response.context["form"].fields["role"].widget.choices}
    assert {"investigator", "police_officer", "dpo"} <= offered
    assert "prosecutor" not in offered and "customs_officer" not in offered


# --- ending a membership -------------------------------------------------------------------------


def test_administrator_ends_a_membership_with_a_reason(world):
    membership = world.kp_officer.membership
    response = world.kp_admin.client().post(end_url(membership), {"reason": "Transferred to Border Police"})
    assert response.status_code == 302
    membership.refresh_from_db()
    assert membership.revoked_at is not None
    event = AuditEvent.objects.get(event_type="membership.ended")
    assert reason_of(event) == "Transferred to Border Police"
    # an ended membership cannot be ended again
    assert world.kp_admin.client().get(end_url(membership)).status_code == 404


def test_ending_without_a_reason_is_a_field_error(world):
    membership = world.kp_officer.membership
    response = world.kp_admin.client().post(end_url(membership), {"reason": "   "})
    assert response.status_code == 400
    assert "reason" in response.context["form"].errors
    membership.refresh_from_db()
    assert membership.revoked_at is None


def test_ending_another_institutions_membership_is_404(world):
    membership = world.customs.membership
    assert world.kp_admin.client().post(end_url(membership), {"reason": "x"}).status_code == 404
    membership.refresh_from_db()
    assert membership.revoked_at is None


def test_ending_needs_memberships_manage(world):
    assert world.kp_auditor.client().post(end_url(world.kp_officer.membership), {"reason": "x"}).status_code == 403


# --- clearances ----------------------------------------------------------------------------------


def test_administrator_records_a_clearance_decision_that_a_second_one_approves(world):
    today = timezone.localdate()
    response = world.kp_admin.client().post(clearance_url(world.kp_officer.membership), {
        "level": Classification.CONFIDENTIAL, "valid_from": today.isoformat(), "decision_number": "AKI-2025/117",
        "decision_date": today.isoformat(), "valid_until": (today + dt.timedelta(days=5 * 365)).isoformat(),
    })
    assert response.status_code == 302
    assert not Clearance.objects.filter(user=world.kp_officer.user, reference="AKI-2025/117").exists()
    second = make_person("kp_admin2", institution="KP", role="administrator")
    assert second.client().post(response["Location"], {"decision": "approve"}).status_code == 302
    clearance = Clearance.objects.get(user=world.kp_officer.user, reference="AKI-2025/117")
    assert (clearance.level, clearance.decision_date) == (Classification.CONFIDENTIAL, today)
    assert AuditEvent.objects.filter(event_type="clearance.recorded", actor_id=second.user.pk).exists()


def test_clearance_expiring_before_it_starts_is_a_field_error(world):
    before = Clearance.objects.count()
    response = world.kp_admin.client().post(clearance_url(world.kp_officer.membership), {
        "level": Classification.SECRET, "valid_from": "2025-06-01", "valid_until": "2025-05-01",
    })
    assert response.status_code == 400
    assert "valid_until" in response.context["form"].errors
    assert Clearance.objects.count() == before


def test_clearance_bad_level_is_a_field_error(world):
    response = world.kp_admin.client().post(clearance_url(world.kp_officer.membership), {
        "level": "99", "valid_from": "2025-06-01", "valid_until": "2026-05-01",
    })
    assert response.status_code == 400
    assert "level" in response.context["form"].errors


def test_clearance_for_another_institutions_member_is_404(world):
    today = timezone.localdate()
    response = world.kp_admin.client().post(clearance_url(world.customs.membership), {
        "level": Classification.SECRET, "valid_from": today.isoformat(),
        "valid_until": (today + dt.timedelta(days=30)).isoformat(),
    })
    assert response.status_code == 404
    assert not AuditEvent.objects.filter(event_type="clearance.recorded").exists()


def test_clearance_needs_clearances_manage(world):
    assert world.kp_auditor.client().get(clearance_url(world.kp_officer.membership)).status_code == 403


@pytest.mark.django_db
def test_unit_create_service_refuses_another_institution(world):
    from kssp.accounts.models import Institution
    from kssp.accounts.services import unit_create
    from kssp.core.exceptions import NotFound

    customs = Institution.objects.get(code="DK")
    with pytest.raises(NotFound):
        unit_create(actor=world.kp_admin.actor, institution=customs, parent=None, code="X1", name_sq="X", name_sr="X", name_en="X")
