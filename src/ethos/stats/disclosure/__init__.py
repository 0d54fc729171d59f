"""Disclosure control: the one choke point through which every number leaves Ethos.

Pages, the API, exports, PDFs and the command line all publish results through
:func:`publish`, which returns a :class:`PublishedCube` (hidden cells carry no numbers, only a
:class:`Suppressed` reason), and free-text comments through :func:`publish_comments`. The
rules themselves live in :mod:`ethos.stats.disclosure.rules`, one function each; the plain
English account for staff is ``docs/methods/disclosure-control.md``.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from ethos.stats.compare import Benchmark, against_benchmark, against_organisation, against_previous
from ethos.stats.cube import Cube
from ethos.stats.disclosure.comments import PublishedComments, publish_comments
from ethos.stats.disclosure.published import Cell, PublishedCube, Shown, Suppressed
from ethos.stats.disclosure.rules import REASONS, SHOWN, protect
from ethos.stats.intervals import t_intervals, wilson_intervals
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
    "PublishedComments",
    "PublishedCube",
    "Shown",
    "Suppressed",
    "check_min_group",
    "publish",
    "publish_comments",
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
) -> PublishedCube:
    """Decide what may be shown, then compute values and intervals for shown cells only.

    Means (0-10) get a t interval; percentages (0-100) a Wilson interval. Every shown cell is
    compared with the rest of the organisation; with ``previous`` (last wave's cube, published
    under the same rules) with the same cell then, where both are shown; with ``benchmarks``
    (per measure) with the benchmark. ``shrinkage`` adds empirical-Bayes estimates for unit
    totals of mean measures, clearly labelled as such.
    """
    k = check_min_group(min_group)
    reason = protect(cube, k)
    shown = reason == SHOWN
    n = np.where(shown, cube.n, 0)
    value = np.full(n.shape, np.nan)
    low, high = value.copy(), value.copy()
    pct = np.broadcast_to(cube.percent[None, None, :], n.shape)
    for is_pct in (False, True):
        cells = shown & (pct == is_pct)
        count, total = cube.n[cells].astype(np.float64), cube.total[cells]
        if is_pct:
            interval = wilson_intervals(np.rint(total), count, level)
            value[cells], scale = 100.0 * total / count, 100.0
        else:
            var = (cube.sumsq[cells] - total**2 / count) / np.maximum(count - 1, 1)
            sd = np.sqrt(np.clip(var, 0.0, None))
            interval = t_intervals(total / count, sd, count, level)
            value[cells], scale = total / count, 1.0
        low[cells], high[cells] = interval.low * scale, interval.high * scale
    comparisons = [against_organisation(cube, shown)]
    if previous is not None:
        comparisons.append(against_previous(cube, shown, previous, protect(previous, k) == SHOWN))
    if benchmarks:
        comparisons.append(against_benchmark(cube, shown, benchmarks))
    tree = cube.tree
    return PublishedCube(
        units=tree.codes,
        unit_names=tree.names,
        parents=tuple(tree.codes[p] if p >= 0 else None for p in tree.parent),
        measures=cube.measures,
        percent=cube.percent,
        layout=cube.layout,
        min_group=k,
        n=n,
        value=value,
        ci_low=low,
        ci_high=high,
        reason=reason,
        comparisons=tuple(comparisons),
        shrunk=_shrunk(cube, shown, value) if shrinkage else None,
    )


def _shrunk(cube: Cube, shown: np.ndarray, value: np.ndarray) -> np.ndarray:
    """Empirical-Bayes estimates for shown unit totals of mean measures, level by level."""
    out = np.full(value.shape, np.nan)
    count = cube.n.astype(np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        sd = np.sqrt(np.clip((cube.sumsq - cube.total**2 / count) / (count - 1), 0.0, None))
    for depth in range(1, int(cube.tree.depth.max()) + 1):
        for m in np.flatnonzero(~cube.percent):
            units = np.flatnonzero((cube.tree.depth == depth) & shown[:, 0, m])
            if units.size < 3:
                continue
            try:
                result = empirical_bayes_means(
                    value[units, 0, m], sd[units, 0, m], count[units, 0, m]
                )
            except ValueError:
                continue
            out[units, 0, m] = result.estimate
    return out
