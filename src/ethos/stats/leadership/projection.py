"""A five-year projection of leadership need against supply, with editable assumptions."""

from __future__ import annotations

import math
from collections.abc import Collection
from dataclasses import dataclass

import numpy as np
import polars as pl

from ethos.stats.leadership._data import (
    LEADER_BANDS,
    category_index,
    check_bands,
    leader_mask,
    read_posts,
    read_staff,
    require_frame,
    unit_tree,
)
from ethos.workforce.schema import PAY_BANDS, READINESS

__all__ = ["Assumptions", "Projection", "observed_assumptions", "project"]


def _check_rate(name: str, value: float) -> None:
    if not (math.isfinite(value) and 0.0 <= value <= 1.0):
        raise ValueError(f"{name} must be a proportion between 0 and 1, got {value}")


@dataclass(frozen=True, slots=True)
class Assumptions:
    """Yearly assumptions for the leadership projection; every field can be edited.

    Attributes
    ----------
    leaver_rate:
        Share of leaders who leave each year for reasons other than retirement (0 to 1).
    retirement_rate:
        Share of leaders who retire each year (0 to 1; with ``leaver_rate`` at most 1).
    post_growth:
        Yearly growth in the number of leadership posts (``0.02`` is 2% a year; above -1).
    pipeline:
        Newly ready leaders joining the supply each year (a number of people, at least 0).
    """

    leaver_rate: float
    retirement_rate: float
    post_growth: float
    pipeline: float

    def __post_init__(self) -> None:
        _check_rate("leaver_rate", self.leaver_rate)
        _check_rate("retirement_rate", self.retirement_rate)
        if self.leaver_rate + self.retirement_rate > 1.0:
            raise ValueError(
                "leaver_rate and retirement_rate together must not exceed 1, got "
                f"{self.leaver_rate} + {self.retirement_rate}"
            )
        if not (math.isfinite(self.post_growth) and self.post_growth > -1.0):
            raise ValueError(f"post_growth must be a finite rate above -1, got {self.post_growth}")
        if not (math.isfinite(self.pipeline) and self.pipeline >= 0.0):
            raise ValueError(f"pipeline must be a finite number of at least 0, got {self.pipeline}")


@dataclass(frozen=True, slots=True, eq=False)
class Projection:
    """Projected need and supply of leaders; arrays run over ``year`` ``0, 1, ..., years``.

    Attributes
    ----------
    assumptions:
        The assumptions used.
    year:
        Years from now; year 0 is the baseline on 31 March.
    need:
        Leadership posts to fill.
    remaining:
        Today's leaders still in post.
    pipeline:
        Newly ready leaders who have joined since year 0 and are still in post.
    supply:
        ``remaining + pipeline``.
    gap:
        ``need - supply``: positive is a shortfall, negative a surplus.
    """

    assumptions: Assumptions
    year: np.ndarray
    need: np.ndarray
    remaining: np.ndarray
    pipeline: np.ndarray
    supply: np.ndarray
    gap: np.ndarray


def _check_count(name: str, value: float) -> float:
    if isinstance(value, bool) or not (math.isfinite(value) and value >= 0):
        raise ValueError(f"{name} must be a finite number of at least 0, got {value!r}")
    return float(value)


def project(
    posts_now: float, leaders_now: float, assumptions: Assumptions, years: int = 5
) -> Projection:
    """Project leadership need against supply, year by year.

    With ``N_0`` posts and ``L_0`` leaders now, growth ``g``, leaver rate ``l``, retirement
    rate ``r`` and pipeline ``P`` per year, and ``q = 1 - l - r`` the share of leaders who stay
    a year (a deterministic stock-and-flow model, as in workforce planning practice, e.g.
    Health Education England, *Star* workforce planning guide)::

        need_t      = N_0 (1 + g)^t
        remaining_t = L_0 q^t
        pipeline_t  = P (1 + q + ... + q^(t-1))     (newly ready leaders leave at rate 1 - q)
        supply_t    = remaining_t + pipeline_t      (so supply_t = q supply_{t-1} + P)
        gap_t       = need_t - supply_t

    Leavers go during the year and the pipeline arrives at its end. Results are expected
    values, not counts: round them for display.

    Raises
    ------
    ValueError
        If ``posts_now`` or ``leaders_now`` is negative or not finite, ``years`` is not a whole
        number from 1 to 50, or ``assumptions`` is not an :class:`Assumptions`.
    """
    posts = _check_count("posts_now", posts_now)
    leaders = _check_count("leaders_now", leaders_now)
    if isinstance(years, bool) or not isinstance(years, int) or not 1 <= years <= 50:
        raise ValueError(f"years must be a whole number from 1 to 50, got {years!r}")
    if not isinstance(assumptions, Assumptions):
        raise ValueError("assumptions must be an Assumptions instance")
    a = assumptions
    t = np.arange(years + 1)
    stay = 1.0 - a.leaver_rate - a.retirement_rate
    need = posts * (1.0 + a.post_growth) ** t
    remaining = leaders * stay**t
    pipeline = a.pipeline * np.r_[0.0, np.cumsum(stay ** t[:-1])]
    supply = remaining + pipeline
    arrays = [t, need, remaining, pipeline, supply, need - supply]
    for array in arrays:
        array.setflags(write=False)
    return Projection(a, *arrays)


def observed_assumptions(
    staff: object,
    posts: object,
    successors: object,
    units: object,
    year: int,
    leader_bands: Collection[str] = LEADER_BANDS,
    horizon: int = 5,
) -> Assumptions:
    """Default assumptions derived from one reporting year's data.

    With ``H`` the average of the leaders (staff in ``leader_bands``) in post on 1 April and on
    31 March, as in :func:`ethos.stats.leadership.turnover`:

    * ``retirement_rate = R / H``, ``R`` the leaders who left in the year giving retirement as
      the reason;
    * ``leaver_rate = (L - R) / H``, ``L`` all leaders who left in the year;
    * ``post_growth = 0``: one snapshot of posts cannot show growth, so set it from plans;
    * ``pipeline = S / horizon``: ``S`` the distinct people named as successors (any
      readiness) who hold no leadership post now, spread evenly over the horizon. People who
      already hold a post are left out: promoting them moves a leader, it does not add one.

    Raises
    ------
    ValueError
        On bad frames, an unknown pay band, ``horizon`` not a whole number from 1 to 50, or no
        leaders in post at either end of the year to derive rates from.
    """
    if isinstance(horizon, bool) or not isinstance(horizon, int) or not 1 <= horizon <= 50:
        raise ValueError(f"horizon must be a whole number from 1 to 50, got {horizon!r}")
    bands = check_bands(leader_bands)
    tree = unit_tree(units)
    people = read_staff(staff, tree, year)
    leaders = np.isin(people.band, [PAY_BANDS.index(b) for b in bands])
    average = (np.sum(leaders & people.at_start) + np.sum(leaders & people.at_end)) / 2.0
    if average == 0:
        raise ValueError("no leaders (staff in leader_bands) in post to derive rates from")
    retired = np.sum(leaders & people.retired)
    left = np.sum(leaders & people.leaver)
    data = read_posts(posts, tree)
    holders = leader_mask(data, people)
    return Assumptions(
        leaver_rate=float((left - retired) / average),
        retirement_rate=float(retired / average),
        post_growth=0.0,
        pipeline=_pipeline(successors, data.ids, people.ids, holders) / horizon,
    )


def _pipeline(
    successors: object, post_ids: tuple[str, ...], ids: tuple[str, ...], holders: np.ndarray
) -> float:
    frame = require_frame(successors, "successors")
    category_index(frame, "post_id", post_ids, "successors")
    category_index(frame, "readiness", READINESS, "successors")
    named = set(frame.get_column("staff_id").cast(pl.String).drop_nulls().to_list())
    holding = {sid for sid, held in zip(ids, holders, strict=True) if held}
    return float(len(named - holding))
