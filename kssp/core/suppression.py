"""Small-cell suppression of published counts: primary and secondary (complementary) (issue #7 point 3).

Primary suppression hides a count whose records of other institutions than the reader's are fewer than
the threshold, but some (the reader counts their own, so a 6 of which 5 are theirs would give away a 1).
Alone it is undone by subtraction: a table of kinds whose total is known (from another breakdown of the
same records, or printed) gives "Alert = total − the other kinds". Secondary suppression hides further
figures until no hidden figure follows from the published ones and the table's margins.

Figures the reader knows anyway (every record of the figure is their own institution's) count as
published for this purpose and are never chosen as complements: hiding them would protect nothing.

* ``protect_margins`` — several one-way breakdowns of the same records (kinds, statuses,
  classifications: the statistics page and its export). They share one total ``T`` and give the
  equations ``sum(table) = T``. With ``T`` published every breakdown hides no figure or at least two;
  with ``T`` hidden every breakdown hides at least one figure (otherwise it would give ``T`` away).
* ``protect_table`` — a two-way table with row totals, column totals and the grand total. Written as
  an ``(m+1) × (n+1)`` table whose rows and columns all balance, a hidden figure is fixed by the
  equations exactly when it is a bridge of the bipartite graph "row — hidden figure — column"
  (it lies on no cycle of hidden figures). Each bridge is closed into a cycle along the cheapest path of
  further figures (the smallest counts first), repeated until no bridge is left; a total is hidden like
  any other figure when that is the cheapest way, and a table with a single non-zero figure hides its
  margins with it.

What this does not cover (said in docs/operations.md): bounds (a hidden count is known to be below the
threshold and at least what the reader owns of it) narrow a hidden figure to an interval; the threshold
rule exists to keep that interval small, not to hide it.
"""

from __future__ import annotations

import heapq
from collections.abc import Sequence
from dataclasses import dataclass

# How a hidden count is written in pages and files: one mark for small counts and for the further
# counts hidden to protect them (a "<5" on a count of 6 would be false, and two marks would tell which is
# which).
SUPPRESSED_MARK = "x"


@dataclass(frozen=True)
class Figure:
    """One published number before suppression: its count, whether it is under the threshold and not the
    reader's own (``sensitive``), and whether the reader knows it anyway (``known``)."""

    count: int
    sensitive: bool = False
    known: bool = False


def is_sensitive(total: int, own: int, threshold: int) -> bool:
    """Primary rule: the records of other institutions in a count are fewer than the threshold, but
    some. The reader counts their own records, so a published 6 of which 5 are theirs tells them that
    the others hold exactly 1: what must not be small is the part the reader does not know. A count
    entirely the reader's own is shown (the others hold none)."""
    return 0 < total - own < threshold


# --- one-way breakdowns sharing one total ---------------------------------------------------------


def protect_margins(tables: Sequence[Sequence[Figure]], total: Figure) -> tuple[list[list[bool]], bool]:
    """Hidden flags for each figure of each breakdown, and whether the shared total is hidden."""
    hidden = [[f.sensitive for f in table] for table in tables]
    total_hidden = total.sensitive
    while True:
        changed = False
        for table, flags in zip(tables, hidden, strict=True):
            unknown = sum(flags)
            if total_hidden and unknown == 0 or not total_hidden and unknown == 1:
                choice = _smallest_candidate(table, flags)
                if choice is not None:
                    flags[choice] = True
                    changed = True
                elif not total_hidden and not total.known:
                    total_hidden = True  # the only figure left to hide is the total
                    changed = True
        if not changed:
            return hidden, total_hidden


def _smallest_candidate(table: Sequence[Figure], flags: Sequence[bool]) -> int | None:
    candidates = [(f.count, i) for i, f in enumerate(table) if not flags[i] and not f.known and f.count > 0]
    return min(candidates)[1] if candidates else None


# --- two-way tables with margins ------------------------------------------------------------------


def protect_table(figures: Sequence[Sequence[Figure]]) -> list[list[bool]]:
    """Hidden flags of an ``(m+1) × (n+1)`` table: ``figures[i][j]`` the cells, ``figures[i][n]`` the row
    totals, ``figures[m][j]`` the column totals and ``figures[m][n]`` the grand total."""
    rows, cols = len(figures), len(figures[0])
    hidden = [[f.sensitive for f in row] for row in figures]
    while True:
        bridge = _first_bridge(hidden, rows, cols)
        if bridge is None:
            return hidden
        r, c = bridge
        path = _cheapest_cycle_path(figures, hidden, r, c)
        if path is None:  # cannot happen for consistent counts (see the module text); hide all but known
            for i in range(rows):
                for j in range(cols):
                    if not figures[i][j].known:
                        hidden[i][j] = True
            return hidden
        for i, j in path:
            hidden[i][j] = True


def _first_bridge(hidden: list[list[bool]], rows: int, cols: int) -> tuple[int, int] | None:
    edges = [(i, j) for i in range(rows) for j in range(cols) if hidden[i][j]]
    for edge in edges:
        if not _connected_without(edges, edge, rows):
            return edge
    return None


def _connected_without(edges: list[tuple[int, int]], removed: tuple[int, int], rows: int) -> bool:
    """Whether row ``removed[0]`` reaches column ``removed[1]`` through the other hidden figures."""
    adjacency: dict[int, list[int]] = {}
    for i, j in edges:
        if (i, j) == removed:
            continue
        adjacency.setdefault(i, []).append(rows + j)
        adjacency.setdefault(rows + j, []).append(i)
    start, goal = removed[0], rows + removed[1]
    seen, stack = {start}, [start]
    while stack:
        node = stack.pop()
        if node == goal:
            return True
        for nxt in adjacency.get(node, ()):
            if nxt not in seen:
                seen.add(nxt)
                stack.append(nxt)
    return False


def _cheapest_cycle_path(
    figures: Sequence[Sequence[Figure]], hidden: list[list[bool]], r: int, c: int,
) -> list[tuple[int, int]] | None:
    """The figures to hide so that row ``r`` reaches column ``c`` without the figure ``(r, c)``: hidden
    figures cost nothing, others their count plus one; figures the reader knows cannot be used."""
    rows, cols = len(figures), len(figures[0])

    def cost(i: int, j: int) -> int | None:
        if hidden[i][j]:
            return 0
        if figures[i][j].known:
            return None
        return figures[i][j].count + 1

    start, goal = ("r", r), ("c", c)
    best: dict[tuple[str, int], int] = {start: 0}
    back: dict[tuple[str, int], tuple[tuple[str, int], tuple[int, int]]] = {}
    queue: list[tuple[int, tuple[str, int]]] = [(0, start)]
    while queue:
        dist, node = heapq.heappop(queue)
        if dist > best.get(node, 1 << 62):
            continue
        if node == goal:
            break
        side, index = node
        neighbours = (
            [(("c", j), (index, j)) for j in range(cols)] if side == "r" else [(("r", i), (i, index)) for i in range(rows)]
        )
        for nxt, cell in neighbours:
            if cell == (r, c):
                continue
            step = cost(*cell)
            if step is None:
                continue
            if dist + step < best.get(nxt, 1 << 62):
                best[nxt] = dist + step
                back[nxt] = (node, cell)
                heapq.heappush(queue, (dist + step, nxt))
    if goal not in best:
        return None
    path, node = [], goal
    while node != start:
        node, cell = back[node]
        path.append(cell)
    return [cell for cell in path if not hidden[cell[0]][cell[1]]]


def table_with_margins(counts: Sequence[Sequence[int]], own: Sequence[Sequence[int]], threshold: int) -> list[list[Figure]]:
    """The ``(m+1) × (n+1)`` figures of an ``m × n`` table of counts (and of the reader's own records in
    each cell), margins added, each figure marked sensitive or known by the primary rule."""
    m, n = len(counts), len(counts[0])

    def margins(grid: Sequence[Sequence[int]]) -> list[list[int]]:
        full = [[*row, sum(row)] for row in grid]
        full.append([sum(full[i][j] for i in range(m)) for j in range(n + 1)])
        return full

    total, mine = margins(counts), margins(own)
    return [
        [Figure(total[i][j], is_sensitive(total[i][j], mine[i][j], threshold), 0 < total[i][j] == mine[i][j])
         for j in range(n + 1)]
        for i in range(m + 1)
    ]
