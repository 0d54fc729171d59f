"""The survey-based equality indicators, read from a culture survey's published results.

WRES indicators 5-8 and WDES metrics 4-9 are percentages from the staff survey, compared
between ethnicity bands or between Disabled and non-disabled staff. Ethos takes them from the
final published results of the organisation's culture survey that closed in the reporting
year, at organisation level, broken down by the survey's ``ethnicity`` and ``disability``
questions. Those results have already passed the survey's disclosure control: a hidden cell
stays hidden here, with its reason.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from ethos.organisations.models import Organisation
from ethos.results.services import current_results
from ethos.surveys.models import Survey
from ethos.workforce import schema
from ethos.workforce.returns import SurveyFigure, SurveyIndicator

WRES_SURVEY = (
    ("5", "harassment_public"),
    ("6", "harassment_staff"),
    ("7", "equal_opportunities"),
    ("8", "discrimination"),
)
WDES_SURVEY = (
    ("4a", "harassment_public"),
    ("4b", "harassment_manager"),
    ("4c", "harassment_colleagues"),
    ("4d", "reported_harassment"),
    ("5", "equal_opportunities"),
    ("6", "pressure_unwell"),
    ("7", "valued_work"),
    ("8", "adjustments"),
    ("9a", "engagement"),
)


@dataclass(frozen=True)
class SurveyIndicators:
    survey: Survey | None
    wres: tuple[SurveyIndicator, ...]
    wdes: tuple[SurveyIndicator, ...]


def standards_survey(organisation: Organisation, year: int) -> Survey | None:
    """The last closed survey of the reporting year with an ethnicity or disability breakdown."""
    first, last = schema.year_bounds(year)
    closed = Survey.objects.filter(
        organisation=organisation, status=Survey.CLOSED, closes_on__range=(first, last)
    ).order_by("-closes_on", "-pk")
    for survey in closed:
        if {"ethnicity", "disability"} & set(survey.breakdowns):
            return survey
    return None


def survey_indicators(organisation: Organisation, year: int) -> SurveyIndicators:
    survey = standards_survey(organisation, year)
    results = current_results(survey) if survey is not None else None
    if results is None or not results.final:
        return SurveyIndicators(survey, (), ())
    cells = results.cells.with_columns(pl.col(pl.Categorical).cast(pl.Utf8))
    root = cells.filter(pl.col("column") == "")["unit"][0] if cells.height else ""
    cells = cells.filter(pl.col("unit") == root)
    labels = {m.id: (m.label, m.method.startswith("percent")) for m in results.instrument.measures}
    wres = _indicators(cells, labels, "ethnicity", WRES_SURVEY, (schema.WHITE, schema.BME))
    groups = (schema.DISABLED, schema.NON_DISABLED)
    disability = _disability_cells(cells)
    wdes = _indicators(disability, labels, "disability", WDES_SURVEY, groups)
    return SurveyIndicators(survey, wres, wdes)


def _disability_cells(cells: pl.DataFrame) -> pl.DataFrame:
    """The survey's disability answers are Yes / No; WDES calls them Disabled / non-disabled."""
    names = {"Yes": schema.DISABLED, "No": schema.NON_DISABLED}
    return cells.with_columns(pl.col("category").replace(names))


def _indicators(
    cells: pl.DataFrame,
    labels: dict[str, tuple[str, bool]],
    column: str,
    wanted: tuple[tuple[str, str], ...],
    groups: tuple[str, ...],
) -> tuple[SurveyIndicator, ...]:
    ours = cells.filter(pl.col("column") == column)
    if ours.is_empty():
        return ()
    out = []
    for number, measure in wanted:
        if measure not in labels:
            continue
        rows = ours.filter(pl.col("measure") == measure)
        figures = {g: _figure(rows.filter(pl.col("category") == g)) for g in groups}
        label, percent = labels[measure]
        out.append(SurveyIndicator(number, measure, label, percent, figures))
    return tuple(out)


def _figure(rows: pl.DataFrame) -> SurveyFigure:
    if rows.is_empty():
        return SurveyFigure(None, None, None, None, "no answers from this group")
    row = rows.row(0, named=True)
    if row["suppressed"]:
        return SurveyFigure(None, None, None, None, row["reason"] or "hidden")
    return SurveyFigure(row["n"], row["value"], row["ci_low"], row["ci_high"])
