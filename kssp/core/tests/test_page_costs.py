"""What made pages cheaper under load (issue #7 point 4) must not change what they show: a policy filter
remembered for the actor still sees a share made after it was built and is rebuilt when it is old; the
panels' visibility asked of the records they name answers as the per-type filter does; the pagination
never walks every page of a long list; the badges escape what they print."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.paginator import Paginator
from django.template import Context, Template
from django.template.loader import render_to_string
from django.test import RequestFactory

from kssp.core import actor as actor_module
from kssp.core.attachments.models import Attachment
from kssp.core.records import access
from kssp.core.records.registry import declarations
from kssp.core.services.grants import grant_create
from kssp.core.testing.cast import build_cast
from kssp.core.testing.recordkind.models import SampleRecord
from kssp.core.testing.samples import sample

LABEL = SampleRecord._meta.label_lower


@pytest.fixture
def cast() -> Any:
    return build_cast(declarations()[LABEL])


@pytest.mark.django_db
def test_a_remembered_filter_still_sees_a_share_made_after_it_was_built(cast):
    record = sample(LABEL, cast.owner)
    reader = cast.outsider.actor
    assert not SampleRecord.objects.visible_to(reader).filter(pk=record.pk).exists()  # the filter is now remembered
    grant_create(actor=cast.owner.actor, obj=record, grantee_type="institution",
                 institution=cast.outsider.membership.unit.institution, reason="joint operation")
    assert SampleRecord.objects.visible_to(reader).filter(pk=record.pk).exists()


@pytest.mark.django_db
def test_a_remembered_filter_is_reused_and_rebuilt_when_it_is_old(cast, monkeypatch):
    reader = cast.owner.actor
    built: list[int] = []

    def make() -> int:
        built.append(1)
        return len(built)

    clock = [1000.0]
    monkeypatch.setattr(actor_module.time, "monotonic", lambda: clock[0])
    assert reader.remembered("k", make) == 1
    clock[0] += actor_module.MEMO_SECONDS - 1
    assert reader.remembered("k", make) == 1, "reused within its time"
    clock[0] += 2
    assert reader.remembered("k", make) == 2, "rebuilt once older than MEMO_SECONDS (a grant may have expired)"
    assert cast.outsider.actor.remembered("k", make) == 3, "never shared between actors"


@pytest.mark.django_db
def test_asking_the_panels_records_answers_as_the_policy_does(cast):
    """visible_records_by_key (the panels) against the Python face of the policy, record by record: own,
    hidden, shared to the reader; a key of a model that is no record type is left out."""
    own = sample(LABEL, cast.owner)
    hidden = sample(LABEL, cast.outsider)
    shared = sample(LABEL, cast.outsider)
    grant_create(actor=cast.outsider.actor, obj=shared, grantee_type="institution",
                 institution=cast.owner.membership.unit.institution, reason="joint operation")
    reader = cast.owner.actor
    ct = declarations()[LABEL].content_type.pk
    not_a_record = ContentType.objects.get_for_model(Attachment).pk
    by_key = access.visible_records_by_key(reader, {(ct, r.pk) for r in (own, hidden, shared)} | {(not_a_record, 1)})
    expected = {(ct, r.pk) for r in (own, hidden, shared) if access.can(reader, "view", r)}
    assert set(by_key) == expected == {(ct, own.pk), (ct, shared.pk)}
    assert all(by_key[key].pk == key[1] for key in by_key)


class _EveryPageIsAnError(Paginator):
    @property
    def page_range(self) -> Any:
        raise AssertionError("the pagination walked every page of the list")


def test_the_pagination_shows_a_window_of_pages_without_walking_every_page():
    page = _EveryPageIsAnError(range(20_000), 25).page(400)
    request = RequestFactory().get("/bulletins/", {"page": 400, "kind": "alert"})
    html = render_to_string("components/pagination.html", {"page_obj": page}, request=request)
    shown = [n for n in range(1, 801) if f">{n}</" in html]
    assert shown == [1, 398, 399, 400, 401, 402, 800]
    assert html.count("…") == 2
    assert "kind=alert" in html and "page=401" in html


def test_badges_escape_what_they_print_and_a_missing_handling_code_prints_nothing():
    template = Template(
        "{% load kssp_badges %}{% classification_badge level label %}|{% status_badge status label %}|"
        "{% handling_badge code label %}|{% handling_badge code label long=True %}|{% handling_badge '' label %}"
    )
    html = template.render(Context({"level": 2, "label": "<b>x</b>", "status": "draft", "code": "H2"}))
    parts = html.split("|")
    assert parts[0] == '<span class="badge kssp-badge kssp-class-2">&lt;b&gt;x&lt;/b&gt;</span>'
    assert parts[1] == '<span class="badge kssp-badge kssp-status kssp-status-draft">&lt;b&gt;x&lt;/b&gt;</span>'
    assert parts[2].startswith('<span class="badge kssp-badge kssp-handling">H2<span class="visually-hidden"> – &lt;b&gt;')
    assert parts[3] == '<span class="badge kssp-badge kssp-handling kssp-handling-long">&lt;b&gt;x&lt;/b&gt;</span>'
    assert parts[4] == ""
