"""Leadership posts, vacancies and acting or interim cover, by unit and level."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ethos.stats.leadership._data import (
    check_level,
    read_posts,
    subtree_counts,
    unit_tree,
)
from ethos.stats.leadership.tables import CountTable, RateTable, rate_table
from ethos.workforce.schema import COVER_TYPES, LEADERSHIP_LEVELS

__all__ = ["ALL_LEVELS", "PostSummary", "post_summary"]

ALL_LEVELS = "All levels"


@dataclass(frozen=True, slots=True, eq=False)
class PostSummary:
    """Leadership posts on 31 March by unit (over its whole subtree) and level.

    Attributes
    ----------
    names:
        Unit names aligned with the rows (unit codes) of every table.
    posts, vacant, acting, interim:
        Posts, vacant posts (no holder), and filled posts on acting or interim cover; rows are
        units in breadth-first order, columns :data:`~ethos.workforce.schema.LEADERSHIP_LEVELS`.
    vacancy_rate:
        ``vacant / posts`` with Wilson intervals; columns are the levels then ``All levels``.
    acting_rate, interim_rate:
        ``acting / filled posts`` and ``interim / filled posts``, laid out the same way.
    """

    names: tuple[str, ...]
    posts: CountTable
    vacant: CountTable
    acting: CountTable
    interim: CountTable
    vacancy_rate: RateTable
    acting_rate: RateTable
    interim_rate: RateTable


def _with_total(counts: np.ndarray) -> np.ndarray:
    return np.column_stack([counts, counts.sum(axis=1)])


def post_summary(posts: object, units: object, level: float = 0.95) -> PostSummary:
    """Count leadership posts, vacancies and cover by unit (subtree) and level.

    For each unit ``u`` (over its subtree) and level ``l``: ``posts[u, l]``; ``vacant[u, l]``,
    the posts with no holder; vacancy rate ``vacant / posts``; acting (interim) rate
    ``acting / (posts - vacant)``, the share of filled posts held on acting (interim) cover.
    Intervals are Wilson (1927) score intervals. The ``All levels`` column of each rate adds
    the levels together; the count tables have no total column (see
    :mod:`ethos.stats.leadership.tables`).

    Parameters
    ----------
    posts : polars.DataFrame
        The ``posts`` frame (:data:`ethos.workforce.schema.FRAMES`), a snapshot on 31 March.
    units : polars.DataFrame
        Columns ``code``, ``name`` and ``parent`` (null for the root).
    level : float
        Confidence level of the intervals.

    Returns
    -------
    PostSummary

    Raises
    ------
    ValueError
        On a missing column, a duplicate post id, an unknown unit, level or cover type, or a
        post with a holder but no cover type (or the reverse).

    References
    ----------
    NHS England, *Culture and leadership programme: leadership workforce analysis* (2016).
    """
    level = check_level(level)
    tree = unit_tree(units)
    data = read_posts(posts, tree)
    width = len(LEADERSHIP_LEVELS)
    everything = np.ones(len(data.ids), dtype=bool)

    def count(keep: np.ndarray) -> np.ndarray:
        return subtree_counts(tree, data.unit, data.level, width, keep)

    total, vacant = count(everything), count(data.cover < 0)
    acting = count(data.cover == COVER_TYPES.index("Acting"))
    interim = count(data.cover == COVER_TYPES.index("Interim"))
    filled = total - vacant
    rows, cols = tree.codes, (*LEADERSHIP_LEVELS, ALL_LEVELS)

    def rate(x: np.ndarray, n: np.ndarray) -> RateTable:
        return rate_table(rows, cols, _with_total(x), _with_total(n), level)

    def table(counts: np.ndarray) -> CountTable:
        return CountTable(rows, LEADERSHIP_LEVELS, counts)

    return PostSummary(
        names=tree.names,
        posts=table(total),
        vacant=table(vacant),
        acting=table(acting),
        interim=table(interim),
        vacancy_rate=rate(vacant, total),
        acting_rate=rate(acting, filled),
        interim_rate=rate(interim, filled),
    )
