"""Comparisons match scipy and statsmodels run on the raw respondent data."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest
from scipy import stats
from statsmodels.stats.multitest import multipletests
from statsmodels.stats.proportion import proportions_ztest

from ethos.stats.compare import Benchmark
from ethos.stats.cube import build_cube
from ethos.stats.disclosure import publish, shown_in
from ethos.stats.scoring import RespondentScores
from ethos.stats.tree import UnitTree


def dense(published, label):
    """A comparison spread back to the cube's shape, for reading by unit."""
    comparison = published.comparison(label)
    return SimpleNamespace(
        p=published.dense(comparison.p),
        difference=published.dense(comparison.difference),
        significant=published.dense(comparison.significant, fill=False),
    )


def organisation(seed=0, shift=0.0):
    rng = np.random.default_rng(seed)
    tree = UnitTree.from_parents(["T", "A", "B", "C"], [None, "T", "T", "T"])
    sizes = {"A": 40, "B": 60, "C": 80}
    unit = np.concatenate([[tree.index()[u]] * n for u, n in sizes.items()])
    means = {"A": 5.0, "B": 6.0, "C": 6.5}
    score = np.concatenate([rng.normal(means[u] + shift, 2, n) for u, n in sizes.items()])
    share = (rng.random(unit.size) < np.where(unit == tree.index()["A"], 0.5, 0.3)).astype(float)
    values = np.column_stack([score, share])
    scores = RespondentScores(("score", "share"), values, np.array([False, True]))
    return tree, unit, values, build_cube(scores, unit, tree)


def test_it_tests_each_unit_against_the_rest_of_the_organisation_like_scipy():
    tree, unit, values, cube = organisation()
    published = publish(cube, 10)
    comparison = dense(published, "organisation")
    a = tree.index()["A"]
    inside, rest = unit == a, unit != a
    expected = stats.ttest_ind(values[inside, 0], values[rest, 0], equal_var=False).pvalue
    assert comparison.p[a, 0, 0] == pytest.approx(expected, rel=1e-9)
    counts = [values[inside, 1].sum(), values[rest, 1].sum()]
    _, p = proportions_ztest(counts, [inside.sum(), rest.sum()])
    assert comparison.p[a, 0, 1] == pytest.approx(p, rel=1e-9)
    assert comparison.difference[a, 0, 0] == pytest.approx(
        values[inside, 0].mean() - values[rest, 0].mean()
    )
    assert np.isnan(comparison.p[0, 0, 0])  # the organisation is not compared with itself


def test_it_controls_the_false_discovery_rate_across_the_heatmap():
    _, _, _, cube = organisation()
    comparison = publish(cube, 10).comparison("organisation")
    p = comparison.p
    finite = ~np.isnan(p)
    reject, q, _, _ = multipletests(p[finite], method="fdr_bh")
    assert np.allclose(comparison.q[finite], q)
    assert (comparison.significant[finite] == reject).all()


def test_it_tests_the_change_from_the_previous_wave_like_scipy():
    tree, unit, values, cube = organisation(seed=1, shift=0.8)
    _, unit0, values0, cube0 = organisation(seed=2)
    comparison = dense(publish(cube, 10, previous=cube0), "previous wave")
    b = tree.index()["B"]
    expected = stats.ttest_ind(values[unit == b, 0], values0[unit0 == b, 0], equal_var=False)
    assert comparison.p[b, 0, 0] == pytest.approx(expected.pvalue, rel=1e-9)
    assert comparison.significant[0, 0, 0]  # the whole organisation moved by 0.8


def test_it_tests_against_a_benchmark_like_scipy():
    tree, unit, values, cube = organisation(seed=3)
    comparison = dense(publish(cube, 10, benchmarks={"score": Benchmark(6.0)}), "benchmark")
    c = tree.index()["C"]
    expected = stats.ttest_1samp(values[unit == c, 0], 6.0).pvalue
    assert comparison.p[c, 0, 0] == pytest.approx(expected, rel=1e-9)
    assert np.isnan(comparison.p[c, 0, 1])  # no benchmark given for the share


def test_it_never_compares_a_hidden_cell():
    tree = UnitTree.from_parents(["T", "A", "B"], [None, "T", "T"])
    unit = np.array([1] * 30 + [2] * 4)
    values = np.random.default_rng(0).normal(5, 2, (34, 1))
    cube = build_cube(RespondentScores(("s",), values, np.array([False])), unit, tree)
    published = publish(cube, 10, benchmarks={"s": Benchmark(5.0)}, shrinkage=True)
    assert (published.reason != 0).any()
    for comparison in published.comparisons:  # one entry per shown cell, none for hidden ones
        assert comparison.p.size == published.shown.size == (published.reason == 0).sum()
    assert published.shrunk is not None and published.shrunk.size == published.shown.size


def test_it_compares_with_the_previous_wave_only_where_that_wave_showed_a_figure():
    """Last wave was published under a larger minimum (or other breakdowns): a cell it hid
    gets no comparison now, or now minus the difference would give its figure away."""
    tree, _, _, cube = organisation(seed=1, shift=0.8)
    _, _, _, cube0 = organisation(seed=2)
    last_wave = publish(cube0, 50)  # unit A (40 people) was hidden then
    a, b = tree.index()["A"], 0  # A hidden then (B too, as its complement); the trust shown
    assert last_wave.reason[a, 0, 0] != 0 and last_wave.reason[b, 0, 0] == 0
    mask = shown_in(last_wave.frame(), cube0)
    assert mask[b].all() and not mask[a].any()
    careless = dense(publish(cube, 10, previous=cube0), "previous wave")
    careful = dense(publish(cube, 10, previous=cube0, previous_published=mask), "previous wave")
    assert not np.isnan(careless.difference[a, 0, 0])  # what the attack used
    assert np.isnan(careful.difference[a, 0, 0]) and np.isnan(careful.p[a, 0, 1])
    assert careful.difference[b, 0, 0] == pytest.approx(careless.difference[b, 0, 0])
