"""Answer codes for items: ordinal thresholds on a latent trait, or a yes/no event model.

Ordinal items: ``y = trait + noise + difficulty``; cut points split the spread of ``y`` into as
many bands as the scale has scoring options, shaped half uniform and half binomial when the
difficulty is 0 (middle options likelier); a positive difficulty leans answers to the
favourable end, as in real staff surveys. Higher ``y`` means a higher option score, or a
lower one for reverse-keyed items (whose keyed score is ``10 - score``).

Event items (harassment and other percent-yes measures): per respondent, the measure is positive
with probability ``sigmoid(a_band - slope * harassment_trait)``, with ``a_band`` solved so that
the average probability over the trait's distribution is the planted rate for the respondent's
ethnicity band. Items are then set so that the measure's rule (any/all) reproduces the event.
"""

from __future__ import annotations

import math
from statistics import NormalDist

import numpy as np

from ethos.instruments.model import Option, Scale
from ethos.synth import effects as fx
from ethos.synth.latent import TRAIT_SD, trait_variance

_NODES, _WEIGHTS = np.polynomial.hermite_e.hermegauss(61)
_WEIGHTS = _WEIGHTS / _WEIGHTS.sum()
DIFFICULTY = (0.3, 1.1)
UNIFORM_SHARE = 0.5  # base answer shape: this much uniform, the rest binomial (middle-heavy)
ALSO_POSITIVE = 0.4  # chance that another item of an "any" measure is positive too


def scoring_codes(scale: Scale) -> np.ndarray:
    """Codes of the scale's scoring options, from the lowest score to the highest."""
    ranked = sorted((o for o in scale.options if o.score is not None), key=lambda o: o.score or 0)
    return np.array([o.code for o in ranked], dtype=np.int64)


def ordinal_codes(
    scale: Scale,
    reverse: bool,
    latent: np.ndarray,
    traits: int,
    difficulty: float,
    rng: np.random.Generator,
) -> np.ndarray:
    """Answer codes of one ordinal item for respondents with the given latent scores."""
    codes = scoring_codes(scale)
    k = codes.size
    spread = math.sqrt(trait_variance(traits) + fx.ITEM_NOISE_SD**2)
    cuts = (spread * base_cuts(k)).astype(np.float32)
    noise = rng.standard_normal(latent.size, dtype=np.float32) * np.float32(fx.ITEM_NOISE_SD)
    y = latent + noise + np.float32(difficulty)
    index = np.zeros(latent.size, dtype=np.intp)
    for cut in cuts:  # a few comparisons beat a binary search per respondent
        index += y > cut
    return codes[k - 1 - index] if reverse else codes[index]


def base_cuts(k: int) -> np.ndarray:
    """Standard-normal cut points giving the base answer shape over ``k`` options."""
    binomial = np.array([math.comb(k - 1, j) for j in range(k)], dtype=float) / 2 ** (k - 1)
    shape = UNIFORM_SHARE / k + (1 - UNIFORM_SHARE) * binomial
    return np.array([NormalDist().inv_cdf(p) for p in np.cumsum(shape)[:-1].tolist()])


def calibrate(rate: float, slope: float, sd: float = TRAIT_SD) -> float:
    """Intercept ``a`` with mean of ``sigmoid(a + slope * sd * Z)`` equal to ``rate``, Z normal."""
    if not 0.0 < rate < 1.0:
        raise ValueError(f"an event rate must lie strictly between 0 and 1, got {rate}.")
    low, high = -30.0, 30.0
    for _ in range(80):
        mid = (low + high) / 2
        mean = float(_WEIGHTS @ (1.0 / (1.0 + np.exp(-(mid + slope * sd * _NODES)))))
        low, high = (mid, high) if mean < rate else (low, mid)
    return (low + high) / 2


def events(
    band: np.ndarray, rates: np.ndarray, harassment: np.ndarray, rng: np.random.Generator
) -> np.ndarray:
    """Whether each respondent experienced the event; ``rates[band]`` is their planted rate."""
    intercepts = np.array([calibrate(float(r), fx.EVENT_SLOPE) for r in rates])
    chance = 1.0 / (1.0 + np.exp(-(intercepts[band] - fx.EVENT_SLOPE * harassment)))
    return rng.random(harassment.size) < chance


def event_pattern(
    happened: np.ndarray, count: int, rule: str, rng: np.random.Generator
) -> np.ndarray:
    """Which of ``count`` items are positive (respondents x items) so that the rule holds."""
    n = happened.size
    key = rng.integers(0, count, n)
    extra = rng.random((n, count)) < ALSO_POSITIVE
    is_key = np.arange(count)[None, :] == key[:, None]
    if rule == "all":  # event: every item positive; else at least the key item negative
        return happened[:, None] | (extra & ~is_key)
    return happened[:, None] & (is_key | extra)


def event_codes(
    scale: Scale, reverse: bool, positive: np.ndarray, rng: np.random.Generator
) -> np.ndarray:
    """Codes for one event item: favourable-to-event options where ``positive``, else the rest."""
    scoring = [o for o in scale.options if o.score is not None]
    keyed = sorted(
        (((10.0 - (o.score or 0.0)) if reverse else (o.score or 0.0), o) for o in scoring),
        key=lambda pair: pair[0],
    )
    yes = [o for score, o in keyed if score > 5]  # least extreme first
    no = [o for score, o in keyed if score <= 5]  # most extreme ("never", "no") first
    if not yes or not no:
        yes = no = scoring
    out = _pick(no, 0.3, rng, positive.size)
    rows = np.flatnonzero(positive)
    out[rows] = _pick(yes, 0.6, rng, rows.size)
    return out


def _pick(options: list[Option], ratio: float, rng: np.random.Generator, n: int) -> np.ndarray:
    """Codes drawn with geometric weights ``1, ratio, ratio**2 ...`` over ``options``."""
    weights = ratio ** np.arange(len(options))
    codes = np.array([o.code for o in options], dtype=np.int64)
    return codes[
        np.searchsorted(np.cumsum(weights / weights.sum())[:-1], rng.random(n), side="right")
    ]
