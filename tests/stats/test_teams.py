"""Tests for ethos.stats.teams: the team-working assessment (M10).

The story: a trust publishes each ward's real-team share (the percentage of respondents who
say yes to all three real-team tests) with its Wilson interval, as disclosure control
publishes it. Ward A is clearly a real team, Ward P clearly a pseudo-team with low culture
scores (the planted one), Ward U could be either, and Ward S is too small to show.
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest
from scipy import stats
from statsmodels.stats.proportion import proportion_confint
from statsmodels.stats.weightstats import CompareMeans, DescrStatsW

from ethos.stats.disclosure import Shown, Suppressed
from ethos.stats.intervals import wilson_interval
from ethos.stats.teams import (
    NOT_SHOWN,
    PSEUDO,
    REAL,
    UNCERTAIN,
    TeamAssessment,
    assess_teams,
    classify_team,
    culture_by_team_type,
)

HIDDEN = Suppressed("fewer than 10 responses")


def published(yes: int, n: int) -> Shown:
    """A real-team share as disclosure control publishes it: percent with a Wilson interval."""
    interval = wilson_interval(yes, n)
    return Shown(n, 100.0 * yes / n, 100.0 * interval.low, 100.0 * interval.high)


SHARES = {
    "A": published(18, 20),  # 90% [69.9, 97.2]: real
    "P": published(2, 25),  # 8% [2.2, 25.0]: pseudo
    "U": published(7, 12),  # 58% [32.0, 80.7]: uncertain, leans real
    "V": published(5, 12),  # 42% [19.3, 68.0]: uncertain, leans pseudo
    "S": HIDDEN,
}


@pytest.fixture(scope="module")
def assessment() -> TeamAssessment:
    return assess_teams(SHARES)


# --- Classifying one team -----------------------------------------------------------------


def test_each_team_is_classified_by_where_its_interval_lies(assessment: TeamAssessment) -> None:
    status = {t.unit: (t.status, t.leans) for t in assessment.teams}
    assert status == {
        "A": (REAL, None),
        "P": (PSEUDO, None),
        "U": (UNCERTAIN, REAL),
        "V": (UNCERTAIN, PSEUDO),
        "S": (NOT_SHOWN, None),
    }
    assert assessment.team("S").share == HIDDEN
    assert assessment.team("A").share == SHARES["A"]


def test_the_boundaries_of_the_rule() -> None:
    assert classify_team("x", Shown(20, 70.0, 50.0, 85.0)).status == REAL  # low exactly 50
    on_high = classify_team("x", Shown(20, 30.0, 15.0, 50.0))
    assert (on_high.status, on_high.leans) == (UNCERTAIN, PSEUDO)  # high exactly 50
    on_point = classify_team("x", Shown(20, 50.0, 30.0, 70.0))
    assert (on_point.status, on_point.leans) == (UNCERTAIN, REAL)


def test_a_stricter_threshold_can_be_chosen() -> None:
    assert classify_team("A", SHARES["A"], threshold=75.0).status == UNCERTAIN
    assert classify_team("A", SHARES["A"], threshold=60.0).status == REAL


def test_a_majority_alone_is_not_enough_in_a_small_team() -> None:
    # 8 of 10 say yes: 80%, but the interval reaches down to 49%.
    share = published(8, 10)
    assert share.ci_low < 50 < share.value
    assert classify_team("small", share).status == UNCERTAIN


# --- The organisation's share of real teams ------------------------------------------


def test_the_organisation_counts_each_class(assessment: TeamAssessment) -> None:
    org = assessment.organisation
    assert (org.real, org.pseudo, org.uncertain, org.not_shown) == (1, 1, 2, 1)


def test_the_real_share_is_among_classified_teams_with_a_wilson_interval(
    assessment: TeamAssessment,
) -> None:
    share = assessment.organisation.real_share
    low, high = proportion_confint(1, 2, method="wilson")
    assert isinstance(share, Shown) and share.n == 2 and share.value == 50.0
    assert (share.ci_low, share.ci_high) == pytest.approx((100 * low, 100 * high))


def test_the_majority_share_counts_every_shown_team_by_its_point_estimate(
    assessment: TeamAssessment,
) -> None:
    share = assessment.organisation.majority_share
    low, high = proportion_confint(2, 4, method="wilson")  # A and U of A, P, U, V
    assert isinstance(share, Shown) and (share.n, share.value) == (4, 50.0)
    assert (share.ci_low, share.ci_high) == pytest.approx((100 * low, 100 * high))


def test_with_no_classified_team_the_shares_are_hidden_with_a_reason() -> None:
    org = assess_teams({"U": SHARES["U"], "S": HIDDEN}).organisation
    assert org.real_share == Suppressed("no team could be classified")
    assert isinstance(org.majority_share, Shown) and org.majority_share.n == 1
    nothing = assess_teams({"S": HIDDEN}).organisation
    assert nothing.majority_share == Suppressed("no team's share is shown")


def test_a_larger_organisation_against_an_independent_wilson_interval() -> None:
    rng = np.random.default_rng(7)
    shares = {}
    for unit in range(60):
        n = int(rng.integers(10, 40))
        shares[f"T{unit}"] = published(int(rng.binomial(n, rng.uniform(0.05, 0.95))), n)
    org = assess_teams(shares).organisation
    low, high = proportion_confint(org.real, org.real + org.pseudo, method="wilson")
    assert isinstance(org.real_share, Shown)
    assert org.real_share.ci_low == pytest.approx(100 * low)
    assert org.real_share.ci_high == pytest.approx(100 * high)
    assert org.real + org.pseudo + org.uncertain == 60


# --- Culture scores beside the class ----------------------------------------------------

CULTURE = {
    "A": {"teamwork": 8.1, "support_compassion": 7.6, "engagement": 7.4},
    "B": {"teamwork": 7.5, "support_compassion": 7.0, "engagement": 7.1},
    "C": {"teamwork": 7.8, "support_compassion": HIDDEN, "engagement": 6.9},
    "P": {"teamwork": 4.2, "support_compassion": 4.9, "engagement": 5.0},  # the planted one
    "Q": {"teamwork": 5.0, "support_compassion": 5.5, "engagement": 5.6},
    "R": {"teamwork": 5.4, "support_compassion": 5.1, "engagement": 6.0},
    "U": {"teamwork": 6.5, "support_compassion": 6.0, "engagement": 6.3},
}
TEAMS = {
    "A": published(18, 20),
    "B": published(15, 16),
    "C": published(22, 25),
    "P": published(2, 25),
    "Q": published(3, 22),
    "R": published(1, 12),
    "U": published(7, 12),
    "S": HIDDEN,
}


@pytest.fixture(scope="module")
def culture() -> object:
    return culture_by_team_type(assess_teams(TEAMS), CULTURE)


def test_the_planted_pseudo_team_is_found_with_its_low_scores(culture) -> None:
    planted = next(p for p in culture.profiles if p.unit == "P")
    assert planted.status == PSEUDO
    assert planted.score("teamwork") == 4.2
    lowest = min(
        (p for p in culture.profiles if not isinstance(p.score("teamwork"), Suppressed)),
        key=lambda p: p.score("teamwork"),
    )
    assert lowest.unit == "P"


def test_profiles_keep_hidden_and_missing_scores_as_suppressed(culture) -> None:
    profiles = {p.unit: p for p in culture.profiles}
    assert profiles["C"].score("support_compassion") == HIDDEN
    assert profiles["S"].status == NOT_SHOWN
    assert profiles["S"].score("teamwork") == Suppressed("no culture score published for this team")
    assert [p.unit for p in culture.profiles] == list(TEAMS)


def test_real_teams_score_higher_with_welch_against_independent_implementations(
    culture,
) -> None:
    contrast = culture.contrast("teamwork")
    real, pseudo = [8.1, 7.5, 7.8], [4.2, 5.0, 5.4]
    assert (contrast.real_teams, contrast.pseudo_teams) == (3, 3)
    assert contrast.real_mean == pytest.approx(np.mean(real))
    assert contrast.difference == pytest.approx(np.mean(real) - np.mean(pseudo))
    reference = stats.ttest_ind(real, pseudo, equal_var=False)
    assert (contrast.t, contrast.p) == pytest.approx((reference.statistic, reference.pvalue))
    low, high = CompareMeans(DescrStatsW(real), DescrStatsW(pseudo)).tconfint_diff(usevar="unequal")
    assert (contrast.ci_low, contrast.ci_high) == pytest.approx((low, high))
    assert contrast.p < 0.05


def test_hidden_scores_and_uncertain_teams_stay_out_of_the_contrast(culture) -> None:
    contrast = culture.contrast("support_compassion")  # C is hidden, U is uncertain
    assert (contrast.real_teams, contrast.pseudo_teams) == (2, 3)
    assert contrast.real_mean == pytest.approx((7.6 + 7.0) / 2)


def test_a_contrast_needs_two_teams_a_side_for_a_test() -> None:
    one_real = culture_by_team_type(
        assess_teams({k: TEAMS[k] for k in ("A", "P", "Q")}),
        {k: CULTURE[k] for k in ("A", "P", "Q")},
        measures=["teamwork"],
    )
    contrast = one_real.contrast("teamwork")
    assert contrast.difference == pytest.approx(8.1 - 4.6)
    assert (contrast.t, contrast.df, contrast.p, contrast.ci_low) == (None, None, None, None)
    no_real = culture_by_team_type(assess_teams({"P": TEAMS["P"]}), {"P": CULTURE["P"]})
    assert no_real.contrast("teamwork").real_mean is None
    assert no_real.contrast("teamwork").difference is None


def test_identical_scores_give_no_test() -> None:
    teams = {k: TEAMS[k] for k in ("A", "B", "P", "Q")}
    flat = culture_by_team_type(assess_teams(teams), {k: {"x": 5.0} for k in teams})
    assert flat.contrast("x").difference == 0.0 and flat.contrast("x").t is None


def test_results_are_frozen(assessment: TeamAssessment) -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        assessment.threshold = 10.0  # type: ignore[misc]


# --- Bad input ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("shares", "message"),
    [
        ({}, "non-empty mapping"),
        ([("A", SHARES["A"])], "non-empty mapping"),
        ({"A": 0.9}, "expected a published share"),
        ({"A": Shown(10, math.nan, 0.0, 1.0)}, "finite"),
        ({"A": Shown(10, 60.0, 70.0, 80.0)}, "ci_low <= share"),
        ({"A": Shown(10, 60.0, 40.0, 120.0)}, "<= 100"),
        ({"A": Shown(0, 60.0, 40.0, 80.0)}, "whole number"),
        ({"A": Shown(True, 60.0, 40.0, 80.0)}, "whole number"),
        ({"": SHARES["A"]}, "unit code"),
        ({"A": Shown(400, 0.9, 0.86, 0.93), "B": Shown(400, 0.1, 0.07, 0.13)}, "0-100"),
    ],
)
def test_assess_rejects_bad_shares(shares: object, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        assess_teams(shares)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"threshold": 0}, "between 0 and 100"),
        ({"threshold": 100}, "between 0 and 100"),
        ({"threshold": True}, "percentage"),
        ({"threshold": "50"}, "percentage"),
        ({"level": 0.0}, "level"),
        ({"level": "high"}, "level"),
    ],
)
def test_assess_rejects_bad_options(options: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        assess_teams(SHARES, **options)


@pytest.mark.parametrize(
    ("scores", "measures", "level", "message"),
    [
        ([], None, 0.95, "mapping of unit"),
        ({"Z": {"x": 1.0}}, None, 0.95, "not assessed"),
        ({"A": [1.0]}, None, 0.95, "measure -> value"),
        ({"A": {"x": True}}, None, 0.95, "finite number"),
        ({"A": {"x": math.inf}}, None, 0.95, "finite number"),
        ({"A": {"x": "7"}}, None, 0.95, "finite number"),
        ({"A": {"x": 1.0}}, "x", 0.95, "non-empty sequence"),
        ({"A": {"x": 1.0}}, [], 0.95, "non-empty sequence"),
        ({}, None, 0.95, "non-empty sequence"),
        ({"A": {"x": 1.0}}, None, 1.5, "level"),
    ],
)
def test_culture_comparison_rejects_bad_input(
    assessment: TeamAssessment, scores: object, measures: object, level: float, message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        culture_by_team_type(assessment, scores, measures, level)  # type: ignore[arg-type]
