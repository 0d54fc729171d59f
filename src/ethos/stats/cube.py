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

from collections import deque
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from itertools import combinations
from queue import Queue
from typing import Any

import numpy as np

from ethos.instruments.model import Instrument
from ethos.stats import _kernels
from ethos.stats.scoring import RespondentScores, Scorer
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
    """Respondent counts for two breakdown columns crossed, of each unit's own members (not its
    subtree: the cross-tab rule rolls up what it needs).

    Held sparsely, one row per ``(unit, first category, second category)`` that somebody is in
    (a dense ``[unit, first, second, measure]`` table was 94 MB at national size, most of it
    zeros): unit u's rows are ``start[u]`` to ``start[u + 1] - 1``, row j counts cell
    ``cell[j] = a * width + b`` and holds ``counts[j, measure]``.
    """

    first: int
    second: int
    width: int
    cells: int
    start: np.ndarray
    cell: np.ndarray
    counts: np.ndarray

    def at(self, unit: int, a: int, b: int) -> np.ndarray:
        """Counts per measure of unit ``unit``'s own members in categories ``a`` and ``b``."""
        rows = slice(self.start[unit], self.start[unit + 1])
        found = np.flatnonzero(self.cell[rows] == a * self.width + b)
        if found.size == 0:
            return np.zeros(self.counts.shape[1], dtype=self.counts.dtype)
        return self.counts[self.start[unit] + found[0]]


class Sums:
    """A cube's sums of scores and sums of squares of the mean measures' scores (see
    :attr:`Cube.squares`): given, or still being added up in another thread (reading them
    waits for it, and raises what it raised)."""

    __slots__ = ("_arrays", "_pending")

    def __init__(
        self,
        total: np.ndarray | None = None,
        sumsq: np.ndarray | None = None,
        pending: Future[tuple[np.ndarray, np.ndarray]] | None = None,
    ) -> None:
        if (pending is None) == (total is None or sumsq is None):
            raise ValueError("give either both arrays or the work that makes them")
        self._arrays = None if total is None or sumsq is None else (total, sumsq)
        self._pending = pending

    def arrays(self) -> tuple[np.ndarray, np.ndarray]:
        if self._arrays is None:
            assert self._pending is not None
            self._arrays = self._pending.result()
        return self._arrays


@dataclass(frozen=True, slots=True)
class Cube:
    """Sufficient statistics, shaped ``[unit, slot, measure]``.

    ``n`` counts each unit's whole subtree; ``own`` counts the unit's own members (not its
    children's) for units with children only: a leaf's own members are its subtree, so its
    rows of ``own`` are never read (at national size 91% of the units are leaves, and those
    rows are never written, so their memory is never touched). :attr:`direct_n` makes the
    whole array of own members' counts.

    Disclosure control reads the counts alone, so the sums (:class:`Sums`) may still be
    being added up while it runs; :attr:`total`, :attr:`squares` and :attr:`sumsq` wait for
    them.
    """

    tree: UnitTree
    measures: tuple[str, ...]
    percent: np.ndarray
    layout: Layout
    n: np.ndarray
    sums: Sums
    own: np.ndarray
    joint: tuple[JointCounts, ...]

    @property
    def total(self) -> np.ndarray:
        return self.sums.arrays()[0]

    @property
    def squares(self) -> np.ndarray:
        """Sums of squared scores of the mean measures only, ``[unit, slot, mean measure]``
        (the measures that are not percentages, in order). A percentage's scores are 0 or 1,
        so its sums of squares are its sums (:attr:`total`): kept once, not twice (37 MB at
        national size)."""
        return self.sums.arrays()[1]

    @property
    def sumsq(self) -> np.ndarray:
        """Sums of squared scores of every measure, ``[unit, slot, measure]``, made anew."""
        out = self.total.copy()
        out[..., ~self.percent] = self.squares
        return out

    def sumsq_at(self, cells: np.ndarray) -> np.ndarray:
        """:attr:`sumsq` at flat positions ``cells``, without making the whole array."""
        cells = np.asarray(cells, dtype=np.int64)
        measures = self.percent.size
        measure = cells % measures
        out = np.take(self.total, cells)
        mean = ~self.percent[measure]
        at = (cells[mean] // measures) * self.squares.shape[-1] + self.square_of[measure[mean]]
        out[mean] = np.take(self.squares, at)
        return out

    @property
    def square_of(self) -> np.ndarray:
        """Each measure's place on the last axis of :attr:`squares` (meaningless for a
        percentage, which has none)."""
        return np.cumsum(~self.percent) - 1

    @property
    def direct_n(self) -> np.ndarray:
        """Each unit's own members' counts (its subtree's for a leaf), made anew."""
        _, count = self.tree.child_ranges()
        return np.where((count > 0)[:, None, None], self.own, self.n)


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
    with Scoring(scores.measures, scores.percent, [lambda: (0, scores.values)]) as scoring:
        return _build(scoring, units, tree, breakdowns)


def score_cube(
    data: Any,
    instrument: Instrument,
    units: np.ndarray,
    tree: UnitTree,
    breakdowns: Sequence[Breakdown] = (),
    scoring: Scoring | None = None,
) -> Cube:
    """Score ``data`` (answer codes, as for :func:`ethos.stats.scoring.score_respondents`) and
    aggregate it into a cube, a chunk of respondents at a time.

    The same cube as ``build_cube(score_respondents(data, instrument), ...)``, without ever
    holding every respondent's scores: at national size that array alone is 145 MB. Pass
    ``scoring`` (``Scoring.start(data, instrument)``, made as soon as ``data`` was read) to
    aggregate scores that are already being made; the caller closes it.
    """
    if scoring is not None:
        return _build(scoring, units, tree, breakdowns)
    with Scoring.start(data, instrument) as started:
        return _build(started, units, tree, breakdowns)


class Scoring:
    """Chunks of respondents' scores, made in two threads from the moment this is created.

    Scoring releases the GIL, as does the aggregation of a chunk in the caller's thread, so
    all three share the two cores. Created as soon as the answers are read, scoring runs
    while the caller reads the units file and checks the other columns, so it runs ahead of
    the aggregation by up to ``AHEAD_BYTES`` of scores (at national size, every chunk: the
    whole survey is scored before the cube is started, on the core that reading leaves idle).
    Close it (or use it as a context manager): chunks not yet started are dropped.
    """

    AHEAD_BYTES = 256 << 20

    def __init__(
        self,
        measures: tuple[str, ...],
        percent: np.ndarray,
        jobs: Sequence[Callable[[], tuple[int, np.ndarray]]],
        ahead: int = 3,
    ) -> None:
        self.measures, self.percent = measures, percent
        self._jobs, self.ahead = list(jobs), ahead
        self._pool = ThreadPoolExecutor(max_workers=2)
        self._pending = deque(self._pool.submit(job) for job in self._jobs[:ahead])

    @classmethod
    def start(cls, data: Any, instrument: Instrument) -> Scoring:
        """Start scoring ``data`` for ``instrument`` (see :meth:`Scorer.jobs`)."""
        scorer, rows = Scorer(instrument), 65_536
        ahead = cls.AHEAD_BYTES // (rows * max(len(scorer.measures), 1) * 8)
        return cls(scorer.measures, scorer.percent, scorer.jobs(data, rows), max(ahead, 3))

    def chunks(self) -> Iterator[tuple[int, np.ndarray]]:
        """``(first row, scores)`` per chunk, in order (once only)."""
        waiting, self._jobs = self._jobs[self.ahead :], []
        for job in waiting:
            done = self._pending.popleft().result()
            self._pending.append(self._pool.submit(job))
            yield done
        while self._pending:
            yield self._pending.popleft().result()

    def close(self) -> None:
        for future in self._pending:
            future.cancel()
        self._pool.shutdown(wait=True)

    def __enter__(self) -> Scoring:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()


def _build(
    scoring: Scoring, units: np.ndarray, tree: UnitTree, breakdowns: Sequence[Breakdown]
) -> Cube:
    units = np.asarray(units, dtype=np.int64)
    if units.size and (units.min() < 0 or units.max() >= tree.size):
        raise ValueError("a respondent's unit index is outside the tree")
    for b in breakdowns:
        if b.codes.shape[0] != units.shape[0]:
            raise ValueError(f"breakdown '{b.column}' must give one category per respondent")
        if b.codes.size and (b.codes.min() < 0 or b.codes.max() >= len(b.categories)):
            raise ValueError(f"breakdown '{b.column}' has a category index out of range")
    layout = _layout(breakdowns)
    shape = (tree.size, layout.width, len(scoring.measures))
    means = np.flatnonzero(~np.asarray(scoring.percent, dtype=bool))
    slots = _kernels.zeros((units.shape[0], 1 + len(breakdowns)), dtype=np.int32)
    for j, b in enumerate(breakdowns):
        slots[:, 1 + j] = layout.offsets[j] + b.codes
    # The counts are made here; the sums in a thread of their own, from the same chunks, so
    # that disclosure control (which reads counts alone) can start before they are done.
    chunks: Queue[tuple[slice, np.ndarray] | None] = Queue(maxsize=scoring.ahead)
    adding = ThreadPoolExecutor(max_workers=1)
    sums = Sums(pending=adding.submit(_add_up, chunks, units, slots, tree, shape, means))
    adding.shutdown(wait=False)
    try:
        n = _kernels.zeros(shape, dtype=np.int32)  # own members first, rolled up at the end
        joint, rows_of = _pairs(units, tree, breakdowns, len(scoring.measures))
        seen = 0
        for start, values in scoring.chunks():
            rows = slice(start, start + values.shape[0])
            if rows.stop > units.shape[0]:
                raise ValueError("units must give one unit per respondent")
            values = np.ascontiguousarray(values)
            _kernels.count_scores(units[rows], slots[rows], values, n)
            for pair, row in zip(joint, rows_of, strict=True):
                _kernels.count_pairs(row[rows], values, pair.counts)
            chunks.put((rows, values))
            seen += values.shape[0]
        if seen != units.shape[0]:
            raise ValueError("units must give one unit per respondent")
    finally:
        chunks.put(None)
    # Only the rows of units with children are written: the rest of own is never touched.
    own = np.zeros(shape, dtype=np.int32)
    inner = np.flatnonzero(tree.child_ranges()[1] > 0)
    own[inner] = n[inner]
    return Cube(
        tree=tree,
        measures=scoring.measures,
        percent=scoring.percent,
        layout=layout,
        n=tree.rollup(n, in_place=True),
        sums=sums,
        own=own,
        joint=tuple(joint),
    )


def _add_up(
    chunks: Queue[tuple[slice, np.ndarray] | None],
    units: np.ndarray,
    slots: np.ndarray,
    tree: UnitTree,
    shape: tuple[int, ...],
    means: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Sums, and sums of squares of the measures ``means``, of the chunks put in ``chunks``
    until ``None``, rolled up."""
    failed: BaseException | None = None
    total = squares = np.empty(0)
    try:
        total, squares = _kernels.zeros(shape), _kernels.zeros((*shape[:-1], means.size))
    except BaseException as error:  # keep taking chunks, so that the sender never waits
        failed = error
    while (chunk := chunks.get()) is not None:
        if failed is None:
            rows, values = chunk
            try:
                _kernels.add_scores(units[rows], slots[rows], values, total, squares, means)
            except BaseException as error:
                failed = error
    if failed is not None:
        raise failed
    return tree.rollup(total, in_place=True), tree.rollup(squares, in_place=True)


def _pairs(
    units: np.ndarray, tree: UnitTree, breakdowns: Sequence[Breakdown], measures: int
) -> tuple[list[JointCounts], list[np.ndarray]]:
    """Empty sparse cross-tabs of every pair of breakdowns, and each respondent's row in each."""
    joint, rows_of = [], []
    for j1, j2 in combinations(range(len(breakdowns)), 2):
        width = len(breakdowns[j2].categories)
        cells = len(breakdowns[j1].categories) * width
        first, second = (breakdowns[j].codes.astype(np.int64) for j in (j1, j2))
        row, bounds, cell = _kernels.pair_rows(units, first, second, width, cells, tree.size)
        counts = _kernels.zeros((cell.size, measures), dtype=np.int32)
        joint.append(JointCounts(j1, j2, width, cells, bounds, cell, counts))
        rows_of.append(row)
    return joint, rows_of


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
