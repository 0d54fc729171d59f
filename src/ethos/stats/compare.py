"""Significance of differences across a heatmap: against the organisation, the previous wave
and an imported benchmark, with Benjamini-Hochberg control of the false discovery rate.

These functions read a raw cube, so only :func:`ethos.stats.disclosure.publish` calls them,
and it keeps results for shown cells alone.

- **Against the organisation**: each cell against the rest of the organisation in the same
  slot (the organisation minus the cell), so the two groups are independent. Means: Welch's t
  test; percentages: the pooled two-proportion z test.
- **Against the previous wave**: the same unit and slot in the previous wave's cube (matched
  by unit code and category), as independent samples.
- **Against a benchmark**: a one-sample t test against the benchmark mean, or a two-proportion
  test when the benchmark gives its own n, else a one-sample z test against the proportion.

Across each comparison, q values control the false discovery rate at 5% over every compared
cell (Benjamini and Hochberg, 1995); a cell is flagged significant when q < 0.05.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
from scipy import stats

from ethos.stats.cube import Cube
from ethos.stats.intervals import (
    benjamini_hochberg,
    one_sample_t,
    two_proportion_test,
    welch_test,
)


@dataclass(frozen=True, slots=True)
class Benchmark:
    """A benchmark value for one measure (0-10 for means, 0-100 for percentages)."""

    value: float
    sd: float | None = None
    n: int | None = None


@dataclass(frozen=True, slots=True, eq=False)
class Comparison:
    """Per compared cell: difference (cell minus comparator), p, q and the significance flag.

    Arrays hold one entry per cell passed in (``NaN`` where a cell could not be compared).
    """

    label: str
    difference: np.ndarray
    p: np.ndarray
    q: np.ndarray
    significant: np.ndarray


@dataclass(frozen=True, slots=True, eq=False)
class Summary:
    """Count, mean and sample sd (ddof 1) of cells, from their sufficient statistics."""

    n: np.ndarray
    mean: np.ndarray
    sd: np.ndarray


def summarise(n: np.ndarray, total: np.ndarray, sumsq: np.ndarray) -> Summary:
    """``mean = total / n`` and ``sd = sqrt((sumsq - total^2 / n) / (n - 1))``, element-wise."""
    count = n.astype(np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = total / count
        var = (sumsq - total**2 / count) / (count - 1)
    return Summary(count, mean, np.sqrt(np.clip(var, 0.0, None)))


def _test(a: Summary, b: Summary, percent: np.ndarray, usable: np.ndarray) -> np.ndarray:
    p = np.full(a.n.shape, np.nan)
    means = usable & ~percent & (a.n >= 2) & (b.n >= 2)
    p[means] = welch_test(
        a.mean[means], a.sd[means], a.n[means], b.mean[means], b.sd[means], b.n[means]
    ).p
    shares = usable & percent & (a.n >= 1) & (b.n >= 1)
    p[shares] = two_proportion_test(
        np.rint(a.mean[shares] * a.n[shares]),
        a.n[shares],
        np.rint(b.mean[shares] * b.n[shares]),
        b.n[shares],
    ).p
    return p


def controlled(
    label: str, difference: np.ndarray, p: np.ndarray, order: np.ndarray | None = None
) -> Comparison:
    """A comparison of every cell compared, with Benjamini-Hochberg q values over them all
    (``order``: the p values' order, if known; see
    :func:`~ethos.stats.intervals.benjamini_hochberg`)."""
    fdr = benjamini_hochberg(p, order=order)
    return Comparison(
        label,
        np.where(np.isnan(p), np.nan, difference),
        p,
        np.asarray(fdr.qvalues),
        np.asarray(fdr.reject),
    )


def summarise_cells(cube: Cube, cells: np.ndarray) -> Summary:
    """:func:`summarise` of ``cube`` at flat positions ``cells``."""
    # np.take on flat positions: much faster than indexing with three arrays.
    return summarise(np.take(cube.n, cells), np.take(cube.total, cells), cube.sumsq_at(cells))


def _at(
    cube: Cube, cells: np.ndarray, summary: Summary | None = None
) -> tuple[tuple[np.ndarray, ...], Summary, np.ndarray]:
    """Unravelled positions, summary and percent flags of ``cube`` at flat ``cells``."""
    where = np.unravel_index(cells, cube.n.shape)
    summary = summarise_cells(cube, cells) if summary is None else summary
    return where, summary, cube.percent[where[2]]


def _scale(percent: np.ndarray) -> np.ndarray:
    return np.where(percent, 100.0, 1.0)


def organisation_tests(
    cube: Cube, cells: np.ndarray, summary: Summary | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Each cell (flat positions ``cells``) against the rest of the organisation: the
    difference and p value, before false discovery control (which depends on the whole set of
    cells compared: see :func:`controlled`). ``summary`` is :func:`summarise_cells` of
    ``cells`` if the caller has it already.

    :func:`ethos.stats.disclosure.publish` does the same in one compiled pass
    (``_kernels.describe_cells``), which the tests check against this."""
    (u, _, _), a, percent = _at(cube, cells, summary)
    at_root = cells % (cube.n.size // cube.n.shape[0])  # the same slot and measure, unit 0
    rest = summarise(
        np.take(cube.n, at_root) - np.take(cube.n, cells),
        np.take(cube.total, at_root) - np.take(cube.total, cells),
        cube.sumsq_at(at_root) - cube.sumsq_at(cells),
    )
    p = _test(a, rest, percent, u != 0)
    return (a.mean - rest.mean) * _scale(percent), p


def against_previous(
    cube: Cube, cells: np.ndarray, previous: Cube, previous_shown: np.ndarray
) -> Comparison:
    """Each cell against the same unit and category in the previous wave, where shown then."""
    index = previous.tree.index()
    units = np.array([index.get(code, -1) for code in cube.tree.codes])
    slots = np.array([_previous_slot(cube, previous, s) for s in range(cube.layout.width)])
    measures = np.array(
        [previous.measures.index(m) if m in previous.measures else -1 for m in cube.measures]
    )
    (u, s, m), a, percent = _at(cube, cells)
    at = (np.maximum(units[u], 0), np.maximum(slots[s], 0), np.maximum(measures[m], 0))
    usable = (units[u] >= 0) & (slots[s] >= 0) & (measures[m] >= 0) & previous_shown[at]
    flat = np.ravel_multi_index(at, previous.n.shape)
    before = summarise(previous.n[at], previous.total[at], previous.sumsq_at(flat))
    p = _test(a, before, percent, usable)
    return controlled("previous wave", (a.mean - before.mean) * _scale(percent), p)


def _previous_slot(cube: Cube, previous: Cube, slot: int) -> int:
    label = cube.layout.label(slot)
    if label is None:
        return 0
    column, category = label
    if column in previous.layout.columns:
        j = previous.layout.columns.index(column)
        if category in previous.layout.categories[j]:
            return previous.layout.slot(column, category)
    return -1


def against_benchmark(
    cube: Cube, cells: np.ndarray, benchmarks: Mapping[str, Benchmark]
) -> Comparison:
    """Each cell against the benchmark for its measure (``NaN`` where there is none)."""
    (_, _, m), a, percent = _at(cube, cells)
    p = np.full(a.n.shape, np.nan)
    target = np.full(a.n.shape, np.nan)
    for j, measure in enumerate(cube.measures):
        bench = benchmarks.get(measure)
        on = (m == j) & (a.n >= 2)
        if bench is None or not on.any():
            continue
        value = bench.value / 100.0 if cube.percent[j] else bench.value
        target[m == j] = value
        p[on] = _benchmark_p(a.n[on], a.mean[on], a.sd[on], value, bench, bool(cube.percent[j]))
    return controlled("benchmark", (a.mean - target) * _scale(percent), p)


def _benchmark_p(
    n: np.ndarray, mean: np.ndarray, sd: np.ndarray, value: float, bench: Benchmark, percent: bool
) -> np.ndarray:
    if percent and bench.n:
        other = np.ones(n.shape)
        return two_proportion_test(
            np.rint(mean * n), n, other * round(value * bench.n), other * bench.n
        ).p
    if percent:
        z = (mean - value) / np.sqrt(value * (1 - value) / n)
        return 2 * stats.norm.sf(np.abs(z))
    if bench.sd is not None and bench.n:
        other = np.ones(n.shape)
        return welch_test(mean, sd, n, other * value, other * bench.sd, other * bench.n).p
    return one_sample_t(mean, sd, n, value).p
