"""Bulletin pages (issue #2 point 7): list, create, edit, issue/withdraw, share and revoke by grant, the
existence-only check, statistics, and the consultation log on reading personal data."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from kssp.accounts.models import Institution
from kssp.bulletins.choices import BulletinStatus
from kssp.bulletins.models import Bulletin
from kssp.bulletins.tests.factories import BulletinFactory
from kssp.core.audit.testing import events_with_reason
from kssp.core.markings import Classification
from kssp.core.models import AuditEvent, Grant, HitNotice

LIST = reverse("bulletins:bulletin_list")
CREATE = reverse("bulletins:bulletin_create")


def detail(b: Bulletin) -> str:
    return reverse("bulletins:bulletin_detail", args=[b.public_id])


# Sharing pages are the kernel's, for every record type (kssp.core.views_grants).
GENERIC = {"bulletin_share": "core:record_grants", "grant_revoke": "core:record_grant_revoke"}


def url(name: str, b: Bulletin, *extra) -> str:
    if name in GENERIC:
        return reverse(GENERIC[name], args=["bulletins.bulletin", b.public_id, *extra])
    return reverse(f"bulletins:{name}", args=[b.public_id, *extra])


def en(person) -> Client:
    client = person.client()
    client.cookies["kssp_language"] = "en"
    return client


def valid_data(**overrides) -> dict:
    data = {
        "title": "Stolen Zastava M70", "kind": "lookout", "classification": str(Classification.RESTRICTED),
        "handling_code": "", "valid_until": "", "body": "Serial 19Z45Z, last seen near Podujevë.",
    }
    data.update(overrides)
    return data


def share_data(institution_code: str, **overrides) -> dict:
    data = {
        "grantee_type": "institution",
        "institution": str(Institution.objects.get(code=institution_code).public_id),
        "reason": "Joint operation Merdare", "kind": "share", "legal_basis": "", "expires_at": "",
    }
    data.update(overrides)
    return data


# --- list -------------------------------------------------------------------------------------------


def test_list_shows_only_visible_bulletins(world):
    # given
    own = BulletinFactory(owner=world.kp_investigator, title="Own lookout")
    other = BulletinFactory(owner=world.customs, title="Customs lookout")
    # when
    html = world.kp_investigator.client().get(LIST).content.decode()
    # then
    assert own.number in html
    assert other.number not in html
    assert other.title not in html


def test_list_filters_and_answers_htmx_with_the_results_fragment_only(world):
    # given
    BulletinFactory(owner=world.kp_investigator, title="Draft one")
    issued = BulletinFactory(owner=world.kp_investigator, title="Issued one", status=BulletinStatus.ISSUED)
    # when
    response = world.kp_investigator.client().get(LIST, {"status": "issued"}, headers={"HX-Request": "true"})
    # then
    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in html
    assert issued.number in html
    assert "Draft one" not in html
    assert "HX-Request" in response["Vary"]


def test_list_shows_an_empty_state_with_the_obvious_action(world):
    html = en(world.kp_investigator).get(LIST).content.decode()
    assert "There are no bulletins you may see yet." in html
    assert f'href="{CREATE}"' in html


def test_a_role_without_bulletins_view_gets_403(world):
    assert world.kp_auditor.client().get(LIST).status_code == 403


def test_bad_filter_input_is_a_form_error_not_a_500(world):
    response = world.kp_investigator.client().get(LIST, {"created_after": "yesterday-ish", "classification": "99", "page": "x"})
    assert response.status_code == 200
    assert "is-invalid" in response.content.decode() or "aria-invalid" in response.content.decode()


# --- create, edit -----------------------------------------------------------------------------------


def test_create_saves_a_draft_and_redirects_to_it(world):
    # when
    response = world.kp_investigator.client().post(CREATE, valid_data())
    # then
    bulletin = Bulletin.objects.unscoped(reason="test").get(title="Stolen Zastava M70")
    assert response.status_code == 302
    assert response["Location"] == detail(bulletin)
    assert bulletin.status == BulletinStatus.DRAFT
    assert bulletin.owner_unit == world.kp_investigator.membership.unit
    assert AuditEvent.objects.filter(event_type="bulletin.created", target_public_id=bulletin.public_id).exists()


def test_create_form_offers_only_levels_up_to_the_clearance(world):
    html = world.kp_officer.client().get(CREATE).content.decode()  # clearance: Restricted
    assert f'<option value="{Classification.RESTRICTED}"' in html
    assert f'<option value="{Classification.CONFIDENTIAL}"' not in html


def test_classification_above_clearance_is_a_field_error_and_nothing_is_saved(world):
    # given: an investigator cleared for Unclassified only posts a Secret bulletin
    client = en(world.kp_low_clearance)
    # when
    response = client.post(CREATE, valid_data(classification=str(Classification.SECRET)))
    # then
    assert response.status_code == 400
    form = response.context["form"]
    assert "You cannot mark a record above your own security clearance." in form.errors["classification"]
    assert 'id="id_classification_error"' in response.content.decode()
    assert not Bulletin.objects.unscoped(reason="test").exists()


@pytest.mark.parametrize(
    ("field", "value"),
    [("title", ""), ("body", "   "), ("kind", "rumour"), ("valid_until", "31.02.2026"), ("classification", "x")],
)
def test_bad_input_on_create_is_a_field_error_with_400(world, field, value):
    response = world.kp_investigator.client().post(CREATE, valid_data(**{field: value}))
    assert response.status_code == 400
    assert field in response.context["form"].errors
    assert not Bulletin.objects.unscoped(reason="test").exists()


def test_a_past_valid_until_is_refused_by_the_service(world):
    yesterday = (timezone.localdate() - dt.timedelta(days=1)).isoformat()
    response = en(world.kp_investigator).post(CREATE, valid_data(valid_until=yesterday))
    assert response.status_code == 400
    assert "The date is in the past." in response.context["form"].errors["valid_until"]


def test_a_role_that_may_not_create_gets_403(world):
    assert world.prosecutor.client().get(CREATE).status_code == 403
    assert world.prosecutor.client().post(CREATE, valid_data()).status_code == 403


def test_edit_changes_the_bulletin(world):
    bulletin = BulletinFactory(owner=world.kp_investigator)
    client = world.kp_investigator.client()
    assert client.get(url("bulletin_update", bulletin)).status_code == 200
    response = client.post(url("bulletin_update", bulletin), valid_data(title="Corrected title"))
    assert response.status_code == 302
    bulletin.refresh_from_db()
    assert bulletin.title == "Corrected title"
    assert AuditEvent.objects.filter(event_type="bulletin.updated", target_public_id=bulletin.public_id).exists()


def test_editing_above_clearance_is_refused_and_the_record_is_unchanged(world):
    bulletin = BulletinFactory(owner=world.kp_low_clearance, classification=Classification.UNCLASSIFIED, title="Before")
    response = world.kp_low_clearance.client().post(
        url("bulletin_update", bulletin), valid_data(title="After", classification=str(Classification.SECRET))
    )
    assert response.status_code == 400
    assert "classification" in response.context["form"].errors
    bulletin.refresh_from_db()
    assert (bulletin.title, bulletin.classification) == ("Before", Classification.UNCLASSIFIED)


def test_a_grantee_may_read_but_not_edit(world):
    bulletin = BulletinFactory(owner=world.kp_investigator)
    world.kp_investigator.client().post(url("bulletin_share", bulletin), share_data("DK"))
    customs = world.customs.client()
    assert customs.get(detail(bulletin)).status_code == 200
    assert customs.get(url("bulletin_update", bulletin)).status_code == 403
    assert customs.post(url("bulletin_transition", bulletin), {"to": "issued"}).status_code == 403


# --- issue, withdraw --------------------------------------------------------------------------------


def test_issue_then_withdraw_with_a_reason(world):
    # given
    bulletin = BulletinFactory(owner=world.kp_investigator)
    client = en(world.kp_investigator)
    # when: issued
    assert client.post(url("bulletin_transition", bulletin), {"to": "issued"}).status_code == 302
    bulletin.refresh_from_db()
    assert bulletin.status == BulletinStatus.ISSUED
    assert "The bulletin was issued." in client.get(detail(bulletin)).content.decode()  # StatusAction.done
    # when: withdrawn without a reason
    response = client.post(url("bulletin_transition", bulletin), {"to": "withdrawn", "reason": ""})
    assert response.status_code == 400
    # the kernel's reason form (RecordWrites.reasons) comes back open, the message beside the reason
    page = response.content.decode()
    assert "Give the reason for withdrawing." in page.split('id="id_withdrawn_reason_error"', 1)[1].split("</div>", 1)[0]
    assert '<details class="kssp-panel kssp-status-reason mb-3" open>' in page and "Withdraw this bulletin" in page
    bulletin.refresh_from_db()
    assert bulletin.status == BulletinStatus.ISSUED
    # when: withdrawn with a reason
    assert client.post(url("bulletin_transition", bulletin), {"to": "withdrawn", "reason": "Vehicle found"}).status_code == 302
    bulletin.refresh_from_db()
    assert bulletin.status == BulletinStatus.WITHDRAWN
    html = client.get(detail(bulletin)).content.decode()
    assert "Withdrawn" in html and "The bulletin was withdrawn." in html
    assert url("bulletin_update", bulletin) not in html


def test_a_transition_that_is_not_allowed_is_shown_not_raised(world):
    bulletin = BulletinFactory(owner=world.kp_investigator, status=BulletinStatus.WITHDRAWN)
    response = en(world.kp_investigator).post(url("bulletin_transition", bulletin), {"to": "issued"})
    assert response.status_code == 400
    assert "This change of status is not allowed." in response.content.decode()


# --- sharing ----------------------------------------------------------------------------------------


def test_share_by_grant_shows_it_to_the_grantee_only_and_revoke_hides_it_again(world):
    # given
    bulletin = BulletinFactory(owner=world.kp_investigator, title="Grey Golf lookout")
    kp = en(world.kp_investigator)
    customs, prosecutor = world.customs.client(), world.prosecutor.client()
    assert customs.get(detail(bulletin)).status_code == 404
    # when: shared with Customs
    response = kp.post(url("bulletin_share", bulletin), share_data("DK"))
    # then
    assert response.status_code == 302
    grant = Grant.objects.get()
    assert customs.get(detail(bulletin)).status_code == 200
    assert bulletin.number in customs.get(LIST).content.decode()
    assert prosecutor.get(detail(bulletin)).status_code == 404
    assert "Joint operation Merdare" in kp.get(detail(bulletin)).content.decode()
    # when: revoked
    response = kp.post(url("grant_revoke", bulletin, grant.public_id), {"reason": "Operation closed"})
    # then
    assert response.status_code == 302
    assert customs.get(detail(bulletin)).status_code == 404
    assert bulletin.number not in customs.get(LIST).content.decode()
    assert events_with_reason("Operation closed", event_type="grant.revoked")


def test_share_with_a_named_user_through_their_membership(world):
    bulletin = BulletinFactory(owner=world.kp_investigator)
    data = share_data("DK", grantee_type="user", institution="", member=str(world.customs.membership.public_id))
    assert world.kp_investigator.client().post(url("bulletin_share", bulletin), data).status_code == 302
    grant = Grant.objects.get()
    assert (grant.grantee_user, grant.grantee_institution.code) == (world.customs.user, "DK")
    assert world.customs.client().get(detail(bulletin)).status_code == 200


def test_share_with_a_unit_reaches_that_unit(world):
    bulletin = BulletinFactory(owner=world.kp_investigator)
    data = share_data("DK", grantee_type="unit", institution="", unit=str(world.customs.membership.unit.public_id))
    assert world.kp_investigator.client().post(url("bulletin_share", bulletin), data).status_code == 302
    assert world.customs.client().get(detail(bulletin)).status_code == 200


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"reason": ""}, "reason", None),
        ({"institution": ""}, "institution", "Choose an institution."),
        ({"grantee_type": "user", "member": ""}, "member", "Choose a user."),
        ({"expires_at": "2001-01-01T10:00"}, "expires_at", "The expiry must be in the future."),
        ({"kind": "dissemination"}, "legal_basis", "A dissemination needs its legal basis."),
        ({"grantee_type": "everyone"}, "grantee_type", None),
    ],
)
def test_refused_shares_are_field_errors_and_nothing_is_saved(world, overrides, field, message):
    bulletin = BulletinFactory(owner=world.kp_investigator)
    response = en(world.kp_investigator).post(url("bulletin_share", bulletin), share_data("DK", **overrides))
    assert response.status_code == 400
    errors = response.context["share_form"].errors
    assert field in errors
    if message:
        assert message in errors[field]
    assert not Grant.objects.exists()


def test_the_intelligence_agency_receives_only_by_dissemination_with_a_legal_basis(world):
    bulletin = BulletinFactory(owner=world.kp_investigator)
    client = en(world.kp_investigator)
    response = client.post(url("bulletin_share", bulletin), share_data("AKI"))
    assert response.status_code == 400
    assert "The Intelligence Agency exchanges records only by dissemination." in response.context["share_form"].errors["kind"]
    ok = client.post(url("bulletin_share", bulletin), share_data("AKI", kind="dissemination", legal_basis="Law 05/L-183 art. 17"))
    assert ok.status_code == 302
    assert Grant.objects.get().kind == Grant.Kind.DISSEMINATION


def test_revoke_without_a_reason_is_a_field_error(world):
    bulletin = BulletinFactory(owner=world.kp_investigator)
    client = world.kp_investigator.client()
    client.post(url("bulletin_share", bulletin), share_data("DK"))
    grant = Grant.objects.get()
    response = client.post(url("grant_revoke", bulletin, grant.public_id), {"reason": ""})
    assert response.status_code == 400
    grant.refresh_from_db()
    assert grant.revoked_at is None
    assert world.customs.client().get(detail(bulletin)).status_code == 200


def test_a_grant_that_is_not_on_this_bulletin_answers_404(world):
    shared = BulletinFactory(owner=world.kp_investigator)
    other = BulletinFactory(owner=world.kp_investigator)
    client = world.kp_investigator.client()
    client.post(url("bulletin_share", shared), share_data("DK"))
    grant = Grant.objects.get()
    assert client.post(url("grant_revoke", other, grant.public_id), {"reason": "x"}).status_code == 404
    assert client.post(url("grant_revoke", shared, uuid.uuid4()), {"reason": "x"}).status_code == 404


def test_a_grantee_cannot_revoke_the_owners_grant(world):
    bulletin = BulletinFactory(owner=world.kp_investigator)
    world.kp_investigator.client().post(url("bulletin_share", bulletin), share_data("DK"))
    grant = Grant.objects.get()
    response = world.customs.client().post(url("grant_revoke", bulletin, grant.public_id), {"reason": "mine now"})
    assert response.status_code == 404
    grant.refresh_from_db()
    assert grant.revoked_at is None


# --- another institution's record -------------------------------------------------------------------


def main_region(response) -> str:
    html = response.content.decode()
    return html[html.index("<main") : html.index("</main>")]


@pytest.mark.parametrize(
    ("method", "name", "data"),
    [
        ("get", "bulletin_detail", None),
        ("get", "bulletin_update", None),
        ("post", "bulletin_update", {"title": "x"}),
        ("post", "bulletin_transition", {"to": "issued"}),
        ("post", "bulletin_share", {"grantee_type": "institution", "reason": "x"}),
    ],
)
def test_another_institutions_public_id_in_the_url_answers_404(world, method, name, data):
    # given: a Customs bulletin, never shared
    bulletin = BulletinFactory(owner=world.customs, title="Customs only")
    client = en(world.kp_investigator)
    # when
    response = getattr(client, method)(url(name, bulletin), data or {})
    # then: the same answer as a UUID that exists nowhere
    assert response.status_code == 404
    assert "Customs only" not in response.content.decode()
    missing = getattr(client, method)(url(name, Bulletin(public_id=uuid.uuid4())), data or {})
    assert missing.status_code == 404
    # the page itself is the same (tokens in the header differ from request to request)
    assert main_region(response) == main_region(missing)
    bulletin.refresh_from_db()
    assert bulletin.status == BulletinStatus.DRAFT
    assert not Grant.objects.exists()


def test_a_bulletin_above_the_readers_clearance_answers_404(world):
    bulletin = BulletinFactory(owner=world.kp_investigator, classification=Classification.SECRET)
    assert world.kp_investigator.client().get(detail(bulletin)).status_code == 200
    assert world.kp_low_clearance.client().get(detail(bulletin)).status_code == 404


# --- existence-only check ---------------------------------------------------------------------------


def test_hit_check_shows_existence_only_and_notifies_the_owner(world):
    # given
    hidden = BulletinFactory(owner=world.customs, title="Glock 17 serial ABC123", body="Seized at Vërmica, driver known.")
    client = en(world.kp_investigator)
    # when
    response = client.post(reverse("bulletins:bulletin_hit_check"), {"term": "ABC123", "purpose": "Case 2026/77"})
    # then
    html = response.content.decode()
    assert response.status_code == 200
    unit, institution = world.customs.membership.unit, world.customs.membership.unit.institution
    assert f"Possible match held by {unit.name_en} ({institution.name_en}); the owner has been notified." in html
    assert hidden.title not in html
    assert hidden.number not in html
    assert "Vërmica" not in html
    notice = HitNotice.objects.get()
    assert (notice.owner_unit, notice.searcher, notice.purpose) == (unit, world.kp_investigator.user, "Case 2026/77")


def test_hit_check_answers_htmx_with_its_fragment(world):
    BulletinFactory(owner=world.customs, title="Glock 17 serial ABC123")
    response = world.kp_investigator.client().post(
        reverse("bulletins:bulletin_hit_check"), {"term": "ABC123", "purpose": "Case 2026/77"}, headers={"HX-Request": "true"}
    )
    assert response.status_code == 200
    assert "<html" not in response.content.decode()
    assert 'id="hit-check"' in response.content.decode()


@pytest.mark.parametrize(
    ("data", "field"), [({"term": "ABC123", "purpose": " "}, "purpose"), ({"term": "ab", "purpose": "x"}, "term")]
)
def test_hit_check_needs_a_purpose_and_a_real_term(world, data, field):
    BulletinFactory(owner=world.customs, title="Glock 17 serial ABC123")
    response = world.kp_investigator.client().post(reverse("bulletins:bulletin_hit_check"), data)
    assert response.status_code == 400
    assert field in response.context["hit_form"].errors
    assert not HitNotice.objects.exists()


def test_hit_check_needs_the_permission(world):
    response = world.prosecutor.client().post(reverse("bulletins:bulletin_hit_check"), {"term": "ABC123", "purpose": "x"})
    assert response.status_code == 403
    assert 'id="hit-check"' not in world.prosecutor.client().get(LIST).content.decode()


def test_the_owner_sees_the_hit_notice_on_the_home_page_and_can_acknowledge_it(world):
    # given
    BulletinFactory(owner=world.customs, title="Glock 17 serial ABC123")
    world.kp_investigator.client().post(reverse("bulletins:bulletin_hit_check"), {"term": "ABC123", "purpose": "Case 2026/77"})
    notice = HitNotice.objects.get()
    customs = en(world.customs)
    # when
    html = customs.get("/").content.decode()
    # then
    assert "Case 2026/77" in html
    ack = reverse("core:hit_notice_acknowledge", args=[notice.public_id])
    assert world.kp_investigator.client().post(ack).status_code == 404  # not addressed to the searcher
    assert customs.post(ack).status_code == 302
    notice.refresh_from_db()
    assert notice.acknowledged_at is not None
    assert "Case 2026/77" not in customs.get("/").content.decode()


# --- consultation log -------------------------------------------------------------------------------


def test_reading_a_bulletin_with_personal_data_writes_a_consultation_event(world):
    # given
    bulletin = BulletinFactory(owner=world.kp_investigator, contains_personal_data=True)
    plain = BulletinFactory(owner=world.kp_investigator)
    client = world.kp_investigator.client()
    # when
    client.get(detail(bulletin))
    client.get(detail(bulletin), {"purpose": "Case 2026/77 hearing"})
    client.get(detail(plain))
    # then
    events = AuditEvent.objects.filter(category="consultation", target_public_id=bulletin.public_id).order_by("seq")
    assert [e.purpose for e in events] == ["bulletin detail page", "Case 2026/77 hearing"]
    assert all(e.actor_id == world.kp_investigator.user.pk for e in events)
    assert not AuditEvent.objects.filter(category="consultation", target_public_id=plain.public_id).exists()


def test_a_refused_read_writes_no_consultation_event(world):
    bulletin = BulletinFactory(owner=world.customs, contains_personal_data=True)
    assert world.kp_investigator.client().get(detail(bulletin)).status_code == 404
    assert not AuditEvent.objects.filter(category="consultation").exists()


# --- statistics -------------------------------------------------------------------------------------


def test_statistics_suppress_small_cells_and_need_the_permission(world):
    # given: 6 lookouts in Customs, 2 alerts in Customs
    for _ in range(6):
        BulletinFactory(owner=world.customs, kind="lookout")
    for _ in range(2):
        BulletinFactory(owner=world.customs, kind="alert")
    # when
    response = en(world.qkmk).get(reverse("bulletins:bulletin_statistics"))
    # then
    html = response.content.decode()
    assert response.status_code == 200
    assert "<svg" in html
    assert 'class="kssp-chart-value">x</text>' in html and "&lt;5" not in html
    assert AuditEvent.objects.filter(event_type="stats.aggregate_viewed").count() == 3
    assert world.kp_investigator.client().get(reverse("bulletins:bulletin_statistics")).status_code == 403


# --- CSRF -------------------------------------------------------------------------------------------


def test_a_post_without_a_valid_csrf_token_is_refused_and_saves_nothing(world):
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.kp_investigator.user)
    client.get(CREATE)
    response = client.post(CREATE, {**valid_data(), "csrfmiddlewaretoken": "x" * 64})
    assert response.status_code == 403
    assert not Bulletin.objects.unscoped(reason="test").exists()


def test_the_timeline_says_issued_and_withdrawn_with_the_reason(world):
    from kssp.bulletins.services import bulletin_create, bulletin_transition

    actor = world.kp_investigator.actor
    bulletin = bulletin_create(actor=actor, title="Timeline", body="Text", kind="notice", classification=Classification.RESTRICTED)
    bulletin_transition(actor=actor, bulletin=bulletin, to=BulletinStatus.ISSUED)
    bulletin_transition(actor=actor, bulletin=bulletin, to=BulletinStatus.WITHDRAWN, reason="found again")
    page = en(world.kp_investigator).get(url("bulletin_detail", bulletin)).content.decode()
    assert "Bulletin issued" in page and "Bulletin withdrawn" in page and "found again" in page
