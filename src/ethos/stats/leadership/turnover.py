"""Turnover and stability of staff and leaders in a reporting year, by unit and pay band."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

import numpy as np

from ethos.stats.leadership._data import (
    LEADER_BANDS,
    Staff,
    check_bands,
    check_level,
    read_staff,
    subtree_counts,
    unit_tree,
)
from ethos.stats.leadership.tables import CountTable, RateTable, rate_table
from ethos.stats.tree import UnitTree
from ethos.workforce.schema import PAY_BANDS

__all__ = ["ALL_STAFF", "LEADERS", "Turnover", "TurnoverResult", "turnover"]

ALL_STAFF, LEADERS = "All staff", "Leaders"


@dataclass(frozen=True, slots=True, eq=False)
class Turnover:
    """Headcounts, leavers and stayers with turnover and stability rates for one layout.

    Attributes
    ----------
    start, end:
        Headcount in post on 1 April and on 31 March.
    leavers:
        People who left between 1 April and 31 March (including joiners who left).
    stayers:
        People in post on 1 April who were still in post on 31 March.
    turnover:
        ``leavers / ((start + end) / 2)`` with Wilson intervals (``NaN`` where above 1).
    stability:
        ``stayers / start`` with Wilson intervals.
    """

    start: CountTable
    end: CountTable
    leavers: CountTable
    stayers: CountTable
    turnover: RateTable
    stability: RateTable


@dataclass(frozen=True, slots=True, eq=False)
class TurnoverResult:
    """Turnover and stability by unit (rows, over each subtree).

    ``groups`` has columns ``All staff`` and ``Leaders`` (staff in ``leader_bands``);
    ``bands`` has one column per pay band. ``names`` are the unit names of the rows.
    """

    names: tuple[str, ...]
    groups: Turnover
    bands: Turnover
    leader_bands: tuple[str, ...]


Counts = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]


def _counts(tree: UnitTree, people: Staff, category: np.ndarray, width: int) -> Counts:
    """Start and end headcounts, leavers and stayers by unit and ``category``."""

    def count(keep: np.ndarray) -> np.ndarray:
        return subtree_counts(tree, people.unit, category, width, keep)

    stayers = people.at_start & ~people.leaver
    return count(people.at_start), count(people.at_end), count(people.leaver), count(stayers)


def _turnover(tree: UnitTree, columns: tuple[str, ...], counts: Counts, level: float) -> Turnover:
    start, end, leavers, stayers = counts

    def table(values: np.ndarray) -> CountTable:
        return CountTable(tree.codes, columns, values)

    return Turnover(
        start=table(start),
        end=table(end),
        leavers=table(leavers),
        stayers=table(stayers),
        turnover=rate_table(tree.codes, columns, leavers, (start + end) / 2.0, level),
        stability=rate_table(tree.codes, columns, stayers, start, level),
    )


def turnover(
    staff: object,
    units: object,
    year: int,
    leader_bands: Collection[str] = LEADER_BANDS,
    level: float = 0.95,
) -> TurnoverResult:
    """Staff turnover and stability in reporting ``year``, by unit, for leaders and all staff.

    For each unit (over its subtree) and group::

        turnover  = L / ((S + E) / 2)
        stability = K / S

    where ``S`` is the headcount in post on 1 April, ``E`` on 31 March, ``L`` the leavers
    between those dates and ``K`` the people in post on 1 April still in post on 31 March
    (NHS Digital, *NHS workforce statistics: turnover methodology*; the stability index of
    Bowey, 1974). Wilson (1927) intervals treat the denominator as the number of trials.

    Leaders are staff whose pay band is in ``leader_bands``. The posts frame is a snapshot on
    31 March and cannot say which leavers held a leadership post, so pay band is used: it
    defines leaders the same way for leavers and stayers.

    Parameters
    ----------
    staff : polars.DataFrame
        The ``staff`` frame (:data:`ethos.workforce.schema.FRAMES`).
    units : polars.DataFrame
        Columns ``code``, ``name`` and ``parent``.
    year : int
        Reporting year (``2026``: 1 April 2025 to 31 March 2026).
    leader_bands : collection of str
        Pay bands counted as leaders (default Band 8a and above, VSM, medical consultants).
    level : float
        Confidence level.

    Returns
    -------
    TurnoverResult

    Raises
    ------
    ValueError
        On a missing column, duplicate staff id, unknown unit or category value, an unknown
        pay band in ``leader_bands``, or a bad ``year`` or ``level``.
    """
    level = check_level(level)
    bands = check_bands(leader_bands)
    tree = unit_tree(units)
    people = read_staff(staff, tree, year)
    leaders = np.isin(people.band, [PAY_BANDS.index(b) for b in bands])
    everyone = _counts(tree, people, np.zeros_like(people.band), 1)
    lead = _counts(tree, people, np.where(leaders, 0, -1), 1)
    start, end, leavers, stayers = (np.hstack(p) for p in zip(everyone, lead, strict=True))
    groups = (start, end, leavers, stayers)
    return TurnoverResult(
        names=tree.names,
        groups=_turnover(tree, (ALL_STAFF, LEADERS), groups, level),
        bands=_turnover(tree, PAY_BANDS, _counts(tree, people, people.band, len(PAY_BANDS)), level),
        leader_bands=bands,
    )
