"""Disclosure control for tables of counts: small cells hidden, and hidden cells kept hidden from the totals.

A table counts *people* (children, interviewees), never events: one person is in exactly
one cell, so the row and column totals are sums of the cells. Before anything leaves a
protected context:

1. **Primary suppression**: every cell (totals included) with ``0 < n < threshold`` is
   hidden. Zero is shown: an empty cell says nothing about anybody.
2. **Secondary suppression**: a hidden cell must not be recomputable from what is shown.
   The table with its margins is a set of additive lines (each row: its cells add up to
   its total; each column likewise, the totals row and column included). A line with
   exactly one hidden entry gives it away by subtraction, so the next smallest non-zero
   entry of that line is hidden too (a cell before the line's total), until no line has
   exactly one. That is not always enough: two blocks of hidden cells joined by a single
   hidden cell give that cell away by adding and subtracting whole rows and columns. In
   graph terms (rows and columns are nodes, hidden entries are edges) a hidden value is
   determined by the published ones exactly when its edge is a *bridge*; so any bridge
   gets one more hidden entry that closes a cycle through it (the smallest non-zero one;
   when only empty cells would close it, the bridge's row or column is widened first,
   and an empty cell is hidden only as a last resort). When nothing changes any more,
   every hidden entry lies on a cycle of hidden entries, and each can be moved up and
   down along it without changing a published number: none can be worked out by adding
   and subtracting rows, columns and totals. (What is protected is the exact value: a
   hidden cell is still known to lie between 0 and the smallest total it is part of, and
   a cell hidden for being small is known to be below the threshold.)

Whatever is shown *for* a cell (a mean, a sum) is hidden with its count: a mean over
fewer than ``threshold`` people is never published. Sums are additive like counts, so the
same pattern protects them.

The threshold is a parameter. ``configured_threshold(floor)`` reads the installation's
``CARNET_DISCLOSURE_THRESHOLD`` and never goes below the caller's own floor: the
architecture's default is 5 (the referrals dashboard keeps it, issue 5), the self-assessment
outcomes use 10 (issue 4). A setting can make every table stricter, never laxer than the tool asks.

This module knows nothing of Django models: the assessments' outcomes, the referrals
dashboard and the research statistics all use it.
"""

from __future__ import annotations

import os
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum

ARCHITECTURE_THRESHOLD = 5

Position = tuple[int, int]  # (row, column) in the table with its margins: row R is the totals row, column C the totals column


class Suppression(StrEnum):
    SMALL = "small"  # fewer than the threshold (primary)
    COMPLEMENT = "complement"  # hidden so that a small cell cannot be worked out (secondary)


def configured_threshold(floor: int = ARCHITECTURE_THRESHOLD) -> int:
    """The installation's threshold (``CARNET_DISCLOSURE_THRESHOLD``), never below ``floor``.

    Read when called, never at import time. A value that is not a whole number is ignored
    (the floor applies): a typo must not switch protection off.
    """
    from django.conf import settings

    raw = getattr(settings, "CARNET_DISCLOSURE_THRESHOLD", None)
    if raw is None:
        raw = os.environ.get("CARNET_DISCLOSURE_THRESHOLD")
    try:
        configured = int(raw) if raw is not None and str(raw).strip() else 0
    except ValueError:
        configured = 0
    return max(floor, configured)


@dataclass(frozen=True)
class ShownCell:
    """One entry as it may be published: the count (or None) and why it is hidden."""

    count: int | None
    suppressed: Suppression | None = None

    @property
    def hidden(self) -> bool:
        return self.suppressed is not None


@dataclass
class ProtectedTable:
    """A table of counts with its margins and the entries that must not be shown.

    ``counts`` are the true values (never publish them directly: use :meth:`shown`).
    Positions run over the table *with* margins: ``row == len(rows)`` is the totals row,
    ``column == len(columns)`` the totals column.
    """

    rows: list[Hashable]
    columns: list[Hashable]
    counts: list[list[int]]
    threshold: int
    suppressed: dict[Position, Suppression] = field(default_factory=dict)

    @property
    def totals_row(self) -> int:
        return len(self.rows)

    @property
    def totals_column(self) -> int:
        return len(self.columns)

    def value(self, row: int, column: int) -> int:
        """The true count at a position, margins included."""
        return _value(self.counts, row, column)

    def shown(self, row: int, column: int) -> ShownCell:
        reason = self.suppressed.get((row, column))
        return ShownCell(None, reason) if reason else ShownCell(self.value(row, column))

    def is_hidden(self, row: int, column: int) -> bool:
        return (row, column) in self.suppressed


def _value(counts: Sequence[Sequence[int]], row: int, column: int) -> int:
    rows = len(counts)
    columns = len(counts[0]) if rows else 0
    if row < rows and column < columns:
        return int(counts[row][column])
    if row < rows:
        return sum(counts[row])
    if column < columns:
        return sum(line[column] for line in counts)
    return sum(sum(line) for line in counts)


def _lines(rows: int, columns: int) -> list[list[Position]]:
    """Every additive line of the table with margins: each row and each column, with its total last."""
    lines = [[(r, c) for c in range(columns + 1)] for r in range(rows + 1)]
    lines += [[(r, c) for r in range(rows + 1)] for c in range(columns + 1)]
    return lines


def _is_margin(position: Position, rows: int, columns: int) -> bool:
    return position[0] == rows or position[1] == columns


def _bridges(edges: Sequence[Position]) -> list[Position]:
    """The hidden entries that lie on no cycle of hidden entries (rows and columns are the nodes).

    Tarjan's bridge-finding, iterative (a large table must not hit the recursion limit).
    """
    adjacency: dict[tuple[str, int], list[tuple[tuple[str, int], int]]] = {}
    for index, (r, c) in enumerate(edges):
        adjacency.setdefault(("r", r), []).append((("c", c), index))
        adjacency.setdefault(("c", c), []).append((("r", r), index))
    order: dict[tuple[str, int], int] = {}
    low: dict[tuple[str, int], int] = {}
    found: list[Position] = []
    counter = 0
    for root in sorted(adjacency):
        if root in order:
            continue
        order[root] = low[root] = counter
        counter += 1
        stack: list[tuple[tuple[str, int], int, int]] = [(root, -1, 0)]  # node, edge used to reach it, next neighbour index
        while stack:
            node, via, next_index = stack[-1]
            neighbours = adjacency[node]
            if next_index < len(neighbours):
                stack[-1] = (node, via, next_index + 1)
                other, edge = neighbours[next_index]
                if edge == via:
                    continue
                if other in order:
                    low[node] = min(low[node], order[other])
                else:
                    order[other] = low[other] = counter
                    counter += 1
                    stack.append((other, edge, 0))
            else:
                stack.pop()
                if stack:
                    parent = stack[-1][0]
                    low[parent] = min(low[parent], low[node])
                    if low[node] > order[parent]:
                        found.append(edges[via])
    return sorted(found)


def _sides(edges: Sequence[Position], bridge: Position) -> tuple[set[tuple[str, int]], set[tuple[str, int]]]:
    """The two groups of nodes that the hidden entries other than ``bridge`` connect to its row and to its column."""
    adjacency: dict[tuple[str, int], set[tuple[str, int]]] = {}
    for r, c in edges:
        if (r, c) == bridge:
            continue
        adjacency.setdefault(("r", r), set()).add(("c", c))
        adjacency.setdefault(("c", c), set()).add(("r", r))

    def reach(start: tuple[str, int]) -> set[tuple[str, int]]:
        seen, todo = {start}, [start]
        while todo:
            for other in adjacency.get(todo.pop(), ()):
                if other not in seen:
                    seen.add(other)
                    todo.append(other)
        return seen

    return reach(("r", bridge[0])), reach(("c", bridge[1]))


def protect(
    counts: Sequence[Sequence[int]],
    *,
    threshold: int,
    rows: Sequence[Hashable] | None = None,
    columns: Sequence[Hashable] | None = None,
    also_hide: Iterable[Position] = (),
) -> ProtectedTable:
    """Decide which entries of a table of counts (and of its margins) may be shown. See the module's docstring.

    ``also_hide``: positions to hide from the start whatever their count here, because they
    are small in a sister table over the same people (see :func:`shared_pattern`).
    """
    if threshold < 1:
        raise ValueError("the disclosure threshold must be at least 1")
    n_rows = len(counts)
    n_columns = len(counts[0]) if n_rows else 0
    if any(len(line) != n_columns for line in counts):
        raise ValueError("every row of the table must have the same number of cells")
    if any(value < 0 for line in counts for value in line):
        raise ValueError("a count cannot be negative")
    table = ProtectedTable(
        rows=list(rows) if rows is not None else list(range(n_rows)),
        columns=list(columns) if columns is not None else list(range(n_columns)),
        counts=[list(line) for line in counts],
        threshold=threshold,
    )
    positions = [(r, c) for r in range(n_rows + 1) for c in range(n_columns + 1)]
    value = {p: _value(counts, *p) for p in positions}
    hidden = table.suppressed
    for position in positions:
        if 0 < value[position] < threshold:
            hidden[position] = Suppression.SMALL
    for position in also_hide:
        if position not in value:
            raise ValueError(f"position {position} is outside the table")
        hidden.setdefault(position, Suppression.COMPLEMENT)

    def hide_one(candidates: list[Position]) -> bool:
        """Hide the least informative candidate: non-zero before zero, a cell before a total, the smallest first."""
        open_ = [p for p in candidates if p not in hidden]
        if not open_:
            return False
        choice = min(open_, key=lambda p: (value[p] == 0, _is_margin(p, n_rows, n_columns), value[p], p))
        hidden[choice] = Suppression.COMPLEMENT
        return True

    lines = _lines(n_rows, n_columns)
    while True:
        changed = False
        for line in lines:
            if sum(p in hidden for p in line) == 1 and hide_one(line):
                changed = True
        if changed:
            continue
        bridges = _bridges(sorted(hidden))
        if not bridges:
            break
        bridge = bridges[0]
        row_side, column_side = _sides(sorted(hidden), bridge)
        candidates = [
            (r, c)
            for r, c in positions
            if (("r", r) in row_side and ("c", c) in column_side) or (("r", r) in column_side and ("c", c) in row_side)
        ]
        if any(value[p] > 0 for p in candidates if p not in hidden):
            hide_one(candidates)
            continue
        # Every entry that would close a cycle is an empty cell, and an empty cell hidden next to a
        # known zero may still pin the bridge down once counts cannot be negative. Widen the
        # bridge's row or column with a non-zero entry instead; the loop goes on from there.
        lines_of_bridge = [p for p in positions if p[0] == bridge[0] or p[1] == bridge[1]]
        if any(value[p] > 0 for p in lines_of_bridge if p not in hidden):
            hide_one(lines_of_bridge)
        elif not hide_one(candidates):  # cannot happen once no line has a single hidden entry; fail closed if it ever does
            for position in positions:
                hidden.setdefault(position, Suppression.COMPLEMENT)
            break
    return table


def shared_pattern(population: Sequence[Sequence[int]], sisters: Sequence[Sequence[Sequence[int]]], *, threshold: int) -> ProtectedTable:
    """One pattern of hidden entries for several tables over the same people and the same rows and columns.

    ``population`` counts everybody in each cell; each of ``sisters`` counts those of them
    that a statistic covers (e.g. the children who answered one domain). Hiding each sister
    on its own could hide a cell in one and show it in another, and the shown count would
    give the hidden one away within the few people who differ. So every entry that is small
    in *any* sister (or in the population) is hidden in all of them, and the complements are
    chosen once, on the population. The result is protected for each sister: which entries
    are hidden is the same, and the guarantee depends only on that.
    """
    n_rows = len(population)
    n_columns = len(population[0]) if n_rows else 0
    small: set[Position] = set()
    for sister in sisters:
        if len(sister) != n_rows or any(len(line) != n_columns for line in sister):
            raise ValueError("every sister table must have the population's rows and columns")
        for r in range(n_rows + 1):
            for c in range(n_columns + 1):
                if 0 < _value(sister, r, c) < threshold:
                    small.add((r, c))
    return protect(population, threshold=threshold, also_hide=sorted(small))


def reason_in(table: Sequence[Sequence[int]], pattern: ProtectedTable, row: int, column: int) -> Suppression | None:
    """Why an entry of a sister table is hidden under a shared pattern: small *in this table*, or a complement."""
    if not pattern.is_hidden(row, column):
        return None
    return Suppression.SMALL if 0 < _value(table, row, column) < pattern.threshold else Suppression.COMPLEMENT
