"""Retirement risk among leaders: age profile by directorate and "retirement cliffs"."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ethos.stats.leadership._data import (
    check_level,
    directorates,
    leader_mask,
    read_posts,
    read_staff,
    subtree_counts,
    unit_tree,
)
from ethos.stats.leadership.tables import CountTable, RateTable, rate_table
from ethos.workforce.schema import AGE_BANDS, RETIREMENT_AGE_BANDS

__all__ = ["RETIREMENT_COLUMN", "RetirementRisk", "retirement_risk"]

RETIREMENT_COLUMN = "Aged 56 and over"

CLIFF_RULE = (
    "A directorate is flagged as a retirement cliff when the share of its leaders aged 56 or "
    "over is at least {ratio:g} times the organisation's share and the lower end of its "
    "{level:.0%} interval is above the organisation's share."
)


@dataclass(frozen=True, slots=True, eq=False)
class RetirementRisk:
    """Leaders by age band and the share near retirement, for the organisation and directorates.

    Attributes
    ----------
    names:
        Names of the rows: the organisation first, then each directorate (child of the root).
    by_age:
        Leaders (people holding a leadership post on 31 March) by age band.
    share:
        Leaders in :data:`~ethos.workforce.schema.RETIREMENT_AGE_BANDS` over all leaders, one
        column, with Wilson intervals.
    ratio:
        Each row's share divided by the organisation's (``NaN`` where undefined).
    cliff:
        Whether each row is flagged (never the organisation row).
    flagged:
        Codes of the flagged directorates.
    rule:
        The flagging rule in words.
    """

    names: tuple[str, ...]
    by_age: CountTable
    share: RateTable
    ratio: np.ndarray
    cliff: np.ndarray
    flagged: tuple[str, ...]
    rule: str


def retirement_risk(
    staff: object,
    posts: object,
    units: object,
    year: int,
    ratio: float = 1.5,
    level: float = 0.95,
) -> RetirementRisk:
    """Leaders by age band and the share near retirement, flagging retirement cliffs.

    Leaders are people holding at least one leadership post on 31 March, counted once in the
    unit of their staff record. For the organisation (``o``) and each directorate (``d``, a
    child of the root) the share near retirement is ``p = x / n``, ``x`` the leaders in
    ``RETIREMENT_AGE_BANDS`` (56 and over) and ``n`` all leaders, with a Wilson (1927) interval
    ``[low, high]``. Directorate ``d`` is a *retirement cliff* when::

        p_d >= ratio * p_o   and   low_d > p_o

    The first condition asks for a difference large enough to matter for workforce planning,
    the second for one unlikely to be chance (a conservative check: the organisation's share
    includes the directorate's own leaders).

    Parameters
    ----------
    staff, posts : polars.DataFrame
        The ``staff`` and ``posts`` frames (:data:`ethos.workforce.schema.FRAMES`).
    units : polars.DataFrame
        Columns ``code``, ``name`` and ``parent``.
    year : int
        Reporting year (checked and used to read the staff frame).
    ratio : float
        How many times the organisation's share a directorate's must reach (at least 1).
    level : float
        Confidence level of the intervals.

    Returns
    -------
    RetirementRisk

    Raises
    ------
    ValueError
        On bad frames (see :func:`ethos.stats.leadership.post_summary`), a post holder missing
        from the staff frame, ``ratio < 1`` or not finite, or a bad ``level``.
    """
    if not (np.isfinite(ratio) and ratio >= 1.0):
        raise ValueError(f"ratio must be a finite number of at least 1, got {ratio}")
    level = check_level(level)
    tree = unit_tree(units)
    people = read_staff(staff, tree, year)
    leaders = leader_mask(read_posts(posts, tree), people)
    rows = directorates(tree)
    counts = subtree_counts(tree, people.unit, people.age, len(AGE_BANDS), leaders)[rows]
    near = np.isin(np.array(AGE_BANDS), sorted(RETIREMENT_AGE_BANDS))
    codes = tuple(tree.codes[i] for i in rows)
    share = rate_table(
        codes,
        (RETIREMENT_COLUMN,),
        counts[:, near].sum(axis=1, keepdims=True),
        counts.sum(axis=1, keepdims=True),
        level,
    )
    return _flag(
        tuple(tree.names[i] for i in rows), CountTable(codes, AGE_BANDS, counts), share, ratio
    )


def _flag(
    names: tuple[str, ...], by_age: CountTable, share: RateTable, ratio: float
) -> RetirementRisk:
    p, low = share.rate[:, 0], share.low[:, 0]
    org = p[0]
    with np.errstate(divide="ignore", invalid="ignore"):
        relative = np.where(org > 0, p / org, np.nan)
    cliff = (p >= ratio * org) & (low > org)
    cliff[0] = False
    relative.setflags(write=False)
    cliff.setflags(write=False)
    return RetirementRisk(
        names=names,
        by_age=by_age,
        share=share,
        ratio=relative,
        cliff=cliff,
        flagged=tuple(c for c, f in zip(by_age.rows, cliff, strict=True) if f),
        rule=CLIFF_RULE.format(ratio=ratio, level=share.level),
    )
