"""Build a leader's 360 report (:func:`report_360`)."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ethos.instruments.model import Instrument, Measure
from ethos.stats.disclosure.published import Suppressed
from ethos.stats.feedback360._ratings import Ratings, read_ratings
from ethos.stats.feedback360.agreement import Agreement, rwg_j, uniform_null_variance
from ethos.stats.feedback360.highlights import (
    DEFAULT_GAP,
    self_other_flags,
    strengths_and_development,
)
from ethos.stats.feedback360.raters import DISPLAY_GROUPS, RaterPlan, plan_raters
from ethos.stats.feedback360.results import (
    Figure,
    ItemResult,
    MeasureResult,
    Report360,
    Score,
)
from ethos.stats.intervals import t_interval

__all__ = ["report_360"]

NO_SELF = "no self-rating"
NO_MANAGER = "no rating from the manager"
NO_OTHERS = "no other rater's figure can be shown"
INTERVAL_MIN = 3


def report_360(
    ratings: object,
    instrument: Instrument,
    *,
    min_raters: int = 3,
    level: float = 0.95,
    top: int = 3,
    gap_threshold: float = DEFAULT_GAP,
) -> Report360:
    """The 360 report for one subject in one cycle.

    Parameters
    ----------
    ratings : polars.DataFrame
        One row per rater and item: ``rater_group`` (``self``, ``manager``, ``peer``,
        ``direct_report``, ``other``), ``rater`` (an opaque key, only to tell raters apart),
        ``item`` (an item id of ``instrument``) and ``score`` (the answer code; null for "I
        have not seen enough to say").
    instrument : Instrument
        The loaded 360 instrument (e.g. ``load_instrument("leadership360")``); its measures
        must be means, not percentages.
    min_raters : int
        Minimum raters per anonymous group, at least 3 (:func:`~.raters.plan_raters`).
    level : float
        Confidence level of the t intervals.
    top : int
        How many strengths and development areas to pick.
    gap_threshold : float
        Self minus others, in 0-10 points, that marks a blind spot (or, negative, a hidden
        strength). Default 2.5: one step of a five-point scale.

    Method
    ------
    Answers are scored as the survey scores them (:mod:`ethos.stats.scoring`): five-point
    codes map to 0, 2.5, 5, 7.5, 10, and a rater's measure score is the mean of the items
    they scored (when at least ``min_answered``). A group's figure is the mean over its
    raters, ``n`` the raters with a score, with a Student t interval ``mean +/- t_{n-1}
    s / sqrt(n)`` when ``n >= 3`` (Student, 1908). Anonymous groups follow the
    minimum-rater rule per group, and again per figure: a shown group's figure for one item
    or measure needs ``min_raters`` raters who scored it. "All others" pools the raters of
    every shown non-self figure, the manager's included, so a hidden rater or hidden figure
    is in no pooled number. Agreement is rwg(j) (:func:`~.agreement.rwg_j`) among those
    same pooled answers, for measures of two or more items.

    Raises
    ------
    ValueError
        On a bad frame (:func:`~._ratings.read_ratings`), an instrument with percentage
        measures, or a bad ``min_raters``, ``level``, ``top`` or ``gap_threshold``.
    """
    _check_options(instrument, level, top, gap_threshold)
    rated = read_ratings(ratings, instrument)
    plan = plan_raters(rated.group, rated.qualifying, min_raters)
    items, pooled = _item_results(rated, instrument, plan, level)
    measures = tuple(
        _measure_result(measure, j, rated, instrument, plan, level, pooled)
        for j, measure in enumerate(instrument.measures)
    )
    strengths, development = strengths_and_development(items, top)
    blind, hidden = self_other_flags(items, gap_threshold)
    return Report360(
        instrument=instrument.id,
        version=instrument.version,
        min_raters=plan.min_raters,
        level=float(level),
        gap_threshold=float(gap_threshold),
        groups=plan.groups,
        measures=measures,
        items=items,
        strengths=strengths,
        development=development,
        blind_spots=blind,
        hidden_strengths=hidden,
    )


def _check_options(instrument: Instrument, level: float, top: int, gap: float) -> None:
    percent = [m.id for m in instrument.measures if m.is_percent]
    if percent:
        raise ValueError(
            f"a 360 reports mean scores; measure(s) {percent} are percentages. "
            "Use 'mean' measures in a 360 instrument."
        )
    if not isinstance(level, (int, float)) or not 0.0 < level < 1.0:
        raise ValueError(f"level must be strictly between 0 and 1, got {level!r}")
    if isinstance(top, bool) or not isinstance(top, int) or top < 1:
        raise ValueError(f"top must be a whole number of at least 1, got {top!r}")
    if not isinstance(gap, (int, float)) or not 0.0 < gap <= 10.0:
        raise ValueError(f"gap_threshold must be above 0 and at most 10 points, got {gap!r}")


@dataclass(frozen=True, slots=True)
class _Row:
    cells: tuple[tuple[str, Figure], ...]
    all_others: Figure
    gap: float | None
    pooled: np.ndarray


def _row(column: np.ndarray, plan: RaterPlan, level: float) -> _Row:
    """Every listed group's figure for one item or measure, all others and the gap."""
    cells: list[tuple[str, Figure]] = []
    pooled = np.zeros(column.size, dtype=bool)
    for summary in plan.groups:
        if isinstance(summary.raters, Suppressed):
            cells.append((summary.key, summary.raters))
            continue
        members = (plan.display == DISPLAY_GROUPS.index(summary.key)) & np.isfinite(column)
        empty = {"self": NO_SELF, "manager": NO_MANAGER}.get(summary.key, "")
        floor = 1 if summary.attributed else plan.min_raters
        cell = _figure(column[members], floor, level, empty)
        cells.append((summary.key, cell))
        if summary.key != "self" and isinstance(cell, Score):
            pooled |= members
    others = _figure(column[pooled], 1, level, NO_OTHERS)
    own = dict(cells)["self"]
    gap = own.mean - others.mean if isinstance(own, Score) and isinstance(others, Score) else None
    return _Row(tuple(cells), others, gap, pooled)


def _figure(values: np.ndarray, floor: int, level: float, empty: str) -> Figure:
    """A :class:`Score` for ``values`` (at least ``floor`` of them), else :class:`Suppressed`."""
    n = int(values.size)
    if n == 0 and empty:
        return Suppressed(empty)
    if n < floor:
        return Suppressed(f"fewer than {floor} raters in this group rated this")
    mean = float(np.mean(values))
    if n < INTERVAL_MIN:
        return Score(n, mean)
    interval = t_interval(mean, float(np.std(values, ddof=1)), n, level)
    return Score(n, mean, interval.low, interval.high)


def _item_results(
    rated: Ratings, instrument: Instrument, plan: RaterPlan, level: float
) -> tuple[tuple[ItemResult, ...], np.ndarray]:
    """Item rows, and which (rater, item) answers are pooled into all others."""
    pooled = np.zeros(rated.items.shape, dtype=bool)
    results = []
    for j, item in enumerate(instrument.items):
        row = _row(rated.items[:, j], plan, level)
        pooled[:, j] = row.pooled
        results.append(
            ItemResult(
                item=item.id,
                text=item.text,
                measure=_home(item.id, instrument),
                cells=row.cells,
                all_others=row.all_others,
                gap=row.gap,
            )
        )
    return tuple(results), pooled


def _home(item: str, instrument: Instrument) -> str | None:
    """The most specific measure an item is in (fewest items; ties in instrument order)."""
    homes = [m for m in instrument.measures if item in instrument.measure_items(m)]
    if not homes:
        return None
    return min(homes, key=lambda m: len(instrument.measure_items(m))).id


def _measure_result(
    measure: Measure,
    j: int,
    rated: Ratings,
    instrument: Instrument,
    plan: RaterPlan,
    level: float,
    pooled: np.ndarray,
) -> MeasureResult:
    row = _row(rated.measures[:, j], plan, level)
    return MeasureResult(
        measure=measure.id,
        label=measure.label,
        group=measure.group,
        cells=row.cells,
        all_others=row.all_others,
        gap=row.gap,
        agreement=_agreement(measure, rated, instrument, pooled),
    )


def _agreement(
    measure: Measure, rated: Ratings, instrument: Instrument, pooled: np.ndarray
) -> Agreement | None:
    """rwg(j) over the measure's items, among the answers pooled into all others.

    Only for multi-item measures: rwg(j) is an index for scales, and on one item it would
    add the pooled raters' spread, one more fact about a handful of answers, for little use.
    """
    items = tuple(dict.fromkeys(instrument.measure_items(measure)))
    if len(items) < 2:
        return None
    columns = [instrument.item_ids.index(i) for i in dict.fromkeys(items)]
    values = np.where(pooled[:, columns], rated.items[:, columns], np.nan)
    nulls = [_null_variance(instrument, i) for i in items]
    return rwg_j(values, math.fsum(nulls) / len(nulls))


def _null_variance(instrument: Instrument, item: str) -> float:
    options = instrument.scales[instrument.item(item).scale].options
    return uniform_null_variance([o.score for o in options if o.score is not None])
