"""Disclosure control for two-way tables of people counts.

The workforce equality standards (WRES, WDES) publish counts of people rather than survey
scores: staff in each pay band by ethnicity, applicants appointed, staff in a formal process.
This module decides which of those numbers may be shown, under the survey's promise: nobody
can work out a group of 1 to ``k - 1`` people from what is shown.

- :func:`publish_counts`: a two-way table (rows by columns) with row, column and grand totals.
  The rules are :func:`small_rows`, :func:`small_cells`, :func:`lines` and :func:`cuts`,
  applied by :func:`protect_counts` until none fires.

Rates and shares made from counts are published by :mod:`ethos.stats.disclosure.rates`.

The attacker in ``tests/stats/test_count_disclosure.py`` checks the outcome by linear
programming. The plain-English account is ``docs/methods/equality-standards.md``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from ethos.stats.disclosure.published import Suppressed

__all__ = [
    "CountShown",
    "PublishedCounts",
    "cuts",
    "lines",
    "protect_counts",
    "publish_counts",
    "small_cells",
    "small_rows",
    "with_totals",
]

SHOWN, SMALL_ROW, PRIMARY, SECONDARY = 0, 1, 2, 3
# Cells hidden for being small and cells hidden to protect them share one text on purpose:
# "fewer than k" would tell an attacker the cell is 1..k-1 and a complement that it is at
# least k, and with a known sum that can pin both (1 + 10 = 11 with k = 10).
HIDDEN_CELL = "fewer than {k} people, or hidden so that a group that small cannot be worked out"
COUNT_REASONS = {SMALL_ROW: "fewer than {k} people in this row", PRIMARY: HIDDEN_CELL}
COUNT_REASONS[SECONDARY] = HIDDEN_CELL


@dataclass(frozen=True, slots=True)
class CountShown:
    """A shown count, with its share of its row's and its column's total (0-100)."""

    count: int
    row_percent: float | Suppressed
    column_percent: float | Suppressed


Entry = CountShown | Suppressed


@dataclass(frozen=True, slots=True)
class PublishedCounts:
    """A protected two-way table of people counts: the only form a renderer may take.

    ``cells[i][j]`` is row ``i``, column ``j``. Row totals carry ``row_percent`` 100 and their
    share of the grand total as ``column_percent``; column totals carry their share of the
    grand total as ``row_percent``. A hidden entry is a :class:`Suppressed` with the reason and
    no number; a percentage whose total is hidden is suppressed too (it would give the total
    away).
    """

    rows: tuple[str, ...]
    columns: tuple[str, ...]
    min_group: int
    cells: tuple[tuple[Entry, ...], ...]
    row_totals: tuple[Entry, ...]
    column_totals: tuple[Entry, ...]
    grand_total: Entry

    def __post_init__(self) -> None:
        shape_ok = len(self.cells) == len(self.rows) == len(self.row_totals)
        widths = {len(r) for r in self.cells} | {len(self.columns), len(self.column_totals)}
        if not shape_ok or len(widths) != 1:
            raise ValueError("a published table needs one entry per row and column")

    def cell(self, row: str, column: str) -> Entry:
        return self.cells[self.rows.index(row)][self.columns.index(column)]

    def row_total(self, row: str) -> Entry:
        return self.row_totals[self.rows.index(row)]

    def column_total(self, column: str) -> Entry:
        return self.column_totals[self.columns.index(column)]


def min_group(k: int) -> int:
    """:func:`ethos.stats.disclosure.check_min_group`, imported late (it imports this module)."""
    from ethos.stats.disclosure import check_min_group

    return check_min_group(k)


def _labels(name: str, labels: Sequence[str]) -> tuple[str, ...]:
    out = tuple(labels)
    if not out or not all(isinstance(x, str) for x in out) or len(set(out)) != len(out):
        raise ValueError(f"{name} must be distinct strings, at least one, got {out!r}")
    return out


def whole_numbers(name: str, values: npt.ArrayLike) -> np.ndarray:
    """``values`` as int64, or ``ValueError`` unless they are all whole numbers, 0 or more."""
    try:
        array = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be whole numbers of people, 0 or more") from None
    if not np.all(np.isfinite(array)) or np.any(array < 0) or np.any(array != np.rint(array)):
        raise ValueError(f"{name} must be whole numbers of people, 0 or more")
    return array.astype(np.int64)


def with_totals(counts: npt.ArrayLike) -> np.ndarray:
    """The *augmented* table: ``counts`` with row totals as a last column and column totals
    (and the grand total) as a last row. The rules below work on it."""
    inner = whole_numbers("counts", counts)
    if inner.ndim != 2:
        raise ValueError(f"counts must be a two-way table, got {inner.ndim} dimension(s)")
    table = np.zeros((inner.shape[0] + 1, inner.shape[1] + 1), dtype=np.int64)
    table[:-1, :-1] = inner
    table[:-1, -1] = inner.sum(axis=1)
    table[-1, :] = table[:-1, :].sum(axis=0)
    return table


def small_rows(table: np.ndarray, k: int) -> np.ndarray:
    """Rule 1: a row with fewer than ``k`` people (empty rows too) is hidden entirely.

    ``table`` is the augmented table (last column: row totals; last row: column totals).
    Returns a fresh reason array shaped like it. Empty rows are hidden as well, so that a
    hidden row is not known to hold at least one person.
    """
    reason = np.zeros(table.shape, dtype=np.int8)
    reason[:-1][table[:-1, -1] < k] = SMALL_ROW
    return reason


def small_cells(table: np.ndarray, reason: np.ndarray, k: int) -> bool:
    """Rule 2: any other shown entry with 1 to ``k - 1`` people is hidden.

    That is a cell of a shown row, a column total or the grand total. Zeros stay shown.
    """
    small = (reason == SHOWN) & (table > 0) & (table < k)
    reason[small] = PRIMARY
    return bool(small.any())


def _pinned(values: np.ndarray, rows: np.ndarray, small: np.ndarray, k: int) -> bool:
    """Whether a known sum of hidden entries with people gives people away.

    ``values`` are the entries, ``rows`` their table rows, ``small`` whether each is in a small
    row. The sum must be 0 or at least ``k``. It must also exceed the least the entries can
    hold (1 each outside small rows, where zeros are shown) and fall short of the most (k - 1
    per small row, where every entry is in one); at either end every entry would be pinned.
    """
    total = int(values.sum())
    if total == 0:
        return False
    most = (k - 1) * np.unique(rows).size if small.all() else np.inf
    return bool(total < k or total <= np.count_nonzero(~small) or total >= most)


def _line_leaks(values: np.ndarray, codes: np.ndarray, rows: np.ndarray, k: int) -> bool:
    """Whether one line (its total last) gives a hidden entry or a hidden sum away."""
    people = (codes > 0) & (values > 0)
    if np.count_nonzero(people) == 1:
        return True
    if codes[-1] > 0:  # with the total hidden, the hidden cells' sum is not known
        return False
    part = people[:-1]
    small = codes[:-1][part] == SMALL_ROW
    return _pinned(values[:-1][part], rows[:-1][part], small, k)


def complement_cost(table: np.ndarray, keep: np.ndarray | None = None) -> np.ndarray:
    """The order in which shown entries are taken as complements: the cheapest first.

    Cells come before totals (hiding a total hides every percentage of its line), cells of
    the ``keep`` columns (a boolean mask over the columns) after other cells, and within each
    class the smallest count first.
    """
    rank = np.zeros(table.shape, dtype=np.int64)
    if keep is not None:
        rank[:-1, :-1][:, np.asarray(keep, dtype=bool)] = 1
    rank[-1, :] = rank[:, -1] = 2
    return rank * (int(table.max()) + 1) + table


def _cheapest_shown(values: np.ndarray, hidden: np.ndarray, cost: np.ndarray) -> int:
    """Position of the cheapest shown entry with people in it (-1 if none)."""
    usable = ~hidden & (values > 0)
    if not usable.any():
        return -1
    return int(np.flatnonzero(usable)[np.argmin(cost[usable])])


def lines(table: np.ndarray, reason: np.ndarray, k: int, cost: np.ndarray | None = None) -> bool:
    """Rule 3: no line (row or column, totals included) gives a hidden entry away.

    Each row, including the row of column totals, adds up to its total, and so does each
    column. In every line, the entries with people that are hidden must number 0 or at least
    2; and where the line's total is shown, the hidden cells' sum (the total minus the shown
    cells) must not pin them (see :func:`_pinned`: 0, or at least ``k`` and strictly between
    the least and the most they can hold). Otherwise the cheapest shown entry with people in
    that line is hidden too (:func:`complement_cost`: the smallest cell, a total last).
    """
    cost = complement_cost(table) if cost is None else cost
    changed = False
    for axis in (0, 1):
        view, codes, price = (table, reason, cost) if axis == 0 else (table.T, reason.T, cost.T)
        for i in range(view.shape[0]):
            rows = np.full(view.shape[1], i) if axis == 0 else np.arange(view.shape[1])
            if _line_leaks(view[i], codes[i], rows, k):
                j = _cheapest_shown(view[i], codes[i] > 0, price[i])
                if j >= 0:
                    codes[i, j] = SECONDARY
                    changed = True
    return changed


def _signs(shape: tuple[int, ...]) -> np.ndarray:
    """+1 for cells and the grand total, -1 for row and column totals: every line sums to 0."""
    sign = np.ones(shape, dtype=np.int8)
    sign[:-1, -1] = sign[-1, :-1] = -1
    return sign


def cuts(table: np.ndarray, reason: np.ndarray, k: int, cost: np.ndarray | None = None) -> bool:
    """Rule 4: no combination of lines gives away a hidden entry or a small hidden group.

    With every row and column summing to its total, adding the lines of a set of rows ``R``
    and subtracting a set of columns ``C`` leaves the hidden entries in ``R`` outside ``C``
    minus those in ``C`` outside ``R``. Where ``R`` is every row with a hidden entry in ``C``,
    the second part is empty and the attacker learns the (signed) sum of the first. That
    sum must not be a single entry, nor a sum of entries of one sign that pins them
    (:func:`_pinned`, as in :func:`lines`). Every set of columns is tried (of rows, if there
    are fewer rows); single lines are :func:`lines`, and together the two rules cover every
    such sum. Fix: hide the cheapest shown entry with people that joins the set to the rest.
    Hides one entry per call; :func:`protect_counts` repeats it.
    """
    cost = complement_cost(table) if cost is None else cost
    flip = table.shape[0] < table.shape[1]
    values, codes, price = (table.T, reason.T, cost.T) if flip else (table, reason, cost)
    width = values.shape[1]
    if width > 16:
        raise ValueError(f"a count table may have at most 15 rows or 15 columns, got {table.shape}")
    hidden: np.ndarray = (codes > 0) & (values > 0)
    sign, row_of = _signs(values.shape), np.indices(values.shape)[1 if flip else 0]
    for mask in range(1, (1 << width) - 1):
        inside = np.asarray((mask >> np.arange(width)) & 1, dtype=bool)
        rows_in = np.asarray(hidden[:, inside].any(axis=1))
        known = hidden & rows_in[:, None] & ~inside[None, :]
        signs = sign[known]
        one_sign = signs.size > 0 and bool(np.all(signs == signs[0]))
        pinned = one_sign and _pinned(values[known], row_of[known], codes[known] == SMALL_ROW, k)
        if signs.size == 1 or pinned:
            usable = (rows_in[:, None] != inside[None, :]) & (codes == SHOWN) & (values > 0)
            if usable.any():
                flat = np.flatnonzero(usable)
                codes.flat[flat[np.argmin(price.flat[flat])]] = SECONDARY
                return True
    return False


def protect_counts(table: np.ndarray, k: int, keep: np.ndarray | None = None) -> np.ndarray:
    """The reason code of every entry of the augmented ``table`` (0 = publish).

    Applies :func:`small_rows` and :func:`small_cells`, then :func:`lines` and
    :func:`cuts` until neither hides anything more. Every step only hides, so it ends.
    ``keep`` marks columns whose cells are taken as complements only after other cells.
    """
    reason = small_rows(table, k)
    small_cells(table, reason, k)
    cost = complement_cost(table, keep)
    while lines(table, reason, k, cost) or cuts(table, reason, k, cost):
        pass
    return reason


def _percent(part: int, total: int, total_hidden: bool, which: str) -> float | Suppressed:
    if total_hidden:
        return Suppressed(f"not shown because the {which} total is hidden")
    if total == 0:
        return Suppressed(f"no people in this {which}")
    return 100.0 * part / total


def _entry(table: np.ndarray, reason: np.ndarray, i: int, j: int, k: int) -> Entry:
    if reason[i, j] != SHOWN:
        return Suppressed(COUNT_REASONS[int(reason[i, j])].format(k=k))
    hidden = reason != SHOWN
    count = int(table[i, j])
    return CountShown(
        count=count,
        row_percent=_percent(count, int(table[i, -1]), bool(hidden[i, -1]), "row"),
        column_percent=_percent(count, int(table[-1, j]), bool(hidden[-1, j]), "column"),
    )


def publish_counts(
    counts: npt.ArrayLike,
    k: int,
    rows: Sequence[str],
    columns: Sequence[str],
    keep: Sequence[str] = (),
) -> PublishedCounts:
    """Publish a two-way table of people counts with its row, column and grand totals.

    The rules, one function each, in order:

    1. :func:`small_rows`: a row with fewer than ``k`` people is hidden entirely.
    2. :func:`small_cells`: any other entry with 1 to ``k - 1`` people is hidden.
    3. :func:`lines`: in every row and column (totals included), the hidden entries with
       people number 0 or at least 2, and where the total is shown their sum is 0 or at least
       ``k`` and does not pin them; otherwise another shown entry is hidden too.
    4. :func:`cuts`: no combination of several lines gives away a hidden entry or a sum of
       hidden cells that pins them.

    Rules 3 and 4 repeat until neither fires (complementary suppression; Cox, 1980; Hundepool
    et al., *Statistical Disclosure Control*, 2012, chapters 4-5). The complement hidden is the
    smallest shown cell (a total only when no cell will do), taking cells of the ``keep``
    columns only after other cells: WRES 1 keeps the BME column, so that where "Not stated"
    is small the band's White count is hidden with it rather than its BME count. Zero cells
    in a shown row are shown. Percentages are ``100 * count / total`` for shown counts whose
    total is shown.

    Parameters
    ----------
    counts : array_like
        Whole numbers of people, shaped ``(len(rows), len(columns))``.
    k : int
        The minimum group size (at least 5).
    rows, columns : sequence of str
        Distinct labels.
    keep : sequence of str
        Columns to keep shown where another complement will do.

    Raises
    ------
    ValueError
        On a bad shape, label, count or minimum group size.
    """
    k = min_group(k)
    row_labels, column_labels = _labels("rows", rows), _labels("columns", columns)
    table = with_totals(counts)
    if table.shape != (len(row_labels) + 1, len(column_labels) + 1):
        raise ValueError(
            f"counts has shape {tuple(d - 1 for d in table.shape)}, expected "
            f"{(len(row_labels), len(column_labels))} (a row per row label, a column per column)"
        )
    unknown = set(keep) - set(column_labels)
    if unknown:
        raise ValueError(f"keep names columns that are not in the table: {sorted(unknown)}")
    reason = protect_counts(table, k, np.isin(column_labels, list(keep)))
    n_rows, n_cols = len(row_labels), len(column_labels)
    return PublishedCounts(
        rows=row_labels,
        columns=column_labels,
        min_group=k,
        cells=tuple(
            tuple(_entry(table, reason, i, j, k) for j in range(n_cols)) for i in range(n_rows)
        ),
        row_totals=tuple(_entry(table, reason, i, n_cols, k) for i in range(n_rows)),
        column_totals=tuple(_entry(table, reason, n_rows, j, k) for j in range(n_cols)),
        grand_total=_entry(table, reason, n_rows, n_cols, k),
    )
