"""Rater agreement for one leader: rwg(j) with the uniform null (James, Demaree and Wolf, 1984).

Why rwg(j)? A 360 asks several people to rate *one* target. The question for the reader is
"do the raters see this person the same way?", which is within-group agreement about a single
target. Reliability indices such as the intraclass correlation need many targets and describe
how well ratings tell targets apart, so they do not answer it; rwg(j) does, for a scale of
several parallel items, from one group of raters. It reads on a plain 0 (no more agreement
than answers picked at random) to 1 (everyone gave the same answers) scale. The uniform null
(every option equally likely when raters agree on nothing) is the usual default and makes no
assumption about a response bias that cannot be estimated from a handful of raters. Its
limits: it overstates agreement when raters share a leniency bias (most 360 ratings sit at
the favourable end), and with three to five raters it is itself uncertain, so the report
shows it beside the number of raters and does not compute it below three.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

__all__ = ["MIN_AGREEMENT_RATERS", "Agreement", "rwg_j", "uniform_null_variance"]

MIN_AGREEMENT_RATERS = 3


@dataclass(frozen=True, slots=True)
class Agreement:
    """rwg(j) for one scale among one set of raters.

    ``raters`` rated at least one of the scale's items; ``items`` (J) is the number of items
    with at least two answers, whose variances enter ``mean_item_variance``; ``truncated`` is
    true when the observed variance reached the null variance and rwg(j) was set to 0.
    """

    rwg_j: float
    raters: int
    items: int
    mean_item_variance: float
    null_variance: float
    truncated: bool


def uniform_null_variance(option_scores: Sequence[float]) -> float:
    """Variance of answers picked uniformly at random from a scale's scoring options.

    ``sigma_EU^2 = (1/A) sum_a (x_a - mean x)^2`` over the ``A`` option scores ``x_a``. For
    ``A`` equally spaced codes 1..A this is ``(A^2 - 1) / 12`` (James, Demaree and Wolf,
    1984); on the 0-10 scale a five-point scale (0, 2.5, 5, 7.5, 10) gives 12.5, which is
    ``(25 - 1) / 12 = 2`` times the spacing squared (6.25).
    """
    scores = np.asarray(option_scores, dtype=np.float64)
    if scores.ndim != 1 or scores.size < 2 or not np.all(np.isfinite(scores)):
        raise ValueError("a uniform null needs at least two finite option scores")
    variance = float(np.var(scores))
    if variance <= 0:
        raise ValueError("the option scores are all equal, so the null variance is 0")
    return variance


def rwg_j(scores: np.ndarray, null_variance: float) -> Agreement | None:
    """Within-group agreement on a J-item scale (James, Demaree and Wolf, 1984).

    ``rwg(j) = J (1 - s^2 / sigma_EU^2) / (J (1 - s^2 / sigma_EU^2) + s^2 / sigma_EU^2)``

    where ``s^2`` is the mean over items of each item's sample variance (ddof = 1) among the
    raters who answered it, ``J`` the number of items with at least two answers and
    ``sigma_EU^2`` the null variance (:func:`uniform_null_variance`). When ``s^2 >=
    sigma_EU^2`` the raters agree no more than chance and rwg(j) is set to 0 (the usual
    truncation; LeBreton and Senter, 2008). By convention 0.70 or more is read as enough
    agreement to treat the raters' mean as a shared view (LeBreton and Senter, 2008, who
    also grade 0.51-0.70 moderate and 0.71-0.90 strong).

    Parameters
    ----------
    scores : 2-D array
        Raters by items, on the scale the null variance is on; ``NaN`` = not answered.
    null_variance : float
        ``sigma_EU^2``, positive.

    Returns
    -------
    Agreement or None
        ``None`` when fewer than three raters answered any item, or no item has two answers.
    """
    values = np.asarray(scores, dtype=np.float64)
    if values.ndim != 2:
        raise ValueError(f"scores must be 2-D (raters by items), got {values.ndim}-D")
    if not np.isfinite(null_variance) or null_variance <= 0:
        raise ValueError(f"null_variance must be positive, got {null_variance}")
    answered = np.isfinite(values)
    raters = int(answered.any(axis=1).sum())
    usable = answered.sum(axis=0) >= 2
    if raters < MIN_AGREEMENT_RATERS or not usable.any():
        return None
    # Item by item over the answers alone, so that rows of blanks cannot change a last bit.
    variance = [np.var(column[np.isfinite(column)], ddof=1) for column in values[:, usable].T]
    mean_variance = float(np.mean(variance))
    ratio = mean_variance / null_variance
    j = int(usable.sum())
    truncated = ratio >= 1.0
    rwg = 0.0 if truncated else j * (1 - ratio) / (j * (1 - ratio) + ratio)
    return Agreement(rwg, raters, j, mean_variance, float(null_variance), truncated)
