"""Peer nomination of leaders (mission M16): who staff name as living the values.

Staff nominate colleagues for a value, with a short reason. :func:`analyse_nominations`
turns the nominations and the people into:

- per nominee (:class:`Nominee`): nominations received, distinct nominators, reach across
  units and brokerage in the nomination network (:mod:`.network`);
- unit norms (:class:`UnitNorm`) and each nominee's ratio and z against their own unit's
  norm, and the informal-leader rule (:class:`InformalRule`, :mod:`.norms`);
- the diversity of nominees against the workforce, published through disclosure control
  (:class:`NomineeDiversity`, :mod:`.diversity`).

Confidentiality. People who opted out are never nominees: their nominations are dropped
before anything is counted, and :attr:`NominationAnalysis.dropped_opted_out` says how many.
Nominators never appear in any output. A nominee's row may be shown by name (to
administrators only) just when at least ``threshold`` different colleagues nominated them
(:attr:`Nominee.eligible`; :meth:`NominationAnalysis.shown`). Reasons are free text and are
not analysed here. The plain-English account is ``docs/methods/peer-nomination.md``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import polars as pl

from ethos.stats.disclosure import DEFAULT_MIN_GROUP, check_min_group
from ethos.stats.nominations._input import NOMINATION_COLUMNS, PEOPLE_COLUMNS, Cleaned, clean
from ethos.stats.nominations.diversity import (
    NOMINATED,
    NOT_NOMINATED,
    NomineeDiversity,
    nominee_diversity,
)
from ethos.stats.nominations.network import (
    DEFAULT_PIVOTS,
    EXACT_LIMIT,
    Brokerage,
    brokerage,
    nominee_counts,
    value_counts,
)
from ethos.stats.nominations.norms import (
    NOMINATION_FLOOR,
    InformalRule,
    UnitNorm,
    standing,
    unit_norms,
)

__all__ = [
    "DEFAULT_PIVOTS",
    "EXACT_LIMIT",
    "NOMINATED",
    "NOMINATION_COLUMNS",
    "NOMINATION_FLOOR",
    "NOT_NOMINATED",
    "PEOPLE_COLUMNS",
    "InformalRule",
    "NominationAnalysis",
    "Nominee",
    "NomineeDiversity",
    "UnitNorm",
    "analyse_nominations",
]


@dataclass(frozen=True, slots=True)
class Nominee:
    """One person nominated at least once, and how they stand against their unit.

    ``values`` pairs each value with the nominations for it (most first). ``eligible`` is
    true when ``nominators >= threshold``: only then may the row be shown by name.
    ``why_not`` is the first condition of :class:`InformalRule` that fails (``None`` for an
    informal leader).
    """

    staff_id: str
    unit_code: str
    received: int
    nominators: int
    units_reached: int
    outside_units: int
    brokerage: float
    values: tuple[tuple[str, int], ...]
    unit_mean: float
    unit_sd: float
    ratio: float
    z: float
    holds_post: bool
    eligible: bool
    informal_leader: bool
    why_not: str | None


@dataclass(frozen=True, slots=True)
class NominationAnalysis:
    """Everything :func:`analyse_nominations` finds.

    ``nominees`` holds everyone nominated at least once (most nominations first) for the
    analysis; only :meth:`shown` may reach a page. ``diversity`` counts people nominated by
    at least one colleague, ``widely_nominated`` by at least ``rule.threshold``.
    ``nominations`` counts the nominations that counted, after the drops.
    ``network_people`` is the size of the nomination network and ``brokerage_pivots``
    ``None`` when brokerage is exact, else the pivots it was estimated from.
    """

    rule: InformalRule
    nominees: tuple[Nominee, ...]
    units: tuple[UnitNorm, ...]
    diversity: NomineeDiversity
    widely_nominated: NomineeDiversity
    nominations: int
    dropped_opted_out: int
    dropped_self: int
    dropped_duplicates: int
    network_people: int
    brokerage_pivots: int | None

    def shown(self) -> tuple[Nominee, ...]:
        """The nominees whose rows may be shown by name: ``eligible`` ones."""
        return tuple(n for n in self.nominees if n.eligible)

    def informal_leaders(self) -> tuple[Nominee, ...]:
        """The nominees who meet every condition of :attr:`rule`."""
        return tuple(n for n in self.nominees if n.informal_leader)

    def unit(self, code: str) -> UnitNorm:
        """The norm of the unit with ``code`` (``KeyError`` if nobody in it can be nominated)."""
        for norm in self.units:
            if norm.unit_code == code:
                return norm
        raise KeyError(code)


def _received(cleaned: Cleaned) -> pl.DataFrame:
    """People who can be nominated, with ``received`` and ``nominators`` (0 for none)."""
    counts = cleaned.nominations.group_by("nominee").agg(
        pl.len().cast(pl.Int64).alias("received"),
        pl.col("nominator").n_unique().cast(pl.Int64).alias("nominators"),
    )
    return (
        cleaned.people.filter(~pl.col("opted_out"))
        .join(counts.rename({"nominee": "staff_id"}), on="staff_id", how="left")
        .with_columns(pl.col("received", "nominators").fill_null(0))
    )


def _nominee(
    row: dict[str, Any],
    values: dict[str, tuple[tuple[str, int], ...]],
    network: Brokerage,
    rule: InformalRule,
) -> Nominee:
    ratio, z = standing(row["received"], row["mean"], row["sd"])
    why = rule.why_not(row["holds_post"], row["nominators"], z, ratio)
    return Nominee(
        staff_id=row["nominee"],
        unit_code=row["unit_code"],
        received=row["received"],
        nominators=row["nominators"],
        units_reached=row["units_reached"],
        outside_units=row["outside_units"],
        brokerage=network.scores.get(row["nominee"], 0.0),
        values=values[row["nominee"]],
        unit_mean=row["mean"],
        unit_sd=row["sd"],
        ratio=ratio,
        z=z,
        holds_post=row["holds_post"],
        eligible=row["nominators"] >= rule.threshold,
        informal_leader=why is None,
        why_not=why,
    )


def _nominees(
    cleaned: Cleaned, norms: pl.DataFrame, network: Brokerage, rule: InformalRule
) -> tuple[Nominee, ...]:
    values = value_counts(cleaned.nominations)
    posts = cleaned.people.select(pl.col("staff_id").alias("nominee"), "holds_post")
    rows = (
        nominee_counts(cleaned.nominations, cleaned.people)
        .join(posts, on="nominee")
        .join(norms.select("unit_code", "mean", "sd"), on="unit_code")
        .sort(["received", "nominators", "nominee"], descending=[True, True, False])
    )
    return tuple(_nominee(row, values, network, rule) for row in rows.iter_rows(named=True))


def analyse_nominations(
    nominations: pl.DataFrame,
    people: pl.DataFrame,
    threshold: int = 5,
    k: int = DEFAULT_MIN_GROUP,
    min_z: float = 2.0,
    min_ratio: float = 3.0,
    pivots: int | None = None,
) -> NominationAnalysis:
    """Analyse peer nominations of leaders (see the module doc and ``.network``/``.norms``).

    Counts per nominee: ``received`` (nominations), ``nominators`` (distinct colleagues),
    ``units_reached`` and ``outside_units`` (distinct units among the nominators, all and
    other than the nominee's own), ``brokerage`` (normalised betweenness, Freeman, 1977, on
    the undirected network of people; Wasserman and Faust, 1994). Against the unit norm
    (mean ``m`` and SD ``s``, divisor ``N``, over everyone in the unit who can be nominated):
    ``ratio = received / m`` and ``z = (received - m) / s`` (Coie, Dodge and Coppotelli, 1982).
    Informal leaders: no post, ``nominators >= threshold``, ``z >= min_z`` and
    ``ratio >= min_ratio`` (:class:`InformalRule`). Diversity (:mod:`.diversity`): people
    nominated by at least one colleague, and by at least ``threshold``, against everyone who
    can be nominated, published with minimum group size ``k``. ``pivots``: see
    :func:`.network.brokerage`.

    Raises ``ValueError`` for bad frames (:func:`._input.clean`), a ``threshold`` below
    :data:`NOMINATION_FLOOR`, a bad ``min_z``, ``min_ratio`` or ``pivots``, or a ``k``
    below the floor of 5.
    """
    rule = InformalRule(threshold, min_z, min_ratio)
    k = check_min_group(k)
    cleaned = clean(nominations, people)
    network = brokerage(cleaned.nominations, pivots)
    received = _received(cleaned)
    norms = unit_norms(received)
    return NominationAnalysis(
        rule=rule,
        nominees=_nominees(cleaned, norms, network, rule),
        units=tuple(UnitNorm(*row) for row in norms.iter_rows()),
        diversity=nominee_diversity(received, k),
        widely_nominated=nominee_diversity(received, k, at_least=rule.threshold),
        nominations=cleaned.nominations.height,
        dropped_opted_out=cleaned.dropped_opted_out,
        dropped_self=cleaned.dropped_self,
        dropped_duplicates=cleaned.dropped_duplicates,
        network_people=network.people,
        brokerage_pivots=network.pivots,
    )
