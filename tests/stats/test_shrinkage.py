"""Tests for ethos.stats.shrinkage (empirical Bayes unit means)."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pytest
from statsmodels.stats.meta_analysis import combine_effects

from ethos.stats.shrinkage import empirical_bayes_means


def simulated_units(seed: int, units: int = 40, tau: float = 0.3) -> tuple[np.ndarray, ...]:
    """Unit means drawn around true unit means, with varied unit sizes."""
    rng = np.random.default_rng(seed)
    truth = 3.5 + tau * rng.standard_normal(units)
    ns = rng.integers(3, 60, units)
    sds = np.full(units, 1.0)
    means = truth + sds / np.sqrt(ns) * rng.standard_normal(units)
    return truth, means, sds, ns


def test_it_matches_statsmodels_dersimonian_laird_tau2() -> None:
    _, means, sds, ns = simulated_units(1)
    res = empirical_bayes_means(means, sds, ns)
    ref = combine_effects(means, sds**2 / ns, method_re="dl")
    assert res.tau2 == pytest.approx(ref.tau2, rel=1e-10)
    assert res.tau2 > 0


def test_it_applies_the_shrinkage_formulas() -> None:
    _, means, sds, ns = simulated_units(2)
    res = empirical_bayes_means(means, sds, ns)
    s2 = sds**2 / ns
    mu = np.sum(ns * means) / np.sum(ns)
    weight = res.tau2 / (res.tau2 + s2)
    assert res.grand_mean == pytest.approx(mu)
    np.testing.assert_allclose(res.weight, weight)
    np.testing.assert_allclose(res.estimate, weight * means + (1 - weight) * mu)
    np.testing.assert_allclose(res.sd, np.sqrt(weight * s2))
    assert res.method == "empirical Bayes (DerSimonian-Laird moment estimate)"
    # larger units are shrunk less
    assert res.weight[np.argmax(ns)] > res.weight[np.argmin(ns)]


def test_it_reduces_error_against_the_true_unit_means() -> None:
    raw_err, shrunk_err = [], []
    for seed in range(20):
        truth, means, sds, ns = simulated_units(100 + seed)
        res = empirical_bayes_means(means, sds, ns)
        raw_err.append(np.mean((means - truth) ** 2))
        shrunk_err.append(np.mean((res.estimate - truth) ** 2))
    assert np.mean(shrunk_err) < np.mean(raw_err)


def test_it_shrinks_fully_when_units_are_homogeneous() -> None:
    means = np.full(5, 3.0)
    res = empirical_bayes_means(means, np.ones(5), np.array([10, 20, 30, 40, 50]))
    assert res.tau2 == 0.0
    np.testing.assert_array_equal(res.weight, 0.0)
    np.testing.assert_allclose(res.estimate, 3.0)


def test_it_gives_weight_zero_to_units_without_usable_data() -> None:
    _, means, sds, ns = simulated_units(3, units=10)
    means, sds, ns = means.copy(), sds.copy(), ns.copy()
    ns[0] = 1
    sds[1] = np.nan
    means[2] = np.nan
    res = empirical_bayes_means(means, sds, ns)
    ok = slice(3, None)
    ref = combine_effects(means[ok], sds[ok] ** 2 / ns[ok], method_re="dl")
    assert res.tau2 == pytest.approx(ref.tau2, rel=1e-10)
    np.testing.assert_array_equal(res.weight[:3], 0.0)
    np.testing.assert_allclose(res.estimate[:3], res.grand_mean)
    np.testing.assert_allclose(res.sd[:3], np.sqrt(res.tau2))
    assert res.grand_mean == pytest.approx(np.sum(ns[ok] * means[ok]) / np.sum(ns[ok]))


def test_it_returns_read_only_arrays() -> None:
    _, means, sds, ns = simulated_units(4)
    res = empirical_bayes_means(means, sds, ns)
    with pytest.raises(ValueError, match="read-only"):
        res.estimate[0] = 0.0


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (([1.0, 2.0], [1.0, 1.0], [5, 5, 5]), "mismatched lengths"),
        (([1.0, 2.0], [1.0, -1.0], [5, 5]), "non-negative"),
        (([1.0, 2.0], [1.0, 1.0], [5, -5]), "non-negative"),
        (([1.0, 2.0], [1.0, 1.0], [5, 1]), "at least two units"),
        ((np.ones((2, 2)), np.ones((2, 2)), np.ones((2, 2))), "1-D"),
    ],
)
def test_it_rejects_bad_inputs_with_clear_messages(
    args: tuple[npt.ArrayLike, npt.ArrayLike, npt.ArrayLike], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        empirical_bayes_means(*args)
