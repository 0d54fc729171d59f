"""Tests for ethos.stats.likelihood (WRES relative likelihoods)."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from statsmodels.stats.contingency_tables import Table2x2

from ethos.stats.likelihood import relative_likelihood, relative_likelihoods


def reference(a: float, na: float, b: float, nb: float) -> tuple[float, float, float]:
    """Risk ratio and 95% log interval from statsmodels (no zero shifting)."""
    table = Table2x2(np.array([[a, na - a], [b, nb - b]], dtype=float), shift_zeros=False)
    low, high = table.riskratio_confint(alpha=0.05)
    return float(table.riskratio), float(low), float(high)


def test_it_reproduces_the_wres_appointment_example() -> None:
    # Published WRES figure (The Christie NHS FT, WRES action plan 2022-23): white applicants
    # 46.99% vs BME applicants 14.65% appointed from shortlisting, "3.2 times more likely".
    # Headcounts are illustrative, chosen to reproduce the published percentages.
    res = relative_likelihood(4699, 10_000, 1465, 10_000)
    assert round(res.rl, 1) == 3.2
    assert (res.rate_a, res.rate_b) == pytest.approx((0.4699, 0.1465))
    assert not res.corrected and res.note == ""


def test_it_reproduces_the_wres_disciplinary_example() -> None:
    # Published WRES figure (KMPT WRES 2020-22, indicator 3): BME 1.2% (9 staff) vs white
    # 0.7% (17 staff) entering formal disciplinary, "1.7 times more likely". Totals are
    # illustrative, chosen to reproduce the published percentages.
    res = relative_likelihood(9, 750, 17, 2429)
    assert round(res.rate_a * 100, 1) == 1.2 and round(res.rate_b * 100, 1) == 0.7
    assert round(res.rl, 1) == 1.7
    assert res.ci_low < 1.0 < res.ci_high  # small numbers: not statistically distinguishable


@pytest.mark.parametrize(
    "counts", [(4699, 10_000, 1465, 10_000), (9, 750, 17, 2429), (30, 40, 12, 45), (3, 3, 1, 8)]
)
def test_it_matches_statsmodels_risk_ratio_interval(counts: tuple[float, ...]) -> None:
    a, na, b, nb = counts
    res = relative_likelihood(a, na, b, nb)
    if res.corrected:  # (3, 3, ...) has no non-events in group A
        a, na, b, nb = a + 0.5, na + 1, b + 0.5, nb + 1
    rl, low, high = reference(a, na, b, nb)
    assert res.rl == pytest.approx(rl, rel=1e-12)
    assert res.ci_low == pytest.approx(low, rel=1e-10)
    assert res.ci_high == pytest.approx(high, rel=1e-10)


def test_it_applies_the_haldane_anscombe_correction_to_zero_cells() -> None:
    res = relative_likelihood(0, 20, 5, 40)
    assert res.corrected
    assert "0.5" in res.note and "Haldane" in res.note
    assert res.rate_a == 0.0  # rates stay uncorrected
    assert res.rl == pytest.approx((0.5 / 21) / (5.5 / 41))
    rl, low, high = reference(0.5, 21, 5.5, 41)
    assert (res.rl, res.ci_low, res.ci_high) == pytest.approx((rl, low, high), rel=1e-10)
    assert 0 < res.ci_low < res.rl < res.ci_high


def test_it_vectorises_consistently_with_the_scalar_function() -> None:
    a, na = np.array([10, 0, 50, 0]), np.array([100, 30, 60, 0])
    b, nb = np.array([5, 4, 20, 3]), np.array([80, 35, 60, 10])
    rl, low, high = relative_likelihoods(a, na, b, nb, level=0.9)
    for i in range(3):
        one = relative_likelihood(a[i], na[i], b[i], nb[i], level=0.9)
        assert (rl[i], low[i], high[i]) == pytest.approx((one.rl, one.ci_low, one.ci_high))
    assert np.isnan([rl[3], low[3], high[3]]).all()  # empty group: NaN, not an error
    res = relative_likelihoods(a, na, b, nb)
    np.testing.assert_array_equal(res.corrected, [False, True, False, False])


def test_it_covers_the_true_ratio_about_95_percent_of_the_time() -> None:
    rng = np.random.default_rng(31)
    pa, pb, n = 0.25, 0.15, 400
    a, b = rng.binomial(n, pa, 2000), rng.binomial(n, pb, 2000)
    _, low, high = relative_likelihoods(a, np.full(2000, n), b, np.full(2000, n))
    coverage = np.mean((low <= pa / pb) & (pa / pb <= high))
    assert 0.93 <= coverage <= 0.97


def test_it_returns_a_frozen_result() -> None:
    res = relative_likelihood(10, 100, 5, 100)
    with pytest.raises(dataclasses.FrozenInstanceError):
        res.rl = 1.0  # type: ignore[misc]


@pytest.mark.parametrize(
    ("counts", "message"),
    [
        ((0, 0, 3, 10), "group totals must be positive"),
        ((5, 10, 0, 0), "group totals must be positive"),
        ((-1, 10, 3, 10), "events_a must be non-negative"),
        ((1, 10, 3, -10), "total_b must be non-negative"),
        ((11, 10, 3, 10), "events_a must not exceed total_a"),
        ((1, 10, 13, 10), "events_b must not exceed total_b"),
        ((np.nan, 10, 3, 10), "finite"),
    ],
)
def test_it_rejects_bad_counts_with_clear_messages(
    counts: tuple[float, float, float, float], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        relative_likelihood(*counts)


def test_it_rejects_mismatched_lengths_and_bad_level() -> None:
    with pytest.raises(ValueError, match="mismatched"):
        relative_likelihoods([1, 2], [10, 10], [1, 2, 3], [10, 10, 10])
    with pytest.raises(ValueError, match="level"):
        relative_likelihood(1, 10, 2, 10, level=95)
