"""The published table: the only thing renderers may take.

A :class:`PublishedCube` is built by :func:`ethos.stats.disclosure.publish` and holds values,
intervals and counts for shown cells only. Hidden cells hold no number at all: their count,
value and interval are blanked before the object is made, and each reads back as a
:class:`Suppressed` marker with the reason.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import polars as pl

from ethos.stats.compare import Comparison
from ethos.stats.cube import Layout
from ethos.stats.disclosure.rules import REASONS, SHOWN

COMPARISON_KEYS = {
    "organisation": "vs_organisation",
    "previous wave": "vs_previous",
    "benchmark": "vs_benchmark",
}


@dataclass(frozen=True, slots=True)
class Suppressed:
    """A hidden cell: no number is published, only why."""

    reason: str

    def __bool__(self) -> bool:
        return False


@dataclass(frozen=True, slots=True)
class Shown:
    """A published cell."""

    n: int
    value: float
    ci_low: float
    ci_high: float


@dataclass(frozen=True, slots=True)
class Cell:
    unit: str
    breakdown: tuple[str, str] | None
    measure: str
    result: Shown | Suppressed


@dataclass(frozen=True, slots=True)
class PublishedCube:
    """Shown values of a cube; hidden cells are blank and carry a reason code.

    Arrays are shaped ``[unit, slot, measure]`` like the cube. Percent measures are reported
    on 0-100, mean measures on 0-10.
    """

    units: tuple[str, ...]
    unit_names: tuple[str, ...]
    parents: tuple[str | None, ...]
    measures: tuple[str, ...]
    percent: np.ndarray
    layout: Layout
    min_group: int
    n: np.ndarray
    value: np.ndarray
    ci_low: np.ndarray
    ci_high: np.ndarray
    reason: np.ndarray
    comparisons: tuple[Comparison, ...] = ()
    shrunk: np.ndarray | None = None

    def __post_init__(self) -> None:
        hidden = self.reason != SHOWN
        arrays = [self.value, self.ci_low, self.ci_high]
        arrays += [a for c in self.comparisons for a in (c.difference, c.p, c.q)]
        arrays += [self.shrunk] if self.shrunk is not None else []
        if (self.n[hidden] != 0).any() or any(not np.isnan(a[hidden]).all() for a in arrays):
            raise ValueError("a published cube may not hold numbers for hidden cells")

    def comparison(self, label: str) -> Comparison | None:
        """The comparison called ``label`` ("organisation", "previous wave", "benchmark")."""
        return next((c for c in self.comparisons if c.label == label), None)

    def reason_text(self, code: int) -> str:
        return REASONS[code].format(k=self.min_group)

    def result(self, unit: int, slot: int, measure: int) -> Shown | Suppressed:
        code = int(self.reason[unit, slot, measure])
        if code != SHOWN:
            return Suppressed(self.reason_text(code))
        return Shown(
            n=int(self.n[unit, slot, measure]),
            value=float(self.value[unit, slot, measure]),
            ci_low=float(self.ci_low[unit, slot, measure]),
            ci_high=float(self.ci_high[unit, slot, measure]),
        )

    def cells(self) -> Iterator[Cell]:
        """Every cell, unit by unit, total first, then each breakdown's categories."""
        for u, unit in enumerate(self.units):
            for slot in range(self.layout.width):
                label = self.layout.label(slot)
                for m, measure in enumerate(self.measures):
                    yield Cell(unit, label, measure, self.result(u, slot, m))

    def frame(self) -> pl.DataFrame:
        """All cells as rows: unit, column, category, measure, n, value, ci, suppressed, reason.

        Hidden cells have nulls for n, value and interval. Built with array operations so that
        a national cube of millions of cells takes well under a second.
        """
        units, slots, measures = self.reason.shape
        shown = (self.reason == SHOWN).ravel()
        slot_column = ["" for _ in range(slots)]
        slot_category = ["" for _ in range(slots)]
        for slot in range(1, slots):
            column, category = self.layout.label(slot) or ("", "")
            slot_column[slot], slot_category[slot] = column, category
        texts = [self.reason_text(c) if c != SHOWN else "" for c in range(max(REASONS) + 1)]
        u = np.repeat(np.arange(units), slots * measures)
        s = np.tile(np.repeat(np.arange(slots), measures), units)
        m = np.tile(np.arange(measures), units * slots)
        reason = self.reason.ravel().astype(np.int64)

        def pick(labels: list[str] | tuple[str, ...], index: np.ndarray) -> pl.Series:
            return pl.Series(list(labels), dtype=pl.Categorical).gather(index)

        extra: dict[str, pl.Series] = {}
        for comparison in self.comparisons:
            key = COMPARISON_KEYS[comparison.label]
            extra[f"{key}_difference"] = pl.Series(comparison.difference.ravel()).fill_nan(None)
            extra[f"{key}_p"] = pl.Series(comparison.p.ravel()).fill_nan(None)
            extra[f"{key}_q"] = pl.Series(comparison.q.ravel()).fill_nan(None)
            extra[f"{key}_significant"] = pl.Series(comparison.significant.ravel())
        if self.shrunk is not None:
            extra["shrunk"] = pl.Series(self.shrunk.ravel()).fill_nan(None)
        return pl.DataFrame(
            {
                "unit": pick(self.units, u),
                "column": pick(slot_column, s),
                "category": pick(slot_category, s),
                "measure": pick(self.measures, m),
                "n": pl.Series(self.n.ravel()).set(pl.Series(~shown), None),
                "value": pl.Series(self.value.ravel()).fill_nan(None),
                "ci_low": pl.Series(self.ci_low.ravel()).fill_nan(None),
                "ci_high": pl.Series(self.ci_high.ravel()).fill_nan(None),
                "suppressed": pl.Series(~shown),
                "reason": pick(texts, reason),
                **extra,
            }
        )
