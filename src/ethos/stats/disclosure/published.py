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
from ethos.stats.cube import Cube, Layout
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
    """The shown cells of a cube, and why every other cell is hidden.

    ``reason`` is shaped ``[unit, slot, measure]`` like the cube (0 = shown). Numbers exist
    only for shown cells: ``shown`` lists their flat positions in ascending order, and ``n``,
    ``value``, ``ci_low``, ``ci_high``, each comparison's arrays and ``shrunk`` hold one entry
    per shown cell, in that order. A hidden cell has no entry at all. Percent measures are
    reported on 0-100, mean measures on 0-10.
    """

    units: tuple[str, ...]
    unit_names: tuple[str, ...]
    parents: tuple[str | None, ...]
    measures: tuple[str, ...]
    percent: np.ndarray
    layout: Layout
    min_group: int
    reason: np.ndarray
    shown: np.ndarray
    n: np.ndarray
    value: np.ndarray
    ci_low: np.ndarray
    ci_high: np.ndarray
    comparisons: tuple[Comparison, ...] = ()
    shrunk: np.ndarray | None = None

    def __post_init__(self) -> None:
        shown = self.shown
        count = self.reason.size - np.count_nonzero(self.reason)  # SHOWN is 0
        arrays = [self.n, self.value, self.ci_low, self.ci_high]
        arrays += [a for c in self.comparisons for a in (c.difference, c.p, c.q, c.significant)]
        arrays += [self.shrunk] if self.shrunk is not None else []
        exact = (
            shown.size == count
            and bool(np.all(np.diff(shown) > 0))
            and (shown.size == 0 or (shown[0] >= 0 and shown[-1] < self.reason.size))
            and not np.any(self.reason.ravel()[shown])  # all shown: no hidden cell has numbers
        )
        if not exact or any(a.size != count for a in arrays):
            raise ValueError("a published cube holds numbers for shown cells and no others")

    def reason_text(self, code: int) -> str:
        return REASONS[code].format(k=self.min_group)

    def position(self, unit: int, slot: int, measure: int) -> int:
        """Where a shown cell's numbers are, or -1 for a hidden cell."""
        flat = np.ravel_multi_index((unit, slot, measure), self.reason.shape)
        at = int(np.searchsorted(self.shown, flat))
        return at if at < self.shown.size and self.shown[at] == flat else -1

    def dense(self, values: np.ndarray, fill: float = np.nan) -> np.ndarray:
        """Spread one entry per shown cell back to the cube's shape (``fill`` elsewhere)."""
        out = np.full(self.reason.size, fill, dtype=np.result_type(values.dtype, type(fill)))
        out[self.shown] = values
        return out.reshape(self.reason.shape)

    def comparison(self, label: str) -> Comparison | None:
        """The comparison called ``label`` ("organisation", "previous wave", "benchmark")."""
        return next((c for c in self.comparisons if c.label == label), None)

    def result(self, unit: int, slot: int, measure: int) -> Shown | Suppressed:
        at = self.position(unit, slot, measure)
        if at < 0:
            return Suppressed(self.reason_text(int(self.reason[unit, slot, measure])))
        return Shown(
            n=int(self.n[at]),
            value=float(self.value[at]),
            ci_low=float(self.ci_low[at]),
            ci_high=float(self.ci_high[at]),
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

        Hidden cells have nulls for every number. Built with array operations so that a
        national cube of millions of cells takes about a second.
        """
        _, slots, measures = self.reason.shape
        size = self.reason.size
        slot_column, slot_category = [""] * slots, [""] * slots
        for slot in range(1, slots):
            slot_column[slot], slot_category[slot] = self.layout.label(slot) or ("", "")
        texts = [self.reason_text(c) if c in REASONS else "" for c in range(max(REASONS) + 1)]
        flat = np.arange(size)

        def pick(labels: list[str] | tuple[str, ...], index: np.ndarray) -> pl.Series:
            return pl.Series(list(labels), dtype=pl.Categorical).gather(index)

        def spread(values: np.ndarray) -> pl.Series:
            present = np.zeros(size, dtype=bool)
            present[self.shown] = True
            full = np.zeros(size, dtype=values.dtype)
            full[self.shown] = values
            series = pl.Series(full)
            return pl.select(pl.when(pl.Series(present)).then(series)).to_series()

        columns: dict[str, pl.Series] = {
            "unit": pick(self.units, flat // (slots * measures)),
            "column": pick(slot_column, flat // measures % slots),
            "category": pick(slot_category, flat // measures % slots),
            "measure": pick(self.measures, flat % measures),
            "n": spread(self.n),
            "value": spread(self.value),
            "ci_low": spread(self.ci_low),
            "ci_high": spread(self.ci_high),
            "suppressed": pl.Series(self.reason.ravel() != SHOWN),
            "reason": pick(texts, self.reason.ravel().astype(np.int64)),
        }
        for comparison in self.comparisons:
            key = COMPARISON_KEYS[comparison.label]
            columns[f"{key}_difference"] = spread(comparison.difference)
            columns[f"{key}_p"] = spread(comparison.p)
            columns[f"{key}_q"] = spread(comparison.q)
            columns[f"{key}_significant"] = spread(comparison.significant)
        if self.shrunk is not None:
            columns["shrunk"] = spread(self.shrunk)
        return pl.DataFrame(columns).with_columns(pl.col(pl.Float64).fill_nan(None))


def shown_in(cells: pl.DataFrame, cube: Cube) -> np.ndarray:
    """A ``[unit, slot, measure]`` mask of ``cube``: True where ``cells`` (a published table's
    frame: unit, column, category, measure, suppressed) showed that cell. Cells of units,
    categories or measures that ``cube`` does not have are ignored; cells it has that
    ``cells`` lacks are False."""
    mask = np.zeros(cube.n.shape, dtype=bool)
    units = {code: i for i, code in enumerate(cube.tree.codes)}
    measures = {m: i for i, m in enumerate(cube.measures)}
    layout = cube.layout
    slots = {layout.label(s) or ("", ""): s for s in range(layout.width)}
    shown = cells.filter(~pl.col("suppressed")).select(
        pl.col("unit", "column", "category", "measure").cast(pl.Utf8)
    )
    for unit, column, category, measure in shown.iter_rows():
        u, s, m = units.get(unit), slots.get((column or "", category or "")), measures.get(measure)
        if u is not None and s is not None and m is not None:
            mask[u, s, m] = True
    return mask
