"""Disclosure control: small cells hidden, and no hidden cell can be worked out from what is shown."""

from __future__ import annotations

from fractions import Fraction

import pytest
from django.test import override_settings
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from carnet.core.disclosure import ProtectedTable, ShownCell, Suppression, configured_threshold, protect, reason_in, shared_pattern

# --- an independent check: which hidden entries do the published numbers determine? -------------


def _lines(table: ProtectedTable) -> list[list[tuple[int, int]]]:
    rows, columns = len(table.rows), len(table.columns)
    return [[(r, c) for c in range(columns + 1)] for r in range(rows + 1)] + [[(r, c) for r in range(rows + 1)] for c in range(columns + 1)]


def _rank(matrix: list[list[Fraction]]) -> int:
    """Rank by exact Gaussian elimination (no floating point: a determined cell must be found for sure)."""
    rows = [row[:] for row in matrix]
    rank, width = 0, len(rows[0]) if rows else 0
    for column in range(width):
        pivot = next((i for i in range(rank, len(rows)) if rows[i][column] != 0), None)
        if pivot is None:
            continue
        rows[rank], rows[pivot] = rows[pivot], rows[rank]
        for i in range(len(rows)):
            if i != rank and rows[i][column] != 0:
                factor = rows[i][column] / rows[rank][column]
                rows[i] = [a - factor * b for a, b in zip(rows[i], rows[rank], strict=True)]
        rank += 1
    return rank


def determined_cells(table: ProtectedTable) -> list[tuple[int, int]]:
    """Hidden entries whose value follows from the shown ones by adding and subtracting lines.

    Each line says: its cells minus its total = 0. Known entries move to the right-hand side;
    an unknown is determined exactly when its unit vector lies in the row space of the
    coefficients of the unknowns.
    """
    unknowns = sorted(table.suppressed)
    if not unknowns:
        return []
    index = {p: i for i, p in enumerate(unknowns)}
    equations = []
    for line in _lines(table):
        coefficients = [Fraction(0)] * len(unknowns)
        total = line[-1]
        for position in line:
            if position in index:
                coefficients[index[position]] = Fraction(-1 if position == total else 1)
        if any(coefficients):
            equations.append(coefficients)
    base = _rank(equations)
    found = []
    for position, i in index.items():
        unit = [Fraction(0)] * len(unknowns)
        unit[i] = Fraction(1)
        if _rank([*equations, unit]) == base:
            found.append(position)
    return found


def _hidden_per_line(table: ProtectedTable) -> list[int]:
    return [sum(table.is_hidden(*p) for p in line) for line in _lines(table)]


# --- examples ------------------------------------------------------------------------------------


def test_a_table_without_small_cells_is_shown_whole() -> None:
    table = protect([[12, 30], [0, 15]], threshold=10)
    assert table.suppressed == {}
    assert table.shown(0, 0) == ShownCell(12)
    assert table.shown(1, 0) == ShownCell(0)  # zero says nothing about anybody
    assert (table.shown(0, 2), table.shown(2, 0), table.shown(2, 2)) == (ShownCell(42), ShownCell(12), ShownCell(57))


def test_a_small_cell_takes_the_smallest_other_cell_of_its_row_and_column_with_it() -> None:
    # given one small cell (3) in a 3 x 3 table
    counts = [[3, 40, 12], [25, 11, 30], [50, 60, 70]]
    # when it is protected with threshold 10
    table = protect(counts, threshold=10)
    # then the 3 is hidden as small, 12 hides it in its row, 25 in its column, and 11 closes the square
    assert table.suppressed == {
        (0, 0): Suppression.SMALL,
        (0, 2): Suppression.COMPLEMENT,
        (1, 0): Suppression.COMPLEMENT,
        (1, 2): Suppression.COMPLEMENT,
    }
    assert table.shown(0, 0) == ShownCell(None, Suppression.SMALL)
    assert table.shown(0, 3) == ShownCell(55)  # totals stay shown
    assert determined_cells(table) == []


def test_a_row_whose_other_cells_are_zero_hides_its_total() -> None:
    # given a row whose only non-zero cell is small
    table = protect([[4, 0], [20, 30]], threshold=10)
    # then its total (4) is small too, and the totals column and the column of the 4 get complements
    assert table.suppressed[(0, 0)] == Suppression.SMALL
    assert table.suppressed[(0, 2)] == Suppression.SMALL
    assert determined_cells(table) == []
    assert 1 not in _hidden_per_line(table)


def test_two_hidden_blocks_joined_by_one_cell_do_not_give_that_cell_away() -> None:
    # given small cells in two separate 2 x 2 corners, and a small cell between them: each row and
    # column holds at least two small cells, yet the middle one would follow from adding lines
    counts = [
        [1, 2, 50, 50],
        [3, 4, 5, 50],
        [50, 50, 6, 7],
        [50, 50, 8, 9],
    ]
    table = protect(counts, threshold=10)
    # then more is hidden, until nothing hidden can be worked out
    assert determined_cells(table) == []
    assert 1 not in _hidden_per_line(table)
    assert table.suppressed[(1, 2)] == Suppression.SMALL


def test_a_threshold_below_one_is_refused() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        protect([[1]], threshold=0)


def test_an_empty_table_has_nothing_to_hide() -> None:
    table = protect([], threshold=10)
    assert (table.suppressed, table.shown(0, 0)) == ({}, ShownCell(0))


@pytest.mark.parametrize(
    ("configured", "floor", "expected"),
    [(None, 10, 10), (12, 10, 12), (3, 10, 10), (None, 5, 5), (7, 5, 7), ("not a number", 10, 10)],
    ids=["unset", "stricter", "laxer-ignored", "architecture-default", "stricter-than-5", "typo-ignored"],
)
def test_the_setting_can_make_the_threshold_stricter_never_laxer(configured: object, floor: int, expected: int) -> None:
    with override_settings(CARNET_DISCLOSURE_THRESHOLD=configured):
        assert configured_threshold(floor) == expected


# --- properties over random tables ---------------------------------------------------------------

small_or_large = st.one_of(st.integers(0, 12), st.integers(0, 200))
tables = st.integers(1, 5).flatmap(lambda rows: st.lists(st.lists(small_or_large, min_size=rows, max_size=rows), min_size=1, max_size=5))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(counts=tables, threshold=st.integers(2, 12))
def test_no_hidden_cell_can_be_worked_out_from_what_is_shown(counts: list[list[int]], threshold: int) -> None:
    table = protect(counts, threshold=threshold)
    n_rows, n_columns = len(table.rows), len(table.columns)
    everything = [(r, c) for r in range(n_rows + 1) for c in range(n_columns + 1)]
    # every small entry, margins included, is hidden, and nothing else is hidden for being small
    for position in everything:
        value = table.value(*position)
        assert (table.suppressed.get(position) == Suppression.SMALL) == (0 < value < threshold), position
    # no row or column (with its total) has exactly one hidden entry
    assert 1 not in _hidden_per_line(table)
    # and no hidden entry follows from the shown ones by any sum or difference of lines
    assert determined_cells(table) == []
    # what is shown is the truth
    for position in everything:
        shown = table.shown(*position)
        assert shown.count == (None if position in table.suppressed else table.value(*position))


# --- one pattern for sister tables over the same people ---------------------------------------------


def test_an_entry_hidden_from_the_start_stays_hidden_and_is_protected_too() -> None:
    table = protect([[40, 50], [60, 70]], threshold=10, also_hide=[(0, 0)])
    assert table.suppressed[(0, 0)] == Suppression.COMPLEMENT
    assert determined_cells(table) == []
    assert len(table.suppressed) == 4  # the square closes on itself
    with pytest.raises(ValueError, match="outside the table"):
        protect([[1]], threshold=10, also_hide=[(5, 5)])


def test_a_cell_small_in_one_sister_is_hidden_in_all_and_labelled_by_each() -> None:
    population = [[12, 14], [11, 20]]
    answered_a = [[12, 14], [11, 20]]
    answered_b = [[8, 14], [11, 20]]  # four children of the first cell did not answer B
    pattern = shared_pattern(population, [answered_a, answered_b], threshold=10)
    assert pattern.is_hidden(0, 0)
    assert (reason_in(answered_b, pattern, 0, 0), reason_in(answered_a, pattern, 0, 0)) == (Suppression.SMALL, Suppression.COMPLEMENT)
    assert reason_in(answered_a, pattern, 2, 2) is None
    assert determined_cells(pattern) == []


@st.composite
def sister_tables(draw: st.DrawFn) -> tuple[list[list[int]], list[list[list[int]]]]:
    population = draw(tables)
    sisters = [[[draw(st.integers(0, value)) for value in line] for line in population] for _ in range(draw(st.integers(1, 3)))]
    return population, sisters


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=sister_tables(), threshold=st.integers(2, 12))
def test_a_shared_pattern_protects_every_sister(case: tuple[list[list[int]], list[list[list[int]]]], threshold: int) -> None:
    population, sisters = case
    pattern = shared_pattern(population, sisters, threshold=threshold)
    rows, columns = len(population), len(population[0])
    for sister in sisters:
        sister_table = protect(sister, threshold=threshold)  # only for its margins' values
        for r in range(rows + 1):
            for c in range(columns + 1):
                if 0 < sister_table.value(r, c) < threshold:
                    assert pattern.is_hidden(r, c), (r, c)
    # which entries are hidden is all that decides what can be worked out, and it is the same for every sister
    assert 1 not in _hidden_per_line(pattern)
    assert determined_cells(pattern) == []
