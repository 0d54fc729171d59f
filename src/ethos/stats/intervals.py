"""Confidence intervals and tests from summary statistics.

Everything here works from means, standard deviations and counts, so it applies to aggregated
(disclosure-controlled) results; vectorised functions give ``NaN`` where undefined (``n < 2``).
"""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy import special, stats

__all__ = [
    "FDRResult",
    "Interval",
    "IntervalArrays",
    "TTestResult",
    "ZTestResult",
    "benjamini_hochberg",
    "one_sample_t",
    "t_interval",
    "t_intervals",
    "two_proportion_test",
    "welch_test",
    "wilson_interval",
    "wilson_intervals",
]


@dataclass(frozen=True, slots=True)
class Interval:
    """A two-sided confidence interval."""

    low: float
    high: float
    level: float
    method: str


@dataclass(frozen=True, slots=True, eq=False)
class IntervalArrays:
    """Element-wise confidence intervals; unpacks as ``low, high``."""

    low: np.ndarray
    high: np.ndarray
    level: float
    method: str

    def __iter__(self) -> Iterator[np.ndarray]:
        return iter((self.low, self.high))


@dataclass(frozen=True, slots=True, eq=False)
class TTestResult:
    """Element-wise t statistics; unpacks as ``t, df, p`` (two-sided p-values)."""

    t: np.ndarray
    df: np.ndarray
    p: np.ndarray

    def __iter__(self) -> Iterator[np.ndarray]:
        return iter((self.t, self.df, self.p))


@dataclass(frozen=True, slots=True, eq=False)
class ZTestResult:
    """Element-wise z statistics; unpacks as ``z, p`` (two-sided p-values)."""

    z: np.ndarray
    p: np.ndarray

    def __iter__(self) -> Iterator[np.ndarray]:
        return iter((self.z, self.p))


@dataclass(frozen=True, slots=True, eq=False)
class FDRResult:
    """Benjamini-Hochberg decisions; unpacks as ``reject, qvalues``."""

    reject: np.ndarray
    qvalues: np.ndarray
    alpha: float

    def __iter__(self) -> Iterator[np.ndarray]:
        return iter((self.reject, self.qvalues))


def _check_level(level: float) -> float:
    level = float(level)
    if not 0.0 < level < 1.0:
        raise ValueError(f"level must be strictly between 0 and 1, got {level}")
    return level


def _arrays(**named: object) -> list[np.ndarray]:
    """Convert named inputs to float arrays of one broadcast shape (ValueError otherwise)."""
    arrays = {k: np.asarray(v, dtype=np.float64) for k, v in named.items()}
    try:
        shape = np.broadcast_shapes(*(a.shape for a in arrays.values()))
    except ValueError:
        shapes = ", ".join(f"{k} {a.shape}" for k, a in arrays.items())
        raise ValueError(f"inputs have mismatched lengths/shapes: {shapes}") from None
    return [np.broadcast_to(a, shape).copy() for a in arrays.values()]


def _check_nonnegative(**named: np.ndarray) -> None:
    for name, values in named.items():
        if np.any(values < 0):  # NaN compares False and passes through
            raise ValueError(f"{name} must be non-negative, got {values[values < 0][:5]}")


def _readonly(*arrays: np.ndarray) -> tuple[np.ndarray, ...]:
    for a in arrays:
        a.setflags(write=False)
    return arrays


def t_intervals(
    mean: npt.ArrayLike, sd: npt.ArrayLike, n: npt.ArrayLike, level: float = 0.95
) -> IntervalArrays:
    """Vectorised Student t confidence intervals for means from summary statistics.

    ``mean +/- t_{(1+level)/2, n-1} * sd / sqrt(n)`` (Student, 1908), element-wise.

    Parameters
    ----------
    mean, sd, n : array_like
        Sample means, sample standard deviations (ddof=1) and sample sizes; broadcastable.
    level : float
        Confidence level in (0, 1).

    Returns
    -------
    IntervalArrays
        ``low`` and ``high`` arrays (unpacks as ``low, high``); ``NaN`` where ``n < 2`` or an
        input is ``NaN``.

    Notes
    -----
    Checked against ``scipy.stats.t.interval`` and by simulated coverage in the tests.
    """
    level = _check_level(level)
    mean, sd, n = _arrays(mean=mean, sd=sd, n=n)
    _check_nonnegative(sd=sd, n=n)
    ok = n >= 2
    df = np.where(ok, n - 1.0, np.nan)
    # The quantile depends on df alone: compute it once per distinct df (few, even nationally).
    distinct, inverse = np.unique(df, return_inverse=True)
    quantile = stats.t.ppf((1.0 + level) / 2.0, distinct)[inverse.reshape(df.shape)]
    half = quantile * sd / np.sqrt(np.where(ok, n, np.nan))
    low, high = _readonly(mean - half, mean + half)
    return IntervalArrays(low=low, high=high, level=level, method="Student t")


def t_interval(mean: float, sd: float, n: int, level: float = 0.95) -> Interval:
    """Student t confidence interval for one mean from summary statistics.

    ``mean +/- t_{(1+level)/2, n-1} * sd / sqrt(n)`` (Student, 1908).

    Parameters
    ----------
    mean, sd, n : float
        Sample mean, sample standard deviation (ddof=1, >= 0) and sample size (>= 2).
    level : float
        Confidence level in (0, 1).

    Returns
    -------
    Interval

    Raises
    ------
    ValueError
        If ``n < 2``, ``sd < 0``, an input is not finite or ``level`` is outside (0, 1).

    Notes
    -----
    Checked against ``scipy.stats.t.interval``.
    """
    if not (np.isfinite(mean) and np.isfinite(sd) and np.isfinite(n)):
        raise ValueError(f"mean, sd and n must be finite, got {mean}, {sd}, {n}")
    if n < 2:
        raise ValueError(f"a t interval needs n >= 2 observations, got n={n}")
    if sd < 0:
        raise ValueError(f"sd must be non-negative, got {sd}")
    res = t_intervals(np.asarray(mean), np.asarray(sd), np.asarray(n), level)
    return Interval(float(res.low), float(res.high), res.level, res.method)


def wilson_intervals(
    successes: npt.ArrayLike, n: npt.ArrayLike, level: float = 0.95
) -> IntervalArrays:
    """Vectorised Wilson score intervals for binomial proportions.

    With ``p = x/n`` and ``z = Phi^{-1}((1+level)/2)``::

        centre = (p + z^2/(2n)) / (1 + z^2/n)
        half   = z / (1 + z^2/n) * sqrt(p(1-p)/n + z^2/(4n^2))

    (Wilson, 1927; recommended by Newcombe, 1998.)

    Parameters
    ----------
    successes, n : array_like
        Counts of successes and trials; broadcastable, with ``0 <= successes <= n``.
    level : float
        Confidence level in (0, 1).

    Returns
    -------
    IntervalArrays
        ``NaN`` where ``n == 0`` or an input is ``NaN``.

    Raises
    ------
    ValueError
        On negative counts, successes greater than trials or mismatched shapes.

    Notes
    -----
    Checked against ``statsmodels.stats.proportion.proportion_confint(method="wilson")``.
    """
    level = _check_level(level)
    x, n = _arrays(successes=successes, n=n)
    _check_nonnegative(successes=x, n=n)
    if np.any(x > n):
        raise ValueError("successes must not exceed n (the number of trials)")
    z = stats.norm.ppf((1.0 + level) / 2.0)
    nn = np.where(n > 0, n, np.nan)
    p = x / nn
    denom = 1.0 + z**2 / nn
    centre = (p + z**2 / (2.0 * nn)) / denom
    half = z / denom * np.sqrt(p * (1.0 - p) / nn + z**2 / (4.0 * nn**2))
    low, high = _readonly(np.clip(centre - half, 0.0, 1.0), np.clip(centre + half, 0.0, 1.0))
    return IntervalArrays(low=low, high=high, level=level, method="Wilson score")


def wilson_interval(successes: float, n: float, level: float = 0.95) -> Interval:
    """Wilson score interval for one binomial proportion.

    ``(p + z^2/(2n) +/- z sqrt(p(1-p)/n + z^2/(4n^2))) / (1 + z^2/n)`` with ``p = x/n`` and
    ``z = Phi^{-1}((1+level)/2)`` (Wilson, 1927; Newcombe, 1998).

    Raises
    ------
    ValueError
        If ``n <= 0``, a count is negative or not finite, or ``successes > n``.

    Notes
    -----
    Checked against ``statsmodels.stats.proportion.proportion_confint(method="wilson")``.
    """
    if not (np.isfinite(successes) and np.isfinite(n)):
        raise ValueError(f"successes and n must be finite, got {successes}, {n}")
    if n <= 0:
        raise ValueError(f"n (number of trials) must be positive, got {n}")
    res = wilson_intervals(np.asarray(successes), np.asarray(n), level)
    return Interval(float(res.low), float(res.high), res.level, res.method)


def benjamini_hochberg(
    pvalues: npt.ArrayLike, alpha: float = 0.05, order: np.ndarray | None = None
) -> FDRResult:
    """Benjamini-Hochberg step-up false discovery rate control.

    With the ``m`` non-missing p-values sorted, ``p_(1) <= ... <= p_(m)``, the adjusted value is
    ``q_(i) = min_{j >= i} min(1, m p_(j) / j)`` and hypothesis ``i`` is rejected when
    ``q_i <= alpha`` (Benjamini and Hochberg, 1995).

    Parameters
    ----------
    pvalues : array_like
        1-D p-values in [0, 1]; ``NaN`` entries are ignored (they do not count towards ``m``)
        and come back as ``q = NaN``, ``reject = False``.
    alpha : float
        Target false discovery rate in (0, 1).
    order : array, optional
        The positions of the non-missing p-values from the smallest up (ties in any order),
        when the caller has sorted them already; else they are sorted here.

    Returns
    -------
    FDRResult
        Unpacks as ``reject, qvalues``.

    Notes
    -----
    Checked against ``statsmodels.stats.multitest.multipletests(method="fdr_bh")``.
    """
    alpha = _check_level(alpha)
    p = np.asarray(pvalues, dtype=np.float64)
    if p.ndim != 1:
        raise ValueError(f"pvalues must be 1-D, got shape {p.shape}")
    if np.any((p < 0) | (p > 1)):
        raise ValueError("p-values must lie in [0, 1]")
    q = np.full(p.shape, np.nan)
    idx = np.flatnonzero(~np.isnan(p))
    m = idx.size
    if m:
        # Tied p-values get the same q whatever their order (the running minimum from the top
        # reaches the last of them first), so a faster sort that breaks ties anyhow will do.
        if order is None:
            order = idx[np.argsort(p[idx])]
        elif order.size != m:
            raise ValueError("order must list every p-value that is not NaN, once")
        scaled = p[order] * m / np.arange(1, m + 1)
        q[order] = np.minimum(1.0, np.minimum.accumulate(scaled[::-1])[::-1])
    reject = np.zeros(p.shape, dtype=bool)
    reject[idx] = q[idx] <= alpha
    reject, q = _readonly(reject, q)
    return FDRResult(reject=reject, qvalues=q, alpha=alpha)


def welch_test(
    mean1: npt.ArrayLike,
    sd1: npt.ArrayLike,
    n1: npt.ArrayLike,
    mean2: npt.ArrayLike,
    sd2: npt.ArrayLike,
    n2: npt.ArrayLike,
) -> TTestResult:
    """Welch's unequal-variance t test from summary statistics, element-wise.

    With ``v_i = sd_i^2 / n_i``: ``t = (mean1 - mean2) / sqrt(v1 + v2)`` and Welch-Satterthwaite
    ``df = (v1 + v2)^2 / (v1^2/(n1-1) + v2^2/(n2-1))``; ``p = 2 * P(T_df > |t|)``
    (Welch, 1947; Satterthwaite, 1946).

    Returns
    -------
    TTestResult
        Unpacks as ``t, df, p``; ``NaN`` where either ``n < 2`` or both variances are zero.

    Notes
    -----
    Checked against ``scipy.stats.ttest_ind_from_stats(..., equal_var=False)``.
    """
    m1, s1, k1, m2, s2, k2 = _arrays(mean1=mean1, sd1=sd1, n1=n1, mean2=mean2, sd2=sd2, n2=n2)
    _check_nonnegative(sd1=s1, n1=k1, sd2=s2, n2=k2)
    ok = (k1 >= 2) & (k2 >= 2)
    k1, k2 = np.where(ok, k1, np.nan), np.where(ok, k2, np.nan)
    v1, v2 = s1**2 / k1, s2**2 / k2
    se2 = np.where(v1 + v2 > 0, v1 + v2, np.nan)
    t = (m1 - m2) / np.sqrt(se2)
    df = se2**2 / (v1**2 / (k1 - 1.0) + v2**2 / (k2 - 1.0))
    p = 2.0 * t_upper(np.abs(t), df)
    return TTestResult(*_readonly(t, df, p))


_SPLIT_FROM = 100_000


def t_upper(t: np.ndarray, df: np.ndarray) -> np.ndarray:
    """``P(T_df > t)`` element-wise (``scipy.stats.t.sf``, exactly).

    A heatmap's worth (hundreds of thousands of cells) is split between two threads: scipy's
    loop releases the GIL, and the t distribution's tail is the costliest step of a national
    comparison (0.09 s in one thread, 0.06 s in two).
    """
    t, df = np.broadcast_arrays(np.asarray(t, dtype=np.float64), np.asarray(df, dtype=np.float64))
    if t.size < _SPLIT_FROM or t.ndim != 1:
        return np.asarray(special.stdtr(df, -t))
    half = t.size // 2
    with ThreadPoolExecutor(max_workers=1) as pool:
        later = pool.submit(special.stdtr, df[half:], -t[half:])
        first = special.stdtr(df[:half], -t[:half])
        return np.concatenate([first, later.result()])


def one_sample_t(
    mean: npt.ArrayLike, sd: npt.ArrayLike, n: npt.ArrayLike, mu0: float
) -> TTestResult:
    """One-sample t test of ``H0: mu = mu0`` from summary statistics, element-wise.

    ``t = (mean - mu0) / (sd / sqrt(n))`` with ``df = n - 1``; ``p = 2 * P(T_df > |t|)``
    (Student, 1908).

    Returns
    -------
    TTestResult
        Unpacks as ``t, df, p``; ``NaN`` where ``n < 2`` or ``sd == 0``.

    Notes
    -----
    Checked against ``scipy.stats.ttest_1samp`` on the underlying raw data.
    """
    m, s, k, mu = _arrays(mean=mean, sd=sd, n=n, mu0=mu0)
    _check_nonnegative(sd=s, n=k)
    k = np.where(k >= 2, k, np.nan)
    se = np.where(s > 0, s, np.nan) / np.sqrt(k)
    t = (m - mu) / se
    df = k - 1.0
    p = 2.0 * t_upper(np.abs(t), df)
    return TTestResult(*_readonly(t, df, p))


def two_proportion_test(
    x1: npt.ArrayLike, n1: npt.ArrayLike, x2: npt.ArrayLike, n2: npt.ArrayLike
) -> ZTestResult:
    """Pooled two-proportion z test, element-wise.

    With ``p_i = x_i/n_i`` and pooled ``p = (x1 + x2)/(n1 + n2)``:
    ``z = (p1 - p2) / sqrt(p (1-p) (1/n1 + 1/n2))``, ``p-value = 2 * (1 - Phi(|z|))``
    (e.g. Agresti, 2013, section 3.1; equivalent to the uncorrected 2x2 chi-square test).

    Returns
    -------
    ZTestResult
        Unpacks as ``z, p``; ``NaN`` where a group has ``n == 0`` or the pooled proportion is 0
        or 1.

    Raises
    ------
    ValueError
        On negative counts, ``x > n`` or mismatched shapes.

    Notes
    -----
    Checked against ``statsmodels.stats.proportion.proportions_ztest`` and
    ``scipy.stats.chi2_contingency(correction=False)``.
    """
    a, na, b, nb = _arrays(x1=x1, n1=n1, x2=x2, n2=n2)
    _check_nonnegative(x1=a, n1=na, x2=b, n2=nb)
    if np.any(a > na) or np.any(b > nb):
        raise ValueError("successes (x1, x2) must not exceed their totals (n1, n2)")
    na, nb = np.where(na > 0, na, np.nan), np.where(nb > 0, nb, np.nan)
    pooled = (a + b) / (na + nb)
    var = pooled * (1.0 - pooled) * (1.0 / na + 1.0 / nb)
    z = (a / na - b / nb) / np.sqrt(np.where(var > 0, var, np.nan))
    p = 2.0 * stats.norm.sf(np.abs(z))
    return ZTestResult(*_readonly(z, p))
