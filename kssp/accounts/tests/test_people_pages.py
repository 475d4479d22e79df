"""Pages for an institution's people (issue #7 point 2: "users and memberships can be created only through
the API"): the people list, onboarding a person (account + first membership proposal), the access-change
list and the decision page. Everything goes through the services of ``services_access``."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from kssp.accounts.models import AccessChange, Membership, Unit, User
from kssp.accounts.testing import make_person
from kssp.core.models import AuditEvent

pytestmark = pytest.mark.django_db


def onboard_data(**change):
    unit = Unit.objects.get(institution__code="KP", code="NJKT")
    return {"first_name": "Arta", "last_name": "Krasniqi", "username": "arta.krasniqi", "email": "arta@example.org",
            "preferred_language": "sq", "unit": str(unit.public_id), "role": "investigator",
            "valid_from": timezone.localdate().isoformat(), "valid_to": "", **change}


@pytest.fixture
def kp_admin2(world):
    return make_person("kp_admin2", institution="KP", role="administrator")


def test_the_people_list_shows_the_own_institutions_people_only(world):
    response = world.kp_admin.client().get("/directory/people/")
    assert response.status_code == 200
    text = response.content.decode()
    assert "kp_inv" in text and "kp_off" in text
    assert "dk_inv" not in text and "aki" not in {row["user"].username for row in response.context["rows"]}
    assert 'href="/directory/people/new/"' in text
    assert 'href="/imports/new/"' in text  # units from the template (the administrator's only import type)
    assert world.kp_admin.client().get("/imports/new/").status_code == 200


@pytest.mark.parametrize("who", ["kp_investigator", "kp_auditor", "kp_dpo"])
def test_the_people_list_is_for_administrators(world, who):
    assert getattr(world, who).client().get("/directory/people/").status_code == 403
    assert getattr(world, who).client().get("/directory/people/new/").status_code == 403


def test_onboarding_creates_the_account_and_proposes_the_first_membership(world, kp_admin2):
    response = world.kp_admin.client().post("/directory/people/new/", onboard_data())
    assert response.status_code == 302
    user = User.objects.get(username="arta.krasniqi")
    assert not user.has_usable_password()  # signs in after a reset link
    change = AccessChange.objects.get(user=user)
    assert response["Location"] == f"/directory/changes/{change.public_id}/"
    assert not Membership.objects.filter(user=user).exists()
    assert list(AuditEvent.objects.filter(event_type__in=["user.created", "access_change.proposed"])
                .order_by("seq").values_list("event_type", flat=True)) == ["user.created", "access_change.proposed"]

    # The proposer cannot approve; the page offers them no button and a POST is refused.
    page = world.kp_admin.client().get(response["Location"])
    assert page.status_code == 200 and 'id="approve-change"' not in page.content.decode()
    assert world.kp_admin.client().post(response["Location"], {"decision": "approve"}).status_code == 403
    # A second administrator approves: the person is now an investigator in NJKT.
    page = kp_admin2.client().get(response["Location"])
    assert 'id="approve-change"' in page.content.decode()
    assert kp_admin2.client().post(response["Location"], {"decision": "approve"}).status_code == 302
    membership = Membership.objects.get(user=user)
    assert (membership.unit.code, membership.role.code, membership.valid_from) == ("NJKT", "investigator",
                                                                                   timezone.localdate())
    listed = world.kp_admin.client().get("/directory/people/").content.decode()
    assert "arta.krasniqi" in listed


@pytest.mark.parametrize(("change", "field"), [
    ({"username": "kp_inv"}, "username"),  # taken
    ({"first_name": ""}, "first_name"),
    ({"email": "not-an-email"}, "email"),
    ({"unit": ""}, "unit"),
    ({"role": "prosecutor"}, "role"),  # not a role of a police institution: the account is not created either
    ({"valid_from": "2026-13-45"}, "valid_from"),
    ({"valid_to": "2000-01-01"}, "valid_to"),  # before the start
    ({"preferred_language": "klingon"}, "preferred_language"),
])
def test_bad_onboarding_input_is_a_field_error_and_creates_nothing(world, change, field):
    users = User.objects.count()
    response = world.kp_admin.client().post("/directory/people/new/", onboard_data(**change))
    assert response.status_code == 400
    assert field in response.context["form"].errors, response.context["form"].errors
    assert User.objects.count() == users
    assert not AccessChange.objects.exists()


def test_onboarding_into_another_institutions_unit_is_refused(world):
    customs_unit = Unit.objects.get(institution__code="DK", code="ZL")
    response = world.kp_admin.client().post("/directory/people/new/", onboard_data(unit=str(customs_unit.public_id)))
    assert response.status_code == 400 and "unit" in response.context["form"].errors  # not offered: a choice error
    assert not User.objects.filter(username="arta.krasniqi").exists()


def test_the_auditor_sees_the_institutions_changes_and_another_institution_sees_none(world):
    world.kp_admin.client().post("/directory/people/new/", onboard_data())
    change = AccessChange.objects.get()
    assert world.kp_auditor.client().get("/directory/changes/").context["pending"] == [change]
    assert world.kp_auditor.client().get(f"/directory/changes/{change.public_id}/").status_code == 200
    dk_admin = make_person("dk_admin", institution="DK", role="administrator")
    assert dk_admin.client().get("/directory/changes/").context["pending"] == []
    assert dk_admin.client().get(f"/directory/changes/{change.public_id}/").status_code == 404


def test_rejecting_on_the_page_needs_a_reason(world, kp_admin2):
    world.kp_admin.client().post("/directory/people/new/", onboard_data())
    change = AccessChange.objects.get()
    url = f"/directory/changes/{change.public_id}/"
    response = kp_admin2.client().post(url, {"decision": "reject", "reason": ""})
    assert response.status_code == 400 and "reason" in response.context["form"].errors
    assert kp_admin2.client().post(url, {"decision": "reject", "reason": "wrong unit"}).status_code == 302
    change.refresh_from_db()
    assert (change.status, change.decision_note, change.decided_by_id) == ("rejected", "wrong unit", kp_admin2.user.pk)
    assert not Membership.objects.filter(user=change.user).exists()


def test_the_pages_speak_serbian_and_albanian(world):
    client = world.kp_admin.client()
    client.cookies["kssp_language"] = "sr-latn"
    text = client.get("/directory/people/").content.decode()
    assert "Uvedite novu osobu" in text and "Izmene pristupa" in text
    client.cookies["kssp_language"] = "sq"
    text = client.get("/directory/people/new/").content.decode()
    assert "Regjistro një person të ri" in text and "Krijo llogarinë dhe propozo anëtarësinë" in text


def test_the_clearance_page_asks_for_the_vetting_decision(world):
    response = world.kp_admin.client().post(f"/directory/memberships/{world.kp_officer.membership.public_id}/clearance/", {
        "level": 3, "decision_number": "", "decision_date": "", "valid_from": "2026-01-01",
        "valid_until": (timezone.localdate() + dt.timedelta(days=30)).isoformat()})
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert "decision_number" in errors and "decision_date" in errors


# --- role changes from the role catalogue (platform administrators of the operating institution) ----------


def test_a_role_change_is_proposed_on_the_page_and_approved_by_a_second_platform_administrator(world):
    from kssp.accounts.models import Role

    first = make_person("mpb_pa1", institution="MPB", role="platform_administrator")
    second = make_person("mpb_pa2", institution="MPB", role="platform_administrator")
    assert 'href="/directory/roles/investigator/change/"' in first.client().get("/directory/roles/").content.decode()
    assert "/change/" not in world.kp_admin.client().get("/directory/roles/").content.decode()
    investigator = Role.objects.get(code="investigator")
    wanted = sorted({*investigator.permissions, "audit.export"})

    unchanged = first.client().post("/directory/roles/investigator/change/", {
        "permissions": investigator.permissions, "scope": investigator.scope})
    assert unchanged.status_code == 400 and "permissions" in unchanged.context["form"].errors  # nothing would change

    response = first.client().post("/directory/roles/investigator/change/", {"permissions": wanted, "scope": "institution"})
    assert response.status_code == 302
    investigator.refresh_from_db()
    assert "audit.export" not in investigator.permissions and investigator.scope == "unit_subtree"  # proposed only
    assert first.client().post(response["Location"], {"decision": "approve"}).status_code == 403
    assert second.client().post(response["Location"], {"decision": "approve"}).status_code == 302
    investigator.refresh_from_db()
    assert (sorted(investigator.permissions), investigator.scope) == (wanted, "institution")


@pytest.mark.parametrize("who", ["kp_admin", "kp_investigator", "kp_auditor"])
def test_nobody_else_opens_the_role_change_page(world, who):
    client = getattr(world, who).client()
    assert client.get("/directory/roles/investigator/change/").status_code == 403
    assert client.post("/directory/roles/investigator/change/", {"scope": "national"}).status_code == 403
    assert client.get("/directory/roles/no_such_role/change/").status_code == 404
