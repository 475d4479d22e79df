"""The two audited exceptions: existence-only hit notices and aggregate statistics with small cells
suppressed (issue #2 point 4)."""

from __future__ import annotations

import pytest
from django.db.models import Q

from kssp.bulletins.models import Bulletin
from kssp.bulletins.tests.factories import BulletinFactory
from kssp.core.access_exceptions import aggregate_counts, hit_check
from kssp.core.exceptions import ApplicationError, PermissionDenied
from kssp.core.models import AuditEvent, HitNotice

pytestmark = pytest.mark.django_db


def test_hit_check_returns_only_the_holding_unit_and_notifies_the_owner(world):
    BulletinFactory(owner=world.customs, title="Glock 17 serial ABC123")
    hits = hit_check(actor=world.kp_investigator.actor, model=Bulletin, match=Q(title__icontains="ABC123"), purpose="case 2026/77")
    assert len(hits) == 1
    assert "ABC123" not in repr(hits)
    assert hits[0].institution == str(world.customs.membership.unit.institution)
    notice = HitNotice.objects.get()
    assert notice.owner_unit == world.customs.membership.unit and notice.searcher == world.kp_investigator.user
    assert AuditEvent.objects.filter(event_type="hit_notice.created", purpose="case 2026/77").count() == 1


def test_hit_check_skips_what_is_visible_and_the_intelligence_agency(world):
    BulletinFactory(owner=world.kp_investigator, title="ABC123 own")
    BulletinFactory(owner=world.aki, title="ABC123 secret source")
    assert hit_check(actor=world.kp_investigator.actor, model=Bulletin, match=Q(title__icontains="ABC123"), purpose="p") == []


def test_hit_check_needs_permission_and_purpose(world):
    with pytest.raises(PermissionDenied):
        hit_check(actor=world.kp_officer.actor, model=Bulletin, match=Q(), purpose="p")
    with pytest.raises(ApplicationError) as info:
        hit_check(actor=world.kp_investigator.actor, model=Bulletin, match=Q(), purpose=" ")
    assert "purpose" in info.value.fields


def test_aggregate_counts_suppress_small_cells_except_for_the_owner(world):
    for _ in range(6):
        BulletinFactory(owner=world.customs, kind="lookout")
    for _ in range(2):
        BulletinFactory(owner=world.customs, kind="alert")
    for _ in range(3):
        BulletinFactory(owner=world.qkmk, kind="notice")
    cells = {c.key: c.count for c in aggregate_counts(actor=world.qkmk.actor, model=Bulletin, group_by="kind")}
    assert cells == {"alert": None, "lookout": 6, "notice": 3}  # own small cell shown, others' suppressed
    assert AuditEvent.objects.filter(event_type="stats.aggregate_viewed").count() == 1


def test_aggregate_counts_need_the_permission(world):
    with pytest.raises(PermissionDenied):
        aggregate_counts(actor=world.kp_investigator.actor, model=Bulletin, group_by="kind")


def test_the_intelligence_agency_cannot_run_an_existence_check(world):
    BulletinFactory(owner=world.customs, title="ABC123")
    with pytest.raises(PermissionDenied):
        hit_check(actor=world.aki.actor, model=Bulletin, match=Q(title__icontains="ABC123"), purpose="p")
    assert not HitNotice.objects.exists()
