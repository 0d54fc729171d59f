"""``ethos psychometrics``: how well an instrument measures, on real responses.

For every mean-scored measure of two or more items: Cronbach's alpha with its Feldt
interval, McDonald's omega, corrected item-total correlations and alpha if each item were
deleted. For the instrument's cultural-element items together: an exploratory factor report
(KMO, Bartlett's test, eigenvalues and rotated loadings). Statistics are computed over the
whole organisation, and only when at least the minimum group size answered in full.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import polars as pl

from ethos.instruments.model import Instrument
from ethos.stats.psychometrics import (
    Alpha,
    FactorReport,
    ItemTotal,
    cronbach_alpha,
    factor_report,
    item_total,
    mcdonald_omega,
)
from ethos.stats.scoring import keyed_item_scores


@dataclass(frozen=True, slots=True)
class ScaleReport:
    measure: str
    label: str
    alpha: Alpha
    omega: float | None
    items: ItemTotal


@dataclass(frozen=True, slots=True)
class InstrumentReport:
    scales: tuple[ScaleReport, ...]
    factors: FactorReport | None
    skipped: tuple[str, ...]


def instrument_report(
    frame: pl.DataFrame, instrument: Instrument, min_group: int, n_factors: int | None = None
) -> InstrumentReport:
    """Reliability per scale and a factor report over the element items."""
    keyed = keyed_item_scores(frame, instrument)
    data = pl.DataFrame(keyed.values, schema=list(keyed.items), orient="row")
    scales, skipped = [], []
    for measure in instrument.measures:
        if measure.method != "mean" or len(measure.items) < 2:
            continue
        report = _scale(data, measure.id, measure.label, list(measure.items), min_group)
        if report is None:
            skipped.append(measure.id)
        else:
            scales.append(report)
    element_items = [
        i.id
        for i in instrument.items
        if i.element and any(i.id in m.items for m in instrument.measures if m.group == "element")
    ]
    factors = None
    with np.errstate(all="ignore"):
        try:
            factors = factor_report(data, element_items, n_factors=n_factors)
        except ValueError:
            skipped.append("factor report")
    if factors is not None and factors.n < min_group:
        factors = None
        skipped.append("factor report")
    return InstrumentReport(tuple(scales), factors, tuple(skipped))


def _scale(
    data: pl.DataFrame, measure: str, label: str, items: list[str], k: int
) -> ScaleReport | None:
    with np.errstate(all="ignore"):
        try:
            alpha = cronbach_alpha(data, items)
            detail = item_total(data, items)
            omega = mcdonald_omega(data, items).omega if len(items) >= 3 else None
        except ValueError:
            return None
    return ScaleReport(measure, label, alpha, omega, detail) if alpha.n >= k else None


def to_json(report: InstrumentReport) -> dict[str, Any]:
    """The report as plain data (numbers rounded to 4 places)."""

    def r(value: float | None) -> float | None:
        return None if value is None or not np.isfinite(value) else round(float(value), 4)

    factors = report.factors
    return {
        "scales": [
            {
                "measure": s.measure,
                "n": s.alpha.n,
                "k": s.alpha.k,
                "alpha": r(s.alpha.alpha),
                "alpha_ci": [r(s.alpha.ci_low), r(s.alpha.ci_high)],
                "omega": r(s.omega),
                "items": [
                    {"item": i, "corrected_item_total": r(c), "alpha_if_deleted": r(a)}
                    for i, c, a in zip(
                        s.items.items,
                        s.items.corrected_item_total,
                        s.items.alpha_if_deleted,
                        strict=True,
                    )
                ],
            }
            for s in report.scales
        ],
        "factors": None
        if factors is None
        else {
            "n": factors.n,
            "kmo": r(factors.kmo),
            "bartlett_chi2": r(factors.bartlett_chi2),
            "bartlett_df": factors.bartlett_df,
            "bartlett_p": r(factors.bartlett_p),
            "eigenvalues": [r(e) for e in factors.eigenvalues],
            "n_factors": factors.n_factors,
            "rotation": factors.rotation,
            "loadings": {
                item: [r(v) for v in row]
                for item, row in zip(factors.items, factors.loadings, strict=True)
            },
        },
        "skipped": list(report.skipped),
    }
