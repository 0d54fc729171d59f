"""Disclosure control for counts of people: each rule, the published table, rates and shares,
and an attacker who solves every published table by linear programming."""

from __future__ import annotations

import dataclasses
import itertools

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given
from hypothesis import strategies as st
from scipy.linalg import null_space
from scipy.optimize import linprog

from ethos.stats.disclosure import (
    CountShown,
    PublishedCounts,
    PublishedRateRatio,
    PublishedShare,
    Suppressed,
    publish_counts,
    publish_rate_ratio,
    publish_share,
)
from ethos.stats.disclosure.counts import (
    PRIMARY,
    SECONDARY,
    SHOWN,
    SMALL_ROW,
    cuts,
    lines,
    protect_counts,
    small_cells,
    small_rows,
    with_totals,
)
from ethos.stats.disclosure.rates import FEW_EVENTS, FEW_OTHERS, SMALL_GROUP, rate_reason
from ethos.stats.likelihood import relative_likelihood

ETHNICITY = ("White", "BME", "Not stated")


def primary_only(counts: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    table = with_totals(counts)
    reason = small_rows(table, k)
    small_cells(table, reason, k)
    return table, reason


# The rules, one by one -------------------------------------------------------------------


def test_a_row_with_fewer_than_k_people_is_hidden_entirely_even_when_empty() -> None:
    table = with_totals([[40, 12, 3], [4, 2, 1], [0, 0, 0]])
    reason = small_rows(table, 10)
    assert (reason[0] == SHOWN).all()
    assert (reason[1] == SMALL_ROW).all() and (reason[2] == SMALL_ROW).all()
    assert (reason[3] == SHOWN).all()  # the column totals are for rule 2


def test_small_cells_hides_one_to_k_minus_one_but_shows_zeros() -> None:
    _, reason = primary_only(np.array([[40, 3, 0], [25, 12, 10], [30, 0, 11]]), 10)
    assert reason[0, 1] == PRIMARY and reason[0, 2] == SHOWN and reason[1, 1] == SHOWN
    _, reason = primary_only(np.array([[40, 3, 0], [25, 2, 10]]), 10)
    assert reason[2, 1] == PRIMARY  # a column total of 5 is a small group too
    assert not small_cells(with_totals([[10, 0], [20, 30]]), np.zeros((3, 3), np.int8), 10)


def test_a_lone_hidden_cell_in_a_line_gets_a_complement() -> None:
    table, reason = primary_only(np.array([[40, 3, 20], [25, 12, 10]]), 10)
    assert lines(table, reason, 10)
    assert reason[0, 2] == SECONDARY  # the smallest shown cell of the row (20 < 40)
    assert reason[1, 1] == SECONDARY  # then the smallest in the BME column (12 < 15)


def test_a_small_hidden_sum_in_a_line_gets_another_complement() -> None:
    # Two hidden cells in one column add up to 1 + 2 = 3: that group of 3 would be known.
    table, reason = primary_only(np.array([[40, 1, 30], [50, 2, 60], [70, 25, 80]]), 10)
    lines(table, reason, 10)
    assert reason[2, 1] == SECONDARY


def test_hidden_ones_cannot_be_pinned_at_their_least() -> None:
    # Ten bands with one person each in a column: a sum of 10 (= k) of ten hidden cells that
    # each hold at least 1 (a zero would be shown) pins them all at 1.
    counts = np.column_stack([np.full(10, 30), np.ones(10, int)])
    counts = np.vstack([counts, [[30, 40]]])
    table, reason = primary_only(counts, 10)
    reason[:10, 0] = SECONDARY  # each row's complement, so only the column rule can fire
    assert lines(table, reason, 10)
    assert reason[10, 1] == SECONDARY


def test_small_rows_cannot_be_pinned_at_their_most() -> None:
    # Two hidden rows of 4 (k = 5): "fewer than 5 each" and a sum of 8 pin both at 4.
    counts = np.array([[30], [4], [26], [4], [50]])
    table, reason = primary_only(counts, 5)
    assert lines(table, reason, 5)
    assert reason[2, 0] == SECONDARY or reason[2, 1] == SECONDARY  # the smallest shown row


def test_a_total_is_the_complement_of_last_resort() -> None:
    table, reason = primary_only(np.array([[40, 12], [25, 0]]), 10)
    reason[0, 1] = SECONDARY  # say, a complement for another line
    assert lines(table, reason, 10)
    assert reason[2, 1] == SECONDARY  # the column's total is all it has left to hide


def test_lines_with_nothing_to_protect_change_nothing() -> None:
    table, reason = primary_only(np.array([[40, 12], [25, 30]]), 10)
    assert not lines(table, reason, 10) and (reason == SHOWN).all()


def test_a_hidden_cell_that_only_joins_two_cycles_is_protected() -> None:
    # Two separate rectangles of hidden cells joined by one hidden cell: every line has two
    # hidden cells, yet adding rows 0 and 1 and taking away columns 0 and 1 gives that cell.
    counts = np.array([[20, 30, 3, 90], [40, 25, 50, 60], [70, 80, 35, 45], [65, 55, 15, 85]])
    table = with_totals(counts)
    reason = np.zeros(table.shape, np.int8)
    for cell in [(0, 0), (0, 1), (1, 0), (1, 1), (0, 2), (2, 2), (3, 2), (2, 3), (3, 3)]:
        reason[cell] = SECONDARY
    reason[0, 2] = PRIMARY
    assert not lines(table, reason, 10)
    assert cuts(table, reason, 10)
    assert not cuts(table, reason, 10)  # one complement closes the gap


def test_a_small_group_across_lines_is_protected() -> None:
    # Row 2 (4, 2, 1) is hidden; the rest of the BME and Not stated columns add up to 2 + 1.
    table, reason = primary_only(np.array([[50, 3, 20], [40, 30, 0], [4, 2, 1], [100, 12, 9]]), 10)
    while lines(table, reason, 10):
        pass
    assert cuts(table, reason, 10)
    protected = protect_counts(table, 10)
    assert protected[1, 1] == SECONDARY  # the 30, the smallest entry that joins the two sides


def test_cuts_with_nothing_to_protect_change_nothing_and_refuse_huge_tables() -> None:
    table, reason = primary_only(np.array([[40, 12], [25, 30]]), 10)
    assert not cuts(table, reason, 10)
    with pytest.raises(ValueError, match="at most 15"):
        protect_counts(with_totals(np.full((17, 17), 20)), 10)


def test_protection_reaches_a_fixed_point() -> None:
    rng = np.random.default_rng(7)
    for _ in range(50):
        table = with_totals(rng.poisson(rng.gamma(1.0, 10.0, (8, 3))))
        reason = protect_counts(table, 10)
        before = reason.copy()
        assert not small_cells(table, reason, 10)
        assert not lines(table, reason, 10) and not cuts(table, reason, 10)
        assert np.array_equal(reason, before)


# The published table -------------------------------------------------------------------


@pytest.fixture
def bands() -> PublishedCounts:
    """A trust's pay bands by ethnicity: three BME staff in Band 8a, a Band 9 of five."""
    counts = [[120, 40, 10], [60, 25, 0], [30, 3, 12], [4, 1, 0]]
    return publish_counts(counts, 10, ["Band 5", "Band 6", "Band 8a", "Band 9"], ETHNICITY)


def test_a_published_table_shows_big_groups_with_percentages(bands: PublishedCounts) -> None:
    cell = bands.cell("Band 5", "White")
    assert cell == CountShown(120, pytest.approx(100 * 120 / 170), pytest.approx(100 * 120 / 214))
    zero = bands.cell("Band 6", "Not stated")
    assert isinstance(zero, CountShown) and zero.count == 0  # zeros in a shown row are shown
    assert bands.row_total("Band 5") == CountShown(170, 100.0, pytest.approx(100 * 170 / 305))
    assert isinstance(bands.grand_total, CountShown) and bands.grand_total.count == 305


def test_hidden_entries_carry_a_reason_and_no_number(bands: PublishedCounts) -> None:
    small = bands.cell("Band 8a", "BME")
    assert small == Suppressed(
        "fewer than 10 people, or hidden so that a group that small cannot be worked out"
    )
    assert bands.row_total("Band 9") == Suppressed("fewer than 10 people in this row")
    assert all(bands.cell("Band 9", c) == bands.row_total("Band 9") for c in ETHNICITY)
    for entry in [*(c for row in bands.cells for c in row), *bands.row_totals]:
        if isinstance(entry, Suppressed):
            assert [f.name for f in dataclasses.fields(entry)] == ["reason"]


def test_a_percentage_of_a_hidden_total_is_hidden(bands: PublishedCounts) -> None:
    for i, row in enumerate(bands.cells):
        for j, entry in enumerate(row):
            if isinstance(entry, CountShown) and isinstance(bands.row_totals[i], Suppressed):
                assert isinstance(entry.row_percent, Suppressed)
            if isinstance(entry, CountShown) and isinstance(bands.column_totals[j], Suppressed):
                assert isinstance(entry.column_percent, Suppressed)
    empty = publish_counts([[20, 0], [30, 0]], 10, ["a", "b"], ["x", "y"])
    assert empty.cell("a", "y") == CountShown(0, 0.0, Suppressed("no people in this column"))


@pytest.mark.parametrize(
    ("counts", "rows", "columns", "k", "message"),
    [
        ([[1, 2]], ["a"], ["x"], 10, "shape"),
        ([[1, -2]], ["a"], ["x", "y"], 10, "whole numbers"),
        ([[1.5, 2]], ["a"], ["x", "y"], 10, "whole numbers"),
        ([["a", 2]], ["a"], ["x", "y"], 10, "whole numbers"),
        ([1, 2], ["a"], ["x", "y"], 10, "two-way"),
        ([[1, 2]], ["a"], ["x", "x"], 10, "distinct"),
        ([[1, 2]], [], ["x", "y"], 10, "distinct"),
        ([[1, 2]], ["a"], ["x", "y"], 4, "minimum group size"),
    ],
)
def test_bad_input_is_refused(counts, rows, columns, k, message) -> None:
    with pytest.raises(ValueError, match=message):
        publish_counts(counts, k, rows, columns)


def test_a_published_table_must_be_whole() -> None:
    with pytest.raises(ValueError, match="one entry per row"):
        PublishedCounts(("a",), ("x",), 10, (), (), (), Suppressed("x"))


# Rates and shares ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("events", "total", "code"),
    [(5, 9, SMALL_GROUP), (3, 40, FEW_EVENTS), (35, 40, FEW_OTHERS), (0, 40, 0), (40, 40, 0)],
)
def test_each_rate_rule_stops_its_case(events: int, total: int, code: int) -> None:
    assert rate_reason(events, total, 10) == code


def test_a_rate_ratio_is_published_when_every_count_is_safe() -> None:
    res = publish_rate_ratio(40, 200, 20, 200, 10, ("White", "BME"))
    assert isinstance(res, PublishedRateRatio)
    ref = relative_likelihood(40, 200, 20, 200)
    assert (res.rl, res.ci_low, res.ci_high) == (ref.rl, ref.ci_low, ref.ci_high)
    assert (res.percent_a, res.percent_b) == (20.0, 10.0)
    assert (res.group_a, res.events_a, res.total_a) == ("White", 40, 200)


@pytest.mark.parametrize(
    ("counts", "reason"),
    [
        ((4, 9, 20, 200), "fewer than 10 people in a group"),
        ((40, 200, 3, 200), "fewer than 10 people in a group had this outcome"),
        ((195, 200, 20, 200), "fewer than 10 people in a group did not have this outcome"),
    ],
)
def test_a_rate_ratio_that_would_give_a_small_count_away_is_suppressed(counts, reason) -> None:
    assert publish_rate_ratio(*counts, 10) == Suppressed(reason)


def test_a_rate_ratio_with_no_events_is_shown_with_the_zero_cell_correction() -> None:
    res = publish_rate_ratio(0, 50, 12, 60, 10)
    assert isinstance(res, PublishedRateRatio) and res.corrected and res.percent_a == 0.0


def test_rates_refuse_impossible_counts() -> None:
    with pytest.raises(ValueError, match="cannot exceed"):
        publish_rate_ratio(30, 20, 5, 20, 10)
    with pytest.raises(ValueError, match="whole numbers"):
        publish_share(-1, 20, 10)
    with pytest.raises(ValueError, match="minimum group size"):
        publish_share(0, 20, 3)


@given(
    st.integers(0, 60),
    st.integers(0, 60),
    st.integers(0, 60),
    st.integers(0, 60),
    st.sampled_from([5, 10, 11]),
)
def test_nothing_shown_lets_anyone_derive_a_small_count(ea, xa, eb, xb, k) -> None:
    res = publish_rate_ratio(ea, ea + xa, eb, eb + xb, k)
    if isinstance(res, PublishedRateRatio):
        derived = [
            round(res.percent_a * res.total_a / 100),
            res.total_a - round(res.percent_a * res.total_a / 100),
            round(res.percent_b * res.total_b / 100),
            res.total_b - round(res.percent_b * res.total_b / 100),
        ]
        assert all(d == 0 or d >= k for d in derived)
        assert min(res.total_a, res.total_b) >= k


def test_a_share_follows_the_same_rules() -> None:
    assert publish_share(0, 12, 10) == PublishedShare(0, 12, 0.0)
    assert publish_share(12, 12, 10) == PublishedShare(12, 12, 100.0)
    assert publish_share(10, 30, 10) == PublishedShare(10, 30, pytest.approx(100 / 3))
    assert publish_share(2, 12, 10) == Suppressed("fewer than 10 people counted in the percentage")
    assert publish_share(11, 12, 10) == Suppressed(
        "fewer than 10 people left out of the percentage"
    )
    assert publish_share(0, 8, 10) == Suppressed("fewer than 10 people in the group")


# The attacker ----------------------------------------------------------------------------


def line_equations(shape: tuple[int, int]) -> np.ndarray:
    """One row per line of the augmented table: its cells minus its total equal zero."""
    sign = np.ones(shape)
    sign[:-1, -1] = sign[-1, :-1] = -1  # the grand total is +1: it closes both total lines
    rows = []
    for i in range(shape[0]):
        m = np.zeros(shape)
        m[i] = sign[i]
        rows.append(m.ravel())
    for j in range(shape[1]):
        m = np.zeros(shape)
        m[:, j] = sign[:, j]
        rows.append(m.ravel())
    return np.array(rows)


def problem(table: np.ndarray, reason: np.ndarray, k: int, informed: bool):
    """One target's unknowns, equations and bounds, and which hidden entries are targets.

    The attacker knows every shown entry and which entries are hidden; the unknowns are the
    hidden entries, non-negative and satisfying every line. The *informed* attacker also
    reads the reasons: hidden entries outside small rows hold at least 1 (zeros are shown
    there) and a small row's total is at most k - 1. Entries are capped at ten times the
    grand total (plus k) only to keep every program bounded.
    """
    flat, hidden = table.ravel().astype(float), reason.ravel() > 0
    unknown = np.flatnonzero(hidden)
    targets = [t for t, f in enumerate(unknown) if 0 < flat[f] < k]
    equations = line_equations(table.shape)
    a, b = equations[:, unknown], -equations[:, ~hidden] @ flat[~hidden]
    low, high = np.zeros(unknown.size), np.full(unknown.size, 10.0 * (table[-1, -1] + k))
    if informed:
        small = reason.ravel()[unknown] == SMALL_ROW
        low[~small] = 1
        high[small & (unknown % table.shape[1] == table.shape[1] - 1)] = k - 1
    return a, b, np.column_stack([low, high]), flat[unknown], targets


def attack(cases: list[tuple[np.ndarray, np.ndarray, int]], informed: bool) -> list[tuple]:
    """The range an attacker can prove for every hidden entry of 1 to k - 1 people.

    For each target it minimises and maximises that entry by linear programming subject to
    :func:`problem`'s equations and bounds. The targets' programs are independent, so each
    direction is solved as one block-diagonal program (one block per target, over all
    ``cases``) whose optimum holds every target's own optimum. Returns ``(value, low,
    high)`` for each target.
    """
    entries, rhs, bounds, picks, values = [], [], [], [], []
    shape = np.zeros(2, dtype=int)
    for table, reason, k in cases:
        a, b, bound, truth, targets = problem(table, reason, k, informed)
        i, j = np.nonzero(a)
        for t in targets:
            entries.append((i + shape[0], j + shape[1], a[i, j]))
            shape += a.shape
            rhs.append(b)
            bounds.append(bound)
            pick = np.zeros(len(truth))
            pick[t] = 1
            picks.append(pick)
            values.append(truth[t])
    if not entries:
        return []
    i, j, data = (np.concatenate(parts) for parts in zip(*entries, strict=True))
    matrix = sp.csr_matrix((data, (i, j)), shape=tuple(shape))
    pick = np.concatenate(picks)
    ends = []
    for direction in (1, -1):
        res = linprog(
            direction * pick, A_eq=matrix, b_eq=np.concatenate(rhs), bounds=np.vstack(bounds)
        )
        assert res.status == 0, res.message
        ends.append(res.x[pick == 1])
    return list(zip(values, *ends, strict=True))


def random_tables(seed: int, count: int):
    """Tables like WRES 1 and WDES 1: up to 31 bands by up to 4 groups, many small cells,
    and half the time a column (say BME) kept shown where another complement will do."""
    rng = np.random.default_rng(seed)
    for _ in range(count):
        rows = rng.integers(1, 15) if rng.random() < 0.8 else rng.integers(15, 32)
        shape = (int(rows), int(rng.integers(1, 5)))
        scale = rng.choice([3.0, 8.0, 20.0, 60.0])
        k = int(rng.choice([5, 10, 11]))
        keep = rng.random(shape[1]) < 0.4 if rng.random() < 0.5 else None
        yield with_totals(rng.poisson(rng.gamma(1.0, scale, shape))), k, keep


def batches(tables, size: int = 5):
    """Protected tables in batches, each attacked as one program."""
    batch = []
    for table, k, keep in tables:
        batch.append((table, protect_counts(table, k, keep), k))
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def test_an_attacker_cannot_work_out_any_small_hidden_cell() -> None:
    checked = 0
    for batch in batches(random_tables(2026, 1000)):
        for value, low, high in attack(batch, informed=False):
            assert low <= value - 1 + 1e-7 and high >= value + 1 - 1e-7, (value, low, high)
            checked += 1
    assert checked > 5000  # the tables do have many small cells to protect


def test_an_attacker_who_reads_the_reasons_cannot_pin_a_small_hidden_cell() -> None:
    for batch in batches(random_tables(7, 300)):
        for value, low, high in attack(batch, informed=True):
            assert high - low >= 1 - 1e-7, (value, low, high)


def test_no_group_of_hidden_cells_smaller_than_k_is_determined() -> None:
    for table, k, keep in random_tables(11, 300):
        reason = protect_counts(table, k, keep)
        hidden = np.flatnonzero((reason.ravel() > 0) & (table.ravel() > 0))
        basis = null_space(line_equations(table.shape)[:, hidden])  # zeros known: strong
        cells = [i for i, f in enumerate(hidden) if f // table.shape[1] < table.shape[0] - 1]
        cells = [i for i in cells if hidden[i] % table.shape[1] < table.shape[1] - 1]
        values = table.ravel()[hidden]
        for i, j in itertools.combinations_with_replacement(cells, 2):
            group = np.zeros(hidden.size)
            group[[i, j]] = 1
            if 0 < group @ values < k:
                assert np.abs(group @ basis).max(initial=0) > 1e-8, (table, i, j)


def test_the_attacker_catches_a_table_without_complementary_suppression() -> None:
    cases = []
    for table, k, _ in random_tables(3, 100):
        cases.append((table, primary_only(table[:-1, :-1], k)[1], k))
    leaks = sum(high - low < 1e-7 for _, low, high in attack(cases, informed=False))
    assert leaks > 20
