"""Tests for ethos.stats.psychometrics (and the private frame helper it relies on)."""

from __future__ import annotations

import ast
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pingouin as pg
import polars as pl
import pytest
from scipy import stats

from ethos.stats import psychometrics
from ethos.stats._frames import as_matrix, column_names
from ethos.stats.psychometrics import (
    cronbach_alpha,
    factor_report,
    item_total,
    mcdonald_omega,
    reliability_table,
)

ITEMS = [f"q{i}" for i in range(1, 7)]


def congeneric(loadings: np.ndarray, n: int, seed: int) -> np.ndarray:
    """Standardised items from a one-factor model: x_i = l_i f + sqrt(1 - l_i^2) e_i."""
    rng = np.random.default_rng(seed)
    factor = rng.standard_normal(n)
    noise = rng.standard_normal((n, loadings.size)) * np.sqrt(1.0 - loadings**2)
    return factor[:, None] * loadings + noise


def likert_frame(n: int = 400, seed: int = 5) -> pd.DataFrame:
    """Five-point items driven by one factor, as a pandas frame."""
    x = congeneric(np.linspace(0.5, 0.8, 6), n, seed)
    return pd.DataFrame(np.clip(np.round(3 + 1.1 * x), 1, 5), columns=ITEMS)


# --- frames --------------------------------------------------------------------------------


def test_it_converts_numpy_polars_and_pandas_identically() -> None:
    df = likert_frame(50)
    df.loc[3, "q2"] = np.nan
    ref = df[["q2", "q5"]].to_numpy(dtype=float)
    polars_frame = pl.from_pandas(df)
    np.testing.assert_array_equal(as_matrix(df, ["q2", "q5"]), ref)
    np.testing.assert_array_equal(as_matrix(polars_frame, ["q2", "q5"]), ref)
    np.testing.assert_array_equal(as_matrix(df.to_numpy(), [1, 4]), ref)
    assert column_names(polars_frame) == tuple(ITEMS)
    assert column_names(df.to_numpy(), [1, 4]) == ("item2", "item5")


def test_it_turns_polars_integer_nulls_into_nan() -> None:
    frame = pl.DataFrame({"a": [1, None, 3], "b": [2.0, 3.0, None], "c": [True, False, None]})
    x = as_matrix(frame)
    assert x.dtype == np.float64
    np.testing.assert_array_equal(np.isnan(x), [[0, 0, 0], [1, 0, 0], [0, 1, 1]])


def test_it_rejects_unknown_and_non_numeric_columns() -> None:
    frame = pl.DataFrame({"a": [1, 2], "s": ["x", "y"]})
    with pytest.raises(ValueError, match="not found"):
        as_matrix(frame, ["zz"])
    with pytest.raises(ValueError, match="not numeric"):
        as_matrix(frame, ["s"])
    with pytest.raises(ValueError, match="numeric"):
        as_matrix(frame.to_pandas(), ["s"])
    with pytest.raises(ValueError, match="2-D"):
        as_matrix(np.arange(3.0))


def test_it_keeps_pandas_optional_in_frames() -> None:
    source = Path(psychometrics.__file__).with_name("_frames.py").read_text()
    imported = {
        alias.name.split(".")[0]
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.Import)
        for alias in node.names
    } | {
        (node.module or "").split(".")[0]
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.ImportFrom)
    }
    assert "pandas" not in imported and "polars" not in imported


# --- Cronbach's alpha ----------------------------------------------------------------------


def test_it_matches_pingouin_alpha_and_feldt_interval() -> None:
    df = likert_frame()
    got = cronbach_alpha(df, level=0.95)
    ref_alpha, ref_ci = pg.cronbach_alpha(df, ci=0.95)
    assert got.alpha == pytest.approx(ref_alpha, rel=1e-12)
    assert (got.ci_low, got.ci_high) == pytest.approx(tuple(ref_ci), abs=5e-4)  # pg rounds
    assert got.ci_low < got.alpha < got.ci_high
    assert (got.n, got.k) == (400, 6)


def test_it_uses_listwise_deletion_for_alpha() -> None:
    df = likert_frame()
    df.loc[[1, 7, 30], "q3"] = np.nan
    df.loc[[2], "q6"] = np.nan
    got = cronbach_alpha(pl.from_pandas(df), ITEMS)
    # pingouin's interval uses n before deletion, so compare with it on the deleted frame.
    ref_alpha, ref_ci = pg.cronbach_alpha(df.dropna(), ci=0.95)
    assert got.n == 396
    assert got.alpha == pytest.approx(ref_alpha, rel=1e-12)
    assert (got.ci_low, got.ci_high) == pytest.approx(tuple(ref_ci), abs=5e-4)


# --- omega ---------------------------------------------------------------------------------


def test_it_recovers_population_omega_for_a_congeneric_model() -> None:
    loadings = np.linspace(0.4, 0.9, 6)
    x = congeneric(loadings, 20_000, seed=42)
    population = loadings.sum() ** 2 / (loadings.sum() ** 2 + np.sum(1 - loadings**2))
    got = mcdonald_omega(x)
    assert abs(got.omega - population) < 0.01
    np.testing.assert_allclose(got.loadings, loadings, atol=0.03)
    assert (got.n, got.k) == (20_000, 6)


def test_it_gives_omega_close_to_alpha_for_tau_equivalent_items() -> None:
    x = congeneric(np.full(5, 0.7), 20_000, seed=8)
    assert mcdonald_omega(x).omega == pytest.approx(cronbach_alpha(x).alpha, abs=0.01)


def test_it_makes_omega_loadings_positive_whatever_the_factor_sign() -> None:
    x = congeneric(np.linspace(0.5, 0.8, 4), 2000, seed=1)
    assert min(mcdonald_omega(-x).loadings) > 0


# --- item-total ----------------------------------------------------------------------------


def test_it_matches_pearson_and_pingouin_for_item_total_statistics() -> None:
    df = likert_frame()
    got = item_total(df)
    assert got.items == tuple(ITEMS)
    for i, name in enumerate(ITEMS):
        rest = df.drop(columns=name)
        r = stats.pearsonr(df[name], rest.sum(axis=1)).statistic
        assert got.corrected_item_total[i] == pytest.approx(r, rel=1e-10)
        assert got.alpha_if_deleted[i] == pytest.approx(pg.cronbach_alpha(rest)[0], rel=1e-10)
    assert got.alpha == pytest.approx(pg.cronbach_alpha(df)[0], rel=1e-12)


def test_it_gives_nan_alpha_if_deleted_for_two_items() -> None:
    got = item_total(likert_frame(), ["q1", "q2"])
    assert np.isnan(got.alpha_if_deleted).all()
    assert got.corrected_item_total[0] == pytest.approx(got.corrected_item_total[1])


# --- factor report -------------------------------------------------------------------------


def two_factor_data(n: int = 3000, seed: int = 12) -> np.ndarray:
    rng = np.random.default_rng(seed)
    pattern = np.zeros((8, 2))
    pattern[:4, 0] = [0.8, 0.7, 0.7, 0.6]
    pattern[4:, 1] = [0.75, 0.7, 0.65, 0.6]
    factors = rng.multivariate_normal([0, 0], [[1, 0.3], [0.3, 1]], size=n)
    unique = np.sqrt(1 - (pattern**2).sum(axis=1))
    return factors @ pattern.T + rng.standard_normal((n, 8)) * unique


def test_it_recovers_two_factors_and_their_items() -> None:
    x = two_factor_data()
    report = factor_report(x)
    assert report.n_factors == 2
    assert report.rotation == "oblimin"
    assert sum(e > 1 for e in report.eigenvalues) == 2
    primary = np.argmax(np.abs(report.loadings), axis=1)
    assert len(set(primary[:4])) == 1 and len(set(primary[4:])) == 1
    assert primary[0] != primary[4]
    assert np.max(np.abs(report.loadings)[np.arange(8), 1 - primary]) < 0.1
    assert np.all(np.array(report.communalities) > 0.25)
    assert report.items == tuple(f"item{i}" for i in range(1, 9))


def test_it_computes_kmo_from_independent_partial_correlations() -> None:
    x = two_factor_data(600, seed=3)
    report = factor_report(x, n_factors=2)
    r = np.corrcoef(x, rowvar=False)
    partial = pd.DataFrame(x).pcorr().to_numpy()  # pingouin's partial correlation matrix
    off = ~np.eye(8, dtype=bool)
    expected = np.sum(r[off] ** 2) / (np.sum(r[off] ** 2) + np.sum(partial[off] ** 2))
    assert report.kmo == pytest.approx(expected, rel=1e-8)
    assert 0.5 < report.kmo < 1.0 and len(report.kmo_items) == 8


def test_it_gives_bartlett_nominal_size_under_sphericity() -> None:
    rng = np.random.default_rng(99)
    n, p = 120, 5
    pvals = []
    for _ in range(1000):
        corr = np.asarray(np.corrcoef(rng.standard_normal((n, p)), rowvar=False))
        _chi2, df, pval = psychometrics._bartlett(corr, n)
        pvals.append(pval)
    assert df == 10
    assert 0.03 <= np.mean(np.array(pvals) < 0.05) <= 0.07
    assert stats.kstest(pvals, "uniform").pvalue > 0.01


def test_it_reports_strong_bartlett_evidence_for_correlated_items() -> None:
    report = factor_report(two_factor_data(400), n_factors=1)
    assert report.bartlett_df == 28 and report.bartlett_p < 1e-10
    assert report.rotation is None and len(report.loadings[0]) == 1


# --- reliability table ---------------------------------------------------------------------


def test_it_builds_a_reliability_table_with_none_for_short_scales() -> None:
    df = pl.from_pandas(likert_frame())
    rows = reliability_table(df, {"six": ITEMS, "pair": ["q1", "q2"], "single": ["q3"]})
    six, pair, single = rows
    assert six.scale == "six" and six.k == 6 and six.omega is not None
    assert six.alpha == pytest.approx(cronbach_alpha(df, ITEMS).alpha)
    assert six.omega == pytest.approx(mcdonald_omega(df, ITEMS).omega)
    assert pair.alpha is not None and pair.omega is None
    assert single.alpha is None and single.alpha_ci_low is None and single.omega is None
    assert single.n == 400


# --- validation ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda d: cronbach_alpha(d, ["q1"]), "at least 2 items"),
        (lambda d: cronbach_alpha(d.iloc[:1]), "at least 2 complete responses"),
        (lambda d: cronbach_alpha(d, level=0), "level"),
        (lambda d: cronbach_alpha(d.assign(q1=1.0)), "zero variance"),
        (lambda d: cronbach_alpha(d, ["q1", "nope"]), "not found"),
        (lambda d: mcdonald_omega(d, ["q1", "q2"]), "at least 3 items"),
        (lambda d: mcdonald_omega(d.iloc[:5]), "more complete responses than items"),
        (lambda d: item_total(d, ["q1"]), "at least 2 items"),
        (lambda d: factor_report(d, n_factors=6), "n_factors"),
        (lambda d: factor_report(d, n_factors=0), "n_factors"),
        (lambda d: reliability_table(d, {}), "at least one scale"),
    ],
)
def test_it_rejects_bad_inputs_with_clear_messages(
    call: Callable[[pd.DataFrame], object], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        call(likert_frame())
