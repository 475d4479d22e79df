"""The two audited ways across the need-to-know wall, and no others (issue #2 point 4).

1. ``hit_check`` (in ``kssp.core.search.hits``, which owns the checks, their limits and their notices;
   ``Hit`` and the permission code are here): an existence-only notice. The searcher learns "possible match held by unit X; the
   owner has been notified" and nothing of the content; the owner's unit gets a ``HitNotice`` naming
   who searched and why. Records of the Intelligence Agency never answer (users-review point 4).
2. ``aggregate_counts`` / ``aggregate_breakdowns`` / ``aggregate_crosstab``: counts across institutions,
   a cell suppressed when the records of other institutions than the actor's in it are fewer than the
   threshold (5) but some (the actor counts their own), and further cells suppressed so that no hidden cell follows by subtraction from
   the published ones and the common total (secondary suppression, ``kssp.core.suppression``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Count, Q

from kssp.core.audit import audit_record
from kssp.core.exceptions import PermissionDenied
from kssp.core.policy import Actor
from kssp.core.selectors import records_across_the_wall
from kssp.core.suppression import Figure, is_sensitive, protect_margins, protect_table, table_with_margins

HITS_CHECK = "hits.check"
STATS_AGGREGATE = "stats.aggregate"


@dataclass(frozen=True)
class Hit:
    institution: str
    unit: str


@dataclass(frozen=True)
class Cell:
    key: Any
    count: int | None  # None: suppressed

    @property
    def suppressed(self) -> bool:
        return self.count is None


@transaction.atomic
def aggregate_counts(*, actor: Actor, model: type[Any], group_by: str, where: Q | None = None) -> list[Cell]:
    """Count every record of ``model`` by ``group_by`` across institutions, small cells suppressed.

    One breakdown alone; a page or file that publishes several breakdowns of the same records must ask
    ``aggregate_breakdowns`` for all of them at once, so that their common total gives nothing away."""
    return aggregate_breakdowns(actor=actor, model=model, group_bys=[group_by], where=where)[group_by]


@transaction.atomic
def aggregate_breakdowns(
    *, actor: Actor, model: type[Any], group_bys: Sequence[str], where: Q | None = None,
) -> dict[str, list[Cell]]:
    """Count every record of ``model`` by each of ``group_bys`` across institutions, with primary and
    secondary suppression (``kssp.core.suppression.protect_margins``): a count with fewer records of
    other institutions than the threshold (but some) is hidden, and so are further counts until no hidden count follows from
    the published ones and the breakdowns' common total. Each breakdown is audited."""
    if not actor.is_authenticated or not actor.has_perm(STATS_AGGREGATE):
        raise PermissionDenied()
    threshold = settings.KSSP["SMALL_CELL_THRESHOLD"]
    qs = records_across_the_wall(model, exception="aggregate statistics").filter(where or Q())
    own_q = Q(owner_institution_id=actor.institution_id)
    counted = qs.aggregate(total=Count("pk"), own=Count("pk", filter=own_q))
    total = Figure(counted["total"], is_sensitive(counted["total"], counted["own"], threshold),
                   0 < counted["total"] == counted["own"])
    keys: list[list[Any]] = []
    tables: list[list[Figure]] = []
    for group_by in group_bys:
        rows = qs.values(group_by).annotate(total=Count("pk"), own=Count("pk", filter=own_q)).order_by(group_by)
        keys.append([row[group_by] for row in rows])
        tables.append([
            Figure(row["total"], is_sensitive(row["total"], row["own"], threshold), row["own"] == row["total"])
            for row in rows
        ])
    hidden, _total_hidden = protect_margins(tables, total)
    result: dict[str, list[Cell]] = {}
    for group_by, row_keys, table, flags in zip(group_bys, keys, tables, hidden, strict=True):
        cells = [Cell(key=key, count=None if flag else figure.count)
                 for key, figure, flag in zip(row_keys, table, flags, strict=True)]
        result[group_by] = cells
        audit_record(
            actor=actor, event="stats.aggregate_viewed",
            extra={"model": model._meta.label_lower, "group_by": group_by, "cells": len(cells),
                   "suppressed": sum(1 for c in cells if c.suppressed)},
        )
    return result


@dataclass(frozen=True)
class CrossTable:
    """A two-way table of counts with its margins; ``None`` is a suppressed figure."""

    row_keys: list[Any]
    col_keys: list[Any]
    cells: list[list[int | None]]
    row_totals: list[int | None]
    col_totals: list[int | None]
    total: int | None

    @property
    def suppressed(self) -> int:
        figures = [*(c for row in self.cells for c in row), *self.row_totals, *self.col_totals, self.total]
        return sum(1 for figure in figures if figure is None)


@transaction.atomic
def aggregate_crosstab(*, actor: Actor, model: type[Any], rows: str, cols: str, where: Q | None = None) -> CrossTable:
    """Count every record of ``model`` by ``rows`` × ``cols`` across institutions, with row, column and
    grand totals, small cells suppressed and further figures hidden until none follows from the others
    (``kssp.core.suppression.protect_table``). Values that occur in no record are not listed."""
    if not actor.is_authenticated or not actor.has_perm(STATS_AGGREGATE):
        raise PermissionDenied()
    threshold = settings.KSSP["SMALL_CELL_THRESHOLD"]
    qs = records_across_the_wall(model, exception="aggregate statistics").filter(where or Q())
    counted = (
        qs.values(rows, cols)
        .annotate(total=Count("pk"), own=Count("pk", filter=Q(owner_institution_id=actor.institution_id)))
        .order_by(rows, cols)
    )
    found = {(row[rows], row[cols]): (row["total"], row["own"]) for row in counted}
    row_keys = list(dict.fromkeys(key for key, _col in found))
    col_keys = sorted({col for _row, col in found}, key=lambda key: (key is None, str(key)))
    result: CrossTable
    if not found:
        result = CrossTable(row_keys=[], col_keys=[], cells=[], row_totals=[], col_totals=[], total=0)
    else:
        counts = [[found.get((r, c), (0, 0))[0] for c in col_keys] for r in row_keys]
        own = [[found.get((r, c), (0, 0))[1] for c in col_keys] for r in row_keys]
        figures = table_with_margins(counts, own, threshold)
        hidden = protect_table(figures)
        shown = [[None if hidden[i][j] else figures[i][j].count for j in range(len(col_keys) + 1)]
                 for i in range(len(row_keys) + 1)]
        m, n = len(row_keys), len(col_keys)
        result = CrossTable(
            row_keys=row_keys, col_keys=col_keys, cells=[line[:n] for line in shown[:m]],
            row_totals=[line[n] for line in shown[:m]], col_totals=shown[m][:n], total=shown[m][n],
        )
    audit_record(
        actor=actor, event="stats.aggregate_viewed",
        extra={"model": model._meta.label_lower, "group_by": f"{rows}×{cols}",
               "cells": len(result.row_keys) * len(result.col_keys), "suppressed": result.suppressed},
    )
    return result
