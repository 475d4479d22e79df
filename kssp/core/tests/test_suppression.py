"""Secondary (complementary) suppression (issue #7 point 3): no hidden count of a published table follows
from the published counts and the table's margins.

The oracles here are written apart from ``kssp.core.suppression``: they take what a reader sees (the
published figures, plus the figures the reader knows because every record of them is their own) and try
to solve the hidden ones, first by the subtraction a person would do (a row, column or breakdown with one
unknown, repeated while anything is solved), then by exact linear algebra over all equations at once
(Gauss–Jordan over fractions: a hidden figure is determined when its unit vector lies in the row space).
"""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kssp.core.suppression import Figure, is_sensitive, protect_margins, protect_table, table_with_margins

THRESHOLD = 5

# An equation: the names of the figures whose signed sum is zero ({name: coefficient}).
Equation = dict[str, int]


def solve_by_subtraction(equations: list[Equation], values: dict[str, int], unknown: set[str]) -> dict[str, int]:
    """What a reader works out with one-unknown subtraction, repeated until nothing more follows."""
    solved: dict[str, int] = {}
    progress = True
    while progress:
        progress = False
        for equation in equations:
            open_names = [n for n in equation if n in unknown and n not in solved]
            if len(open_names) == 1:
                name = open_names[0]
                rest = sum(coef * (solved[n] if n in solved else values[n]) for n, coef in equation.items() if n != name)
                solved[name] = -rest // equation[name]
                progress = True
    return solved


def determined_by_algebra(equations: list[Equation], unknown: set[str]) -> set[str]:
    """The unknown figures fixed by the equations (with the known figures moved to the right-hand side)."""
    names = sorted(unknown)
    if not names:
        return set()
    matrix = [[Fraction(eq.get(n, 0)) for n in names] for eq in equations]
    pivots: list[int] = []
    row = 0
    for col in range(len(names)):
        pivot = next((r for r in range(row, len(matrix)) if matrix[r][col] != 0), None)
        if pivot is None:
            continue
        matrix[row], matrix[pivot] = matrix[pivot], matrix[row]
        lead = matrix[row][col]
        matrix[row] = [v / lead for v in matrix[row]]
        for r in range(len(matrix)):
            if r != row and matrix[r][col] != 0:
                factor = matrix[r][col]
                matrix[r] = [a - factor * b for a, b in zip(matrix[r], matrix[row], strict=True)]
        pivots.append(col)
        row += 1
    found = set()
    for r, col in enumerate(pivots):
        if all(v == 0 for c, v in enumerate(matrix[r]) if c != col):
            found.add(names[col])
    return found


def assert_nothing_hidden_is_determined(equations: list[Equation], values: dict[str, int], hidden: set[str]) -> None:
    assert solve_by_subtraction(equations, values, hidden) == {}
    assert determined_by_algebra(equations, hidden) == set()


# --- one-way breakdowns sharing a total --------------------------------------------------------------


def margins_equations(tables: Sequence[Sequence[int]]) -> tuple[list[Equation], dict[str, int]]:
    values: dict[str, int] = {"T": sum(tables[0])}
    equations = []
    for t, table in enumerate(tables):
        equation: Equation = {"T": -1}
        for j, count in enumerate(table):
            values[f"{t}.{j}"] = count
            equation[f"{t}.{j}"] = 1
        equations.append(equation)
    return equations, values


def check_breakdowns(tables: list[list[int]], owns: list[list[int]]) -> None:
    total, total_own = sum(tables[0]), sum(owns[0])
    figures = [
        [Figure(c, is_sensitive(c, o, THRESHOLD), 0 < c == o) for c, o in zip(table, own, strict=True)]
        for table, own in zip(tables, owns, strict=True)
    ]
    hidden_flags, total_hidden = protect_margins(
        figures, Figure(total, is_sensitive(total, total_own, THRESHOLD), 0 < total == total_own))
    equations, values = margins_equations(tables)
    hidden = {f"{t}.{j}" for t, flags in enumerate(hidden_flags) for j, flag in enumerate(flags) if flag}
    if total_hidden:
        hidden.add("T")
    # every count whose part held by others is small but not zero is hidden (primary suppression holds)
    for t, table in enumerate(tables):
        for j, count in enumerate(table):
            if 0 < count - owns[t][j] < THRESHOLD:
                assert f"{t}.{j}" in hidden
    # the reader knows what is published and what is all their own (hidden or not): the rest must stay unknown
    own_of = {f"{t}.{j}": owns[t][j] for t in range(len(tables)) for j in range(len(tables[t]))} | {"T": total_own}
    unknown = {n for n in hidden if not 0 < values[n] == own_of[n]}
    assert_nothing_hidden_is_determined(equations, {n: v for n, v in values.items() if n not in unknown}, unknown)


@st.composite
def breakdowns(draw: st.DrawFn) -> tuple[list[list[int]], list[list[int]]]:
    """Several breakdowns of the same records: the records are drawn with an owner and one value per
    breakdown, so the breakdowns are consistent (same total, same own total)."""
    n_tables = draw(st.integers(1, 3))
    sizes = [draw(st.integers(1, 4)) for _ in range(n_tables)]
    n_records = draw(st.integers(0, 30))
    tables = [[0] * size for size in sizes]
    owns = [[0] * size for size in sizes]
    for _ in range(n_records):
        mine = draw(st.booleans())
        for t, size in enumerate(sizes):
            j = draw(st.integers(0, size - 1))
            tables[t][j] += 1
            owns[t][j] += int(mine)
    # a breakdown lists only the values that occur (as the GROUP BY does)
    kept = [[j for j in range(len(table)) if table[j]] for table in tables]
    return [[tables[t][j] for j in kept[t]] for t in range(n_tables)], [[owns[t][j] for j in kept[t]] for t in range(n_tables)]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(breakdowns())
def test_no_hidden_count_of_a_breakdown_follows_from_the_others_and_the_total(data):
    tables, owns = data
    check_breakdowns(tables, owns)


def test_the_issues_example_alert_is_not_total_minus_the_other_kinds():
    # 1 alert, 6 lookouts, 7 notices, none of them the reader's; by status all 14 are active, so the
    # total is published; before the fix "alert" alone was hidden and 14 − 6 − 7 = 1 gave it away.
    kinds, statuses = [1, 6, 7], [14]
    figures = [[Figure(c, is_sensitive(c, 0, THRESHOLD)) for c in t] for t in (kinds, statuses)]
    hidden, total_hidden = protect_margins(figures, Figure(14))
    assert hidden == [[True, True, False], [False]]  # the smallest other kind (6 lookouts) is hidden too
    assert not total_hidden
    equations, values = margins_equations([kinds, statuses])
    secret = {"0.0", "0.1"}
    assert_nothing_hidden_is_determined(equations, {n: v for n, v in values.items() if n not in secret}, secret)
    # and the oracle does catch the old answer (only the small cell hidden)
    assert solve_by_subtraction(equations, {n: v for n, v in values.items() if n != "0.0"}, {"0.0"}) == {"0.0": 1}


def test_a_breakdown_with_one_value_hides_the_total_and_so_every_breakdown_hides_something():
    # 3 records of others, all alerts; by status 2 active and 1 closed
    kinds, statuses = [3], [2, 1]
    figures = [[Figure(c, is_sensitive(c, 0, THRESHOLD)) for c in t] for t in (kinds, statuses)]
    hidden, total_hidden = protect_margins(figures, Figure(3, sensitive=True))
    assert total_hidden and hidden == [[True], [True, True]]


def test_own_counts_are_never_the_complement():
    # alert 1 (another institution's), lookout 3 (all the reader's), notice 9 (mixed): hiding the
    # lookouts would protect nothing, the reader counts their own; the notices are hidden instead
    figures = [[Figure(1, True), Figure(3, known=True), Figure(9)]]
    hidden, total_hidden = protect_margins(figures, Figure(13))
    assert hidden == [[True, False, True]] and not total_hidden


# --- two-way tables with margins ---------------------------------------------------------------------


def table_equations(m: int, n: int) -> list[Equation]:
    """Rows and columns of the (m+1) × (n+1) table: cells sum to their row and column totals, row totals
    and column totals both sum to the grand total."""
    equations: list[Equation] = []
    for i in range(m + 1):
        equations.append({**{f"{i},{j}": 1 for j in range(n)}, f"{i},{n}": -1})
    for j in range(n + 1):
        equations.append({**{f"{i},{j}": 1 for i in range(m)}, f"{m},{j}": -1})
    return equations


def check_table(counts: list[list[int]], own: list[list[int]]) -> None:
    m, n = len(counts), len(counts[0])
    figures = table_with_margins(counts, own, THRESHOLD)
    hidden_flags = protect_table(figures)
    values = {f"{i},{j}": figures[i][j].count for i in range(m + 1) for j in range(n + 1)}
    # the margins are the sums the oracle expects (computed here, not by the code under test)
    assert values[f"{m},{n}"] == sum(map(sum, counts))
    hidden = {f"{i},{j}" for i in range(m + 1) for j in range(n + 1) if hidden_flags[i][j]}
    for i in range(m):
        for j in range(n):
            if 0 < counts[i][j] - own[i][j] < THRESHOLD:
                assert f"{i},{j}" in hidden
    # the reader counts their own records: a non-zero figure that is all theirs is known, hidden or not
    own_rows = [[*row, sum(row)] for row in own]
    own_full = [*own_rows, [sum(own_rows[i][j] for i in range(m)) for j in range(n + 1)]]
    unknown = {k for k in hidden if not 0 < values[k] == own_full[int(k.split(",")[0])][int(k.split(",")[1])]}
    assert_nothing_hidden_is_determined(table_equations(m, n), {k: v for k, v in values.items() if k not in unknown}, unknown)


@st.composite
def tables(draw: st.DrawFn) -> tuple[list[list[int]], list[list[int]]]:
    m, n = draw(st.integers(1, 4)), draw(st.integers(1, 4))
    counts = [[draw(st.sampled_from([0, 0, 1, 2, 3, 4, 5, 6, 9, 20])) for _ in range(n)] for _ in range(m)]
    own = [[draw(st.sampled_from([0, c, c // 2])) for c in row] for row in counts]
    return counts, own


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tables())
def test_no_hidden_cell_of_a_two_way_table_follows_from_its_rows_columns_and_totals(data):
    counts, own = data
    check_table(counts, own)


def test_a_two_way_table_hides_the_smallest_complements_in_the_row_and_column():
    # kind × status; one small cell (alert, closed = 1); others' records
    counts = [[1, 8], [6, 20]]
    figures = table_with_margins(counts, [[0, 0], [0, 0]], THRESHOLD)
    hidden = protect_table(figures)
    # the 2 × 2 block of cells is hidden, no total: each row and column keeps two unknowns
    assert hidden == [[True, True, False], [True, True, False], [False, False, False]]


def test_a_table_with_one_non_zero_cell_hides_its_margins():
    counts = [[0, 0], [0, 3]]
    figures = table_with_margins(counts, [[0, 0], [0, 0]], THRESHOLD)
    hidden = protect_table(figures)
    # the cell equals its row total, its column total and the grand total: all four are hidden
    assert hidden[1][1] and hidden[1][2] and hidden[2][1] and hidden[2][2]
    check_table(counts, [[0, 0], [0, 0]])


def test_a_cycle_joined_by_a_bridge_is_found_where_counting_unknowns_per_line_is_not_enough():
    # hidden cells on two 2×2 cycles joined through one cell: every row and column has two unknowns,
    # yet the joining cell is fixed by the equations; the algebra oracle sees it, so must the code
    m = n = 4
    values = {f"{i},{j}": 10 for i in range(m + 1) for j in range(n + 1)}
    hidden = {"0,0", "0,1", "1,0", "1,1", "2,2", "2,3", "3,2", "3,3", "1,2"}
    assert solve_by_subtraction(table_equations(m, n), values, hidden) == {}
    assert determined_by_algebra(table_equations(m, n), hidden) == {"1,2"}
    figures = [[Figure(10, sensitive=f"{i},{j}" in hidden) for j in range(n + 1)] for i in range(m + 1)]
    flags = protect_table(figures)
    protected = {f"{i},{j}" for i in range(m + 1) for j in range(n + 1) if flags[i][j]}
    assert hidden <= protected and determined_by_algebra(table_equations(m, n), protected) == set()


def test_a_count_mostly_the_readers_own_is_hidden_when_the_others_hold_few():
    # 6 lookouts, 5 of them the reader's: publishing 6 would tell the reader the others hold exactly 1
    assert is_sensitive(6, 5, THRESHOLD) and is_sensitive(4, 0, THRESHOLD)
    assert not is_sensitive(3, 3, THRESHOLD)  # all the reader's own: the others hold none
    assert not is_sensitive(12, 5, THRESHOLD) and not is_sensitive(0, 0, THRESHOLD)
