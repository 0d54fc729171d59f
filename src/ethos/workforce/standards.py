"""WRES and WDES for an organisation's reporting year, and the trend across years.

The workforce-based indicators come from :func:`ethos.stats.equality.workforce_indicators`,
the survey-based ones from :mod:`ethos.workforce.survey`; both hold published figures only.
The report's shape and the national-return rows are in :mod:`ethos.workforce.returns`.
"""

from __future__ import annotations

from ethos.organisations.models import Organisation
from ethos.stats import equality
from ethos.workforce.returns import STANDARDS, StandardReport, assemble, return_frame
from ethos.workforce.services import workforce_frames, workforce_years
from ethos.workforce.survey import survey_indicators

__all__ = ["STANDARDS", "StandardReport", "return_frame", "standard_report", "trend"]


def standard_report(organisation: Organisation, year: int, standard: str) -> StandardReport:
    frames = workforce_frames(organisation, year)
    found = equality.workforce_indicators(
        staff=frames.get("staff"),
        recruitment=frames.get("recruitment"),
        cases=frames.get("cases"),
        training=frames.get("training"),
        board=frames.get("board"),
        k=organisation.min_group_size,
    )
    from_survey = survey_indicators(organisation, year)
    survey = from_survey.wres if standard == "wres" else from_survey.wdes
    title = from_survey.survey.title if from_survey.survey else ""
    return assemble(standard, year, found, title, survey)


def trend(organisation: Organisation, standard: str) -> list[StandardReport]:
    """The report for every year with files, oldest first (for the trend table)."""
    years = sorted(workforce_years(organisation))
    return [standard_report(organisation, y, standard) for y in years]
