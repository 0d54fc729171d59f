"""Tests for ethos.stats.intervals, each checked against an independent implementation."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

import numpy as np
import pytest
from scipy import stats
from statsmodels.stats.multitest import multipletests
from statsmodels.stats.proportion import proportion_confint, proportions_ztest

from ethos.stats.intervals import (
    benjamini_hochberg,
    one_sample_t,
    t_interval,
    t_intervals,
    two_proportion_test,
    welch_test,
    wilson_interval,
    wilson_intervals,
)

# --- t intervals ---------------------------------------------------------------------------


@pytest.mark.parametrize(("mean", "sd", "n", "level"), [(3.4, 1.1, 25, 0.95), (0.0, 2.0, 2, 0.9)])
def test_it_matches_scipy_t_interval(mean: float, sd: float, n: int, level: float) -> None:
    got = t_interval(mean, sd, n, level)
    low, high = stats.t.interval(level, df=n - 1, loc=mean, scale=sd / np.sqrt(n))
    assert got.low == pytest.approx(low, rel=1e-12)
    assert got.high == pytest.approx(high, rel=1e-12)
    assert got.level == level
    assert got.method == "Student t"


def test_it_vectorises_t_intervals_with_nan_for_small_n() -> None:
    mean = np.array([1.0, 2.0, 3.0, 4.0])
    sd = np.array([0.5, 1.0, np.nan, 2.0])
    n = np.array([10, 1, 5, 40])
    low, high = t_intervals(mean, sd, n)
    ok = [0, 3]
    ref_low, ref_high = stats.t.interval(
        0.95, df=n[ok] - 1, loc=mean[ok], scale=sd[ok] / np.sqrt(n[ok])
    )
    np.testing.assert_allclose(low[ok], ref_low, rtol=1e-12)
    np.testing.assert_allclose(high[ok], ref_high, rtol=1e-12)
    assert np.isnan(low[1]) and np.isnan(high[1])  # n < 2
    assert np.isnan(low[2]) and np.isnan(high[2])  # missing sd


def test_it_covers_the_true_mean_about_95_percent_of_the_time() -> None:
    rng = np.random.default_rng(2024)
    samples = rng.normal(loc=3.5, scale=0.9, size=(2000, 12))
    low, high = t_intervals(samples.mean(axis=1), samples.std(axis=1, ddof=1), np.full(2000, 12))
    coverage = np.mean((low <= 3.5) & (high >= 3.5))
    assert 0.93 <= coverage <= 0.97


# --- Wilson intervals ----------------------------------------------------------------------


@pytest.mark.parametrize(("x", "n"), [(0, 10), (3, 10), (10, 10), (47, 100), (1, 1)])
def test_it_matches_statsmodels_wilson(x: int, n: int) -> None:
    got = wilson_interval(x, n, 0.95)
    low, high = proportion_confint(x, n, alpha=0.05, method="wilson")
    assert got.low == pytest.approx(low, abs=1e-12)
    assert got.high == pytest.approx(high, abs=1e-12)


def test_it_vectorises_wilson_with_nan_for_empty_groups() -> None:
    x = np.array([0, 5, 12, 0])
    n = np.array([20, 9, 30, 0])
    low, high = wilson_intervals(x, n, level=0.9)
    ref_low, ref_high = proportion_confint(x[:3], n[:3], alpha=0.1, method="wilson")
    np.testing.assert_allclose(low[:3], ref_low, atol=1e-12)
    np.testing.assert_allclose(high[:3], ref_high, atol=1e-12)
    assert np.isnan(low[3]) and np.isnan(high[3])


def test_it_gives_wilson_coverage_near_nominal() -> None:
    rng = np.random.default_rng(7)
    p, n = 0.3, 60
    x = rng.binomial(n, p, size=2000)
    low, high = wilson_intervals(x, np.full(2000, n))
    coverage = np.mean((low <= p) & (p <= high))
    assert 0.93 <= coverage <= 0.97


# --- Benjamini-Hochberg --------------------------------------------------------------------


def test_it_matches_statsmodels_fdr_bh_and_ignores_nan() -> None:
    rng = np.random.default_rng(3)
    p = np.concatenate([rng.uniform(0, 0.01, 8), rng.uniform(0, 1, 30)])
    p[[4, 20]] = np.nan
    reject, q = benjamini_hochberg(p, alpha=0.05)
    ok = ~np.isnan(p)
    ref_reject, ref_q, _, _ = multipletests(p[ok], alpha=0.05, method="fdr_bh")
    np.testing.assert_allclose(q[ok], ref_q, rtol=1e-12)
    np.testing.assert_array_equal(reject[ok], ref_reject)
    assert np.isnan(q[[4, 20]]).all()
    assert not reject[[4, 20]].any()


def test_it_handles_ties_and_all_nan_in_bh() -> None:
    p = np.array([0.01, 0.01, 0.04, 0.04, 0.5])
    res = benjamini_hochberg(p)
    _, ref_q, _, _ = multipletests(p, method="fdr_bh")
    np.testing.assert_allclose(res.qvalues, ref_q)
    empty = benjamini_hochberg(np.array([np.nan, np.nan]))
    assert np.isnan(empty.qvalues).all() and not empty.reject.any()


def test_a_given_order_gives_the_same_q_values_whatever_the_order_of_ties() -> None:
    rng = np.random.default_rng(8)
    p = np.round(rng.uniform(0, 0.2, 60), 2)  # many ties
    p[[3, 30]] = np.nan
    known = np.flatnonzero(~np.isnan(p))
    expected = benjamini_hochberg(p)
    for _ in range(5):
        shuffled = known[rng.permutation(known.size)]
        order = shuffled[np.argsort(p[shuffled], kind="stable")]  # ties in a random order
        given = benjamini_hochberg(p, order=order)
        np.testing.assert_array_equal(given.qvalues, expected.qvalues)
        np.testing.assert_array_equal(given.reject, expected.reject)
    with pytest.raises(ValueError, match="every p-value that is not NaN"):
        benjamini_hochberg(p, order=known[1:])


# --- tests from summary statistics ---------------------------------------------------------


def test_it_matches_scipy_welch_from_summary_statistics() -> None:
    m1, s1, n1 = np.array([3.2, 2.9, 4.0]), np.array([1.0, 0.7, 1.5]), np.array([30, 12, 200])
    m2, s2, n2 = np.array([3.6, 2.9, 3.1]), np.array([0.8, 1.4, 1.1]), np.array([45, 8, 150])
    t, df, p = welch_test(m1, s1, n1, m2, s2, n2)
    ref = stats.ttest_ind_from_stats(m1, s1, n1, m2, s2, n2, equal_var=False)
    np.testing.assert_allclose(t, ref.statistic, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(p, ref.pvalue, rtol=1e-10)
    v1, v2 = s1**2 / n1, s2**2 / n2
    np.testing.assert_allclose(df, (v1 + v2) ** 2 / (v1**2 / (n1 - 1) + v2**2 / (n2 - 1)))


def test_it_returns_nan_welch_where_undefined() -> None:
    t, df, p = welch_test([1.0, 1.0], [1.0, 0.0], [1, 5], [2.0, 2.0], [1.0, 0.0], [5, 5])
    assert np.isnan(t).all() and np.isnan(df).all() and np.isnan(p).all()


def test_it_matches_scipy_one_sample_t_on_raw_data() -> None:
    rng = np.random.default_rng(11)
    data = rng.normal(3.8, 1.0, size=(5, 25))
    res = one_sample_t(data.mean(axis=1), data.std(axis=1, ddof=1), np.full(5, 25), mu0=3.5)
    ref = stats.ttest_1samp(data, 3.5, axis=1)
    np.testing.assert_allclose(res.t, ref.statistic, rtol=1e-10)
    np.testing.assert_allclose(res.p, ref.pvalue, rtol=1e-8)
    np.testing.assert_array_equal(res.df, 24.0)


def test_it_matches_statsmodels_pooled_two_proportion_z() -> None:
    x1, n1 = np.array([45, 10, 3]), np.array([100, 80, 40])
    x2, n2 = np.array([30, 12, 9]), np.array([110, 70, 41])
    z, p = two_proportion_test(x1, n1, x2, n2)
    for i in range(3):
        ref_z, ref_p = proportions_ztest([x1[i], x2[i]], [n1[i], n2[i]])
        assert z[i] == pytest.approx(ref_z, rel=1e-10)
        assert p[i] == pytest.approx(ref_p, rel=1e-8)
        table = [[x1[i], n1[i] - x1[i]], [x2[i], n2[i] - x2[i]]]
        chi2 = stats.chi2_contingency(table, correction=False)[0]
        assert z[i] ** 2 == pytest.approx(chi2, rel=1e-10)


def test_it_returns_nan_proportion_test_where_undefined() -> None:
    z, p = two_proportion_test([0, 3], [0, 10], [1, 0], [5, 0])
    assert np.isnan(z).all() and np.isnan(p).all()
    z, _ = two_proportion_test(0, 10, 0, 12)  # pooled proportion 0
    assert np.isnan(z)


# --- results and validation ----------------------------------------------------------------


def test_it_returns_frozen_results_with_read_only_arrays() -> None:
    res = t_interval(1.0, 1.0, 10)
    with pytest.raises(dataclasses.FrozenInstanceError):
        res.low = 0.0  # type: ignore[misc]
    arrays = welch_test([1.0], [1.0], [10], [2.0], [1.0], [10])
    with pytest.raises(ValueError, match="read-only"):
        arrays.t[0] = 0.0


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: t_interval(1.0, 1.0, 1), "n >= 2"),
        (lambda: t_interval(1.0, -1.0, 10), "sd must be non-negative"),
        (lambda: t_interval(1.0, 1.0, 10, level=1.5), "level"),
        (lambda: t_intervals([1.0, 2.0], [1.0, 1.0, 1.0], [5, 5]), "mismatched"),
        (lambda: wilson_interval(5, 0), "must be positive"),
        (lambda: wilson_interval(-1, 10), "non-negative"),
        (lambda: wilson_interval(11, 10), "must not exceed"),
        (lambda: wilson_intervals([1, 2], [3, 4, 5]), "mismatched"),
        (lambda: benjamini_hochberg(np.array([0.2, 1.3])), r"\[0, 1\]"),
        (lambda: benjamini_hochberg(np.ones((2, 2))), "1-D"),
        (lambda: welch_test([1.0], [-1.0], [5], [1.0], [1.0], [5]), "non-negative"),
        (lambda: two_proportion_test([5], [4], [1], [4]), "must not exceed"),
        (lambda: two_proportion_test([-1], [4], [1], [4]), "non-negative"),
        (lambda: one_sample_t([1.0, 2.0], [1.0, 1.0], [5, 5, 5], 0.0), "mismatched"),
    ],
)
def test_it_rejects_bad_inputs_with_clear_messages(
    call: Callable[[], object], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        call()


def test_the_t_tail_of_a_heatmap_split_between_threads_is_scipys_exactly() -> None:
    from ethos.stats.intervals import _SPLIT_FROM, t_upper

    rng = np.random.default_rng(4)
    size = 2 * _SPLIT_FROM + 1  # odd: the halves differ in length
    t = np.abs(rng.standard_normal(size)) * 3
    df = rng.uniform(1, 500, size)
    t[::1000], df[7::1000] = np.nan, np.inf
    np.testing.assert_array_equal(t_upper(t, df), stats.t.sf(t, df))
    np.testing.assert_array_equal(t_upper(t[:50], df[:50]), stats.t.sf(t[:50], df[:50]))
