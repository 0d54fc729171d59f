"""The issue's planted effects, put in by the synthetic generators and found by the analyses.

Each test builds a synthetic trust, runs the published analysis a user would see, and checks
it recovers what was planted (and only that): a lower appointment rate for Black and minority
ethnic applicants (WRES 2), a directorate with a retirement cliff, and units with better
support and compassion having better patient experience.
"""

from __future__ import annotations

import polars as pl
import pytest

import ethos
from ethos.stats import leadership, outcomes
from ethos.stats.equality import workforce_indicators
from ethos.synth import synthesise
from ethos.synth.workforce import support_effects, synthesise_workforce

YEAR = 2026


@pytest.fixture(scope="module")
def trust():
    survey = synthesise(staff=6000, units=240, seed=11)
    support = support_effects(survey.units, 11, wave="current")
    staff = synthesise_workforce(survey.units, YEAR, seed=11, support=support, years=1)
    return survey, staff


def test_the_lower_appointment_rate_for_bme_applicants_is_found(trust):
    _, staff = trust
    found = workforce_indicators(
        staff=staff.frame("staff"), recruitment=staff.frame("recruitment"), k=10
    )
    planted = staff.truth["appointment_from_shortlisting"]["relative_likelihood"]
    result = found.wres2.result
    assert result.ci_low > 1.0, "WRES 2 should favour White applicants, significantly"
    assert result.ci_low <= planted <= result.ci_high
    assert found.wdes2.result.ci_low < 1.0 < found.wdes2.result.ci_high  # nothing planted


def test_the_retirement_cliff_is_flagged_in_its_directorate_only(trust):
    survey, staff = trust
    risk = leadership.retirement_risk(staff.frame("staff"), staff.posts, survey.units, YEAR)
    assert risk.flagged == (staff.truth["retirement_cliff"]["unit"],)


def test_units_with_better_support_have_better_patient_experience(trust):
    survey, staff = trust
    cells = (
        ethos.analyse(survey.responses, units=survey.units, reliability=False)
        .cells()
        .with_columns(pl.col(pl.Categorical).cast(pl.Utf8))
        .filter(
            (pl.col("column") == "")
            & (pl.col("measure") == "support_compassion")
            & ~pl.col("suppressed")
        )
        .select(pl.col("unit").alias("unit_code"), pl.col("value").alias("culture_score"), "n")
    )
    planted = staff.truth["outcomes"]["planted"]["indicator"]
    per_unit = outcomes.unit_outcomes(staff.outcomes, planted).join(cells, on="unit_code")
    found = outcomes.unit_correlation(per_unit, respondents="n", months="months")
    assert found.association == outcomes.FAVOURABLE
    monthly = staff.outcomes.filter(pl.col("indicator") == planted).join(
        cells.select("unit_code", "culture_score"), on="unit_code"
    )
    model = outcomes.multilevel_slope(monthly)
    assert model.converged and model.low > 0
    noise = staff.truth["outcomes"]["noise_only"][0]
    per_unit = outcomes.unit_outcomes(staff.outcomes, noise).join(cells, on="unit_code")
    assert outcomes.unit_correlation(per_unit).association == outcomes.UNCLEAR
