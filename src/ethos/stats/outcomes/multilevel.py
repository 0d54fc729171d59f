"""A random-intercept model of monthly outcomes nested in units, against culture scores."""

from __future__ import annotations

import warnings
from collections.abc import Sequence
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
    labels,
    numeric,
)

__all__ = ["MultilevelResult", "multilevel_slope"]

NOT_CONVERGED = (
    "The model did not converge, so its numbers are unreliable: check the data for odd values "
    "or units with very few months."
)
BOUNDARY = (
    "The model found no differences between units beyond the month-to-month noise (the unit "
    "variance is at or near zero, a boundary fit). The slope is then close to an ordinary "
    "regression's, and its interval may be too narrow."
)
FEW_UNITS_VARIANCE = (
    "With {n} units the spread between units (the unit variance) is only roughly estimated."
)
BETWEEN_UNITS = (
    "The culture score is measured per unit, so the slope compares units with one another; "
    "it does not show what happens to a unit's outcome when its culture changes."
)


@dataclass(frozen=True, slots=True)
class MultilevelResult:
    """Fixed-effect slope of an outcome on the culture score, with a random unit intercept.

    Attributes
    ----------
    slope, low, high, p_value:
        The culture score's fixed effect, its Wald interval and two-sided p-value. With
        ``standardised`` the slope is the change in the outcome per 1 SD of the culture score
        between units (``culture_sd``); otherwise per 1 point of the score.
    standardised, culture_mean, culture_sd:
        Whether the score was standardised, and the between-unit mean and SD used.
    unit_variance, residual_variance, icc:
        Variance of the unit intercepts, of months within units, and the intraclass
        correlation ``unit / (unit + residual)``.
    n_units, n_obs:
        Units and monthly observations used.
    converged:
        Whether the optimiser converged.
    covariates:
        Extra fixed effects adjusted for.
    direction, association, level, warnings:
        As in :class:`~ethos.stats.outcomes.UnitCorrelation`.
    """

    slope: float
    low: float
    high: float
    p_value: float
    standardised: bool
    culture_mean: float
    culture_sd: float
    unit_variance: float
    residual_variance: float
    icc: float
    n_units: int
    n_obs: int
    converged: bool
    covariates: tuple[str, ...]
    level: float
    direction: str
    association: str
    warnings: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class _Data:
    y: np.ndarray
    x: np.ndarray
    covariates: np.ndarray
    groups: np.ndarray
    dropped: int


def _read(data: Any, outcome: str, culture: str, unit: str, covariates: Sequence[str]) -> _Data:
    y, x = numeric(data, outcome), numeric(data, culture)
    extra = np.column_stack([numeric(data, c) for c in covariates] or [np.empty((y.size, 0))])
    groups = labels(data, unit)
    keep = np.isfinite(y) & np.isfinite(x) & np.all(np.isfinite(extra), axis=1)
    keep &= np.array([g is not None for g in groups], dtype=bool)
    n_units = len(set(groups[keep]))
    if n_units < 3:
        raise ValueError(f"a multilevel model needs at least 3 units with data, got {n_units}")
    if keep.sum() <= n_units + 1 + extra.shape[1]:
        raise ValueError("too few monthly values: units need repeated months to fit the model")
    return _Data(y[keep], x[keep], extra[keep], groups[keep], int((~keep).sum()))


def _standardise(x: np.ndarray, groups: np.ndarray) -> tuple[float, float]:
    """Mean and SD (ddof=1) of the unit means of ``x``: the between-unit distribution."""
    _, index = np.unique(groups.astype(str), return_inverse=True)
    means = np.bincount(index, weights=x) / np.bincount(index)
    sd = float(np.std(means, ddof=1))
    if not sd > 0:
        raise ValueError("the culture score must vary between units")
    return float(np.mean(means)), sd


def _design(d: _Data, centre: float, scale: float) -> np.ndarray:
    exog = np.column_stack([np.ones(d.y.size), (d.x - centre) / scale, d.covariates])
    if np.linalg.matrix_rank(exog) < exog.shape[1]:
        raise ValueError(
            "the culture score and covariates are collinear (or one is constant): drop a covariate"
        )
    return exog


def _fit(d: _Data, exog: np.ndarray) -> tuple[Any, list[str]]:
    """Default MixedLM fit (REML; bfgs then lbfgs then cg), recording warnings."""
    from statsmodels.regression.mixed_linear_model import MixedLM  # slow to import: on use

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = MixedLM(d.y, exog, groups=d.groups).fit(reml=True)
    return result, [str(w.message) for w in caught]


def _notes(
    d: _Data, result: Any, messages: list[str], unit_var: float, min_months: int
) -> list[str]:
    n_units = len(set(d.groups))
    notes = [] if result.converged else [NOT_CONVERGED]
    boundary = any("boundary" in m or "singular" in m for m in messages)
    if boundary or unit_var <= 1e-6 * float(result.scale):
        notes.append(BOUNDARY)
    if n_units < 10:
        notes.append(FEW_UNITS.format(n=n_units))
    elif n_units < 30:
        notes.append(FEW_UNITS_VARIANCE.format(n=n_units))
    _, counts = np.unique(d.groups.astype(str), return_counts=True)
    if np.any(counts < min_months):
        k = int(np.sum(counts < min_months))
        notes.append(FEW_MONTHS.format(k=k, n=n_units, m=min_months))
    if d.dropped:
        notes.append(DROPPED.format(d=d.dropped))
    return [*notes, BETWEEN_UNITS, NOT_CAUSE]


def multilevel_slope(
    data: Any,
    culture: str = "culture_score",
    outcome: str = "value",
    unit: str = "unit_code",
    covariates: Sequence[str] = (),
    *,
    standardise: bool = True,
    direction: str = HIGHER_IS_BETTER,
    level: float = 0.95,
    min_months: int = 6,
) -> MultilevelResult:
    """Fit monthly outcome values nested in units against the units' culture scores.

    The linear mixed model (Laird and Ware, 1982; Snijders and Bosker, 2012) for month ``t``
    of unit ``j``::

        y_tj = b0 + b1 c_j + b2' w_tj + u_j + e_tj,  u_j ~ N(0, tau^2),  e_tj ~ N(0, sigma^2)

    fitted by REML with statsmodels ``MixedLM`` and its default optimisers (no forced
    ``lbfgs``, which can fail silently). With ``standardise`` the culture score is
    ``c_j = (s_j - m) / sd``, ``m`` and ``sd`` the mean and SD (ddof=1) of the unit mean
    scores, so ``b1`` is the change in the outcome per 1 SD of culture score between units.
    The interval is Wald, ``b1 +/- z_{(1+level)/2} se(b1)``, and the p-value two-sided normal,
    as statsmodels reports. ``icc = tau^2 / (tau^2 + sigma^2)``.

    Parameters
    ----------
    data : polars.DataFrame, pandas.DataFrame or mapping
        One row per unit and month: the outcome, the unit's culture score, the unit label and
        any covariates. Rows with a missing value are dropped.
    culture, outcome, unit : str
        Column names.
    covariates : sequence of str
        Numeric columns to adjust for (for example unit size or case mix).
    standardise : bool
        Standardise the culture score between units (default) or keep its own scale.
    direction : {"higher is better", "lower is better"}
        Which way the outcome improves.
    level : float
        Confidence level.
    min_months : int
        Units with fewer months of data are named in a warning.

    Returns
    -------
    MultilevelResult

    Raises
    ------
    ValueError
        If a column is missing or not numeric, fewer than 3 units or too few months have data,
        the culture score does not vary between units, covariates are collinear, or
        ``direction``, ``level`` or ``min_months`` is invalid.
    """
    direction, level = check_direction(direction), check_level(level)
    min_months = check_minimum("min_months", min_months)
    if isinstance(covariates, str):
        raise ValueError("covariates must be a sequence of column names, not a single string")
    d = _read(data, outcome, culture, unit, covariates)
    centre, sd = _standardise(d.x, d.groups)
    scale = sd if standardise else 1.0
    result, messages = _fit(d, _design(d, centre if standardise else 0.0, scale))
    slope, se = float(result.fe_params[1]), float(result.bse_fe[1])
    half = float(stats.norm.ppf((1.0 + level) / 2.0)) * se
    unit_var = max(float(np.asarray(result.cov_re)[0, 0]), 0.0)
    residual = float(result.scale)
    return MultilevelResult(
        slope=slope,
        low=slope - half,
        high=slope + half,
        p_value=float(2.0 * stats.norm.sf(abs(slope / se))),
        standardised=bool(standardise),
        culture_mean=centre,
        culture_sd=sd,
        unit_variance=unit_var,
        residual_variance=residual,
        icc=unit_var / (unit_var + residual),
        n_units=len(set(d.groups)),
        n_obs=int(d.y.size),
        converged=bool(result.converged),
        covariates=tuple(covariates),
        level=level,
        direction=direction,
        association=association(slope - half, slope + half, direction),
        warnings=tuple(_notes(d, result, messages, unit_var, min_months)),
    )
