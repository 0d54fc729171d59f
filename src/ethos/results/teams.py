"""The team-working assessment page (M10): real teams and pseudo-teams, from published results.

Each team (a unit with no units below it) is classified from its published share of
respondents who meet all three real-team tests (:func:`ethos.stats.teams.assess_teams`); a
hidden share leaves the team unclassified. Culture scores beside it are the same published
cells as everywhere else.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

import polars as pl
from django.http import HttpRequest, HttpResponse

from ethos.instruments.model import ELEMENTS
from ethos.organisations import access
from ethos.results import views
from ethos.stats.disclosure import Shown, Suppressed
from ethos.stats.teams import assess_teams, culture_by_team_type

REAL_TEAM = "real_team"
BESIDE = (*ELEMENTS, "engagement")


@access.requires(access.VIEW_RESULTS)
def teams(request: HttpRequest, survey_id: UUID) -> HttpResponse:
    viewer, survey, results = views._load(request, survey_id)
    title = "Team working"
    if results is None or not results.final:
        return views._render(request, "pending.jinja", survey, title, results, crumbs=[])
    measures = {m.id: m.label for m in results.instrument.measures}
    if REAL_TEAM not in measures:
        return views._render(request, "teams.jinja", survey, title, results, crumbs=[], none=True)
    leaves = viewer.units().filter(children__isnull=True).order_by("path")
    names = {u.code: u.name for u in leaves}
    cells = _unit_cells(results.cells, list(names))
    shares = {code: _published(cells, code, REAL_TEAM) for code in names}
    assessment = assess_teams(shares)
    beside = [m for m in BESIDE if m in measures]
    scores = {code: {m: _value(_published(cells, code, m)) for m in beside} for code in names}
    by_type = culture_by_team_type(assessment, scores, beside)
    return views._render(
        request,
        "teams.jinja",
        survey,
        title,
        results,
        crumbs=[],
        column="full",
        assessment=assessment,
        by_type=by_type,
        names=names,
        labels=measures,
        beside=beside,
        whole=viewer.whole_organisation,
    )


def _unit_cells(cells: pl.DataFrame, codes: list[str]) -> dict[tuple[str, str], dict[str, Any]]:
    rows = cells.with_columns(pl.col(pl.Categorical).cast(pl.Utf8)).filter(
        (pl.col("column") == "") & pl.col("unit").is_in(codes)
    )
    return {(r["unit"], r["measure"]): r for r in rows.iter_rows(named=True)}


def _published(cells: dict, code: str, measure: str) -> Shown | Suppressed:
    row = cells.get((code, measure))
    if row is None:
        return Suppressed("no responses")
    if row["suppressed"]:
        return Suppressed(row["reason"] or "hidden")
    return Shown(int(row["n"]), float(row["value"]), float(row["ci_low"]), float(row["ci_high"]))


def _value(cell: Shown | Suppressed) -> float | Suppressed:
    return cell if isinstance(cell, Suppressed) else cell.value
