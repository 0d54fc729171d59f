"""Succession: ready-now successors per post, coverage by level, and posts at risk."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ethos.stats.leadership._data import (
    check_level,
    holder_rows,
    read_posts,
    read_staff,
    ready_now,
    subtree_counts,
    unit_tree,
)
from ethos.stats.leadership.posts import ALL_LEVELS
from ethos.stats.leadership.tables import CountTable, RateTable, rate_table
from ethos.workforce.schema import AGE_BANDS, COVER_TYPES, LEADERSHIP_LEVELS, RETIREMENT_AGE_BANDS

__all__ = ["Succession", "succession"]

NEAR_RETIREMENT = "holder aged 56 or over"
TEMPORARY_COVER = "held on {cover} cover"


@dataclass(frozen=True, slots=True, eq=False)
class Succession:
    """Succession cover for leadership posts on 31 March.

    Attributes
    ----------
    post_ids:
        Every post, in the order of the posts frame.
    ready_now:
        Distinct successors rated "Ready now" for each post.
    at_risk:
        Whether each post is at risk: its holder is aged 56 or over or it is held on acting or
        interim cover, and no successor is ready now.
    reasons:
        For each post at risk, why (for example ``"holder aged 56 or over; no ready-now
        successor"``); an empty string otherwise. Per-post results reveal a holder's age
        band: they are for succession planning, not for publication.
    coverage:
        Posts with at least one ready-now successor over all posts, by unit (rows, over each
        subtree) and level, with an ``All levels`` column; Wilson intervals.
    at_risk_counts:
        Posts at risk by unit (over each subtree) and level.
    """

    post_ids: tuple[str, ...]
    ready_now: np.ndarray
    at_risk: np.ndarray
    reasons: tuple[str, ...]
    coverage: RateTable
    at_risk_counts: CountTable


def _risk(
    holder: np.ndarray, age: np.ndarray, cover: np.ndarray, ready: np.ndarray
) -> tuple[np.ndarray, tuple[str, ...]]:
    near_bands = [AGE_BANDS.index(b) for b in RETIREMENT_AGE_BANDS]
    near = (holder >= 0) & np.isin(age[np.maximum(holder, 0)], near_bands)
    temporary = np.isin(cover, [COVER_TYPES.index("Acting"), COVER_TYPES.index("Interim")])
    at_risk = (near | temporary) & (ready == 0)
    reasons = []
    for p in range(len(holder)):
        parts = [NEAR_RETIREMENT] if near[p] else []
        if temporary[p]:
            parts.append(TEMPORARY_COVER.format(cover=COVER_TYPES[cover[p]].lower()))
        reasons.append("; ".join([*parts, "no ready-now successor"]) if at_risk[p] else "")
    return at_risk, tuple(reasons)


def succession(
    staff: object,
    posts: object,
    successors: object,
    units: object,
    year: int,
    level: float = 0.95,
) -> Succession:
    """Ready-now successors, succession coverage and posts at risk.

    For each post ``p``: ``r_p``, the number of distinct successors named for it as "Ready
    now". Coverage for a unit (over its subtree) and level is ``#{p : r_p >= 1} / #posts``
    (vacant posts included), with a Wilson (1927) interval. Post ``p`` is *at risk* when::

        (holder in RETIREMENT_AGE_BANDS  or  cover in {Acting, Interim})  and  r_p = 0

    Succession planning and talent-pool reviews follow NHS England, *Culture and leadership
    programme: leadership workforce analysis* (2016) and NHS Leadership Academy talent
    management guidance.

    Parameters
    ----------
    staff, posts, successors : polars.DataFrame
        The ``staff``, ``posts`` and ``successors`` frames.
    units : polars.DataFrame
        Columns ``code``, ``name`` and ``parent``.
    year : int
        Reporting year (checked and used to read the staff frame).
    level : float
        Confidence level.

    Returns
    -------
    Succession

    Raises
    ------
    ValueError
        On bad frames, a successor named for an unknown post, an unknown readiness value, a
        post holder missing from the staff frame, or a bad ``year`` or ``level``.
    """
    level = check_level(level)
    tree = unit_tree(units)
    people = read_staff(staff, tree, year)
    data = read_posts(posts, tree)
    ready = ready_now(successors, data)
    at_risk, reasons = _risk(holder_rows(data, people), people.age, data.cover, ready)
    width = len(LEADERSHIP_LEVELS)
    total = subtree_counts(tree, data.unit, data.level, width, np.ones(len(ready), dtype=bool))
    covered = subtree_counts(tree, data.unit, data.level, width, ready > 0)
    risky = subtree_counts(tree, data.unit, data.level, width, at_risk)
    covered_all = np.column_stack([covered, covered.sum(axis=1)])
    total_all = np.column_stack([total, total.sum(axis=1)])
    for array in (ready, at_risk):
        array.setflags(write=False)
    return Succession(
        post_ids=data.ids,
        ready_now=ready,
        at_risk=at_risk,
        reasons=reasons,
        coverage=rate_table(
            tree.codes, (*LEADERSHIP_LEVELS, ALL_LEVELS), covered_all, total_all, level
        ),
        at_risk_counts=CountTable(tree.codes, LEADERSHIP_LEVELS, risky),
    )
