"""Relative likelihoods (risk ratios) as used by the NHS Workforce Race Equality Standard.

WRES indicators 2-4 report the relative likelihood of an outcome (appointment from
shortlisting, entering a formal disciplinary process, accessing training) for one group
compared with another: the ratio of the two groups' rates.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy import stats

__all__ = [
    "RelativeLikelihood",
    "RelativeLikelihoods",
    "relative_likelihood",
    "relative_likelihoods",
]

ZERO_CELL_NOTE = (
    "A zero cell (no events or no non-events in a group) was found, so 0.5 was added to every "
    "cell (Haldane-Anscombe correction) for the estimate and its interval."
)


@dataclass(frozen=True, slots=True)
class RelativeLikelihood:
    """Relative likelihood of group A versus group B with a log-method interval."""

    rl: float
    ci_low: float
    ci_high: float
    rate_a: float
    rate_b: float
    level: float
    corrected: bool
    note: str


@dataclass(frozen=True, slots=True, eq=False)
class RelativeLikelihoods:
    """Element-wise relative likelihoods; unpacks as ``rl, low, high``."""

    rl: np.ndarray
    ci_low: np.ndarray
    ci_high: np.ndarray
    corrected: np.ndarray
    level: float

    def __iter__(self) -> Iterator[np.ndarray]:
        return iter((self.rl, self.ci_low, self.ci_high))


def _counts(
    events_a: object, total_a: object, events_b: object, total_b: object
) -> list[np.ndarray]:
    named = {"events_a": events_a, "total_a": total_a, "events_b": events_b, "total_b": total_b}
    arrays = {k: np.asarray(v, dtype=np.float64) for k, v in named.items()}
    try:
        shape = np.broadcast_shapes(*(a.shape for a in arrays.values()))
    except ValueError:
        shapes = ", ".join(f"{k} {a.shape}" for k, a in arrays.items())
        raise ValueError(f"inputs have mismatched lengths/shapes: {shapes}") from None
    for name, a in arrays.items():
        if np.any(a < 0):
            raise ValueError(f"{name} must be non-negative counts")
    if np.any(arrays["events_a"] > arrays["total_a"]):
        raise ValueError("events_a must not exceed total_a")
    if np.any(arrays["events_b"] > arrays["total_b"]):
        raise ValueError("events_b must not exceed total_b")
    return [np.broadcast_to(a, shape).astype(np.float64) for a in arrays.values()]


def relative_likelihoods(
    events_a: npt.ArrayLike,
    total_a: npt.ArrayLike,
    events_b: npt.ArrayLike,
    total_b: npt.ArrayLike,
    level: float = 0.95,
) -> RelativeLikelihoods:
    """Vectorised relative likelihoods with log-method confidence intervals.

    ``RL = (a / n_a) / (b / n_b)`` with ``a``, ``b`` the events and ``n_a``, ``n_b`` the group
    totals; ``se(log RL) = sqrt(1/a - 1/n_a + 1/b - 1/n_b)`` and the interval is
    ``exp(log RL +/- z_{(1+level)/2} se)`` (Katz, Baptista, Azen and Pike, 1978).

    Zero-cell rule: where any of the four cells ``a``, ``n_a - a``, ``b``, ``n_b - b`` is zero,
    0.5 is added to every cell (so each total grows by 1) for both the point estimate and the
    interval (Haldane, 1956; Anscombe, 1956), and ``corrected`` is ``True`` there.

    Parameters
    ----------
    events_a, total_a, events_b, total_b : array_like
        Counts, broadcastable to one shape, with ``0 <= events <= total``.
    level : float
        Confidence level in (0, 1).

    Returns
    -------
    RelativeLikelihoods
        Unpacks as ``rl, low, high``; ``NaN`` where a group total is 0 or an input is ``NaN``
        (the scalar :func:`relative_likelihood` raises instead).

    Raises
    ------
    ValueError
        On negative counts, events greater than totals or mismatched shapes.

    Notes
    -----
    Checked against ``statsmodels.stats.contingency_tables.Table2x2.riskratio_confint`` and
    by simulated coverage in the tests.
    """
    if not 0.0 < level < 1.0:
        raise ValueError(f"level must be strictly between 0 and 1, got {level}")
    a, na, b, nb = _counts(events_a, total_a, events_b, total_b)
    valid = (na > 0) & (nb > 0)
    a, na, b, nb = (np.where(valid, v, np.nan) for v in (a, na, b, nb))
    corrected = valid & (np.minimum.reduce([a, na - a, b, nb - b]) == 0)
    shift = np.where(corrected, 0.5, 0.0)
    a, b = a + shift, b + shift
    na, nb = na + 2 * shift, nb + 2 * shift
    log_rl = np.log(a / na) - np.log(b / nb)
    se = np.sqrt(1.0 / a - 1.0 / na + 1.0 / b - 1.0 / nb)
    z = stats.norm.ppf((1.0 + level) / 2.0)
    arrays = (np.exp(log_rl), np.exp(log_rl - z * se), np.exp(log_rl + z * se), corrected)
    for arr in arrays:
        arr.setflags(write=False)
    return RelativeLikelihoods(*arrays, level=level)


def relative_likelihood(
    events_a: float, total_a: float, events_b: float, total_b: float, level: float = 0.95
) -> RelativeLikelihood:
    """Relative likelihood of an outcome in group A compared with group B.

    ``RL = (a / n_a) / (b / n_b)``, the WRES "relative likelihood" (a risk ratio), with the
    log-method interval ``exp(log RL +/- z se)``, ``se = sqrt(1/a - 1/n_a + 1/b - 1/n_b)``
    (Katz, Baptista, Azen and Pike, 1978).

    Zero-cell rule: if any of the four cells (events or non-events in either group) is zero,
    0.5 is added to every cell (Haldane-Anscombe correction; each total grows by 1) for both
    the point estimate and the interval; ``corrected`` is then ``True`` and ``note`` says so.
    ``rate_a`` and ``rate_b`` are always the uncorrected rates ``a / n_a`` and ``b / n_b``.

    Parameters
    ----------
    events_a, total_a : float
        Events and total in group A (the numerator group).
    events_b, total_b : float
        Events and total in group B (the reference group).
    level : float
        Confidence level in (0, 1).

    Returns
    -------
    RelativeLikelihood

    Raises
    ------
    ValueError
        If a group total is 0, a count is negative or not finite, or events exceed a total.

    Notes
    -----
    Reproduces published NHS WRES figures (appointment rates 46.99% vs 14.65% give 3.2;
    disciplinary rates 1.2% vs 0.7% give 1.7) and is checked against
    ``statsmodels.stats.contingency_tables.Table2x2.riskratio_confint``.
    """
    counts = np.array([events_a, total_a, events_b, total_b], dtype=np.float64)
    if not np.all(np.isfinite(counts)):
        raise ValueError(f"counts must be finite, got {counts.tolist()}")
    _counts(events_a, total_a, events_b, total_b)  # sign and events <= total checks first
    if total_a <= 0 or total_b <= 0:
        raise ValueError(f"group totals must be positive, got total_a={total_a}, total_b={total_b}")
    res = relative_likelihoods(counts[0], counts[1], counts[2], counts[3], level=level)
    corrected = bool(res.corrected)
    return RelativeLikelihood(
        rl=float(res.rl),
        ci_low=float(res.ci_low),
        ci_high=float(res.ci_high),
        rate_a=float(events_a / total_a),
        rate_b=float(events_b / total_b),
        level=float(level),
        corrected=corrected,
        note=ZERO_CELL_NOTE if corrected else "",
    )
