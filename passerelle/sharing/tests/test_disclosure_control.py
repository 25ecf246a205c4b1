"""Tests for small-cell suppression of count tables.

The property tests check non-derivability with their own exact linear algebra (Fractions),
independent of the module's bridge logic.
"""

from fractions import Fraction
from math import gcd, lcm

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from passerelle.sharing.disclosure_control import Cell, ProtectedTable, protect


def grid_counts(grid):
    """(row, column) -> count for a list of lists, rows r0.. and columns c0.."""
    return {(f"r{i}", f"c{j}"): n for i, line in enumerate(grid) for j, n in enumerate(line)}


def protect_grid(grid, k=5):
    rows = [f"r{i}" for i in range(len(grid))]
    columns = [f"c{j}" for j in range(len(grid[0]))] if grid else []
    return protect(rows, columns, grid_counts(grid), k=k)


def suppressed_positions(table):
    return {
        (i, j)
        for i, line in enumerate(table.cells)
        for j, cell in enumerate(line)
        if cell.suppressed
    }


# --- the extended table, as the tests see it ----------------------------------------------


def true_values(grid):
    """Key -> true value for every cell, row total, column total and the grand total."""
    n_rows, n_cols = len(grid), len(grid[0])
    values = {("cell", i, j): grid[i][j] for i in range(n_rows) for j in range(n_cols)}
    for i in range(n_rows):
        values[("row", i)] = sum(grid[i])
    for j in range(n_cols):
        values[("col", j)] = sum(grid[i][j] for i in range(n_rows))
    values[("total",)] = sum(map(sum, grid))
    return values


def published_cells(table):
    """Key -> Cell, with the same keys as `true_values`."""
    cells = {
        ("cell", i, j): cell for i, line in enumerate(table.cells) for j, cell in enumerate(line)
    }
    cells.update({("row", i): cell for i, cell in enumerate(table.row_totals)})
    cells.update({("col", j): cell for j, cell in enumerate(table.column_totals)})
    cells[("total",)] = table.total
    return cells


def equations(n_rows, n_cols):
    """Each equation is a dict key -> coefficient, equal to zero."""
    result = []
    for i in range(n_rows):
        eq = {("cell", i, j): 1 for j in range(n_cols)}
        eq[("row", i)] = -1
        result.append(eq)
    for j in range(n_cols):
        eq = {("cell", i, j): 1 for i in range(n_rows)}
        eq[("col", j)] = -1
        result.append(eq)
    eq = {("row", i): 1 for i in range(n_rows)}
    eq[("total",)] = -1
    result.append(eq)
    eq = {("col", j): 1 for j in range(n_cols)}
    eq[("total",)] = -1
    result.append(eq)
    return result


def rref(matrix):
    """Reduced row echelon form (Fractions); returns (rows, pivot columns)."""
    rows = [[Fraction(x) for x in line] for line in matrix]
    width = len(rows[0]) if rows else 0
    pivots = []
    r = 0
    for col in range(width):
        pivot = next((i for i in range(r, len(rows)) if rows[i][col] != 0), None)
        if pivot is None:
            continue
        rows[r], rows[pivot] = rows[pivot], rows[r]
        head = rows[r][col]
        rows[r] = [x / head for x in rows[r]]
        for i in range(len(rows)):
            if i != r and rows[i][col] != 0:
                factor = rows[i][col]
                rows[i] = [a - factor * b for a, b in zip(rows[i], rows[r], strict=True)]
        pivots.append(col)
        r += 1
    return rows[:r], pivots


def in_row_space(reduced, pivots, vector):
    v = [Fraction(x) for x in vector]
    for row, col in zip(reduced, pivots, strict=True):
        if v[col] != 0:
            factor = v[col]
            v = [a - factor * b for a, b in zip(v, row, strict=True)]
    return not any(v)


def null_vector_through(reduced, pivots, width, target):
    """An integer null-space vector of the reduced system, non-zero at `target`, or None."""
    free = [c for c in range(width) if c not in pivots]
    if target in free:
        chosen = target
    else:
        row = reduced[pivots.index(target)]
        chosen = next((f for f in free if row[f] != 0), None)
        if chosen is None:
            return None
    d = [Fraction(0)] * width
    d[chosen] = Fraction(1)
    for row, col in zip(reduced, pivots, strict=True):
        d[col] = -row[chosen]
    scale = lcm(*(x.denominator for x in d))
    ints = [int(x * scale) for x in d]
    divisor = gcd(*ints)
    return [x // divisor for x in ints]


def check_not_derivable(grid, table):
    """No suppressed value follows from the published ones; each has a second feasible table."""
    values = true_values(grid)
    cells = published_cells(table)
    unknowns = sorted(key for key, cell in cells.items() if cell.suppressed)
    if not unknowns:
        return
    position = {key: n for n, key in enumerate(unknowns)}
    matrix = []
    for eq in equations(len(grid), len(grid[0])):
        line = [0] * len(unknowns)
        for key, coef in eq.items():
            if key in position:
                line[position[key]] = coef
        matrix.append(line)
    reduced, pivots = rref(matrix)

    for key in unknowns:
        unit = [0] * len(unknowns)
        unit[position[key]] = 1
        assert not in_row_space(reduced, pivots, unit), f"{key} can be derived"

        d = null_vector_through(reduced, pivots, len(unknowns), position[key])
        assert d is not None and d[position[key]] != 0
        other = None
        for sign in (1, -1):
            candidate = dict(values)
            for u, step in zip(unknowns, d, strict=True):
                candidate[u] += sign * step
            if all(v >= 0 for v in candidate.values()):
                other = candidate
                break
        assert other is not None, f"no second non-negative table for {key}"
        assert other[key] != values[key]
        for eq in equations(len(grid), len(grid[0])):
            assert sum(coef * other[k] for k, coef in eq.items()) == 0
        for k, cell in cells.items():
            if not cell.suppressed:
                assert other[k] == cell.value


# --- hand-made examples -------------------------------------------------------------------


def test_single_small_cell_gets_cheapest_rectangle():
    grid = [
        [2, 20, 7],
        [30, 40, 50],
        [8, 9, 60],
    ]
    table = protect_grid(grid)
    assert table.cells[0][0] == Cell(value=None, suppressed=True, primary=True)
    # (0,1)=20, (2,0)=8, (2,1)=9 is the cheapest rectangle through (0,0).
    assert suppressed_positions(table) == {(0, 0), (0, 1), (2, 0), (2, 1)}
    assert table.cells[0][1].primary is False
    assert [c.value for c in table.row_totals] == [29, 120, 77]
    assert [c.value for c in table.column_totals] == [40, 69, 117]
    assert table.total.value == 226
    assert table.primary_count == 1
    assert table.complementary_count == 3
    assert table.suppressed_share == pytest.approx(4 / 9)
    check_not_derivable(grid, table)


def test_small_row_total_is_suppressed_and_protected():
    grid = [
        [1, 0, 2],
        [10, 20, 30],
        [15, 25, 35],
    ]
    table = protect_grid(grid)
    assert table.row_totals[0] == Cell(value=None, suppressed=True, primary=True)
    assert table.cells[0][0].primary and table.cells[0][2].primary
    assert table.cells[0][1] == Cell(value=0, suppressed=False, primary=False)
    assert table.primary_count == 3
    # Cheapest cycles: row 1 (the smaller second line) with its total.
    assert suppressed_positions(table) == {(0, 0), (0, 2), (1, 0), (1, 2)}
    assert [c.suppressed for c in table.row_totals] == [True, True, False]
    assert not any(c.suppressed for c in table.column_totals)
    assert table.total.value == 138
    check_not_derivable(grid, table)


def test_single_column_table():
    grid = [[3], [12], [9]]
    table = protect_grid(grid)
    assert table.cells[0][0].primary and table.row_totals[0].primary
    # Each row total equals its only cell: the complement is the smaller other row, 9.
    assert suppressed_positions(table) == {(0, 0), (2, 0)}
    assert [c.suppressed for c in table.row_totals] == [True, False, True]
    assert table.column_totals[0].value == 24 and table.total.value == 24
    check_not_derivable(grid, table)


def test_table_without_small_cells_stays_whole():
    grid = [[5, 6], [7, 8]]
    table = protect_grid(grid)
    assert not suppressed_positions(table)
    assert [[c.value for c in line] for line in table.cells] == grid
    assert [c.value for c in table.row_totals] == [11, 15]
    assert [c.value for c in table.column_totals] == [12, 14]
    assert table.total == Cell(value=26, suppressed=False, primary=False)
    assert table.suppressed_share == 0.0
    assert table.primary_count == table.complementary_count == 0


def test_zeros_are_published():
    grid = [
        [0, 3, 0, 10],
        [0, 12, 9, 0],
        [0, 6, 11, 7],
    ]
    table = protect_grid(grid)
    for i, j in [(0, 0), (1, 0), (2, 0), (0, 2), (1, 3)]:
        assert table.cells[i][j] == Cell(value=0, suppressed=False, primary=False)
    assert table.column_totals[0] == Cell(value=0, suppressed=False, primary=False)
    assert table.cells[0][1].primary
    check_not_derivable(grid, table)


def test_missing_counts_are_zero():
    table = protect(["a", "b"], ["x", "y"], {("a", "x"): 9, ("b", "y"): 6})
    assert table.cells[0][1].value == 0 and table.cells[1][0].value == 0
    assert table.total.value == 15


def test_grand_total_below_k_hides_every_non_zero_value():
    grid = [[1, 0], [0, 2]]
    table = protect_grid(grid)
    assert table.cells[0][1].value == 0 and table.cells[1][0].value == 0
    for cell in [table.cells[0][0], table.cells[1][1], *table.row_totals]:
        assert cell == Cell(value=None, suppressed=True, primary=True)
    assert all(c.suppressed for c in table.column_totals)
    assert table.total.suppressed
    assert table.primary_count == 7
    assert table.complementary_count == 0
    assert table.suppressed_share == 1.0
    check_not_derivable(grid, table)


def test_empty_tables():
    table = protect(["a"], ["x"], {})
    assert table.total.value == 0 and table.suppressed_share == 0.0
    table = protect([], [], {})
    assert table.cells == [] and table.total.value == 0


def test_keys_are_kept_and_output_is_deterministic():
    rows = [("admin1", "North"), ("admin1", "South"), ("admin1", "East")]
    columns = ["2024-Q1", "2024-Q2", "2024-Q3"]
    counts = {(r, c): 3 * i + j for i, r in enumerate(rows) for j, c in enumerate(columns)}
    table = protect(rows, columns, counts)
    assert isinstance(table, ProtectedTable)
    assert table.rows == rows and table.columns == columns
    shuffled = dict(reversed(list(counts.items())))
    assert protect(rows, columns, shuffled) == table
    assert protect(rows, columns, counts) == table


@pytest.mark.parametrize(
    "counts,k",
    [
        ({("a", "x"): -1}, 5),
        ({("a", "z"): 1}, 5),
        ({("a", "x"): 1.5}, 5),
        ({"a": 1}, 5),
        ({}, 0),
    ],
)
def test_invalid_input(counts, k):
    with pytest.raises(ValueError):
        protect(["a"], ["x"], counts, k=k)


def test_duplicate_keys_rejected():
    with pytest.raises(ValueError):
        protect(["a", "a"], ["x"], {})


# --- properties ---------------------------------------------------------------------------


@st.composite
def tables(draw):
    n_rows = draw(st.integers(1, 6))
    n_cols = draw(st.integers(1, 6))
    value = st.one_of(st.just(0), st.integers(1, 6), st.integers(0, 30))
    flat = draw(st.lists(value, min_size=n_rows * n_cols, max_size=n_rows * n_cols))
    grid = [flat[i * n_cols : (i + 1) * n_cols] for i in range(n_rows)]
    k = draw(st.integers(2, 10))
    return grid, k


@settings(max_examples=200, deadline=None)
@given(tables())
def test_published_values_are_true_and_small_cells_hidden(example):
    grid, k = example
    table = protect_grid(grid, k)
    values = true_values(grid)
    grand = values[("total",)]
    for key, cell in published_cells(table).items():
        true = values[key]
        if cell.suppressed:
            assert cell.value is None
        else:
            assert cell.value == true
            assert not cell.primary
        if 0 < true < k or (0 < grand < k and true > 0):
            assert cell.suppressed and cell.primary
        if true == 0:
            assert not cell.suppressed


@settings(max_examples=200, deadline=None)
@given(tables())
def test_no_suppressed_value_can_be_derived(example):
    grid, k = example
    table = protect_grid(grid, k)
    check_not_derivable(grid, table)


@settings(max_examples=200, deadline=None)
@given(tables())
def test_suppressed_cells_are_positive_and_counts_consistent(example):
    grid, k = example
    table = protect_grid(grid, k)
    values = true_values(grid)
    cells = published_cells(table)
    for key, cell in cells.items():
        if cell.suppressed:
            assert values[key] >= 1
    primary = sum(1 for c in cells.values() if c.primary)
    complementary = sum(1 for c in cells.values() if c.suppressed and not c.primary)
    assert table.primary_count == primary
    assert table.complementary_count == complementary
    nonzero = sum(1 for line in grid for n in line if n)
    hidden = len(suppressed_positions(table))
    assert table.suppressed_share == (hidden / nonzero if nonzero else 0.0)
    assert protect_grid(grid, k) == table
