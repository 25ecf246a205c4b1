"""Statistical disclosure control for count tables.

Cells with a small count (0 < n < k) could identify survivors: `protect` suppresses them
(primary suppression), then suppresses further published cells (complementary suppression)
until no suppressed value can be worked out from the published cells, row totals, column
totals and grand total.

The table with its margins is seen as an extended (r+1)×(c+1) table: row totals are an extra
column, column totals an extra row, the grand total sits in the corner. With the margins'
signs flipped every line of it sums to zero, so the suppressed cells are the edges of a
bipartite graph between line vertices and column vertices, and a suppressed value can be
derived exactly when its edge is a bridge of that graph. Each bridge is closed into a cycle
by the cheapest path of published non-zero cells; since every suppressed cell is then at
least 1, shifting ±1 around a cycle gives a second non-negative table with the same
published values.

`protect` makes one table safe on its own. `consistent` makes a table safe against
differencing with any other table (used when partners' records are counted): small cells
hidden, the others rounded to multiples of k, totals summed from the published cells only.

`Coarsening` is the one place that decides how a statistic is coarsened when partners'
records are counted (aggregate tables, response gaps and their exports and maps): dates
widened to whole quarters, areas no finer than every contributing protocol allows, counts
published by `consistent`, medians over fewer than k cases hidden.

Pure Python, no database access. `ProtectedTable.suppressed_share` tells the caller when to
coarsen the table (admin2 → admin1, month → quarter → year) and try again.
"""

from __future__ import annotations

import datetime as dt
import heapq
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

DEFAULT_K = 5
# Finest area level (admin 2, cercle) when no protocol restricts it.
FINEST_AREA_LEVEL = 2

# Kinds of cells of the extended table, in increasing order of cost when chosen as complement.
_INTERIOR, _MARGIN, _GRAND = 0, 1, 2


@dataclass(frozen=True)
class Cell:
    """One published or suppressed value; `value` is None when suppressed."""

    value: int | None
    suppressed: bool
    primary: bool


@dataclass
class ProtectedTable:
    """A count table ready for publication, with suppressed cells hidden."""

    rows: list
    columns: list
    cells: list[list[Cell]]
    row_totals: list[Cell]
    column_totals: list[Cell]
    total: Cell
    k: int
    # 1: exact values; k: published values rounded to multiples of k, totals summed from the
    # published cells only (`consistent`).
    rounding: int = 1

    def _all_cells(self):
        for line in self.cells:
            yield from line
        yield from self.row_totals
        yield from self.column_totals
        yield self.total

    @property
    def suppressed_share(self) -> float:
        """Share of non-zero interior cells that are suppressed (0.0 if there are none)."""
        nonzero = suppressed = 0
        for line in self.cells:
            for cell in line:
                if cell.suppressed:
                    nonzero += 1
                    suppressed += 1
                elif cell.value:
                    nonzero += 1
        return suppressed / nonzero if nonzero else 0.0

    @property
    def primary_count(self) -> int:
        """Number of cells (interior and totals) suppressed for being small."""
        return sum(1 for cell in self._all_cells() if cell.primary)

    @property
    def complementary_count(self) -> int:
        """Number of cells (interior and totals) suppressed to protect the small ones."""
        return sum(1 for cell in self._all_cells() if cell.suppressed and not cell.primary)


def protect(rows: list, columns: list, counts: dict[tuple, int], k: int = DEFAULT_K):
    """Suppress small cells and their complements; counts maps (row, column) -> int >= 0."""
    rows, columns = list(rows), list(columns)
    _validate(rows, columns, counts, k)
    n_rows, n_cols = len(rows), len(columns)
    row_index = {key: i for i, key in enumerate(rows)}
    col_index = {key: j for j, key in enumerate(columns)}

    # Extended table: values[i][j], line n_rows holds column totals, column n_cols row totals.
    values = [[0] * (n_cols + 1) for _ in range(n_rows + 1)]
    for (row_key, col_key), count in counts.items():
        values[row_index[row_key]][col_index[col_key]] += count
    for i in range(n_rows):
        values[i][n_cols] = sum(values[i][:n_cols])
    for j in range(n_cols + 1):
        values[n_rows][j] = sum(values[i][j] for i in range(n_rows))
    grand = values[n_rows][n_cols]

    if 0 < grand < k:
        primary = {(i, j) for i in range(n_rows + 1) for j in range(n_cols + 1) if values[i][j] > 0}
    else:
        primary = {
            (i, j) for i in range(n_rows + 1) for j in range(n_cols + 1) if 0 < values[i][j] < k
        }

    suppressed = _complete_suppression(values, primary)

    def cell(i, j):
        if (i, j) in suppressed:
            return Cell(value=None, suppressed=True, primary=(i, j) in primary)
        return Cell(value=values[i][j], suppressed=False, primary=False)

    return ProtectedTable(
        rows=rows,
        columns=columns,
        cells=[[cell(i, j) for j in range(n_cols)] for i in range(n_rows)],
        row_totals=[cell(i, n_cols) for i in range(n_rows)],
        column_totals=[cell(n_rows, j) for j in range(n_cols)],
        total=cell(n_rows, n_cols),
        k=k,
    )


def _validate(rows, columns, counts, k):
    if isinstance(k, bool) or not isinstance(k, int) or k < 1:
        raise ValueError(_("The threshold k must be a positive integer."))
    if len(set(rows)) != len(rows) or len(set(columns)) != len(columns):
        raise ValueError(_("Row and column keys must be unique."))
    row_keys, col_keys = set(rows), set(columns)
    for key, count in counts.items():
        if not (isinstance(key, tuple) and len(key) == 2):
            raise ValueError(_("Count keys must be (row, column) pairs."))
        if key[0] not in row_keys or key[1] not in col_keys:
            raise ValueError(_("A count refers to an unknown row or column."))
        if isinstance(count, bool) or not isinstance(count, int) or count < 0:
            raise ValueError(_("Counts must be non-negative integers."))


def _complete_suppression(values, primary):
    """Add complementary cells until no suppressed cell is a bridge; return all suppressed."""
    suppressed = set(primary)
    while True:
        bridges = _bridges(values, suppressed)
        if not bridges:
            return suppressed
        # Each fix puts the bridge on a cycle and adds only edges of that cycle, so the number
        # of bridges strictly decreases.
        suppressed |= _cheapest_complement(values, suppressed, bridges[0])


def _kind(values, i, j):
    last_row, last_col = len(values) - 1, len(values[0]) - 1
    if i == last_row and j == last_col:
        return _GRAND
    if i == last_row or j == last_col:
        return _MARGIN
    return _INTERIOR


def _bridges(values, suppressed):
    """Suppressed cells (i, j) that are bridges of the line/column graph, sorted."""
    n_lines, n_cols = len(values), len(values[0])
    # Vertices: lines 0..n_lines-1, columns n_lines..n_lines+n_cols-1.
    adjacency = [[] for _ in range(n_lines + n_cols)]
    for i, j in sorted(suppressed):
        adjacency[i].append((n_lines + j, (i, j)))
        adjacency[n_lines + j].append((i, (i, j)))

    order = [0] * len(adjacency)  # discovery time, 0 = not visited
    low = [0] * len(adjacency)
    found = []
    clock = 0
    for root in range(len(adjacency)):
        if order[root]:
            continue
        clock += 1
        order[root] = low[root] = clock
        stack = [(root, None, iter(adjacency[root]))]
        while stack:
            vertex, via, neighbours = stack[-1]
            advanced = False
            for other, edge in neighbours:
                if edge == via:
                    continue
                if order[other]:
                    low[vertex] = min(low[vertex], order[other])
                else:
                    clock += 1
                    order[other] = low[other] = clock
                    stack.append((other, edge, iter(adjacency[other])))
                    advanced = True
                    break
            if advanced:
                continue
            stack.pop()
            if stack:
                parent = stack[-1][0]
                low[parent] = min(low[parent], low[vertex])
                if low[vertex] > order[parent]:
                    found.append(via)
    return sorted(found)


def _cheapest_complement(values, suppressed, bridge):
    """Cheapest set of published non-zero cells closing a cycle through `bridge`.

    Shortest path (Dijkstra) from the bridge's column to its line, without the bridge itself;
    suppressed cells are free, others cost (grand totals, margins, interior size) compared in
    that order, where an interior cell weighs 1 + its value. Ties go to the lowest position.
    """
    n_lines, n_cols = len(values), len(values[0])
    start, goal = n_lines + bridge[1], bridge[0]
    zero = (0, 0, 0)
    best = {start: zero}
    previous = {}
    heap = [(zero, start)]
    done = set()
    while heap:
        cost, vertex = heapq.heappop(heap)
        if vertex in done:
            continue
        done.add(vertex)
        if vertex == goal:
            break
        if vertex < n_lines:
            steps = [(n_lines + j, (vertex, j)) for j in range(n_cols)]
        else:
            steps = [(i, (i, vertex - n_lines)) for i in range(n_lines)]
        for other, edge in steps:
            if edge == bridge or other in done:
                continue
            if edge in suppressed:
                step = zero
            elif values[edge[0]][edge[1]] < 1:
                continue
            else:
                kind = _kind(values, *edge)
                step = (
                    int(kind == _GRAND),
                    int(kind == _MARGIN),
                    1 + values[edge[0]][edge[1]] if kind == _INTERIOR else 0,
                )
            new = tuple(a + b for a, b in zip(cost, step, strict=True))
            if other not in best or new < best[other]:
                best[other] = new
                previous[other] = (vertex, edge)
                heapq.heappush(heap, (new, other))

    # A path always exists: the bridge is >= 1, so its line and column totals and the grand
    # total are >= 1 too and close a rectangle through the margins.
    added = set()
    vertex = goal
    while vertex != start:
        vertex, edge = previous[vertex]
        if edge not in suppressed:
            added.add(edge)
    return added


def round_to(value: int, base: int) -> int:
    """The nearest multiple of `base` (halves up); 0 stays 0."""
    return base * ((2 * value + base) // (2 * base))


def consistent(rows: list, columns: list, counts: dict[tuple, int], k: int = DEFAULT_K):
    """A table safe against differencing with any other table: cells below k are hidden, the
    other cells are rounded to the nearest multiple of k, and every total is the sum of the
    published cells of its line (a hidden cell is never part of a total).

    Every published value, interior or total, is then a multiple of k, so two tables asked
    with other filters (periods, categories, purposes, dimensions) never differ by 1 to k−1 in
    a cell or a total: a difference is 0 or at least k. The totals carry nothing the cells do
    not show, so no hidden cell can be worked out from them, and no complementary suppression
    is needed."""
    rows, columns = list(rows), list(columns)
    _validate(rows, columns, counts, k)
    values = {(r, c): 0 for r in rows for c in columns}
    for key, count in counts.items():
        values[key] += count

    def cell(value: int) -> Cell:
        if 0 < value < k:
            return Cell(value=None, suppressed=True, primary=True)
        return Cell(value=round_to(value, k), suppressed=False, primary=False)

    def summed(line) -> Cell:
        return Cell(
            value=sum(c.value for c in line if not c.suppressed), suppressed=False, primary=False
        )

    cells = [[cell(values[(r, c)]) for c in columns] for r in rows]
    row_totals = [summed(line) for line in cells]
    column_totals = [summed([line[j] for line in cells]) for j in range(len(columns))]
    return ProtectedTable(
        rows=rows,
        columns=columns,
        cells=cells,
        row_totals=row_totals,
        column_totals=column_totals,
        total=summed(row_totals),
        k=k,
        rounding=k,
    )


def widen(date_from: dt.date | None, date_to: dt.date | None, period: str = "quarter"):
    """The dates widened to whole quarters (whole years for a yearly table): the start to the
    first day of its quarter, the end to the last day of its quarter. Partners' records are
    only ever counted over such spans, so two tables never differ by a day or a month."""
    months = 12 if period == "year" else 3
    if date_from is not None:
        first = (date_from.month - 1) // months * months + 1
        date_from = dt.date(date_from.year, first, 1)
    if date_to is not None:
        last = ((date_to.month - 1) // months + 1) * months
        following = dt.date(date_to.year + last // 12, last % 12 + 1, 1)
        date_to = following - dt.timedelta(days=1)
    return date_from, date_to


@dataclass(frozen=True)
class Coarsening:
    """How a statistic is published, given the protocols whose partners' records it counts.

    Without protocols (only the user's own records) the figures are exact: small cells and
    their complements are suppressed by `protect`, dates and areas are as asked. With
    protocols, every figure must resist differencing with any other figure asked with other
    filters: dates widen to whole quarters, areas (grouping and filters) go no finer than the
    coarsest `finest_area_level` of the contributing protocols, counts are published by
    `consistent` (multiples of k, totals summed from the published cells), and a median over
    fewer than k cases is hidden (as it is for one's own records)."""

    k: int = DEFAULT_K
    partners: bool = False
    finest_area_level: int = FINEST_AREA_LEVEL

    @classmethod
    def for_protocols(cls, protocols, k: int = DEFAULT_K) -> Coarsening:
        protocols = list(protocols)
        finest = min(
            [FINEST_AREA_LEVEL]
            + [getattr(p, "finest_area_level", FINEST_AREA_LEVEL) for p in protocols]
        )
        return cls(k=k, partners=bool(protocols), finest_area_level=finest)

    def dates(self, date_from, date_to, period: str = "quarter"):
        """(date_from, date_to) to count over: whole quarters (years) when partners count."""
        if not self.partners:
            return date_from, date_to
        return widen(date_from, date_to, period)

    def area_level(self, level: int) -> int:
        """The level to group or filter areas at: no finer than the protocols allow."""
        return min(level, self.finest_area_level) if self.partners else level

    def area(self, area):
        """An area filter made no finer than allowed: its ancestor at the allowed level
        (None when that is the whole country, i.e. no filter). Needs `level` and `parent`."""
        if area is None or not self.partners:
            return area
        allowed = self.finest_area_level
        while area is not None and area.level > allowed:
            area = area.parent
        if area is not None and area.level == 0:
            return None
        return area

    def publish(self, rows: list, columns: list, counts: dict[tuple, int]) -> ProtectedTable:
        """The table as it may be shown: `consistent` with partners, else `protect`."""
        if self.partners:
            return consistent(rows, columns, counts, k=self.k)
        return protect(rows, columns, counts, k=self.k)

    def count(self, n: int) -> int:
        """A single count shown outside a table (e.g. incidents counted)."""
        return round_to(n, self.k) if self.partners else n

    def median(self, n: int, value) -> tuple[float | None, bool]:
        """(median to show or None, hidden because computed over fewer than k cases)."""
        if not n or value is None:
            return None, False
        if n < self.k:
            return None, True
        if self.partners:  # whole days: no decimals telling an even from an odd count
            return float(round(float(value))), False
        return round(float(value), 1), False
