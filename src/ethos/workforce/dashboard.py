"""The culture and outcomes dashboard (M8): outcome indicators beside culture scores by unit.

Culture scores come only from a survey's *published* results (the final snapshot of the
culture survey that closed in the reporting year, unit level): a unit whose score is hidden
by disclosure control takes no part, and is counted as such. Outcome values are not survey
data. The analyses are :func:`ethos.stats.outcomes.unit_correlation` and
:func:`ethos.stats.outcomes.multilevel_slope`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import polars as pl

from ethos.instruments.outcomes import Indicator, OutcomeCatalogue, load_outcome_catalogue
from ethos.organisations.models import Organisation, Unit
from ethos.results.services import current_results
from ethos.stats import outcomes as stats
from ethos.surveys.models import Survey
from ethos.workforce import schema
from ethos.workforce.services import workforce_frames

DEFAULT_MEASURE = "support_compassion"
DIRECTIONS = {"higher_better": stats.HIGHER_IS_BETTER, "lower_better": stats.LOWER_IS_BETTER}


@dataclass(frozen=True)
class UnitRow:
    code: str
    name: str
    score: float | None  # the published culture score, None when hidden
    score_low: float | None
    score_high: float | None
    respondents: int | None
    hidden_reason: str
    outcome: float | None
    months: int


@dataclass(frozen=True)
class Dashboard:
    year: int
    survey: Survey | None
    indicator: Indicator | None
    indicators: tuple[Indicator, ...]  # those with data this year
    measure: str
    measures: tuple[tuple[str, str], ...]  # (id, label) of unit-level culture measures
    rows: tuple[UnitRow, ...] = ()
    correlation: stats.UnitCorrelation | None = None
    model: stats.MultilevelResult | None = None
    problems: tuple[str, ...] = field(default=())

    def indicator_direction(self) -> str:
        direction = self.indicator.direction if self.indicator else ""
        return DIRECTIONS.get(direction, stats.HIGHER_IS_BETTER)

    @property
    def hidden_units(self) -> int:
        return sum(1 for r in self.rows if r.score is None)


def culture_survey(organisation: Organisation, year: int) -> Survey | None:
    """The last culture survey that closed in the reporting year."""
    first, last = schema.year_bounds(year)
    return (
        Survey.objects.filter(
            organisation=organisation, status=Survey.CLOSED, closes_on__range=(first, last)
        )
        .order_by("-closes_on", "-pk")
        .first()
    )


def dashboard(
    organisation: Organisation, year: int, indicator_id: str = "", measure: str = ""
) -> Dashboard:
    catalogue = load_outcome_catalogue()
    monthly = workforce_frames(organisation, year).get("outcomes")
    present = set(monthly["indicator"].unique().to_list()) if monthly is not None else set()
    indicators = tuple(i for i in catalogue.indicators if i.id in present)
    survey = culture_survey(organisation, year)
    results = current_results(survey) if survey is not None else None
    measures = _measures(results)
    measure = measure if measure in dict(measures) else _default_measure(measures)
    indicator = _indicator(catalogue, indicators, indicator_id)
    base = Dashboard(year, survey, indicator, indicators, measure, measures)
    if monthly is None or indicator is None:
        return _with(base, problems=("No outcome indicators are imported for this year.",))
    if results is None or not results.final:
        return _with(base, problems=("No culture survey closed in this reporting year.",))
    scores = _scores(results.cells, measure)
    rows = _rows(organisation, monthly, indicator.id, scores)
    return _analysed(base, base.indicator_direction(), rows, monthly)


def _with(base: Dashboard, **changes: object) -> Dashboard:
    from dataclasses import replace

    return replace(base, **changes)  # type: ignore[arg-type]


def _measures(results: object) -> tuple[tuple[str, str], ...]:
    if results is None:
        return ()
    return tuple((m.id, m.label) for m in results.instrument.measures)  # type: ignore[attr-defined]


def _default_measure(measures: tuple[tuple[str, str], ...]) -> str:
    ids = [m for m, _ in measures]
    return DEFAULT_MEASURE if DEFAULT_MEASURE in ids else (ids[0] if ids else "")


def _indicator(
    catalogue: OutcomeCatalogue, present: tuple[Indicator, ...], wanted: str
) -> Indicator | None:
    by_id = {i.id: i for i in present}
    if wanted in by_id:
        return by_id[wanted]
    experience = [i for i in present if i.group == "positive_experience"]
    return (experience or list(present) or [None])[0]


def _scores(cells: pl.DataFrame, measure: str) -> pl.DataFrame:
    """Unit-level published cells of ``measure``: shown ones carry numbers, hidden a reason."""
    text = pl.col(pl.Categorical).cast(pl.Utf8)
    unit_level = (pl.col("column") == "") & (pl.col("measure") == measure)
    rows = cells.with_columns(text).filter(unit_level)
    return rows.select(
        pl.col("unit").alias("unit_code"),
        pl.col("value").alias("culture_score"),
        "ci_low",
        "ci_high",
        pl.col("n").alias("respondents"),
        "suppressed",
        "reason",
    )


def _rows(
    organisation: Organisation, monthly: pl.DataFrame, indicator: str, scores: pl.DataFrame
) -> tuple[UnitRow, ...]:
    per_unit = stats.unit_outcomes(monthly, indicator)
    joined = per_unit.join(scores, on="unit_code", how="left")
    names = dict(Unit.objects.filter(organisation=organisation).values_list("code", "name"))
    rows = []
    for r in joined.iter_rows(named=True):
        shown = r["suppressed"] is False
        rows.append(
            UnitRow(
                code=r["unit_code"],
                name=names.get(r["unit_code"], r["unit_code"]),
                score=r["culture_score"] if shown else None,
                score_low=r["ci_low"] if shown else None,
                score_high=r["ci_high"] if shown else None,
                respondents=r["respondents"] if shown else None,
                hidden_reason="" if shown else (r["reason"] or "no survey responses"),
                outcome=r["value"],
                months=r["months"],
            )
        )
    return tuple(sorted(rows, key=lambda row: row.name))


def _analysed(
    base: Dashboard, direction: str, rows: tuple[UnitRow, ...], monthly: pl.DataFrame
) -> Dashboard:
    indicator = base.indicator.id if base.indicator else ""
    shown = [r for r in rows if r.score is not None]
    per_unit = pl.DataFrame(
        {
            "unit_code": [r.code for r in shown],
            "culture_score": [r.score for r in shown],
            "value": [r.outcome for r in shown],
            "respondents": [r.respondents for r in shown],
            "months": [r.months for r in shown],
        },
        schema={
            "unit_code": pl.Utf8,
            "culture_score": pl.Float64,
            "value": pl.Float64,
            "respondents": pl.Int64,
            "months": pl.Int64,
        },
    )
    problems: list[str] = []
    correlation = model = None
    try:
        correlation = stats.unit_correlation(
            per_unit, respondents="respondents", months="months", direction=direction
        )
        months = monthly.filter(pl.col("indicator") == indicator).join(
            per_unit.select("unit_code", "culture_score"), on="unit_code", how="inner"
        )
        model = stats.multilevel_slope(months, direction=direction)
    except ValueError as exc:
        problems.append(f"The analysis could not be run: {exc}")
    return _with(base, rows=rows, correlation=correlation, model=model, problems=tuple(problems))
