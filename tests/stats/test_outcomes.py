"""Tests for ethos.stats.outcomes: culture scores against outcome indicators (M8).

The story: sixty wards, each with a support-and-compassion score from the culture survey and
twelve months of a patient-experience indicator (a Friends and Family Test style percentage).
A positive slope is planted: 2.5 points of patient experience per point of culture score.
"""

from __future__ import annotations

import dataclasses
from datetime import date

import numpy as np
import pingouin
import polars as pl
import pytest
from scipy import stats

from ethos.stats.outcomes import (
    FAVOURABLE,
    HIGHER_IS_BETTER,
    LOWER_IS_BETTER,
    NOT_CAUSE,
    UNCLEAR,
    UNFAVOURABLE,
    UnitCorrelation,
    bonett_wright_interval,
    fisher_interval,
    multilevel_slope,
    unit_correlation,
    unit_outcomes,
)

TRUE_SLOPE = 2.5  # patient-experience points per point of culture score
UNITS, MONTHS = 60, 12


def wards(
    seed: int = 1, units: int = UNITS, months: int = MONTHS, slope: float = TRUE_SLOPE
) -> pl.DataFrame:
    """Monthly patient experience by ward, with a planted slope on the culture score."""
    rng = np.random.default_rng(seed)
    score = rng.normal(6.0, 0.8, units)
    ward_effect = rng.normal(0.0, 1.0, units)
    codes = [f"W{j:02d}" for j in range(units)]
    value = np.repeat(80.0 + slope * (score - 6.0) + ward_effect, months) + rng.normal(
        0.0, 2.0, units * months
    )
    return pl.DataFrame(
        {
            "unit_code": np.repeat(codes, months),
            "month": [date(2025 + (m + 3) // 12, (m + 3) % 12 + 1, 1) for m in range(months)]
            * units,
            "support_compassion": np.repeat(score, months),
            "patient_experience": value,
        }
    )


def per_ward(monthly: pl.DataFrame) -> pl.DataFrame:
    return (
        monthly.group_by("unit_code")
        .agg(
            pl.col("support_compassion").first(),
            pl.col("patient_experience").mean(),
            months=pl.len(),
        )
        .sort("unit_code")
    )


def correlate(frame: pl.DataFrame, **kwargs: object) -> UnitCorrelation:
    return unit_correlation(
        frame,
        "support_compassion",
        "patient_experience",
        **kwargs,
    )


# -- the correlation against independent implementations -----------------------------------


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_pearson_interval_matches_scipy_and_pingouin(seed: int) -> None:
    frame = per_ward(wards(seed, units=25))
    res = correlate(frame)
    x, y = frame["support_compassion"].to_numpy(), frame["patient_experience"].to_numpy()
    ref = stats.pearsonr(x, y)
    low, high = ref.confidence_interval(0.95)
    assert res.pearson.estimate == pytest.approx(ref.statistic, rel=1e-12)
    assert (res.pearson.low, res.pearson.high) == pytest.approx((low, high), rel=1e-10)
    pg = pingouin.corr(x, y)
    assert res.pearson.p_value == pytest.approx(pg["p_val"].iloc[0], rel=1e-9)
    # pingouin rounds its interval to two decimals for display.
    assert (res.pearson.low, res.pearson.high) == pytest.approx(pg["CI95"].iloc[0], abs=0.005)


def test_the_pearson_interval_matches_scipy_at_other_levels() -> None:
    frame = per_ward(wards(4, units=15))
    x, y = frame["support_compassion"].to_numpy(), frame["patient_experience"].to_numpy()
    for level in (0.8, 0.9, 0.99):
        expected = stats.pearsonr(x, y).confidence_interval(level)
        assert fisher_interval(stats.pearsonr(x, y).statistic, 15, level) == pytest.approx(
            (expected.low, expected.high), rel=1e-10
        )


def test_spearman_matches_scipy_and_the_bonett_wright_formula() -> None:
    frame = per_ward(wards(5, units=20))
    res = correlate(frame)
    ref = stats.spearmanr(frame["support_compassion"], frame["patient_experience"])
    assert res.spearman.estimate == pytest.approx(ref.statistic, rel=1e-12)
    assert res.spearman.p_value == pytest.approx(ref.pvalue, rel=1e-9)
    # Worked by hand for rho = 0.5, n = 20: atanh(0.5) = 0.549306, se = sqrt(1.125 / 17)
    # = 0.257248, half-width 1.959964 * se = 0.504197: tanh(0.045110) and tanh(1.053503).
    assert bonett_wright_interval(0.5, 20) == pytest.approx((0.045079, 0.783164), abs=1e-6)


def simulated_coverage(n: int, rho: float, reps: int, seed: int) -> tuple[float, float]:
    rng = np.random.default_rng(seed)
    xy = rng.multivariate_normal([0.0, 0.0], [[1.0, rho], [rho, 1.0]], size=(reps, n))
    x, y = xy[..., 0], xy[..., 1]
    xc, yc = x - x.mean(1, keepdims=True), y - y.mean(1, keepdims=True)
    r = (xc * yc).sum(1) / np.sqrt((xc**2).sum(1) * (yc**2).sum(1))
    pearson = np.mean([lo <= rho <= hi for lo, hi in (fisher_interval(v, n) for v in r)])
    true_rank = 6.0 / np.pi * np.arcsin(rho / 2.0)  # Spearman's rho of a bivariate normal
    rank = [stats.spearmanr(a, b).statistic for a, b in zip(x, y, strict=True)]
    spearman = np.mean(
        [lo <= true_rank <= hi for lo, hi in (bonett_wright_interval(v, n) for v in rank)]
    )
    return float(pearson), float(spearman)


def test_the_intervals_cover_the_true_correlation_about_95_percent_of_the_time() -> None:
    pearson, spearman = simulated_coverage(n=30, rho=0.5, reps=1000, seed=2024)
    assert 0.93 <= pearson <= 0.97
    assert 0.93 <= spearman <= 0.97


# -- the planted effect -------------------------------------------------------------------


def test_it_recovers_a_planted_positive_association_across_60_wards() -> None:
    res = correlate(per_ward(wards()), months="months")
    # Unit means: signal SD 2.5 * 0.8 = 2, noise variance 1 + 4 / 12: true r = 0.866.
    assert res.pearson.low < 0.866 < res.pearson.high
    assert res.spearman.low > 0.5
    assert res.n_units == 60 and res.association == FAVOURABLE
    assert res.warnings == (NOT_CAUSE,)


def test_the_multilevel_model_recovers_the_planted_slope() -> None:
    res = multilevel_slope(wards(), "support_compassion", "patient_experience", standardise=False)
    assert res.converged
    assert res.low < TRUE_SLOPE < res.high
    assert res.n_units == 60 and res.n_obs == 720
    assert res.unit_variance == pytest.approx(1.0, abs=0.6)
    assert res.residual_variance == pytest.approx(4.0, rel=0.15)
    assert res.icc == pytest.approx(res.unit_variance / (res.unit_variance + 4.0), rel=0.1)
    assert res.association == FAVOURABLE and res.p_value < 1e-10


def test_the_multilevel_slope_equals_ols_on_ward_means_for_balanced_data() -> None:
    # With the same number of months per ward and a ward-level predictor, the REML (GLS)
    # slope is the OLS slope of ward means, with the same standard error.
    monthly = wards(seed=8)
    res = multilevel_slope(monthly, "support_compassion", "patient_experience", standardise=False)
    means = per_ward(monthly)
    ols = stats.linregress(means["support_compassion"], means["patient_experience"])
    assert res.slope == pytest.approx(ols.slope, rel=1e-8)
    assert (res.high - res.low) / 2 / stats.norm.ppf(0.975) == pytest.approx(ols.stderr, rel=1e-4)


def test_a_standardised_slope_reads_per_one_sd_of_culture_between_units() -> None:
    monthly = wards(seed=9)
    raw = multilevel_slope(monthly, "support_compassion", "patient_experience", standardise=False)
    z = multilevel_slope(monthly, "support_compassion", "patient_experience")
    sd = per_ward(monthly)["support_compassion"].std()
    assert z.standardised and z.culture_sd == pytest.approx(sd)
    assert z.slope == pytest.approx(raw.slope * sd, rel=1e-6)
    assert z.p_value == pytest.approx(raw.p_value, rel=1e-3)


def test_adjusting_for_a_confounder_removes_a_spurious_slope() -> None:
    # Bigger wards score better on culture and on the outcome; culture itself does nothing.
    rng = np.random.default_rng(12)
    size = rng.normal(0.0, 1.0, UNITS)
    score = size + rng.normal(0.0, 0.5, UNITS)
    value = np.repeat(3.0 * size + rng.normal(0.0, 0.5, UNITS), MONTHS) + rng.normal(
        0.0, 1.0, UNITS * MONTHS
    )
    data = {
        "unit_code": np.repeat([f"W{j}" for j in range(UNITS)], MONTHS),
        "culture_score": np.repeat(score, MONTHS),
        "size": np.repeat(size, MONTHS),
        "value": value,
    }
    naive = multilevel_slope(data)
    adjusted = multilevel_slope(data, covariates=["size"])
    assert naive.low > 0
    assert adjusted.low < 0 < adjusted.high and adjusted.covariates == ("size",)


# -- direction ----------------------------------------------------------------------------


def test_direction_decides_whether_an_association_is_favourable() -> None:
    frame = per_ward(wards())
    assert correlate(frame, direction=LOWER_IS_BETTER).association == UNFAVOURABLE
    falls = frame.with_columns(-pl.col("patient_experience"))
    assert correlate(falls, direction=LOWER_IS_BETTER).association == FAVOURABLE
    assert correlate(falls, direction=HIGHER_IS_BETTER).association == UNFAVOURABLE
    noise = per_ward(wards(seed=6, slope=0.0))
    assert correlate(noise).association == UNCLEAR


def test_direction_applies_to_the_multilevel_model_too() -> None:
    monthly = wards()
    res = multilevel_slope(
        monthly, "support_compassion", "patient_experience", direction=LOWER_IS_BETTER
    )
    assert res.association == UNFAVOURABLE and res.direction == LOWER_IS_BETTER


# -- honest warnings ----------------------------------------------------------------------


def test_it_warns_when_there_are_too_few_units() -> None:
    res = correlate(per_ward(wards(units=8)))
    assert "too few units to say much" in res.warnings[0]
    assert res.warnings[-1] == NOT_CAUSE


def test_it_warns_about_units_with_few_respondents_or_months_and_dropped_rows() -> None:
    frame = per_ward(wards(units=20)).with_columns(
        respondents=pl.Series([4, 8, *([30] * 18)]),
        months=pl.Series([3, *([12] * 19)]),
    )
    frame = frame.with_columns(
        pl.when(pl.col("unit_code") == "W19")
        .then(None)
        .otherwise(pl.col("patient_experience"))
        .alias("patient_experience")
    )
    res = correlate(frame, respondents="respondents", months="months")
    text = " ".join(res.warnings)
    assert "2 of 19 units had fewer than 10 survey respondents" in text
    assert "1 of 19 units had fewer than 6 months" in text
    assert "1 rows were left out" in text and res.n_dropped == 1 and res.n_units == 19
    assert "not evidence that culture causes" in text


def test_the_model_warns_about_a_boundary_fit() -> None:
    # Every ward has the same month-to-month pattern, so ward means lie on the line exactly.
    rng = np.random.default_rng(3)
    score = rng.normal(0.0, 1.0, 20)
    pattern = rng.normal(0.0, 1.0, MONTHS)
    pattern -= pattern.mean()
    data = {
        "unit_code": np.repeat([f"W{j}" for j in range(20)], MONTHS),
        "culture_score": np.repeat(score, MONTHS),
        "value": np.repeat(2.0 * score, MONTHS) + np.tile(pattern, 20),
    }
    res = multilevel_slope(data)
    assert res.unit_variance == pytest.approx(0.0, abs=1e-8)
    assert any("boundary fit" in w for w in res.warnings)
    assert any("With 20 units" in w for w in res.warnings)


def test_the_model_warns_about_few_units_and_few_months() -> None:
    monthly = wards(units=6).filter(
        ~((pl.col("unit_code") == "W00") & (pl.col("month") > date(2025, 6, 1)))
    )
    res = multilevel_slope(monthly, "support_compassion", "patient_experience")
    text = " ".join(res.warnings)
    assert "too few units to say much" in text
    assert "1 of 6 units had fewer than 6 months" in text
    assert "compares units with one another" in text and res.warnings[-1] == NOT_CAUSE


def test_the_model_says_when_it_did_not_converge() -> None:
    # Heavy-tailed values on a huge scale: statsmodels' optimisers give up on this seed.
    rng = np.random.default_rng(2)
    score = rng.normal(0.0, 1.0, 12)
    data = {
        "unit_code": np.repeat([f"W{j}" for j in range(12)], 3),
        "culture_score": np.repeat(score, 3),
        "value": (np.repeat(score, 3) + rng.standard_cauchy(36)) * 1e9,
    }
    res = multilevel_slope(data)
    assert not res.converged
    assert "did not converge" in res.warnings[0]


# -- monthly outcomes to one value per unit -----------------------------------------------


def test_unit_outcomes_averages_the_months_in_the_period() -> None:
    outcomes = pl.DataFrame(
        {
            "unit_code": ["A", "A", "A", "B", "B", "A"],
            "month": [date(2025, 4, 1), date(2025, 5, 1), date(2025, 6, 1)] * 2,
            "indicator": ["ffT", "ffT", "ffT", "ffT", "ffT", "falls"],
            "value": [80.0, 90.0, None, 70.0, 72.0, 5.0],
        }
    )
    res = unit_outcomes(outcomes, "ffT")
    assert res.to_dicts() == [
        {"unit_code": "A", "value": 85.0, "months": 2},
        {"unit_code": "B", "value": 71.0, "months": 2},
    ]
    may = unit_outcomes(outcomes, "ffT", start=date(2025, 5, 1), end=date(2025, 5, 31))
    assert may["value"].to_list() == [90.0, 72.0]


# -- every ValueError ---------------------------------------------------------------------


FRAME = per_ward(wards(units=12))


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"direction": "up"}, "direction must be one of"),
        ({"level": 1.0}, "level must be strictly between"),
        ({"respondents": "months", "min_respondents": 0}, "min_respondents"),
        ({"months": "months", "min_months": True}, "min_months"),
        ({"months": "nope"}, "column 'nope' is missing"),
    ],
)
def test_unit_correlation_rejects_bad_arguments(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        correlate(FRAME, **kwargs)


def test_unit_correlation_rejects_bad_data() -> None:
    with pytest.raises(ValueError, match="column 'culture' is missing"):
        unit_correlation(FRAME, "culture", "patient_experience")
    with pytest.raises(ValueError, match="not numeric"):
        unit_correlation(FRAME, "unit_code", "patient_experience")
    with pytest.raises(ValueError, match="at least 4 units"):
        correlate(FRAME.head(3))
    with pytest.raises(ValueError, match="must both vary"):
        correlate(FRAME.with_columns(support_compassion=pl.lit(5.0)))


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: fisher_interval(1.2, 20), r"lie in \[-1, 1\]"),
        (lambda: fisher_interval(0.2, 3), "at least 4 units"),
        (lambda: bonett_wright_interval(0.2, 20, level=0.0), "level"),
    ],
)
def test_the_interval_functions_reject_bad_inputs(call: object, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        call()  # type: ignore[operator]


MONTHLY = wards(units=12)


@pytest.mark.parametrize(
    ("data", "kwargs", "message"),
    [
        (MONTHLY.filter(pl.col("unit_code").is_in(["W00", "W01"])), {}, "at least 3 units"),
        (MONTHLY.unique("unit_code"), {}, "too few monthly values"),
        (MONTHLY.with_columns(support_compassion=pl.lit(1.0)), {}, "vary between units"),
        (
            MONTHLY.with_columns(twice=2 * pl.col("support_compassion")),
            {"covariates": ["twice"]},
            "collinear",
        ),
        (MONTHLY, {"covariates": "month"}, "not a single string"),
        (MONTHLY, {"unit": "ward"}, "column 'ward' is missing"),
        (MONTHLY, {"direction": "sideways"}, "direction"),
        (MONTHLY, {"level": -0.5}, "level"),
        (MONTHLY, {"min_months": 0}, "min_months"),
    ],
)
def test_multilevel_slope_rejects_bad_inputs(
    data: pl.DataFrame, kwargs: dict[str, object], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        multilevel_slope(data, "support_compassion", "patient_experience", **kwargs)


def test_unit_outcomes_rejects_bad_inputs() -> None:
    outcomes = pl.DataFrame(
        {"unit_code": ["A"], "month": [date(2025, 4, 1)], "indicator": ["x"], "value": [1.0]}
    )
    with pytest.raises(ValueError, match="polars DataFrame"):
        unit_outcomes(outcomes.to_dicts(), "x")
    with pytest.raises(ValueError, match="lacks the column"):
        unit_outcomes(outcomes.drop("month"), "x")
    with pytest.raises(ValueError, match="must not be after"):
        unit_outcomes(outcomes, "x", start=date(2026, 1, 1), end=date(2025, 1, 1))
    with pytest.raises(ValueError, match="no values"):
        unit_outcomes(outcomes, "y")


def test_results_are_frozen() -> None:
    res = correlate(FRAME)
    with pytest.raises(dataclasses.FrozenInstanceError):
        res.n_units = 3
