"""The results cube: every measure for every unit (over its subtree) and every breakdown.

A cube holds sufficient statistics only (counts, sums, sums of squares), never a value that is
fit to publish: publishing goes through :mod:`ethos.stats.disclosure`, which decides what may
be shown and computes means and intervals for the shown cells alone.

Layout: the second axis has one slot for the unit total (index 0) followed by one slot per
category of each breakdown column, in order. Each respondent falls in exactly one category of
every column (blanks and "prefer not to say" in "Not stated"), so the categories of a column
add up to the total.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import combinations

import numpy as np
import polars as pl
from scipy import sparse

from ethos.stats.scoring import RespondentScores
from ethos.stats.tree import UnitTree


@dataclass(frozen=True, slots=True)
class Breakdown:
    """A categorical column to break results down by.

    ``codes`` gives each respondent's category as an index into ``categories``.
    """

    column: str
    categories: tuple[str, ...]
    codes: np.ndarray


@dataclass(frozen=True, slots=True)
class Layout:
    """Where each breakdown's categories sit on the cube's second axis."""

    columns: tuple[str, ...]
    categories: tuple[tuple[str, ...], ...]
    offsets: tuple[int, ...]

    @property
    def width(self) -> int:
        return 1 + sum(len(c) for c in self.categories)

    def slot(self, column: str, category: str) -> int:
        j = self.columns.index(column)
        return self.offsets[j] + self.categories[j].index(category)

    def label(self, slot: int) -> tuple[str, str] | None:
        """``(column, category)`` for a slot, ``None`` for the total."""
        for j, offset in enumerate(self.offsets):
            if offset <= slot < offset + len(self.categories[j]):
                return self.columns[j], self.categories[j][slot - offset]
        return None


@dataclass(frozen=True, slots=True)
class JointCounts:
    """Respondent counts for two breakdown columns crossed, ``[unit, first, second, measure]``.

    ``n`` covers each unit's subtree; ``direct`` only the unit's own members.
    """

    first: int
    second: int
    n: np.ndarray
    direct: np.ndarray


@dataclass(frozen=True, slots=True)
class Cube:
    """Sufficient statistics, shaped ``[unit, slot, measure]``; ``direct_*`` exclude children."""

    tree: UnitTree
    measures: tuple[str, ...]
    percent: np.ndarray
    layout: Layout
    n: np.ndarray
    total: np.ndarray
    sumsq: np.ndarray
    direct_n: np.ndarray
    joint: tuple[JointCounts, ...]


def build_cube(
    scores: RespondentScores,
    units: np.ndarray,
    tree: UnitTree,
    breakdowns: Sequence[Breakdown] = (),
) -> Cube:
    """Aggregate respondent scores into a cube.

    Parameters
    ----------
    scores:
        Per-respondent measure scores from :func:`ethos.stats.scoring.score_respondents`.
    units:
        Each respondent's unit as an index into ``tree.codes`` (the unit they belong to
        directly).
    tree:
        The unit hierarchy; every unit's cells cover its whole subtree.
    breakdowns:
        Categorical columns to break every unit down by.
    """
    units = np.asarray(units, dtype=np.int64)
    values = scores.values
    if units.shape[0] != values.shape[0]:
        raise ValueError("units must give one unit per respondent")
    if units.size and (units.min() < 0 or units.max() >= tree.size):
        raise ValueError("a respondent's unit index is outside the tree")
    for b in breakdowns:
        if b.codes.shape[0] != values.shape[0]:
            raise ValueError(f"breakdown '{b.column}' must give one category per respondent")
        if b.codes.size and (b.codes.min() < 0 or b.codes.max() >= len(b.categories)):
            raise ValueError(f"breakdown '{b.column}' has a category index out of range")
    layout = _layout(breakdowns)
    rows, finest = _finest_partition(values, units, breakdowns)
    sizes = [len(b.categories) for b in breakdowns]
    shape = (tree.size, layout.width, values.shape[1])
    direct = [np.zeros(shape, dtype=block.dtype) for block in finest]
    blocks = [(0, rows[0], 1)]
    blocks += [(layout.offsets[j], rows[0] * k + rows[1 + j], k) for j, k in enumerate(sizes)]
    for offset, key, width in blocks:
        for target, block in zip(
            direct, _grouped_sums(key, tree.size * width, finest), strict=True
        ):
            target[:, offset : offset + width, :] = block.reshape(tree.size, width, -1)
    joint = []
    for j1, j2 in combinations(range(len(breakdowns)), 2):
        key = (rows[0] * sizes[j1] + rows[1 + j1]) * sizes[j2] + rows[1 + j2]
        (counts,) = _grouped_sums(key, tree.size * sizes[j1] * sizes[j2], finest[:1])
        cells = counts.reshape(tree.size, sizes[j1], sizes[j2], -1)
        joint.append(JointCounts(j1, j2, tree.rollup(cells), cells))
    direct_n = direct[0]
    return Cube(
        tree=tree,
        measures=scores.measures,
        percent=scores.percent,
        layout=layout,
        n=tree.rollup(direct_n),
        total=tree.rollup(direct[1], in_place=True),
        sumsq=tree.rollup(direct[2], in_place=True),
        direct_n=direct_n,
        joint=tuple(joint),
    )


def _finest_partition(
    values: np.ndarray, units: np.ndarray, breakdowns: Sequence[Breakdown]
) -> tuple[list[np.ndarray], tuple[np.ndarray, ...]]:
    """Counts, sums and sums of squares per non-empty (unit, category, ...) combination.

    Everything else in the cube is a sum of these rows, so the respondents are read once, in
    one parallel polars aggregation. Returns the decoded keys of each row (unit, then each
    column's category) and the three ``[rows, measures]`` arrays.
    """
    key = units.copy()
    for b in breakdowns:
        key = key * len(b.categories) + b.codes
    names = [f"m{j}" for j in range(values.shape[1])]
    columns = {n: pl.Series(n, values[:, j], nan_to_null=True) for j, n in enumerate(names)}
    frame = pl.DataFrame({"key": key, **columns})
    grouped = (
        frame.group_by("key")
        .agg(
            [pl.col(n).count().alias(f"n_{n}") for n in names]
            + [pl.col(n).sum().alias(f"s_{n}") for n in names]
            + [(pl.col(n) * pl.col(n)).sum().alias(f"q_{n}") for n in names]
        )
        .sort("key")
    )
    sums = (  # C order: the sparse products below would otherwise copy them each time
        np.ascontiguousarray(grouped.select(f"n_{n}" for n in names).to_numpy(), np.int32),
        np.ascontiguousarray(grouped.select(f"s_{n}" for n in names).to_numpy()),
        np.ascontiguousarray(grouped.select(f"q_{n}" for n in names).to_numpy()),
    )
    unique = grouped["key"].to_numpy()
    decoded = []
    for b in reversed(breakdowns):
        decoded.append(unique % len(b.categories))
        unique = unique // len(b.categories)
    return [unique, *reversed(decoded)], sums


def _layout(breakdowns: Sequence[Breakdown]) -> Layout:
    offsets, position = [], 1
    for b in breakdowns:
        offsets.append(position)
        position += len(b.categories)
    return Layout(
        columns=tuple(b.column for b in breakdowns),
        categories=tuple(b.categories for b in breakdowns),
        offsets=tuple(offsets),
    )


def _grouped_sums(key: np.ndarray, size: int, stats: tuple[np.ndarray, ...]) -> list[np.ndarray]:
    """Sum each statistic's rows by ``key`` with one sparse indicator product per statistic."""
    rows = key.shape[0]
    indicator = sparse.csr_matrix((np.ones(rows), (key, np.arange(rows))), shape=(size, rows))
    return [np.asarray(indicator @ s) for s in stats]
