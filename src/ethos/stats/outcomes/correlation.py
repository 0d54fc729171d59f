"""Unit-level correlation between a culture score and an outcome indicator."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import stats

from ethos.stats.outcomes._common import (
    DROPPED,
    FEW_MONTHS,
    FEW_UNITS,
    HIGHER_IS_BETTER,
    NOT_CAUSE,
    association,
    check_direction,
    check_level,
    check_minimum,
    numeric,
)

__all__ = [
    "Correlation",
    "UnitCorrelation",
    "bonett_wright_interval",
    "fisher_interval",
    "unit_correlation",
]

FEW_RESPONDENTS = (
    "{k} of {n} units had fewer than {m} survey respondents; their culture scores are noisy, "
    "which tends to weaken a correlation."
)


@dataclass(frozen=True, slots=True)
class Correlation:
    """One correlation coefficient with its confidence interval and two-sided p-value."""

    estimate: float
    low: float
    high: float
    p_value: float
    method: str


@dataclass(frozen=True, slots=True)
class UnitCorrelation:
    """Correlation across units between a culture score and an outcome.

    Attributes
    ----------
    pearson, spearman:
        Pearson's r (Fisher z interval) and Spearman's rho (Bonett-Wright interval).
    n_units:
        Units with both values.
    n_dropped:
        Units left out for a missing value.
    level:
        Confidence level of the intervals.
    direction:
        Whether higher or lower values of the outcome are better.
    association:
        ``favourable``, ``unfavourable`` or ``unclear`` (Pearson interval includes zero):
        favourable when better culture goes with a better outcome.
    warnings:
        Plain-English cautions; the last always says that correlation is not cause.
    """

    pearson: Correlation
    spearman: Correlation
    n_units: int
    n_dropped: int
    level: float
    direction: str
    association: str
    warnings: tuple[str, ...]


def _check_n(n: int) -> None:
    if n < 4:
        raise ValueError(f"an interval for a correlation needs at least 4 units, got {n}")


def fisher_interval(r: float, n: int, level: float = 0.95) -> tuple[float, float]:
    """Confidence interval for Pearson's r by Fisher's z transformation.

    ``tanh(atanh(r) +/- z_{(1+level)/2} / sqrt(n - 3))`` (Fisher, 1921). Matches
    ``scipy.stats.pearsonr(x, y).confidence_interval()`` and ``pingouin.corr``.

    Raises
    ------
    ValueError
        If ``n < 4``, ``r`` is outside [-1, 1] or ``level`` is outside (0, 1).
    """
    return _fisher(r, n, level, 1.0)


def bonett_wright_interval(rho: float, n: int, level: float = 0.95) -> tuple[float, float]:
    """Confidence interval for Spearman's rho (Bonett and Wright, 2000).

    ``tanh(atanh(rho) +/- z_{(1+level)/2} sqrt((1 + rho^2 / 2) / (n - 3)))``: Fisher's
    transformation with the variance inflated as Bonett and Wright recommend for rank
    correlations (it improves on Fieller, Hartley and Pearson's ``1.06 / (n - 3)``).

    Raises
    ------
    ValueError
        If ``n < 4``, ``rho`` is outside [-1, 1] or ``level`` is outside (0, 1).
    """
    return _fisher(rho, n, level, 1.0 + rho**2 / 2.0)


def _fisher(r: float, n: int, level: float, inflation: float) -> tuple[float, float]:
    level = check_level(level)
    _check_n(n)
    if not -1.0 <= r <= 1.0:
        raise ValueError(f"a correlation must lie in [-1, 1], got {r}")
    half = stats.norm.ppf((1.0 + level) / 2.0) * np.sqrt(inflation / (n - 3))
    with np.errstate(divide="ignore"):
        z = np.arctanh(r)
    return float(np.tanh(z - half)), float(np.tanh(z + half))


def _pair(data: Any, culture: str, outcome: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    x, y = numeric(data, culture), numeric(data, outcome)
    keep = np.isfinite(x) & np.isfinite(y)
    n = int(keep.sum())
    _check_n(n)
    if np.ptp(x[keep]) == 0 or np.ptp(y[keep]) == 0:
        raise ValueError("the culture score and the outcome must both vary between units")
    return x[keep], y[keep], keep


Check = tuple[str, int, str]  # column, minimum, warning text


def _warnings(data: Any, keep: np.ndarray, checks: list[Check]) -> list[str]:
    n = int(keep.sum())
    notes = [FEW_UNITS.format(n=n)] if n < 10 else []
    if not keep.all():
        notes.append(DROPPED.format(d=int((~keep).sum())))
    for column, minimum, text in checks:
        values = numeric(data, column)[keep]
        k = int(np.sum(~(values >= minimum)))  # a missing count counts as too few
        if k:
            notes.append(text.format(k=k, n=n, m=minimum))
    return [*notes, NOT_CAUSE]


def unit_correlation(
    data: Any,
    culture: str = "culture_score",
    outcome: str = "value",
    *,
    respondents: str | None = None,
    months: str | None = None,
    direction: str = HIGHER_IS_BETTER,
    level: float = 0.95,
    min_respondents: int = 10,
    min_months: int = 6,
) -> UnitCorrelation:
    """Correlate a culture score with an outcome across units, honestly.

    One row per unit. Rows with either value missing are dropped. Pearson's ``r`` gets the
    Fisher z interval ``tanh(atanh(r) +/- z / sqrt(n - 3))`` (Fisher, 1921) and the usual t test
    with ``n - 2`` degrees of freedom; Spearman's ``rho`` gets the Bonett and Wright (2000)
    interval ``tanh(atanh(rho) +/- z sqrt((1 + rho^2/2) / (n - 3)))`` and scipy's p-value.
    The association is *favourable* when the Pearson interval excludes zero on the side where
    better culture goes with a better outcome (positive for ``higher is better``, negative for
    ``lower is better``), *unfavourable* on the other side, *unclear* otherwise.

    Warnings (plain English) flag fewer than 10 units, dropped rows, units with fewer than
    ``min_respondents`` respondents or ``min_months`` months of data (when those columns are
    named), and always that correlation is not cause (see West and Dawson, 2012, *Employee
    engagement and NHS performance*, for the unit-level evidence and its limits).

    Parameters
    ----------
    data : polars.DataFrame, pandas.DataFrame or mapping
        One row per unit.
    culture, outcome : str
        Columns holding the unit's culture score and outcome value.
    respondents, months : str, optional
        Columns with each unit's number of survey respondents and months of outcome data.
    direction : {"higher is better", "lower is better"}
        Which way the outcome improves.
    level : float
        Confidence level.
    min_respondents, min_months : int
        Thresholds for the warnings.

    Returns
    -------
    UnitCorrelation

    Raises
    ------
    ValueError
        If a column is missing or not numeric, fewer than 4 units have both values, either
        variable is constant, ``direction`` is unknown, ``level`` is outside (0, 1) or a
        threshold is not a whole number of at least 1.
    """
    direction, level = check_direction(direction), check_level(level)
    checks: list[Check] = []
    if respondents is not None:
        minimum = check_minimum("min_respondents", min_respondents)
        checks.append((respondents, minimum, FEW_RESPONDENTS))
    if months is not None:
        checks.append((months, check_minimum("min_months", min_months), FEW_MONTHS))
    x, y, keep = _pair(data, culture, outcome)
    n = x.size
    pearson = stats.pearsonr(x, y)
    spearman = stats.spearmanr(x, y)
    r, rho = float(pearson.statistic), float(spearman.statistic)
    p_low, p_high = fisher_interval(r, n, level)
    s_low, s_high = bonett_wright_interval(rho, n, level)
    return UnitCorrelation(
        pearson=Correlation(r, p_low, p_high, float(pearson.pvalue), "Pearson (Fisher z)"),
        spearman=Correlation(
            rho, s_low, s_high, float(spearman.pvalue), "Spearman (Bonett-Wright)"
        ),
        n_units=n,
        n_dropped=int((~keep).sum()),
        level=level,
        direction=direction,
        association=association(p_low, p_high, direction),
        warnings=tuple(_warnings(data, keep, checks)),
    )
