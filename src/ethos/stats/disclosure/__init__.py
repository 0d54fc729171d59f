"""Disclosure control: the one choke point through which every number leaves Ethos.

Pages, the API, exports, PDFs and the command line all publish results through
:func:`publish`, which returns a :class:`PublishedCube` (hidden cells carry no numbers, only a
:class:`Suppressed` reason), and free-text comments through :func:`publish_comments`. The
rules themselves live in :mod:`ethos.stats.disclosure.rules`, one function each; the plain
English account for staff is ``docs/methods/disclosure-control.md``.
"""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
from scipy import special, stats

from ethos.stats import _kernels
from ethos.stats.compare import (
    Benchmark,
    against_benchmark,
    against_previous,
    controlled,
)
from ethos.stats.cube import Cube
from ethos.stats.disclosure.comments import PublishedComments, publish_comments
from ethos.stats.disclosure.counts import CountShown, PublishedCounts, publish_counts
from ethos.stats.disclosure.published import Cell, PublishedCube, Shown, Suppressed, shown_in
from ethos.stats.disclosure.rates import (
    PublishedRateRatio,
    PublishedShare,
    publish_rate_ratio,
    publish_share,
)
from ethos.stats.disclosure.rules import REASONS, SHOWN, candidates, protect
from ethos.stats.intervals import t_upper
from ethos.stats.shrinkage import empirical_bayes_means

MIN_GROUP_FLOOR = 5
DEFAULT_MIN_GROUP = 10
COMMENT_FLOOR = 10

__all__ = [
    "COMMENT_FLOOR",
    "DEFAULT_MIN_GROUP",
    "MIN_GROUP_FLOOR",
    "REASONS",
    "Benchmark",
    "Cell",
    "CountShown",
    "PublishedComments",
    "PublishedCounts",
    "PublishedCube",
    "PublishedRateRatio",
    "PublishedShare",
    "Shown",
    "Suppressed",
    "check_min_group",
    "publish",
    "publish_comments",
    "publish_counts",
    "publish_rate_ratio",
    "publish_share",
    "shown_in",
]


def check_min_group(k: int) -> int:
    """Return ``k`` if it is a whole number of at least the floor of 5; else ``ValueError``."""
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k < MIN_GROUP_FLOOR:
        raise ValueError(
            f"the minimum group size must be a whole number of at least {MIN_GROUP_FLOOR}, "
            f"got {k!r}"
        )
    return int(k)


def publish(
    cube: Cube,
    min_group: int = DEFAULT_MIN_GROUP,
    level: float = 0.95,
    previous: Cube | None = None,
    benchmarks: Mapping[str, Benchmark] | None = None,
    shrinkage: bool = False,
    breakdowns_at: str = "units",
    previous_published: np.ndarray | None = None,
) -> PublishedCube:
    """Decide what may be shown, then compute values and intervals for shown cells only.

    Means (0-10) get a t interval; percentages (0-100) a Wilson interval. Every shown cell is
    compared with the rest of the organisation; with ``previous`` (last wave's cube) with the
    same cell then, where both are shown under today's rules and, if ``previous_published``
    is given (a ``[unit, slot, measure]`` mask, see :func:`shown_in`), where last wave's own
    publication showed it. Without that mask a comparison could give away a figure that last
    wave hid under a larger minimum or other breakdowns (difference = now - then); with
    ``benchmarks``
    (per measure) with the benchmark. ``shrinkage`` adds empirical-Bayes estimates for unit
    totals of mean measures, clearly labelled as such. ``breakdowns_at="organisation"`` shows
    breakdowns for the organisation only (:func:`~ethos.stats.disclosure.rules.organisation_only`).

    The values of the cells that the cheapest rules leave shown
    (:func:`~ethos.stats.disclosure.rules.candidates`, a few more than will finally be shown)
    are computed in a second thread while the rules run; only the finally shown cells' values
    leave this function.
    """
    k = check_min_group(min_group)
    with _Candidates(cube, k, breakdowns_at, level) as early:
        reason = protect(cube, k, breakdowns_at)
        cells = early.shown(reason)
    if cells is None:  # protect showed a cell candidates() hid: it no longer implies them
        cells = _describe(cube, np.flatnonzero(reason.ravel() == SHOWN), level).sorted()
    shown = cells.cells
    value, low, high = cells.value, cells.low, cells.high
    comparisons = [controlled("organisation", cells.difference, cells.p, cells.order)]
    if previous is not None:
        previous_shown = protect(previous, k, breakdowns_at) == SHOWN
        if previous_published is not None:
            previous_shown &= previous_published
        comparisons.append(against_previous(cube, shown, previous, previous_shown))
    if benchmarks:
        comparisons.append(against_benchmark(cube, shown, benchmarks))
    tree = cube.tree
    return PublishedCube(
        units=tree.codes,
        unit_names=tree.names,
        parents=(None, *map(tree.codes.__getitem__, tree.parent[1:].tolist())),
        measures=cube.measures,
        percent=cube.percent,
        layout=cube.layout,
        min_group=k,
        reason=reason,
        shown=shown,
        n=cells.n.astype(np.int64),
        value=value,
        ci_low=low,
        ci_high=high,
        comparisons=tuple(comparisons),
        shrunk=_shrunk(cube, shown, value, cells.n, cells.sd) if shrinkage else None,
    )


@dataclass(frozen=True, slots=True, eq=False)
class _Described:
    """Counts, standard deviations, values, intervals and the test against the rest of the
    organisation of some cells (sorted flat positions ``cells``), before false discovery
    control, as the rows of ``rows`` (n, sd, value, low, high, difference, p); ``order``,
    when made, lists the positions of the p values that are not NaN from the smallest up
    (see :func:`~ethos.stats.intervals.benjamini_hochberg`)."""

    cells: np.ndarray
    rows: np.ndarray
    order: np.ndarray | None = None

    n = property(lambda self: self.rows[0])
    sd = property(lambda self: self.rows[1])
    value = property(lambda self: self.rows[2])
    low = property(lambda self: self.rows[3])
    high = property(lambda self: self.rows[4])
    difference = property(lambda self: self.rows[5])
    p = property(lambda self: self.rows[6])

    def sorted(self) -> _Described:
        """The same, with ``order`` made."""
        return dataclasses.replace(self, order=_p_order(self.p))


def _p_order(p: np.ndarray) -> np.ndarray:
    """Positions of the p values that are not NaN, from the smallest up."""
    known = np.flatnonzero(~np.isnan(p))
    return known[np.argsort(p[known])]


class _Candidates:
    """The candidate cells (:func:`~ethos.stats.disclosure.rules.candidates`) described in
    parts: in a thread of its own from the start, and in the caller's thread too once it
    calls :meth:`shown` (when the rules are done), so that neither waits long for the
    other. The parts write into one array, which :meth:`shown` compacts in place."""

    PARTS = 8

    def __init__(self, cube: Cube, k: int, breakdowns_at: str, level: float) -> None:
        self.cube, self.level = cube, level
        self._lock = threading.Lock()
        self._next = 0
        self._bounds = np.zeros(1, dtype=np.int64)  # part j is cells[bounds[j]:bounds[j + 1]]
        self._cells = self._rows = self._order = self._ordered_p = np.empty(0)
        self._known = np.zeros(0, dtype=np.int64)  # p values that are not NaN, per part
        self._split = threading.Event()  # set once the parts are known (or finding them failed)
        self._pool = ThreadPoolExecutor(max_workers=1)
        self._worker = self._pool.submit(self._start, k, breakdowns_at)

    def _start(self, k: int, breakdowns_at: str) -> None:
        try:
            cells = candidates(self.cube, k, breakdowns_at)
            with self._lock:
                self._cells, self._rows = cells, np.empty((_ROWS, cells.size))
                self._order = np.empty(cells.size, dtype=np.int64)
                self._ordered_p = np.empty(cells.size)
                self._known = np.zeros(self.PARTS, dtype=np.int64)
                self._bounds = np.linspace(0, cells.size, self.PARTS + 1).astype(np.int64)
        finally:
            self._split.set()
        self._work()

    def _work(self) -> None:
        while True:
            with self._lock:
                part = self._next
                if part >= self._bounds.size - 1:
                    return
                self._next += 1
            rows = slice(self._bounds[part], self._bounds[part + 1])
            described = _describe(self.cube, self._cells[rows], self.level, self._rows[:, rows])
            order = _p_order(described.p)
            known = slice(rows.start, rows.start + order.size)
            self._order[known] = order + rows.start
            np.take(described.p, order, out=self._ordered_p[known])
            self._known[part] = order.size

    def shown(self, reason: np.ndarray) -> _Described | None:
        """The candidates that ``reason`` shows, described, with the p values' order; or
        ``None`` if ``reason`` shows a cell that is not a candidate."""
        self._split.wait()
        self._work()
        self._worker.result()  # the worker's last part, or what it raised
        order = np.empty(self._cells.size, dtype=np.int64)
        size, ordered = _kernels.keep_shown(
            reason.reshape(-1),
            self._cells,
            self._rows,
            self._bounds,
            self._known,
            self._order,
            self._ordered_p,
            order,
        )
        if size != reason.size - np.count_nonzero(reason):  # SHOWN is 0
            return None
        return _Described(self._cells[:size], self._rows[:, :size], order[:ordered])

    def __enter__(self) -> _Candidates:
        return self

    def __exit__(self, *_: object) -> None:
        self._pool.shutdown(wait=True)


# _Described's rows: 7 rows of a national cube's 526,000 candidates are 29 MB, under glibc's
# largest threshold for a map of its own (32 MB), so they reuse freed memory (analysis_memory)
_ROWS = 7


def _describe(
    cube: Cube, cells: np.ndarray, level: float, out: np.ndarray | None = None
) -> _Described:
    """Means (0-10) get a t interval; percentages (0-100) a Wilson interval; every cell is
    tested against the rest of the organisation (:func:`_kernels.describe_cells`, the same
    arithmetic as :func:`~ethos.stats.compare.summarise`,
    :func:`~ethos.stats.intervals.t_intervals`, :func:`~ethos.stats.intervals.wilson_intervals`
    and :func:`~ethos.stats.compare.organisation_tests`, in one pass). ``out``: where to
    write the rows (``[7, cells.size]``; made if not given)."""
    count = np.take(cube.n, cells)
    measures = cube.n.shape[2]
    mean_cells = (count >= 2) & ~cube.percent[cells % measures]
    distinct = np.unique(count[mean_cells])
    quantile = np.full(int(distinct[-1]) + 1 if distinct.size else 1, np.nan)
    quantile[distinct] = stats.t.ppf((1.0 + level) / 2.0, distinct - 1.0)
    if out is None:
        out = np.empty((_ROWS, cells.size))
    df, test = np.empty(cells.size), np.empty(cells.size, dtype=np.int8)
    total, squares = cube.sums.arrays()
    _kernels.describe_cells(
        cells,
        cube.n.reshape(-1),
        total.reshape(-1),
        squares.reshape(-1),
        cube.square_of,
        cube.percent,
        cube.n.shape[1] * measures,
        quantile,
        float(stats.norm.ppf((1.0 + level) / 2.0)),
        out,
        df,
        test,
    )
    statistic = out[6]  # the p value replaces the statistic
    welch, shares = test == 1, test == 2
    p_welch = 2.0 * t_upper(statistic[welch], df[welch])
    p_shares = 2.0 * special.ndtr(-statistic[shares])
    statistic[welch], statistic[shares] = p_welch, p_shares
    return _Described(cells, out)


def _shrunk(
    cube: Cube, shown: np.ndarray, value: np.ndarray, count: np.ndarray, sd: np.ndarray
) -> np.ndarray:
    """Empirical-Bayes estimates for shown unit totals of mean measures, level by level."""
    u, s, m = np.unravel_index(shown, cube.n.shape)
    out = np.full(value.size, np.nan)
    depth = cube.tree.depth[u]
    eligible = (s == 0) & ~cube.percent[m] & (depth > 0)
    for d in np.unique(depth[eligible]):
        for j in np.unique(m[eligible]):
            group = np.flatnonzero(eligible & (depth == d) & (m == j))
            if group.size < 3:
                continue
            try:
                result = empirical_bayes_means(value[group], sd[group], count[group])
            except ValueError:
                continue
            out[group] = result.estimate
    return out
