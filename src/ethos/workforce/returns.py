"""WRES and WDES reports as data, and their national-return rows. No database here.

:func:`assemble` puts the published workforce indicators
(:func:`ethos.stats.equality.workforce_indicators`) and the survey indicators together in the
standards' own numbering; :func:`return_rows` flattens a report into the rows of the export
(one row per indicator, group and figure). The web app and the command line both use it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import polars as pl

from ethos.stats import equality
from ethos.stats.disclosure import Suppressed
from ethos.workforce import schema

STANDARDS = {
    "wres": ("Workforce Race Equality Standard", (schema.WHITE, schema.BME)),
    "wdes": ("Workforce Disability Equality Standard", (schema.DISABLED, schema.NON_DISABLED)),
}


@dataclass(frozen=True)
class SurveyFigure:
    """One published group figure, or why it is hidden (``value`` is then ``None``)."""

    n: int | None
    value: float | None
    ci_low: float | None
    ci_high: float | None
    reason: str = ""


@dataclass(frozen=True)
class SurveyIndicator:
    number: str
    measure: str
    label: str
    percent: bool
    groups: dict[str, SurveyFigure]


@dataclass(frozen=True)
class StandardReport:
    standard: str  # "wres" or "wdes"
    title: str
    year: int
    groups: tuple[str, str]
    representation: Any  # equality.Representation | equality.NoData
    likelihoods: tuple[Any, ...]  # equality.Likelihood | equality.NoData, by number
    survey_title: str
    survey: tuple[SurveyIndicator, ...]
    board: Any  # equality.BoardRepresentation | equality.NoData
    min_group: int


def assemble(
    standard: str,
    year: int,
    found: equality.WorkforceIndicators,
    survey_title: str = "",
    survey: tuple[SurveyIndicator, ...] = (),
) -> StandardReport:
    """One standard's report from the year's published workforce and survey indicators."""
    title, groups = STANDARDS[standard]
    wres = standard == "wres"
    return StandardReport(
        standard=standard,
        title=title,
        year=year,
        groups=groups,
        representation=found.wres1 if wres else found.wdes1,
        likelihoods=(found.wres2, found.wres3, found.wres4) if wres else (found.wdes2, found.wdes3),
        survey_title=survey_title,
        survey=survey,
        board=found.wres9 if wres else found.wdes10,
        min_group=found.min_group,
    )


# --- the national-return export -----------------------------------------------------------

COLUMNS = ("standard", "year", "indicator", "description", "group", "figure", "value")
COLUMNS += ("ci_low", "ci_high", "n", "note")


def return_rows(report: StandardReport) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    add = _adder(report, rows)
    _representation_rows(report.representation, add)
    for found in report.likelihoods:
        _likelihood_rows(found, add)
    for indicator in report.survey:
        for group, figure in indicator.groups.items():
            add(
                indicator.number,
                indicator.label,
                group,
                "percent" if indicator.percent else "score (0-10)",
                figure.value,
                figure.ci_low,
                figure.ci_high,
                figure.n,
                figure.reason,
            )
    _board_rows(report.board, add)
    return rows


def return_frame(report: StandardReport) -> pl.DataFrame:
    schema_ = {c: pl.Utf8 for c in COLUMNS}
    schema_.update(year=pl.Int64, value=pl.Float64, ci_low=pl.Float64, ci_high=pl.Float64)
    schema_["n"] = pl.Int64
    return pl.DataFrame(return_rows(report), schema=schema_, orient="row")


def _adder(report: StandardReport, rows: list[dict[str, Any]]) -> Any:
    def add(
        number: str,
        description: str,
        group: str,
        figure: str,
        value: Any,
        low: Any = None,
        high: Any = None,
        n: Any = None,
        note: str = "",
    ) -> None:
        hidden = isinstance(value, Suppressed | equality.NoData)
        rows.append(
            {
                "standard": report.standard.upper(),
                "year": report.year,
                "indicator": number,
                "description": description,
                "group": group,
                "figure": figure,
                "value": None if hidden else _round(value),
                "ci_low": None if hidden else _round(low),
                "ci_high": None if hidden else _round(high),
                "n": None if hidden else n,
                "note": value.reason if hidden else note,
            }
        )

    return add


def _round(value: Any) -> float | None:
    return None if value is None else round(float(value), 4)


def _representation_rows(found: Any, add: Any) -> None:
    if isinstance(found, equality.NoData):
        add("1", "Staff in each pay band", "", "count", found)
        return
    table = found.table
    for i, row in enumerate(table.rows):
        for j, column in enumerate(table.columns):
            entry = table.cells[i][j]
            add(found.indicator, row, column, "count", _count(entry))
        add(
            found.indicator,
            row,
            found.focus,
            "percentage points against the workforce",
            found.difference[i],
        )


def _count(entry: Any) -> Any:
    return entry if isinstance(entry, Suppressed) else entry.count


def _likelihood_rows(found: Any, add: Any) -> None:
    if isinstance(found, equality.NoData):
        add("", "", "", "relative likelihood", found)
        return
    result = found.result
    if isinstance(result, Suppressed):
        add(found.indicator, found.description, "", "relative likelihood", result)
        return
    add(
        found.indicator,
        found.description,
        f"{result.group_a} vs {result.group_b}",
        "relative likelihood",
        result.rl,
        result.ci_low,
        result.ci_high,
        None,
        result.note,
    )
    add(
        found.indicator,
        found.description,
        result.group_a,
        "percent",
        result.percent_a,
        n=result.total_a,
    )
    add(
        found.indicator,
        found.description,
        result.group_b,
        "percent",
        result.percent_b,
        n=result.total_b,
    )


def _board_rows(found: Any, add: Any) -> None:
    if isinstance(found, equality.NoData):
        add("", "Board membership", "", "percent", found)
        return
    for group in found.groups:
        share = group.share
        value = share if isinstance(share, Suppressed) else share.percent
        add(
            found.indicator,
            f"Board: {group.name}",
            found.focus,
            "percent",
            value,
            n=None if isinstance(share, Suppressed) else share.total,
        )
        add(
            found.indicator,
            f"Board: {group.name}",
            found.focus,
            "percentage points against the workforce",
            group.difference,
        )
