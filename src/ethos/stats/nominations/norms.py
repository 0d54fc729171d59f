"""Unit norms of nominations received, and the rule that names informal leaders.

A raw count means little on its own: a ward of 60 gives out more nominations than a team of
6. So each person's count is set against their own unit, the way peer-nomination studies
standardise counts within each class or group (Coie, Dodge and Coppotelli, 1982). For a
unit ``U`` of ``N`` people who can be nominated (everyone in it who has not opted out, zeros
included), with ``r(v)`` the nominations person ``v`` received:

- unit mean ``m_U = (1 / N) sum_{v in U} r(v)``;
- unit SD ``s_U = sqrt((1 / N) sum_{v in U} (r(v) - m_U)^2)`` (the unit is the whole
  population, not a sample, so the divisor is ``N``);
- ratio ``r(v) / m_U`` and z-score ``z(v) = (r(v) - m_U) / s_U``; ``z = 0`` when ``s_U = 0``
  (then everyone in the unit has the same count).

Because ``v`` counts towards its own unit's norm, ``m_U > 0`` whenever ``r(v) > 0``, and in a
unit of ``N`` people ``z`` is at most ``sqrt(N - 1)`` (reached when one person holds every
nomination). So ``z >= 2`` needs a unit of at least 5; a person in a smaller unit cannot be
named an informal leader by the z rule, however many nominations they receive.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import polars as pl

__all__ = ["NOMINATION_FLOOR", "InformalRule", "UnitNorm", "unit_norms"]

NOMINATION_FLOOR = 3
"""The least ``threshold`` allowed: a name never rests on one or two colleagues' word."""


@dataclass(frozen=True, slots=True)
class UnitNorm:
    """Nominations received per person in one unit: people counted, mean and SD."""

    unit_code: str
    people: int
    mean: float
    sd: float


@dataclass(frozen=True, slots=True)
class InformalRule:
    """Who counts as an informal leader: every condition below must hold, in this order.

    1. they hold no leadership post;
    2. at least ``threshold`` different colleagues nominated them;
    3. ``z >= min_z`` against their unit's norm;
    4. ``received >= min_ratio * unit mean`` (the ratio is at least ``min_ratio``).

    Conditions 3 and 4 together ask for a count far above the unit's typical one both in
    spread (z) and in scale (ratio): z alone flags small differences in units where almost
    nobody is nominated, and the ratio alone flags noise in small units.
    """

    threshold: int = 5
    min_z: float = 2.0
    min_ratio: float = 3.0

    def __post_init__(self) -> None:
        t = self.threshold
        if isinstance(t, bool) or not isinstance(t, int) or t < NOMINATION_FLOOR:
            raise ValueError(
                f"threshold must be a whole number of at least {NOMINATION_FLOOR}, got {t!r}"
            )
        if not (isinstance(self.min_z, (int, float)) and math.isfinite(self.min_z)):
            raise ValueError(f"min_z must be a finite number, got {self.min_z!r}")
        if not (isinstance(self.min_ratio, (int, float)) and self.min_ratio >= 1.0):
            raise ValueError(f"min_ratio must be a number of at least 1, got {self.min_ratio!r}")

    def why_not(self, holds_post: bool, nominators: int, z: float, ratio: float) -> str | None:
        """The first condition that fails, in words, or ``None`` for an informal leader."""
        if holds_post:
            return "holds a leadership post"
        if nominators < self.threshold:
            return f"nominated by fewer than {self.threshold} colleagues"
        if z < self.min_z:
            return f"less than {self.min_z:g} SD above their unit's norm"
        if ratio < self.min_ratio:
            return f"fewer than {self.min_ratio:g} times their unit's mean"
        return None


def unit_norms(received: pl.DataFrame) -> pl.DataFrame:
    """``unit_code``, ``people``, ``mean`` and ``sd`` (divisor ``N``) of ``received``.

    ``received`` has one row per person who can be nominated, with their ``unit_code`` and
    ``received`` (0 for nobody nominated them). Units come out sorted by code.
    """
    return (
        received.group_by("unit_code")
        .agg(
            pl.len().cast(pl.Int64).alias("people"),
            pl.col("received").cast(pl.Float64).mean().alias("mean"),
            pl.col("received").cast(pl.Float64).std(ddof=0).alias("sd"),
        )
        .sort("unit_code")
    )


def standing(received: int, mean: float, sd: float) -> tuple[float, float]:
    """``(ratio, z)`` of a count against its unit's norm (see the module doc)."""
    ratio = received / mean if mean > 0 else 0.0
    z = (received - mean) / sd if sd > 0 else 0.0
    return ratio, z
