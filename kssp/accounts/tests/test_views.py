"""Sign-in, sign-out, the acting membership, the page chrome (navigation, languages) and the shared
components (issue #2 point 7)."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from django.template.loader import render_to_string
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from kssp.accounts.actor import SESSION_KEY
from kssp.accounts.context_processors import permitted_entries
from kssp.accounts.models import Membership, Role, Unit, User
from kssp.accounts.testing import PASSWORD
from kssp.core.models import AuditEvent

LOGIN = "/accounts/login/"


def login(client: Client, username: str, password: str = PASSWORD):
    return client.post(LOGIN, {"username": username, "password": password})


# --- sign in ----------------------------------------------------------------------------------------


def test_login_page_is_albanian_by_default_and_offers_four_languages(db):
    # when
    response = Client().get(LOGIN)
    # then
    html = response.content.decode()
    assert response.status_code == 200
    assert '<html lang="sq">' in html
    for label in ("Shqip", "Srpski (latinica)", "Српски (ћирилица)", "English"):
        assert label in html
    assert 'action="/i18n/setlang/"' in html


def test_good_password_signs_in_and_is_recorded(world):
    # given
    client = Client()
    # when
    response = login(client, "kp_inv")
    # then
    assert response.status_code == 302
    assert response["Location"] == reverse("home")
    assert client.session[SESSION_KEY] == world.kp_investigator.membership.pk
    event = AuditEvent.objects.filter(event_type="auth.login").latest("seq")
    assert event.actor_id == world.kp_investigator.user.pk
    assert event.membership_id == world.kp_investigator.membership.pk


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("sq", "Ju lutemi, jepni një"),
        ("en", "Please enter a correct username and password"),
    ],
)
def test_wrong_password_shows_a_translated_error_and_is_recorded(world, language, expected):
    # given
    client = Client()
    client.cookies["kssp_language"] = language
    # when
    response = login(client, "kp_inv", "not-the-password")
    # then
    assert response.status_code == 200
    assert expected in response.content.decode()
    assert "_auth_user_id" not in client.session
    event = AuditEvent.objects.filter(event_type="auth.login_failed").latest("seq")
    assert event.actor_id is None
    assert event.actor_label == "kp_inv"


def test_accept_language_english_translates_the_login_error(world):
    response = Client(headers={"accept-language": "en"}).post(LOGIN, {"username": "kp_inv", "password": "nope"})
    assert '<html lang="en">' in response.content.decode()
    assert "Please enter a correct username and password" in response.content.decode()


def test_repeated_failures_lock_the_username_from_that_address(world):
    # given
    client = Client()
    for _ in range(5):
        login(client, "kp_inv", "wrong")
    # when: even the right password is refused now
    response = login(client, "kp_inv")
    # then
    assert response.status_code == 429
    assert "accounts/locked_out.html" in [t.name for t in response.templates]
    assert "_auth_user_id" not in client.session


def test_a_user_without_a_valid_membership_is_told_so_and_gets_no_operational_menu(db):
    # given: an active account whose only membership ended yesterday
    user = User.objects.create(username="former", first_name="Former", public_id=uuid.uuid4())
    user.set_password(PASSWORD)
    user.save()
    Membership.objects.create(
        user=user, unit=Unit.objects.get(institution__code="KP", code="NJKT"), role=Role.objects.get(code="investigator"),
        valid_from=timezone.localdate() - dt.timedelta(days=100), valid_to=timezone.localdate() - dt.timedelta(days=1),
    )
    client = Client(headers={"accept-language": "en"})
    # when
    login(client, "former")
    response = client.get("/")
    # then
    html = response.content.decode()
    assert response.status_code == 200
    assert "You have no valid membership" in html
    assert reverse("bulletins:bulletin_list") not in html
    assert client.get(reverse("bulletins:bulletin_list")).status_code == 403


# --- sign out, CSRF ---------------------------------------------------------------------------------


def test_logout_is_post_only_and_recorded(world):
    client = world.kp_investigator.client()
    assert client.get(reverse("accounts:logout")).status_code == 405
    response = client.post(reverse("accounts:logout"))
    assert response.status_code == 302
    assert "_auth_user_id" not in client.session
    assert AuditEvent.objects.filter(event_type="auth.logout", actor_id=world.kp_investigator.user.pk).exists()


def test_a_forged_csrf_token_is_refused_with_the_error_page(world):
    # given: a signed-in browser that enforces CSRF like a real one
    client = Client(enforce_csrf_checks=True, headers={"accept-language": "en"})
    client.force_login(world.kp_investigator.user)
    client.get("/")  # sets the CSRF cookie
    # when
    response = client.post(reverse("accounts:logout"), {"csrfmiddlewaretoken": "forged" * 8})
    # then
    assert response.status_code == 403
    assert "Security check failed" in response.content.decode()
    assert "_auth_user_id" in client.session


def test_a_genuine_csrf_token_is_accepted(world):
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.kp_investigator.user)
    token = client.get("/").context["csrf_token"]
    assert client.post(reverse("accounts:logout"), {"csrfmiddlewaretoken": str(token)}).status_code == 302


# --- navigation -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("person", "expected"),
    [
        ("kp_investigator", {"bulletins", "capture", "parties", "imports", "worklist", "portal", "directory", "reference"}),
        ("prosecutor", {"bulletins", "parties", "worklist", "directory", "reference"}),
        ("kp_auditor", {"audit", "worklist", "retention", "directory", "reference"}),
        ("kp_dpo", {"audit", "worklist", "retention", "directory", "reference"}),
        ("inspector", {"audit", "worklist", "retention", "reference"}),
        ("kp_admin", {"worklist", "directory", "reference"}),
    ],
)
def test_navigation_is_built_only_from_the_acting_membership_permissions(world, person, expected):
    actor = getattr(world, person).actor
    assert {entry.key for entry in permitted_entries(actor, signed_in=True)} == expected


def test_navigation_for_a_signed_in_user_without_membership_has_only_reference_data(world):
    from kssp.accounts.actor import actor_for

    actor = actor_for(world.kp_investigator.user, None)
    assert [entry.key for entry in permitted_entries(actor, signed_in=True)] == ["reference"]
    assert permitted_entries(actor, signed_in=False) == []


def test_menu_shows_bulletins_to_an_investigator_and_not_to_an_auditor(world):
    bulletins = f'href="{reverse("bulletins:bulletin_list")}"'
    assert bulletins in world.kp_investigator.client().get("/").content.decode()
    assert bulletins not in world.kp_auditor.client().get("/").content.decode()


def test_superuser_flag_adds_nothing_to_the_menu(world):
    user = world.kp_auditor.user
    user.is_superuser = user.is_staff = True
    user.save()
    html = world.kp_auditor.client().get("/").content.decode()
    assert f'href="{reverse("bulletins:bulletin_list")}"' not in html


# --- acting membership ------------------------------------------------------------------------------


@pytest.fixture
def second_membership(world):
    return Membership.objects.create(
        user=world.kp_investigator.user, unit=Unit.objects.get(institution__code="KP", code="NJKK"),
        role=Role.objects.get(code="supervisor"), valid_from=timezone.localdate() - dt.timedelta(days=1),
    )


def test_home_shows_the_acting_membership_and_clearance_expiry(world):
    html = world.kp_investigator.client().get("/", headers={"accept-language": "en"}).content.decode()
    membership = world.kp_investigator.membership
    assert membership.role.name_en in html
    assert membership.unit.name_en in html
    assert "Secret" in html
    expiry = world.kp_investigator.user.clearances.get().valid_until
    assert f'datetime="{expiry.isoformat()}"' in html


def test_switching_to_an_own_membership_changes_the_acting_one(world, second_membership):
    # given
    client = world.kp_investigator.client()
    assert str(second_membership.public_id) in client.get(reverse("accounts:membership_list")).content.decode()
    # when
    response = client.post(reverse("accounts:membership_switch"), {"membership": str(second_membership.public_id)})
    # then
    assert response.status_code == 302
    assert client.session[SESSION_KEY] == second_membership.pk
    assert AuditEvent.objects.filter(event_type="auth.membership_switched", actor_id=world.kp_investigator.user.pk).exists()
    assert second_membership.role.name_sq in client.get("/").content.decode()


@pytest.mark.parametrize("value", ["someone-else", "not-a-uuid", "random"])
def test_switching_to_a_membership_that_is_not_ones_own_answers_404(world, value):
    client = world.kp_investigator.client()
    public_id = {
        "someone-else": str(world.customs.membership.public_id),
        "not-a-uuid": "x' OR 1=1",
        "random": str(uuid.uuid4()),
    }[value]
    response = client.post(reverse("accounts:membership_switch"), {"membership": public_id})
    assert response.status_code == 404
    assert client.session[SESSION_KEY] == world.kp_investigator.membership.pk


def test_switching_is_post_only(world, second_membership):
    client = world.kp_investigator.client()
    response = client.get(reverse("accounts:membership_switch"), {"membership": str(second_membership.public_id)})
    assert response.status_code == 405


# --- language chooser -------------------------------------------------------------------------------


def test_the_language_chooser_sets_the_language_cookie(world):
    client = world.kp_investigator.client()
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert response.status_code == 302
    assert response.cookies["kssp_language"].value == "en"
    assert '<html lang="en">' in client.get("/").content.decode()


# --- shared components ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "css"),
    [("CLEAR", "kssp-tlp-clear"), ("GREEN", "kssp-tlp-green"), ("AMBER+STRICT", "kssp-tlp-amberstrict"), ("RED", "kssp-tlp-red")],
)
def test_tlp_badge_always_says_its_marking(value, css):
    html = render_to_string("components/tlp_badge.html", {"value": value})
    assert f"TLP:{value}" in html
    assert css in html


def test_clock_says_overdue_for_a_past_deadline_and_remaining_time_otherwise():
    now = timezone.now()
    past = render_to_string("components/clock.html", {"deadline": now - dt.timedelta(days=2), "now": now})
    future = render_to_string("components/clock.html", {"deadline": now + dt.timedelta(days=3), "now": now})
    assert "kssp-clock-overdue" in past
    assert "kssp-clock-overdue" not in future
    assert "<time datetime=" in future


def test_chart_shows_suppressed_cells_as_below_the_threshold():
    chart = {"id": "c", "title": "By kind", "rows": [("Lookout", 12), ("Alert", None)], "max": 12, "threshold": 5}
    html = render_to_string("components/chart.html", {"chart": chart})
    assert "<svg" in html
    assert 'class="kssp-chart-value">x</text>' in html  # one mark for every suppressed count
    assert 'width="340"' in html  # the largest bar takes the full scale
