"""Disclosure control: the one choke point through which every number leaves Ethos.

Pages, the API, exports, PDFs and the command line all publish results through
:func:`publish`, which returns a :class:`PublishedCube` (hidden cells carry no numbers, only a
:class:`Suppressed` reason), and free-text comments through :func:`publish_comments`. The
rules themselves live in :mod:`ethos.stats.disclosure.rules`, one function each; the plain
English account for staff is ``docs/methods/disclosure-control.md``.
"""

from __future__ import annotations

import numpy as np

from ethos.stats.cube import Cube
from ethos.stats.disclosure.comments import PublishedComments, publish_comments
from ethos.stats.disclosure.published import Cell, PublishedCube, Shown, Suppressed
from ethos.stats.disclosure.rules import REASONS, SHOWN, protect
from ethos.stats.intervals import t_intervals, wilson_intervals

MIN_GROUP_FLOOR = 5
DEFAULT_MIN_GROUP = 10
COMMENT_FLOOR = 10

__all__ = [
    "COMMENT_FLOOR",
    "DEFAULT_MIN_GROUP",
    "MIN_GROUP_FLOOR",
    "REASONS",
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


def publish(cube: Cube, min_group: int = DEFAULT_MIN_GROUP, level: float = 0.95) -> PublishedCube:
    """Decide what may be shown, then compute values and intervals for shown cells only.

    Means (0-10) get a t interval; percentages (0-100) a Wilson interval.
    """
    k = check_min_group(min_group)
    reason = protect(cube, k)
    shown = reason == SHOWN
    n = np.where(shown, cube.n, 0)
    safe_n = np.maximum(n, 1)
    mean = np.where(shown, cube.total / safe_n, np.nan)
    with np.errstate(invalid="ignore", divide="ignore"):
        var = (cube.sumsq - cube.total**2 / safe_n) / np.maximum(n - 1, 1)
    sd = np.sqrt(np.clip(var, 0.0, None))
    pct = np.broadcast_to(cube.percent[None, None, :], n.shape)
    t = t_intervals(np.where(pct, np.nan, mean), sd, np.where(pct, 0, n), level)
    w = wilson_intervals(np.where(pct & shown, np.rint(cube.total), 0), np.where(pct, n, 0), level)
    scale = np.where(pct, 100.0, 1.0)
    low = np.where(pct, w.low, t.low) * scale
    high = np.where(pct, w.high, t.high) * scale
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
        value=np.where(shown, mean * scale, np.nan),
        ci_low=np.where(shown, low, np.nan),
        ci_high=np.where(shown, high, np.nan),
        reason=reason,
    )
