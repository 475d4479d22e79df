"""The home page shows the user's own work (issue #7 point 2: it repeated the menu as tiles): open tasks,
their unit's recently changed records, shared records whose access ends soon, and hit notices naming
the record asked about — only what the reader may see, in a number of queries that does not grow with
the data."""

from __future__ import annotations

import datetime as dt

from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from kssp.core.markings import Classification
from kssp.core.models.notices import HitNotice
from kssp.core.services.grants import grant_create
from kssp.core.testing.recordkind.tests.factories import SampleRecordFactory
from kssp.core.worklist.services import work_item_create

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


def home(person) -> str:
    return person.client().get("/", **EN).content.decode()


def task_for(owner, record, title: str):
    return work_item_create(actor=owner.actor, record=record, title=title, assignee=owner.membership)


def notice(owner, searcher, record):
    return HitNotice.objects.create(
        content_type=ContentType.objects.get_for_model(type(record)), object_id=record.pk,
        owner_institution=owner.membership.unit.institution, owner_unit=owner.membership.unit, searcher=searcher.user,
        searcher_institution=searcher.membership.unit.institution, searcher_unit=searcher.membership.unit, purpose="check",
    )


def test_the_home_page_shows_open_tasks_and_recent_records_not_the_menu(world):
    owner = world.kp_investigator
    record = SampleRecordFactory(owner=owner, number="SMP-KP-2026-000101", title="Grey van at Merdare")
    task_for(owner, record, "Call the registered keeper")
    foreign = SampleRecordFactory(owner=world.customs, number="SMP-DK-2026-000909", title="Customs only")
    html = home(owner)
    tasks = html[html.index('id="home-tasks"'):html.index('id="home-recent"')]
    assert "Call the registered keeper" in tasks and "SMP-KP-2026-000101" in tasks
    recent = html[html.index('id="home-recent"'):html.index('id="home-expiring"')]
    assert "SMP-KP-2026-000101 Grey van at Merdare" in recent
    assert foreign.number not in html and "Customs only" not in html
    assert "kssp-quick-link" not in html, "the menu is not repeated as tiles"
    # Another unit's investigator sees neither the task nor the record.
    other = home(world.kp_investigator_other)
    assert "Call the registered keeper" not in other and "Grey van" not in other
    assert "You have no open tasks." in other


def test_access_ending_within_two_weeks_is_listed_for_the_grantee(world):
    owner = world.customs
    soon = SampleRecordFactory(owner=owner, number="SMP-DK-2026-000201", title="Shared until Friday")
    later = SampleRecordFactory(owner=owner, number="SMP-DK-2026-000202", title="Shared for months")
    for record, days in ((soon, 3), (later, 60)):
        grant_create(actor=owner.actor, obj=record, grantee_type="institution",
                     institution=world.kp_investigator.membership.unit.institution, reason="joint operation",
                     expires_at=timezone.now() + dt.timedelta(days=days))
    html = home(world.kp_investigator)
    expiring = html[html.index('id="home-expiring"'):html.index('id="home-notices"')]
    assert "SMP-DK-2026-000201" in expiring and "SMP-DK-2026-000202" not in expiring


def test_a_hit_notice_names_the_record_asked_about_only_to_readers_who_may_see_it(world):
    owner = world.kp_investigator
    record = SampleRecordFactory(owner=owner, number="SMP-KP-2026-000301", title="Pistol serial 19Z45Z",
                                 classification=Classification.CONFIDENTIAL)
    notice(owner, world.prosecutor, record)
    html = home(owner)
    notices = html[html.index('id="home-notices"'):]
    assert "SMP-KP-2026-000301" in notices and "which your unit holds" in notices
    # A member of the same unit with too low a clearance gets the notice without the record's name.
    low = home(world.kp_low_clearance)
    notices = low[low.index('id="home-notices"'):]
    assert "checked for a" in notices and "SMP-KP-2026-000301" not in low and "19Z45Z" not in low


def _count(person) -> int:
    client = person.client()
    client.get("/")  # warm the caches (content types, session) the way a second page view finds them
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/", **EN).status_code == 200
    return len(queries)


def _add_work(world, n: int, start: int) -> None:
    owner = world.kp_investigator
    for i in range(start, start + n):
        record = SampleRecordFactory(owner=owner, number=f"SMP-KP-2026-{i:06d}")
        task_for(owner, record, f"Task {i}")
        notice(owner, world.prosecutor, record)
        shared = SampleRecordFactory(owner=world.customs, number=f"SMP-DK-2026-{i:06d}")
        grant_create(actor=world.customs.actor, obj=shared, grantee_type="institution",
                     institution=owner.membership.unit.institution, reason="joint operation",
                     expires_at=timezone.now() + dt.timedelta(days=2))


def test_the_number_of_queries_does_not_grow_with_the_data(world):
    _add_work(world, 2, 1)
    few = _count(world.kp_investigator)
    _add_work(world, 20, 100)
    many = _count(world.kp_investigator)
    assert many == few, (few, many)
    assert many <= 60
