"""Idempotent create forms (issue #7 point 2): "Pressing Back and submitting again creates a second
bulletin and a second public tip". Every create page draws a form token inside its form; the same page
sent twice creates one record and answers with the first (for the public tip, its tracking code)."""

from __future__ import annotations

import re
import uuid

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from kssp.bulletins.models import Bulletin
from kssp.core.offline_capture.models import FormSubmission
from kssp.core.parties.models import Person
from kssp.core.worklist.models import WorkItem
from kssp.portal.models import PublicSubmission

pytestmark = [pytest.mark.django_db, pytest.mark.urls("kssp.portal.tests.urls")]

TOKEN = re.compile(r'<input type="text" name="form_token" value="([A-Za-z0-9_-]{32,64})"[^>]*hidden')


def create_routes() -> list[str]:
    """Every named page without arguments that creates a record: ``<code>_create`` of the record pages
    and ``*_new``/``*_create`` of the kernel's own pages (walked from the URL configuration, so a new
    create page is covered without editing this test)."""
    found: list[str] = []

    def walk(patterns, prefix: str) -> None:
        for p in patterns:
            if isinstance(p, URLResolver):
                walk(p.url_patterns, f"{prefix}{p.namespace}:" if p.namespace else prefix)
            elif isinstance(p, URLPattern) and p.name and re.search(r"(_create|_new)$", p.name) and not p.pattern.regex.groups:
                found.append(prefix + p.name)

    walk(get_resolver().url_patterns, "")
    return sorted(set(found))


def form_of(html: str) -> str:
    """The page's main form (the one with the token), from ``<form`` to ``</form>``."""
    for match in re.finditer(r"<form\b.*?</form>", html, re.S):
        if 'name="form_token"' in match.group(0):
            return match.group(0)
    return ""


# Create pages still without a token (none now: the vehicle and organisation pages took theirs).
PENDING: set[str] = set()


def test_every_create_page_draws_a_form_token_inside_its_form(world):
    routes = create_routes()
    assert "bulletins:bulletin_create" in routes and "parties:person_create" in routes
    checked = []
    for name in routes:
        for person in (world.kp_investigator, world.kp_admin, world.aki):
            response = person.client().get(reverse(name))
            if response.status_code == 200:
                break
        if response.status_code != 200:
            continue  # nobody of the test world may open it (or it needs a record: tasks, below)
        has_token = bool(TOKEN.search(form_of(response.content.decode())))
        if name in PENDING:
            assert not has_token, f"{name} has its form token now: remove it from PENDING"
            continue
        assert has_token, f"{name}: no form token inside the form"
        checked.append(name)
    assert "bulletins:bulletin_create" in checked and "parties:person_create" in checked
    # The public tip and a task (whose page needs the record it is about).
    assert TOKEN.search(form_of(world.kp_investigator.client().get(reverse("portal:contact")).content.decode()))


def token_of(client, url: str) -> str:
    match = TOKEN.search(form_of(client.get(url).content.decode()))
    assert match, url
    return match.group(1)


def test_a_bulletin_page_sent_twice_creates_one_bulletin_and_answers_with_it(world):
    client = world.kp_investigator.client()
    url = reverse("bulletins:bulletin_create")
    data = {"title": "Grey Golf", "kind": "notice", "classification": "1", "body": "Seen at Merdare.", "form_token": token_of(client, url)}
    first = client.post(url, data)
    again = client.post(url, data)
    assert first.status_code == again.status_code == 302
    assert again["Location"] == first["Location"]
    assert Bulletin.objects.unscoped(reason="test").count() == 1
    # A new page (a new token) is a new bulletin.
    client.post(url, {**data, "form_token": token_of(client, url)})
    assert Bulletin.objects.unscoped(reason="test").count() == 2


def test_a_refused_page_leaves_its_token_free_for_the_corrected_submission(world):
    client = world.kp_investigator.client()
    url = reverse("bulletins:bulletin_create")
    token = token_of(client, url)
    refused = client.post(url, {"title": "", "kind": "notice", "classification": "1", "body": "x", "form_token": token})
    assert refused.status_code == 400
    assert token in refused.content.decode()  # the page drawn again keeps its token
    saved = client.post(url, {"title": "Grey Golf", "kind": "notice", "classification": "1", "body": "x", "form_token": token})
    assert saved.status_code == 302
    assert Bulletin.objects.unscoped(reason="test").count() == 1


def test_a_person_page_sent_twice_adds_one_person(world):
    client = world.kp_investigator.client()
    url = reverse("parties:person_create")
    data = {"given_name": "Arben", "family_name": "Krasniqi", "sex": "male", "classification": "1", "form_token": token_of(client, url)}
    first = client.post(url, data)
    again = client.post(url, data)
    assert first.status_code == 302, first.content.decode()[:2000]
    assert again["Location"] == first["Location"]
    assert Person.objects.unscoped(reason="test").count() == 1


def test_a_task_page_sent_twice_adds_one_task(world):
    client = world.kp_investigator.client()
    bulletin_url = reverse("bulletins:bulletin_create")
    client.post(bulletin_url, {"title": "Grey Golf", "kind": "notice", "classification": "1", "body": "x"})
    bulletin = Bulletin.objects.unscoped(reason="test").get()
    url = reverse("worklist:work_item_new") + f"?record_type=bulletins.bulletin&record={bulletin.public_id}"
    data = {"record_type": "bulletins.bulletin", "record": str(bulletin.public_id), "title": "Check the plates",
            "unit": str(world.kp_investigator.membership.unit.public_id), "form_token": token_of(client, url)}
    first = client.post(reverse("worklist:work_item_new"), data)
    again = client.post(reverse("worklist:work_item_new"), data)
    assert first.status_code == 302, first.content.decode()[:3000]
    assert again["Location"] == first["Location"]
    assert WorkItem.objects.count() == 1


def test_a_public_tip_sent_twice_is_one_message_with_the_same_tracking_code(world, client):
    url = reverse("portal:contact")
    token = token_of(client, url)
    data = {"topic": "weapons", "message": "A rifle is fired at every wedding.", "language": "en", "form_token": token}
    # Drawn again after Back, the page has a new client id: the token still recognises it.
    first = client.post(url, {**data, "public_id": str(uuid.uuid4())})
    again = client.post(url, {**data, "public_id": str(uuid.uuid4())})
    code = re.compile(r'id="tracking-code">([^<]+)<')
    assert code.search(first.content.decode()).group(1) == code.search(again.content.decode()).group(1)
    assert PublicSubmission.objects.unscoped(reason="test").count() == 1
    # The code is not stored readable: only under a key derived from the token, which is not stored.
    row = FormSubmission.objects.get()
    assert token not in row.token and code.search(first.content.decode()).group(1).encode() not in bytes(row.extra)


def test_another_user_sending_the_same_token_gets_nothing_of_the_first(world):
    url = reverse("bulletins:bulletin_create")
    first_client = world.kp_investigator.client()
    token = token_of(first_client, url)
    data = {"title": "Grey Golf", "kind": "notice", "classification": "1", "body": "x", "form_token": token}
    first_client.post(url, data)
    world.kp_investigator_other.client().post(url, data)
    assert Bulletin.objects.unscoped(reason="test").count() == 2


def test_form_tokens_are_purged_with_the_offline_keys(world, client):
    import datetime as dt

    from django.utils import timezone

    from kssp.core.offline_capture.jobs import keep_days, purge_old_keys

    url = reverse("portal:contact")
    client.post(url, {"topic": "weapons", "message": "A rifle.", "language": "en", "public_id": str(uuid.uuid4()),
                      "form_token": token_of(client, url)})
    assert FormSubmission.objects.count() == 1
    purge_old_keys(timezone.now() + dt.timedelta(days=keep_days() - 1))
    assert FormSubmission.objects.count() == 1
    purge_old_keys(timezone.now() + dt.timedelta(days=keep_days() + 1))
    assert FormSubmission.objects.count() == 0


@pytest.fixture(autouse=True)
def fresh_limiter():
    """The public site's hourly allowance is per process: each test starts with a fresh one."""
    from kssp.portal.ratelimit import limiter

    limiter.reset()
    yield
    limiter.reset()
