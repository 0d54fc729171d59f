"""Pure helpers: the published cells frame in, rows for the results templates out.

Every number here is read from ``Results.cells``, the cells that already passed disclosure
control; nothing is computed from responses. A hidden cell has no number in the frame and
gets none here: only "Hidden" and the reason the core gave, numbered as a footnote.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import polars as pl

from ethos.instruments.model import ELEMENTS, Instrument, Measure

HEADLINE_EXTRA = ("engagement", "compassionate_leadership")
FIELDS = (
    "n",
    "value",
    "ci_low",
    "ci_high",
    "suppressed",
    "reason",
    "vs_organisation_difference",
    "vs_organisation_significant",
    "vs_previous_difference",
    "vs_previous_significant",
)
NOT_PUBLISHED = "not in these results"


@dataclass(frozen=True, slots=True)
class Comparison:
    difference: str  # signed, one decimal: "+0.2", "-3.7 points"
    direction: str | None  # "higher" or "lower" when significant, else None


@dataclass(frozen=True, slots=True)
class CellView:
    """One cell ready for a template. A hidden cell has blank numbers and a reason."""

    measure: str
    label: str
    hidden: bool
    reason: str = ""
    note: int | None = None  # footnote number of the reason
    value: str = ""
    interval: str = ""
    n: str = ""
    raw: float | None = None
    low: float | None = None
    high: float | None = None
    vs_organisation: Comparison | None = None
    vs_previous: Comparison | None = None
    percent: bool = False


@dataclass(frozen=True, slots=True)
class RowHead:
    key: str  # the unit code or the breakdown category
    label: str
    depth: int = 0
    href: str | None = None


@dataclass(frozen=True, slots=True)
class GridRow:
    head: RowHead
    cells: list[CellView]


@dataclass
class Notes:
    """Footnotes for hidden cells: each distinct reason gets one number."""

    numbers: dict[str, int] = field(default_factory=dict)

    def number(self, reason: str) -> int:
        return self.numbers.setdefault(reason, len(self.numbers) + 1)

    def items(self) -> list[tuple[int, str]]:
        return [(number, reason) for reason, number in self.numbers.items()]


@dataclass
class Grid:
    """A table of rows (units or categories) by measures."""

    measures: list[Measure]
    rows: list[GridRow]
    notes: Notes

    @property
    def has_previous(self) -> bool:
        return any(c.vs_previous for row in self.rows for c in row.cells)


def headline_measures(instrument: Instrument) -> list[Measure]:
    """The six cultural elements, engagement and compassionate leadership (those present)."""
    by_id = {m.id: m for m in instrument.measures}
    found = [by_id[i] for i in (*ELEMENTS, *HEADLINE_EXTRA) if i in by_id]
    return found or list(instrument.measures)


def number(value: float, percent: bool = False) -> str:
    text = f"{value:,.1f}"
    return f"{text}%" if percent else text


def difference(value: float, percent: bool = False) -> str:
    rounded = round(value, 1)
    text = "0.0" if rounded == 0 else f"{rounded:+,.1f}"
    return f"{text} points" if percent else text


def overall(cells: pl.DataFrame) -> pl.DataFrame:
    """The overall cells (no breakdown)."""
    return cells.filter(pl.col("column").cast(pl.Utf8) == "")


def unit_cells(
    cells: pl.DataFrame, unit: str, measures: Sequence[Measure], notes: Notes
) -> list[CellView]:
    """One unit's overall cells for ``measures``, in that order."""
    frame = _plain(overall(cells).filter(pl.col("unit").cast(pl.Utf8) == unit), "unit")
    by_measure = {row["measure"]: row for row in frame.iter_rows(named=True)}
    return [cell(by_measure.get(m.id), m, notes) for m in measures]


def grid(
    frame: pl.DataFrame, key: str, heads: Sequence[RowHead], measures: Sequence[Measure]
) -> Grid:
    """Rows ``heads`` (matched on column ``key``) by ``measures``, from one pivot."""
    ids = [m.id for m in measures]
    plain = _plain(frame, key).filter(pl.col("measure").is_in(ids))
    fields = [f for f in FIELDS if f in plain.columns]
    by_key: dict[str, dict[str, Any]] = {}
    if plain.height:
        wide = plain.pivot(on="measure", index=key, values=fields, aggregate_function="first")
        by_key = {row[key]: row for row in wide.iter_rows(named=True)}
    notes = Notes()
    rows = []
    for head in heads:
        row = by_key.get(head.key)
        cells = [cell(_of(row, fields, m.id), m, notes) for m in measures]
        rows.append(GridRow(head, cells))
    return Grid(list(measures), rows, notes)


def cell(row: dict[str, Any] | None, measure: Measure, notes: Notes) -> CellView:
    """A template cell from one published row (``None``: the cell was not published)."""
    if row is None or row.get("suppressed") is None:
        return _hidden(measure, NOT_PUBLISHED, notes)
    if row["suppressed"] or row.get("value") is None:
        return _hidden(measure, row.get("reason") or NOT_PUBLISHED, notes)
    percent = measure.is_percent
    return CellView(
        measure=measure.id,
        label=measure.label,
        hidden=False,
        value=number(row["value"], percent),
        interval=f"{number(row['ci_low'], percent)} to {number(row['ci_high'], percent)}",
        n=f"{row['n']:,}",
        raw=row["value"],
        low=row["ci_low"],
        high=row["ci_high"],
        vs_organisation=_comparison(row, "vs_organisation", percent),
        vs_previous=_comparison(row, "vs_previous", percent),
        percent=percent,
    )


def unit_heads(units: Iterable[Any], href: Any = None) -> list[RowHead]:
    """Row heads for units (ordered by path), depth relative to the shallowest one."""
    units = list(units)
    top = min((u.depth for u in units), default=0)
    return [RowHead(u.code, u.name, u.depth - top, href(u) if href else None) for u in units]


def category_heads(frame: pl.DataFrame, categories: Sequence[str]) -> list[RowHead]:
    """Row heads for a breakdown: the instrument's order, then any others published."""
    present = frame["category"].cast(pl.Utf8).unique(maintain_order=True).to_list()
    ordered = [c for c in categories if c in present]
    ordered += [c for c in present if c not in ordered and c]
    return [RowHead(c, c) for c in ordered]


def comment_groups(
    comments: Iterable[dict[str, Any]], units: Sequence[Any], instrument: Instrument
) -> list[dict[str, Any]]:
    """Published comments per question, for ``units`` only (in their order)."""
    by_key = {(c["unit"], c["question"]): c["comments"] for c in comments}
    groups = []
    for question in instrument.free_text:
        shown = [
            {"unit": u, "comments": by_key[(u.code, question.id)]}
            for u in units
            if by_key.get((u.code, question.id))
        ]
        if shown:
            groups.append({"id": question.id, "text": question.text, "units": shown})
    return groups


def _hidden(measure: Measure, reason: str, notes: Notes) -> CellView:
    note = notes.number(reason)
    return CellView(measure.id, measure.label, True, reason, note, percent=measure.is_percent)


def _comparison(row: dict[str, Any], key: str, percent: bool) -> Comparison | None:
    value = row.get(f"{key}_difference")
    if value is None or value != value:  # absent, null or NaN: not compared
        return None
    direction = None
    if row.get(f"{key}_significant"):
        direction = "higher" if value > 0 else "lower" if value < 0 else None
    return Comparison(difference(value, percent), direction)


def _plain(frame: pl.DataFrame, key: str) -> pl.DataFrame:
    """Categorical columns as text, and only what the templates read."""
    keep = [c for c in (key, "measure", *FIELDS) if c in frame.columns]
    cast = {c: pl.Utf8 for c in (key, "measure", "reason") if c in frame.columns}
    return frame.select(keep).cast(cast)  # type: ignore[arg-type]


def _of(row: dict[str, Any] | None, fields: Sequence[str], measure: str) -> dict[str, Any] | None:
    if row is None:
        return None
    return {f: row.get(f"{f}_{measure}") for f in fields}
