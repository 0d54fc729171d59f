"""Result tables shared by the leadership analyses: people counts and rates with intervals.

A :class:`CountTable` counts people (or posts) by unit and a characteristic. It is a raw
analysis, not fit to publish: the caller passes ``counts``, ``rows`` and ``columns`` to the
disclosure-control engine (``publish_counts(counts, k, rows, columns)``). Columns are disjoint
categories with no total column, so a hidden cell cannot be recovered by subtraction from a
margin in the same table. Rows are units counted over their whole subtrees, so rows *nest*
(the organisation's row includes every directorate's): give a publisher that adds rows up a
set that does not overlap, such as the directorates alone. A :class:`RateTable` holds rates
derived from such counts, with Wilson intervals; publish a rate only where the counts behind
it are shown.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from ethos.stats.intervals import wilson_intervals

__all__ = ["CountTable", "RateTable", "rate_table"]


@dataclass(frozen=True, slots=True, eq=False)
class CountTable:
    """Counts by row (usually a unit code) and column (a category), as read-only int64.

    Attributes
    ----------
    rows, columns:
        Labels of the first and second axes of ``counts``.
    counts:
        A ``(len(rows), len(columns))`` array of non-negative integers.
    """

    rows: tuple[str, ...]
    columns: tuple[str, ...]
    counts: np.ndarray

    def __post_init__(self) -> None:
        counts = np.array(self.counts, dtype=np.int64, copy=True)
        if counts.shape != (len(self.rows), len(self.columns)):
            raise ValueError(
                f"counts have shape {counts.shape}, expected "
                f"({len(self.rows)}, {len(self.columns)}) for the rows and columns given"
            )
        if np.any(counts < 0):
            raise ValueError("counts must be non-negative")
        counts.setflags(write=False)
        object.__setattr__(self, "rows", tuple(str(r) for r in self.rows))
        object.__setattr__(self, "columns", tuple(str(c) for c in self.columns))
        object.__setattr__(self, "counts", counts)

    def row(self, label: str) -> np.ndarray:
        """The counts in the row labelled ``label`` (``ValueError`` if there is none)."""
        if label not in self.rows:
            raise ValueError(f"no row labelled '{label}'")
        return np.asarray(self.counts[self.rows.index(label)])


@dataclass(frozen=True, slots=True, eq=False)
class RateTable:
    """Rates ``numerator / denominator`` by row and column, with Wilson score intervals.

    ``rate``, ``low`` and ``high`` are ``NaN`` where the denominator is 0; ``low`` and ``high``
    are also ``NaN`` where the numerator exceeds the denominator (possible for turnover, which
    divides by an average headcount).
    """

    rows: tuple[str, ...]
    columns: tuple[str, ...]
    numerator: np.ndarray
    denominator: np.ndarray
    rate: np.ndarray
    low: np.ndarray
    high: np.ndarray
    level: float

    def cell(self, row: str, column: str) -> tuple[float, float, float]:
        """``(rate, low, high)`` for one cell (``ValueError`` for an unknown label)."""
        if row not in self.rows or column not in self.columns:
            raise ValueError(f"no cell ({row!r}, {column!r}) in this table")
        i, j = self.rows.index(row), self.columns.index(column)
        return float(self.rate[i, j]), float(self.low[i, j]), float(self.high[i, j])


def rate_table(
    rows: Sequence[str],
    columns: Sequence[str],
    numerator: npt.ArrayLike,
    denominator: npt.ArrayLike,
    level: float = 0.95,
) -> RateTable:
    """Build a :class:`RateTable`: ``rate = x / n`` with the Wilson (1927) score interval.

    The interval treats ``n`` as the number of trials even when it is not a whole number (an
    average headcount), a standard approximation for turnover rates.
    """
    x = np.asarray(numerator, dtype=np.float64)
    n = np.asarray(denominator, dtype=np.float64)
    valid = (n > 0) & (x <= n)
    low, high = wilson_intervals(np.where(valid, x, 0.0), np.where(valid, n, 0.0), level)
    with np.errstate(divide="ignore", invalid="ignore"):
        rate = np.where(n > 0, x / np.where(n > 0, n, 1.0), np.nan)
    x, n, rate, low, high = (np.array(a, dtype=np.float64) for a in (x, n, rate, low, high))
    for a in (x, n, rate, low, high):
        a.setflags(write=False)
    return RateTable(tuple(rows), tuple(columns), x, n, rate, low, high, level=float(level))
