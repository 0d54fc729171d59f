"""Outcome indicators by leaf unit and month, and the survey's support and compassion effects.

Each indicator of the catalogue that applies to the sector gets a value per leaf unit for
each month of the latest reporting year: a level per unit plus monthly noise (percentages and
other levels), or Poisson counts and pound amounts that grow with the unit's headcount.

Planted: the Friends and Family Test recommend percentage rises with the unit's support and
compassion effect, ``FFT_SLOPE`` percentage points per unit of the (centred) effect. Nothing
else depends on the culture: a planted absence of links to test analyses against.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import numpy as np
import polars as pl

from ethos.instruments.outcomes import Indicator
from ethos.synth import effects as fx
from ethos.synth.hierarchy import Units, read_units
from ethos.synth.latent import unit_effects
from ethos.synth.workforce.roster import dates, day_number
from ethos.workforce import schema

PLANTED = "fft_recommend"
FFT_SLOPE = 4.0
MONTHS = 12
TEAM = 25.0  # counts and pounds below are per month for a unit of this many staff
# id: (kind, centre, between-unit sd, month-to-month sd, decimals); kinds: level (normal,
# clipped to the unit's range), count (Poisson; sd on the log scale), pounds (lognormal),
# signed (normal pounds around zero, scaled by headcount).
MODEL: dict[str, tuple[str, float, float, float, int]] = {
    "crude_mortality": ("level", 1.8, 0.5, 0.6, 2),
    "readmission_30_days": ("level", 8.0, 2.0, 2.0, 1),
    "referral_to_treatment_18_weeks": ("level", 62.0, 8.0, 4.0, 1),
    "emergency_four_hours": ("level", 72.0, 6.0, 5.0, 1),
    "cancer_62_days": ("level", 70.0, 8.0, 6.0, 1),
    "length_of_stay": ("level", 5.5, 1.5, 1.0, 1),
    "follow_up_72_hours": ("level", 80.0, 6.0, 5.0, 1),
    "category_1_response": ("level", 8.5, 1.0, 1.0, 1),
    "fft_recommend": ("level", 90.0, 2.5, 3.0, 1),
    "complaints": ("count", 0.8, 0.4, 0.0, 0),
    "compliments": ("count", 2.0, 0.5, 0.0, 0),
    "falls_per_1000_bed_days": ("level", 6.5, 1.5, 2.0, 2),
    "pressure_ulcers": ("count", 0.5, 0.5, 0.0, 0),
    "incidents_reported": ("count", 9.0, 0.4, 0.0, 0),
    "never_events": ("count", 0.004, 0.0, 0.0, 0),
    "c_difficile": ("count", 0.15, 0.3, 0.0, 0),
    "restrictive_interventions": ("count", 1.0, 0.5, 0.0, 0),
    "sickness_absence": ("level", 5.2, 1.0, 1.2, 1),
    "staff_turnover": ("level", 11.0, 3.0, 1.0, 1),
    "vacancy_rate": ("level", 8.0, 3.0, 1.5, 1),
    "agency_spend": ("pounds", 4000.0, 0.6, 0.4, 0),
    "appraisal_rate": ("level", 82.0, 7.0, 4.0, 1),
    "budget_variance": ("signed", 0.0, 3000.0, 6000.0, 0),
    "savings_delivered": ("level", 85.0, 10.0, 8.0, 1),
}
BY_UNIT: dict[str, tuple[str, float, float, float, int]] = {  # other catalogues' indicators
    "percent": ("level", 50.0, 10.0, 5.0, 1),
    "rate_per_1000": ("level", 5.0, 1.5, 1.5, 2),
    "count": ("count", 1.0, 0.4, 0.0, 0),
    "pounds": ("pounds", 1000.0, 0.5, 0.3, 0),
    "days": ("level", 5.0, 1.5, 1.0, 1),
    "minutes": ("level", 10.0, 2.0, 2.0, 1),
}


def support_effects(units: pl.DataFrame, seed: int, wave: str = "current") -> dict[str, float]:
    """Each unit's support and compassion effect in the survey generator, by unit code.

    This is the unit part of the latent ``support_compassion`` trait that
    :func:`ethos.synth.synthesise` uses for ``wave`` with the same units and seed, low-support
    units' shift included, on the latent scale (unit sd about 0.35). Pass it to
    :func:`~ethos.synth.workforce.synthesise_workforce` to link outcomes to survey results.
    """
    if wave not in fx.WAVES:
        raise ValueError(f"wave must be one of {', '.join(fx.WAVES)}, got {wave!r}.")
    tree = read_units(units)
    effect = unit_effects(tree, seed, wave)[fx.SUPPORT].astype(np.float64)
    effect[list(fx.plan(tree, seed).low_support)] += fx.LOW_SUPPORT_SHIFT
    return {code: float(e) for code, e in zip(tree.codes, effect.tolist(), strict=True)}


def leaf_effects(units: Units, support: dict[str, float]) -> np.ndarray:
    """Effects of the leaf units (0 where missing), centred on their mean."""
    leaves = np.flatnonzero(units.is_leaf)
    values = np.array([float(support.get(units.codes[i], 0.0)) for i in leaves.tolist()])
    if not np.isfinite(values).all():
        raise ValueError("support effects must be finite numbers.")
    return values - values.mean() if values.size else values


def outcomes(
    units: Units,
    indicators: tuple[Indicator, ...],
    effect: np.ndarray,
    year: int,
    rng: np.random.Generator,
) -> pl.DataFrame:
    """The ``outcomes`` frame: leaf units x months x indicators, in that order."""
    leaves = np.flatnonzero(units.is_leaf)
    size = units.headcount[leaves].astype(np.float64)
    n_ind = len(indicators)
    values = np.zeros((leaves.size, MONTHS, n_ind))
    for k, indicator in enumerate(indicators):
        values[:, :, k] = _values(indicator, size, effect, rng)
    unit = np.repeat(leaves, MONTHS * n_ind)
    month = np.tile(np.repeat(month_starts(year), n_ind), leaves.size)
    which = np.tile(np.arange(n_ind), leaves.size * MONTHS)
    return pl.DataFrame(
        [
            pl.Series(units.codes, dtype=pl.Utf8).gather(unit).alias("unit_code"),
            dates("month", month),
            pl.Series([i.id for i in indicators], dtype=pl.Utf8).gather(which).alias("indicator"),
            pl.Series("value", values.reshape(-1), dtype=pl.Float64),
        ]
    )


def month_starts(year: int) -> np.ndarray:
    """Day numbers of the first day of each month of reporting ``year`` (April to March)."""
    first = schema.year_bounds(year)[0]
    months = [
        (first.year + (first.month - 1 + m) // 12, (first.month - 1 + m) % 12 + 1)
        for m in range(MONTHS)
    ]
    return np.array([day_number(date(y, m, 1)) for y, m in months], dtype=np.int64)


def _values(
    indicator: Indicator, size: np.ndarray, effect: np.ndarray, rng: np.random.Generator
) -> np.ndarray:
    """Values (units x months) of one indicator."""
    kind, centre, between, within, decimals = MODEL.get(indicator.id, BY_UNIT[indicator.unit])
    n = size.size
    unit_z = rng.standard_normal((n, 1))
    month_z = rng.standard_normal((n, MONTHS))
    scale = (size / TEAM)[:, None]
    if kind == "count":
        mean = centre * scale * np.exp(between * unit_z - between**2 / 2)
        return rng.poisson(np.broadcast_to(mean, (n, MONTHS))).astype(np.float64)
    if kind == "pounds":
        return np.round(centre * scale * np.exp(between * unit_z + within * month_z), decimals)
    if kind == "signed":
        return np.round(scale * (between * unit_z + within * month_z), decimals)
    level = centre + between * unit_z + within * month_z
    if indicator.id == PLANTED:
        level = level + FFT_SLOPE * effect[:, None]
    high = 100.0 if indicator.unit == "percent" else np.inf
    return np.round(np.clip(level, 0.0, high), decimals)


def truth(
    units: Units, indicators: tuple[Indicator, ...], effect: np.ndarray, source: str, sector: str
) -> dict[str, Any]:
    """The planted link between support and compassion and the FFT, for the truth record."""
    leaves = np.flatnonzero(units.is_leaf)
    planted = any(i.id == PLANTED for i in indicators)
    _, centre, between, within, _ = MODEL[PLANTED]
    return {
        "sector": sector,
        "months": MONTHS,
        "units": [units.codes[i] for i in leaves.tolist()],
        "indicators": [i.id for i in indicators],
        "planted": {
            "indicator": PLANTED if planted else None,
            "driver": fx.SUPPORT,
            "effect_source": source,
            "slope": FFT_SLOPE,
            "intercept": centre,
            "unit_sd": between,
            "month_sd": within,
            "effects": {
                units.codes[i]: round(float(e), 6)
                for i, e in zip(leaves.tolist(), effect.tolist(), strict=True)
            },
        },
        "noise_only": [i.id for i in indicators if i.id != PLANTED],
    }
