"""Latent traits per respondent: unit effect + person effect + planted shifts.

Each trait (see :data:`ethos.synth.effects.TRAITS`) shares a general factor with the others,
both between units and between people, so that elements correlate as they do in real surveys.
A unit's effect (sd 0.35 in all) has a persistent part, fixed by the seed for every wave, and a
small part redrawn each wave; person effects are drawn afresh for each wave's respondents.
"""

from __future__ import annotations

import math

import numpy as np

from ethos.synth import effects as fx
from ethos.synth.hierarchy import Units

TRAIT_SD = math.sqrt(fx.UNIT_SD**2 + fx.PERSON_SD**2)
_PERSISTENT_SD = math.sqrt(fx.UNIT_SD**2 - fx.UNIT_DRIFT_SD**2)
_A = fx.GENERAL_LOADING
_B = math.sqrt(1.0 - _A**2)


def trait_variance(count: int) -> float:
    """Variance of the mean of ``count`` distinct traits (all pairs correlate ``loading**2``)."""
    return TRAIT_SD**2 * (1.0 + (count - 1) * _A**2) / count


def unit_effects(units: Units, seed: int, wave: str) -> dict[str, np.ndarray]:
    """Effect of each unit on each trait in ``wave``: persistent part plus this wave's drift."""
    keep = np.random.default_rng(np.random.SeedSequence([seed, 5]))
    drift = np.random.default_rng(np.random.SeedSequence([seed, 6, fx.WAVES[wave]]))
    keep_general = keep.standard_normal(units.size)
    drift_general = drift.standard_normal(units.size)
    out: dict[str, np.ndarray] = {}
    for trait in fx.TRAITS:
        lasting = _A * keep_general + _B * keep.standard_normal(units.size)
        moving = _A * drift_general + _B * drift.standard_normal(units.size)
        out[trait] = (_PERSISTENT_SD * lasting + fx.UNIT_DRIFT_SD * moving).astype(np.float32)
    return out


def traits(
    units: Units, unit: np.ndarray, plan: fx.Plan, seed: int, wave: str, rng: np.random.Generator
) -> dict[str, np.ndarray]:
    """Latent traits (float32) of respondents sitting in units ``unit``, planted shifts included."""
    effects = unit_effects(units, seed, wave)
    general = rng.standard_normal(unit.size, dtype=np.float32)
    out: dict[str, np.ndarray] = {}
    for trait in fx.TRAITS:
        person = _A * general + _B * rng.standard_normal(unit.size, dtype=np.float32)
        out[trait] = effects[trait][unit] + np.float32(fx.PERSON_SD) * person
    low = np.zeros(units.size, dtype=bool)
    low[list(plan.low_support)] = True
    out[fx.SUPPORT][low[unit]] += np.float32(fx.LOW_SUPPORT_SHIFT)
    if wave == "previous":
        if plan.directorate is not None:
            inside = units.ancestor_at(2)[unit] == plan.directorate
            out[fx.LEARNING][inside] += np.float32(fx.LEARNING_SHIFT_PREVIOUS)
        out["engagement"] += np.float32(fx.ENGAGEMENT_SHIFT_PREVIOUS)
    return out
