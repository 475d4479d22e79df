"""A request that meets a busy database answers 503 with Retry-After and a translated "try again" page
that keeps what was typed, never a 500 (issue #7 point 3). A real lock: another connection holds
SQLite's write lock on the test database file while a form is posted (busy timeout shortened to 0.1 s
for the test's own connection, as 20 s would be in production)."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from html.parser import HTMLParser

import pytest
from django.apps import apps
from django.db import connection
from django.urls import reverse

pytestmark = pytest.mark.django_db(transaction=True)


class _Form(HTMLParser):
    """The fields of the first POST form with a submit button on a page (name → value), and its action."""

    def __init__(self, *, index: int = 0) -> None:
        super().__init__()
        self.fields: dict[str, str] = {}
        self.action: str | None = None
        self._forms = -1
        self._index = index
        self._inside = False
        self._textarea: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form" and a.get("method", "").lower() == "post":
            self._forms += 1
            self._inside = self._forms == self._index
            if self._inside:
                self.action = a.get("action", "")
        elif self._inside and tag == "input" and a.get("name") and a.get("type") not in ("submit", "checkbox"):
            self.fields[a["name"]] = a.get("value", "")
        elif self._inside and tag == "textarea" and a.get("name"):
            self._textarea = a["name"]
            self.fields[a["name"]] = ""
        elif self._inside and tag == "select" and a.get("name"):
            self.fields.setdefault(a["name"], "")

    def handle_data(self, data: str) -> None:
        if self._textarea:
            self.fields[self._textarea] += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "textarea":
            self._textarea = None
        elif tag == "form":
            self._inside = False


def form_of(html: str, *, containing: str) -> _Form:
    for index in range(10):
        parser = _Form(index=index)
        parser.feed(html)
        if parser.action is None:
            break
        if containing in parser.fields:
            return parser
    raise AssertionError(f"no form with {containing!r}")


@pytest.fixture
def write_lock() -> Iterator[sqlite3.Connection]:
    if connection.vendor != "sqlite":
        pytest.skip("SQLite's write lock (PostgreSQL's dropped connection raises the same exception classes)")
    locker = sqlite3.connect(str(connection.settings_dict["NAME"]), isolation_level=None, timeout=5)
    yield locker
    if locker.in_transaction:
        locker.execute("ROLLBACK")
    locker.close()


def test_a_form_posted_while_the_database_is_locked_answers_503_keeps_the_text_and_can_be_sent_again(world, write_lock):
    person = world.kp_investigator
    client = person.client()
    url = reverse("bulletins:bulletin_create")
    page = client.get(url, HTTP_ACCEPT_LANGUAGE="sq")
    assert page.status_code == 200
    form = form_of(page.content.decode(), containing="title")
    data = {**form.fields, "title": "Armë e vjedhur në Prizren", "body": "Pistoletë CZ 99 <b>seria</b> 12345.\nRreshti i dytë.",
            "classification": "1", "kind": "notice"}

    connection.ensure_connection()
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA busy_timeout=100")
    write_lock.execute("BEGIN IMMEDIATE")  # another writer holds the database
    busy = client.post(url, data, HTTP_ACCEPT_LANGUAGE="sq")

    assert busy.status_code == 503 and busy["Retry-After"].isdigit()
    html = busy.content.decode()
    assert "Provoni përsëri" in html or "Provo përsëri" in html  # the page is in the reader's language
    again = form_of(html, containing="title")
    assert again.action == url
    assert again.fields["title"] == data["title"] and again.fields["body"] == data["body"]  # kept, exactly
    assert "<b>seria</b>" not in html  # escaped, never markup
    write_lock.execute("ROLLBACK")
    Bulletin = apps.get_model("bulletins", "Bulletin")  # noqa: N806 - a page of the platform, by URL and label only
    assert not Bulletin.objects.unscoped(reason="test").exists()  # nothing half-saved

    sent = client.post(again.action, again.fields, HTTP_ACCEPT_LANGUAGE="sq")  # "Send again"
    assert sent.status_code == 302
    bulletin = Bulletin.objects.unscoped(reason="test").get()
    assert (bulletin.title, bulletin.body) == (data["title"], data["body"])


def test_the_api_answers_503_with_retry_after_in_its_error_shape(world, write_lock):
    client = world.kp_investigator.client()
    connection.ensure_connection()
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA busy_timeout=100")
    write_lock.execute("BEGIN IMMEDIATE")
    response = client.post("/api/v1/bulletins/", {"title": "T", "body": "B", "kind": "notice", "classification": 1},
                           content_type="application/json", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 503 and response["Retry-After"].isdigit()
    assert response.json()["error"]["code"] == "busy"
