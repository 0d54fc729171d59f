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
    """Differences (cell minus comparator), p values, q values and flags, shaped like a cube."""

    label: str
    difference: np.ndarray
    p: np.ndarray
    q: np.ndarray
    significant: np.ndarray


@dataclass(frozen=True, slots=True, eq=False)
class _Summary:
    n: np.ndarray
    mean: np.ndarray
    sd: np.ndarray


def _summary(n: np.ndarray, total: np.ndarray, sumsq: np.ndarray) -> _Summary:
    count = n.astype(np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = total / count
        var = (sumsq - total**2 / count) / (count - 1)
    return _Summary(count, mean, np.sqrt(np.clip(var, 0.0, None)))


def _test(a: _Summary, b: _Summary, percent: np.ndarray, cells: np.ndarray) -> np.ndarray:
    p = np.full(a.n.shape, np.nan)
    means = cells & ~percent & (a.n >= 2) & (b.n >= 2)
    p[means] = welch_test(
        a.mean[means], a.sd[means], a.n[means], b.mean[means], b.sd[means], b.n[means]
    ).p
    shares = cells & percent & (a.n >= 1) & (b.n >= 1)
    p[shares] = two_proportion_test(
        np.rint(a.mean[shares] * a.n[shares]),
        a.n[shares],
        np.rint(b.mean[shares] * b.n[shares]),
        b.n[shares],
    ).p
    return p


def _finish(
    label: str, a: _Summary, b_mean: np.ndarray, p: np.ndarray, percent: np.ndarray
) -> Comparison:
    scale = np.where(percent, 100.0, 1.0)
    difference = np.where(np.isnan(p), np.nan, (a.mean - b_mean) * scale)
    fdr = benjamini_hochberg(p.ravel())
    q = np.asarray(fdr.qvalues).reshape(p.shape)
    return Comparison(label, difference, p, q, np.asarray(fdr.reject).reshape(p.shape))


def against_organisation(cube: Cube, cells: np.ndarray) -> Comparison:
    """Each cell in ``cells`` against the rest of the organisation in the same slot."""
    a = _summary(cube.n, cube.total, cube.sumsq)
    rest = _summary(cube.n[0] - cube.n, cube.total[0] - cube.total, cube.sumsq[0] - cube.sumsq)
    percent = np.broadcast_to(cube.percent, cube.n.shape)
    compared = cells.copy()
    compared[0] = False
    p = _test(a, rest, percent, compared)
    return _finish("organisation", a, rest.mean, p, percent)


def against_previous(
    cube: Cube, cells: np.ndarray, previous: Cube, previous_cells: np.ndarray
) -> Comparison:
    """Each cell against the same unit and category in the previous wave."""
    index = previous.tree.index()
    here = np.array([index.get(code, -1) for code in cube.tree.codes])
    slots = np.array([_previous_slot(cube, previous, s) for s in range(cube.layout.width)])
    measures = np.array(
        [previous.measures.index(m) if m in previous.measures else -1 for m in cube.measures]
    )
    u, s, m = np.ix_(np.maximum(here, 0), np.maximum(slots, 0), np.maximum(measures, 0))
    usable = (
        (here[:, None, None] >= 0) & (slots[None, :, None] >= 0) & (measures[None, None, :] >= 0)
    )
    before = _summary(previous.n[u, s, m], previous.total[u, s, m], previous.sumsq[u, s, m])
    compared = cells & usable & previous_cells[u, s, m]
    a = _summary(cube.n, cube.total, cube.sumsq)
    percent = np.broadcast_to(cube.percent, cube.n.shape)
    p = _test(a, before, percent, compared)
    return _finish("previous wave", a, before.mean, p, percent)


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
    """Each cell against the benchmark for its measure."""
    a = _summary(cube.n, cube.total, cube.sumsq)
    p = np.full(cube.n.shape, np.nan)
    target = np.full(cube.n.shape, np.nan)
    for m, measure in enumerate(cube.measures):
        bench = benchmarks.get(measure)
        if bench is None:
            continue
        on = cells[:, :, m] & (a.n[:, :, m] >= 2)
        value = bench.value / 100.0 if cube.percent[m] else bench.value
        target[:, :, m] = value
        p[:, :, m][on] = _benchmark_p(a, m, on, value, bench, bool(cube.percent[m]))
    percent = np.broadcast_to(cube.percent, cube.n.shape)
    return _finish("benchmark", a, target, p, percent)


def _benchmark_p(
    a: _Summary, m: int, on: np.ndarray, value: float, bench: Benchmark, percent: bool
) -> np.ndarray:
    n, mean, sd = a.n[:, :, m][on], a.mean[:, :, m][on], a.sd[:, :, m][on]
    if percent and bench.n:
        return two_proportion_test(np.rint(mean * n), n, round(value * bench.n), bench.n).p
    if percent:
        z = (mean - value) / np.sqrt(value * (1 - value) / n)
        return 2 * stats.norm.sf(np.abs(z))
    if bench.sd is not None and bench.n:
        other = np.full(n.shape, 1.0)
        return welch_test(mean, sd, n, other * value, other * bench.sd, other * bench.n).p
    return one_sample_t(mean, sd, n, value).p
