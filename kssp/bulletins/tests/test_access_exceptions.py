"""The two audited exceptions: existence-only hit notices and aggregate statistics with small cells
suppressed (issue #2 point 4)."""

from __future__ import annotations

import csv
import io
import re

import pytest
from django.db.models import Q
from django.urls import reverse

from kssp.bulletins.models import Bulletin
from kssp.bulletins.tests.factories import BulletinFactory
from kssp.core.access_exceptions import aggregate_breakdowns, aggregate_counts, aggregate_crosstab
from kssp.core.exceptions import ApplicationError, PermissionDenied
from kssp.core.exports.services import export_registered
from kssp.core.markings import Classification
from kssp.core.models import AuditEvent, HitNotice
from kssp.core.search.hits import hit_check
from kssp.core.tests.test_suppression import assert_nothing_hidden_is_determined, table_equations

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
    # own small cell shown, others' suppressed; the lookouts too, or "alert = 11 − 6 − 3" would give it away
    assert cells == {"alert": None, "lookout": None, "notice": 3}
    assert AuditEvent.objects.filter(event_type="stats.aggregate_viewed").count() == 1


def test_aggregate_counts_need_the_permission(world):
    with pytest.raises(PermissionDenied):
        aggregate_counts(actor=world.kp_investigator.actor, model=Bulletin, group_by="kind")


def test_the_intelligence_agency_cannot_run_an_existence_check(world):
    BulletinFactory(owner=world.customs, title="ABC123")
    with pytest.raises(PermissionDenied):
        hit_check(actor=world.aki.actor, model=Bulletin, match=Q(title__icontains="ABC123"), purpose="p")
    assert not HitNotice.objects.exists()


# --- secondary suppression (issue #7 point 3) ---------------------------------------------------------


def _the_issues_example(world):
    """1 alert held by Customs, 6 lookouts and 7 notices held by the Police; by status and by
    classification all 14 fall in one cell each, so the total (14) is published."""
    BulletinFactory(owner=world.customs, kind="alert", classification=Classification.UNCLASSIFIED)
    for _ in range(6):
        BulletinFactory(owner=world.kp_investigator, kind="lookout", classification=Classification.UNCLASSIFIED)
    for _ in range(7):
        BulletinFactory(owner=world.kp_investigator, kind="notice", classification=Classification.UNCLASSIFIED)


def _unsolvable(published: dict[str, list[int | None]]) -> None:
    """No hidden count of the published breakdowns follows from the others and the common total (the
    oracles of ``kssp/core/tests/test_suppression.py``, which know nothing of the suppression code)."""
    equations: list[dict[str, int]] = []
    values: dict[str, int] = {}
    hidden: set[str] = set()
    for name, counts in published.items():
        equation: dict[str, int] = {"T": -1}
        for j, count in enumerate(counts):
            key = f"{name}.{j}"
            equation[key] = 1
            if count is None:
                hidden.add(key)
            else:
                values[key] = count
        equations.append(equation)
    full = [counts for counts in published.values() if None not in counts]
    if full:
        values["T"] = sum(count or 0 for count in full[0])  # a breakdown shown whole publishes the total
    else:
        hidden.add("T")
    assert_nothing_hidden_is_determined(equations, values, hidden)


def test_the_issues_example_alert_cannot_be_worked_out_as_the_total_minus_the_other_kinds(world):
    _the_issues_example(world)
    tables = aggregate_breakdowns(actor=world.qkmk.actor, model=Bulletin, group_bys=["kind", "status", "classification"])
    kinds = {c.key: c.count for c in tables["kind"]}
    assert kinds["alert"] is None
    assert kinds["lookout"] is None and kinds["notice"] == 7  # the smallest other kind is hidden with it
    assert [c.count for c in tables["status"]] == [14]
    _unsolvable({name: [c.count for c in cells] for name, cells in tables.items()})


def test_the_statistics_page_and_export_publish_the_protected_figures(world):
    _the_issues_example(world)
    client = world.qkmk.client()
    client.cookies["kssp_language"] = "en"
    html = client.get(reverse("bulletins:bulletin_statistics")).content.decode()
    assert re.search(r'fw-normal">Alert</th><td class="text-end">x</td>', html)
    assert re.search(r'fw-normal">Lookout</th><td class="text-end">x</td>', html)
    assert re.search(r'fw-normal">Notice</th><td class="text-end">7</td>', html)
    result = export_registered(actor=world.qkmk.actor, name="bulletin-statistics", filters={}, format="csv",
                               purpose="Weekly summary", recipient="Head of unit", language="en")
    rows = list(csv.reader(io.StringIO(result.content.decode("utf-8-sig"))))
    assert ["Kind", "Alert", "x"] in rows and ["Kind", "Lookout", "x"] in rows and ["Kind", "Notice", "7"] in rows


def test_a_breakdown_shown_whole_does_not_give_away_the_total_that_another_one_hides(world):
    # 1 alert of Customs and 9 lookouts of the reader's own institution (QKMK): hiding the lookouts
    # protects nothing (QKMK counts its own), so the total is what must stay hidden; then "status" (all
    # 10 in one status) must not print it. Each page and file asks for its breakdowns together for this reason.
    BulletinFactory(owner=world.customs, kind="alert", classification=Classification.UNCLASSIFIED)
    for _ in range(9):
        BulletinFactory(owner=world.qkmk, kind="lookout", classification=Classification.UNCLASSIFIED)
    client = world.qkmk.client()
    client.cookies["kssp_language"] = "en"
    html = client.get(reverse("bulletins:bulletin_statistics")).content.decode()
    assert re.search(r'fw-normal">Lookout</th><td class="text-end">9</td>', html)
    assert re.search(r'fw-normal">Alert</th><td class="text-end">x</td>', html)
    assert re.search(r'fw-normal">(Draft|Issued)</th><td class="text-end">x</td>', html)
    result = export_registered(actor=world.qkmk.actor, name="bulletin-statistics", filters={}, format="csv",
                               purpose="Weekly summary", recipient="Head of unit", language="en")
    rows = list(csv.reader(io.StringIO(result.content.decode("utf-8-sig"))))
    assert any(row[:1] == ["Status"] and row[2] == "x" for row in rows) and ["Classification", "Unclassified", "x"] in rows


def test_a_cross_table_of_kind_by_status_hides_enough_that_no_hidden_figure_follows_from_the_totals(world):
    # 1 draft alert of Customs (small, not the reader's), the rest the Police's
    BulletinFactory(owner=world.customs, kind="alert", status="draft")
    for kind, status, n in (("alert", "issued", 8), ("lookout", "draft", 6), ("lookout", "issued", 20)):
        for _ in range(n):
            BulletinFactory(owner=world.kp_investigator, kind=kind, status=status)
    table = aggregate_crosstab(actor=world.qkmk.actor, model=Bulletin, rows="kind", cols="status")
    assert table.row_keys == ["alert", "lookout"] and table.col_keys == ["draft", "issued"]
    assert table.cells[0][0] is None  # the small cell
    assert table.total == 35
    # what the reader sees, with the margins, leaves every hidden figure undetermined
    m, n = len(table.row_keys), len(table.col_keys)
    grid = [[*table.cells[i], table.row_totals[i]] for i in range(m)] + [[*table.col_totals, table.total]]
    seen = {f"{i},{j}": v for i, line in enumerate(grid) for j, v in enumerate(line) if v is not None}
    hidden = {f"{i},{j}" for i, line in enumerate(grid) for j, v in enumerate(line) if v is None}
    assert_nothing_hidden_is_determined(table_equations(m, n), seen, hidden)
    assert AuditEvent.objects.filter(event_type="stats.aggregate_viewed").count() == 1
    with pytest.raises(PermissionDenied):
        aggregate_crosstab(actor=world.kp_investigator.actor, model=Bulletin, rows="kind", cols="status")


def test_a_count_mostly_the_readers_own_does_not_give_away_the_few_of_others(world):
    # 5 lookouts of QKMK (the reader) and 1 of Customs: "6" would tell QKMK that Customs holds 1
    for _ in range(5):
        BulletinFactory(owner=world.qkmk, kind="lookout")
    BulletinFactory(owner=world.customs, kind="lookout")
    for _ in range(9):
        BulletinFactory(owner=world.kp_investigator, kind="notice")
    cells = {c.key: c.count for c in aggregate_counts(actor=world.qkmk.actor, model=Bulletin, group_by="kind")}
    assert cells == {"lookout": None, "notice": None}
