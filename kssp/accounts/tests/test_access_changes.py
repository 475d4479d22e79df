"""Nobody raises their own access (issue #7 point 3, first item).

Each attack of the issue is reproduced through the real API (and page) as an institution's administrator
would run it; each used to succeed. Then the approve path: a change proposed by one person takes effect
only when a second person (not the proposer, not the person concerned) approves it, is audited, and
notifies the institution's auditors.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from kssp.accounts import services
from kssp.accounts.models import AccessChange, Clearance, Membership, Role, Unit
from kssp.accounts.testing import make_person
from kssp.core.exceptions import PermissionDenied
from kssp.core.markings import Classification
from kssp.core.models import AuditEvent
from kssp.core.notifications.models import Notification
from kssp.core.testing.contract import assert_error

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate


def post(client, url, data):
    return client.post(url, data, content_type="application/json")


def patch(client, url, data):
    return client.patch(url, data, content_type="application/json")


def role_state(code: str) -> tuple[list[str], str, bool]:
    role = Role.objects.get(code=code)
    return sorted(role.permissions), role.scope, role.privileged


@pytest.fixture
def platform_admins(world):
    """Two platform administrators of the operating institution (the Ministry of Internal Affairs)."""
    return (make_person("mpb_pa1", institution="MPB", role="platform_administrator"),
            make_person("mpb_pa2", institution="MPB", role="platform_administrator"))


@pytest.fixture
def kp_admin2(world):
    return make_person("kp_admin2", institution="KP", role="administrator")


# --- the attacks, as the issue reports them ----------------------------------------------------------


def test_an_institution_administrator_cannot_add_permissions_and_national_scope_to_their_role(world):
    before = role_state("administrator")
    response = patch(world.kp_admin.client(), "/api/v1/roles/administrator/",
                     {"permissions": [*before[0], "audit.view_all", "bulletins.view"], "scope": "national"})
    assert_error(response, 403, "permission_denied")
    assert role_state("administrator") == before
    assert not AccessChange.objects.exists()


def test_an_administrator_cannot_give_themselves_the_highest_clearance(world):
    admin = world.kp_admin
    client = admin.client()
    body = {"user": str(admin.user.public_id), "level": Classification.TOP_SECRET, "decision_number": "AKI-1/2026",
            "decision_date": str(TODAY()), "valid_from": str(TODAY()), "valid_until": str(TODAY() + dt.timedelta(days=900))}
    error = assert_error(post(client, "/api/v1/access-changes/clearance/", body), 400)
    assert list(error["fields"]) == ["user"]
    # The page the administrator would use on their own membership refuses it too.
    response = client.post(f"/directory/memberships/{admin.membership.public_id}/clearance/", {
        "level": Classification.TOP_SECRET, "decision_number": "AKI-1/2026", "decision_date": TODAY().isoformat(),
        "valid_from": TODAY().isoformat(), "valid_until": (TODAY() + dt.timedelta(days=900)).isoformat()})
    assert response.status_code == 400
    assert not Clearance.objects.filter(user=admin.user, level=Classification.TOP_SECRET).exists()
    assert admin.user.clearance_level() < Classification.TOP_SECRET
    assert not AccessChange.objects.exists()


def test_an_administrator_cannot_create_a_national_membership_for_themselves(world):
    admin = world.kp_admin
    ffp = Unit.objects.get(institution__code="KP", code="FFP")
    body = {"user": str(admin.user.public_id), "unit": str(ffp.public_id), "role": "ffp_officer"}
    error = assert_error(post(admin.client(), "/api/v1/memberships/", body), 400)
    assert list(error["fields"]) == ["user"]
    assert not Membership.objects.filter(user=admin.user, role__code="ffp_officer").exists()
    assert not AccessChange.objects.exists()


def test_a_membership_for_someone_else_takes_no_effect_until_a_second_administrator_approves(world, kp_admin2):
    person = world.kp_investigator_other
    ffp = Unit.objects.get(institution__code="KP", code="FFP")
    body = {"user": str(person.user.public_id), "unit": str(ffp.public_id), "role": "ffp_officer"}
    response = post(world.kp_admin.client(), "/api/v1/memberships/", body)
    assert response.status_code == 202, response.content
    assert response.json()["status"] == "proposed"
    assert not Membership.objects.filter(user=person.user, role__code="ffp_officer").exists()


def test_the_direct_writers_refuse_a_person(world):
    admin = world.kp_admin
    with pytest.raises(PermissionDenied):
        services.membership_create(actor=admin.actor, user=world.kp_investigator.user, unit=admin.membership.unit,
                                   role=Role.objects.get(code="supervisor"), valid_from=TODAY())
    with pytest.raises(PermissionDenied):
        services.clearance_record(actor=admin.actor, user=world.kp_investigator.user, level=4, valid_from=TODAY(),
                                  valid_until=TODAY())
    with pytest.raises(PermissionDenied):
        services.role_update(actor=admin.actor, role=Role.objects.get(code="administrator"), scope="national")
    # Nor does naming someone else's proposal help: the actor must be the one deciding it, not its proposer.
    change = AccessChange.objects.create(kind="role", institution=admin.membership.unit.institution, details={},
                                         role=Role.objects.get(code="administrator"), proposed_by=admin.user,
                                         decided_by=admin.user)
    with pytest.raises(PermissionDenied):
        services.role_update(actor=admin.actor, role=change.role, scope="national", approval=change)
    assert Role.objects.get(code="administrator").scope == "institution"


# --- role changes: platform administrators of the operating institution, four eyes ---------------------------


def test_a_platform_administrator_proposes_and_a_second_one_approves_a_role_change(world, platform_admins):
    first, second = platform_admins
    before = role_state("customs_officer")
    response = patch(first.client(), "/api/v1/roles/customs_officer/", {"scope": "institution"})
    assert response.status_code == 202, response.content
    change = response.json()
    assert change["kind"] == "role" and change["status"] == "proposed"
    assert role_state("customs_officer") == before  # nothing yet

    url = f"/api/v1/access-changes/{change['public_id']}/approve/"
    assert_error(post(first.client(), url, {}), 403)  # the proposer never approves
    assert role_state("customs_officer") == before
    assert_error(post(world.kp_admin.client(), url, {}), 404)  # an institution administrator does not even see it

    response = post(second.client(), url, {})
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "approved"
    assert Role.objects.get(code="customs_officer").scope == "institution"
    events = list(AuditEvent.objects.filter(event_type__in=["access_change.proposed", "access_change.approved",
                                                             "role.updated"]).order_by("seq"))
    assert [e.event_type for e in events] == ["access_change.proposed", "role.updated", "access_change.approved"]
    assert events[0].actor_id == first.user.pk and events[1].actor_id == events[2].actor_id == second.user.pk
    assert_error(post(second.client(), url, {}), 400, "already_decided")


def test_a_platform_administrator_of_another_institution_cannot_change_roles(world, settings):
    outsider = make_person("kp_pa", institution="KP", role="platform_administrator")
    assert_error(patch(outsider.client(), "/api/v1/roles/investigator/", {"scope": "national"}), 403)
    settings.KSSP = {**settings.KSSP, "OPERATING_INSTITUTION": "KP"}  # configurable: now KP operates the platform
    assert patch(outsider.client(), "/api/v1/roles/investigator/", {"scope": "national"}).status_code == 202


@pytest.mark.parametrize(("data", "field"), [
    ({"permissions": ["bulletins.view", "no.such.permission"]}, "permissions"),
    ({"scope": "galaxy"}, "scope"),
    ({"permissions": "bulletins.view"}, "permissions"),
    ({"code": "renamed"}, "code"),
    ({"scope": "unit_subtree"}, "permissions"),  # the investigator's scope already: nothing would change
])
def test_bad_role_change_proposals_are_field_errors(world, platform_admins, data, field):
    error = assert_error(patch(platform_admins[0].client(), "/api/v1/roles/investigator/", data), 400)
    assert list(error["fields"]) == [field]
    assert not AccessChange.objects.exists()


# --- memberships and clearances: a second administrator of the institution ------------------------------


def test_a_membership_is_approved_by_a_second_administrator_and_the_auditor_is_told(
    world, kp_admin2, django_capture_on_commit_callbacks
):
    person = world.kp_investigator_other
    ffp = Unit.objects.get(institution__code="KP", code="FFP")
    body = {"user": str(person.user.public_id), "unit": str(ffp.public_id), "role": "ffp_officer",
            "valid_from": str(TODAY())}
    with django_capture_on_commit_callbacks(execute=True):
        change = post(world.kp_admin.client(), "/api/v1/memberships/", body).json()
    told = Notification.objects.filter(kind="access_change", recipient=world.kp_auditor.user)
    assert told.count() == 1
    assert Notification.objects.filter(kind="access_change", recipient=kp_admin2.user).count() == 1  # a decider
    assert not Notification.objects.filter(kind="access_change", recipient=world.kp_admin.user).exists()

    url = f"/api/v1/access-changes/{change['public_id']}/approve/"
    assert_error(post(world.kp_admin.client(), url, {}), 403, "four_eyes")
    assert_error(post(world.customs.client(), url, {}), 404)
    with django_capture_on_commit_callbacks(execute=True):
        response = post(kp_admin2.client(), url, {})
    assert response.status_code == 200, response.content
    membership = Membership.objects.get(user=person.user, role__code="ffp_officer")
    assert membership.unit == ffp and str(membership.public_id) == response.json()["membership"]
    assert told.count() == 2  # proposed, approved
    from kssp.core.notifications.kinds import kind_for, render_message

    note = told.order_by("pk").first()
    assert "FFP" in render_message(kind_for("access_change"), note.context, "en") or "Firearms" in render_message(
        kind_for("access_change"), note.context, "en")
    assert "Čeka odobrenje" in render_message(kind_for("access_change"), note.context, "sr-latn")
    assert "Në pritje të miratimit" in render_message(kind_for("access_change"), note.context, "sq")
    assert AuditEvent.objects.filter(event_type="membership.created", target_public_id=membership.public_id).exists()


def test_the_person_concerned_cannot_approve_their_own_membership(world, kp_admin2):
    ffp = Unit.objects.get(institution__code="KP", code="FFP")
    body = {"user": str(world.kp_admin.user.public_id), "unit": str(ffp.public_id), "role": "ffp_officer"}
    change = post(kp_admin2.client(), "/api/v1/memberships/", body).json()  # a colleague proposes it for kp_admin
    assert_error(post(world.kp_admin.client(), f"/api/v1/access-changes/{change['public_id']}/approve/", {}), 403,
                 "self_grant")
    assert not Membership.objects.filter(user=world.kp_admin.user, role__code="ffp_officer").exists()


def test_a_clearance_is_recorded_from_the_vetting_decision_after_a_second_approval(world, kp_admin2):
    person = world.kp_officer
    body = {"user": str(person.user.public_id), "level": Classification.SECRET, "decision_number": "AKI-77/2026",
            "decision_date": str(TODAY() - dt.timedelta(days=3)), "valid_from": str(TODAY()),
            "valid_until": str(TODAY() + dt.timedelta(days=5 * 365))}
    response = post(world.kp_admin.client(), "/api/v1/access-changes/clearance/", body)
    assert response.status_code == 202, response.content
    assert person.user.clearance_level() == Classification.RESTRICTED
    change = response.json()
    assert post(kp_admin2.client(), f"/api/v1/access-changes/{change['public_id']}/approve/", {}).status_code == 200
    clearance = Clearance.objects.get(user=person.user, level=Classification.SECRET)
    assert (clearance.reference, clearance.decision_date) == ("AKI-77/2026", TODAY() - dt.timedelta(days=3))
    assert (clearance.recorded_by_id, clearance.approved_by_id) == (world.kp_admin.user.pk, kp_admin2.user.pk)
    assert person.user.clearance_level() == Classification.SECRET


@pytest.mark.parametrize(("change", "field"), [
    ({"decision_number": ""}, "decision_number"),
    ({"decision_date": str(dt.date(2999, 1, 1))}, "decision_date"),
    ({"valid_until": "2000-01-01", "valid_from": "2000-01-02"}, "valid_until"),
    ({"valid_until": "2001-01-01", "valid_from": "2000-01-02"}, "valid_until"),  # already expired
    ({"level": 9}, "level"),
    ({"decision_date": "yesterday"}, "decision_date"),
])
def test_bad_clearance_decisions_are_field_errors(world, change, field):
    body = {"user": str(world.kp_officer.user.public_id), "level": Classification.SECRET, "decision_number": "AKI-1",
            "decision_date": str(TODAY()), "valid_from": str(TODAY()), "valid_until": str(TODAY() + dt.timedelta(days=30)),
            **change}
    error = assert_error(post(world.kp_admin.client(), "/api/v1/access-changes/clearance/", body), 400)
    assert list(error["fields"]) == [field]


def test_a_clearance_for_another_institutions_member_is_404(world):
    body = {"user": str(world.customs.user.public_id), "level": Classification.SECRET, "decision_number": "AKI-1",
            "decision_date": str(TODAY()), "valid_from": str(TODAY()), "valid_until": str(TODAY() + dt.timedelta(days=30))}
    assert_error(post(world.kp_admin.client(), "/api/v1/access-changes/clearance/", body), 404)


def test_a_rejection_needs_a_reason_applies_nothing_and_is_audited(world, kp_admin2):
    body = {"user": str(world.kp_investigator_other.user.public_id),
            "unit": str(world.kp_investigator.membership.unit.public_id), "role": "supervisor"}
    change = post(world.kp_admin.client(), "/api/v1/memberships/", body).json()
    url = f"/api/v1/access-changes/{change['public_id']}/reject/"
    assert "reason" in assert_error(post(kp_admin2.client(), url, {}), 400)["fields"]
    response = post(kp_admin2.client(), url, {"reason": "not needed in this unit"})
    assert response.status_code == 200 and response.json()["status"] == "rejected"
    assert not Membership.objects.filter(user=world.kp_investigator_other.user, role__code="supervisor").exists()
    assert AuditEvent.objects.filter(event_type="access_change.rejected").count() == 1


def test_ending_a_membership_takes_effect_at_once_and_the_auditor_is_told(world, django_capture_on_commit_callbacks):
    from kssp.core.notifications.kinds import kind_for, render_message

    membership = world.kp_investigator_other.membership
    with django_capture_on_commit_callbacks(execute=True):
        response = post(world.kp_admin.client(), f"/api/v1/memberships/{membership.public_id}/end/", {"reason": "retired"})
    assert response.status_code == 200 and response.json()["is_active"] is False
    note = Notification.objects.get(kind="access_change", recipient=world.kp_auditor.user)
    assert "retired" in render_message(kind_for("access_change"), note.context, "en")
    assert not Notification.objects.filter(kind="access_change", recipient=world.customs.user).exists()
