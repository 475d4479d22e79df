"""A person linked only as an acquitted suspect is flagged for review (issue #3 point 8; LED Art. 5-6).

The rule reads the parties module's link model through ``django.apps``. These tests give it a link
model of the contracted shape in an isolated app registry, with real tables created inside the test's
transaction (rolled back with it), so the real query runs on SQLite and PostgreSQL alike."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection, models
from django.test.utils import isolate_apps
from django.utils import timezone

from kssp.core.retention import rules
from kssp.core.retention.models import RetentionReview, ReviewStatus
from kssp.core.retention.services import retention_sweep


def create_tables(*models_):
    # The SQL is collected, not run by the editor (SQLite's editor refuses to run inside a transaction),
    # then run in the test's own transaction, which rolls the tables back with everything else.
    editor = connection.SchemaEditorClass(connection, collect_sql=True)
    editor.deferred_sql = []
    for model in models_:
        editor.create_model(model)
    with connection.cursor() as cursor:
        for statement in [*editor.collected_sql, *map(str, editor.deferred_sql)]:
            cursor.execute(statement.rstrip(";"))


@pytest.fixture
def party_models(db):
    with isolate_apps("kssp.core.retention"):

        class FakePerson(models.Model):
            name = models.CharField(max_length=50)

            class Meta:
                app_label = "retention"

        class FakePartyLink(models.Model):
            person = models.ForeignKey(FakePerson, on_delete=models.CASCADE, null=True)
            subject_category = models.CharField(max_length=20, blank=True)
            acquitted_at = models.DateTimeField(null=True)
            removed_at = models.DateTimeField(null=True)

            class Meta:
                app_label = "retention"

        class BareLink(models.Model):
            person = models.ForeignKey(FakePerson, on_delete=models.CASCADE)

            class Meta:
                app_label = "retention"

        create_tables(FakePerson, FakePartyLink)
        yield FakePerson, FakePartyLink, BareLink


def test_only_persons_linked_solely_as_acquitted_suspects_are_flagged(party_models, monkeypatch):
    person_model, link_model, _bare = party_models
    now = timezone.now()
    yesterday, last_week, tomorrow = now - dt.timedelta(days=1), now - dt.timedelta(days=7), now + dt.timedelta(days=1)

    def person(name, *links):
        p = person_model.objects.create(name=name)
        for category, acquitted, removed in links:
            link_model.objects.create(person=p, subject_category=category, acquitted_at=acquitted, removed_at=removed)
        return p

    only_acquitted = person("only acquitted", ("suspect", yesterday, None))
    twice_acquitted = person("acquitted twice", ("suspect", last_week, None), ("suspect", yesterday, None))
    with_removed_link = person("removed conviction", ("suspect", yesterday, None), ("convicted", None, yesterday))
    person("also a victim", ("suspect", yesterday, None), ("victim", None, None))
    person("still a suspect elsewhere", ("suspect", yesterday, None), ("suspect", None, None))
    person("not acquitted", ("suspect", None, None))
    person("acquitted tomorrow", ("suspect", tomorrow, None))
    link_model.objects.create(person=None, subject_category="suspect", acquitted_at=yesterday)  # an organisation's link

    found = rules.acquitted_suspects(timezone.localdate(), link=link_model)
    assert {c.pk for c in found} == {only_acquitted.pk, twice_acquitted.pk, with_removed_link.pk}
    due = {c.pk: c.due_on for c in found}
    assert due[twice_acquitted.pk] == timezone.localdate(yesterday)  # the latest acquittal counts

    monkeypatch.setattr(rules, "party_link_model", lambda: link_model)
    outcome = retention_sweep()
    assert outcome["proposed"] == {"check:acquitted-suspect": 3}
    reviews = RetentionReview.objects.filter(class_code="acquitted-suspect")
    assert {r.object_id for r in reviews} == {only_acquitted.pk, twice_acquitted.pk, with_removed_link.pk}
    assert {(r.proposed_action, r.status, r.source) for r in reviews} == {("review", ReviewStatus.PROPOSED, "check:acquitted-suspect")}
    assert all("only acquitted" not in r.target_label for r in reviews)  # a neutral label, not the name
    assert retention_sweep()["proposed"] == {}  # flagged once


def test_the_rule_says_why_it_cannot_run(party_models, monkeypatch):
    _person, _link, bare = party_models
    assert rules.acquitted_suspects(timezone.localdate(), link=bare) == "parties.PartyLink lacks subject_category, acquitted_at"
    monkeypatch.setattr(rules, "party_link_model", lambda: None)
    assert retention_sweep()["skipped"] == {"acquitted-suspect": "parties.PartyLink is not installed"}
