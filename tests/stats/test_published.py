"""The published table: numbers for shown cells only, a reason for every hidden one."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest

from ethos.stats.cube import Breakdown, build_cube
from ethos.stats.disclosure import Shown, Suppressed, publish
from ethos.stats.disclosure.rules import REASONS
from ethos.stats.scoring import RespondentScores
from ethos.stats.tree import UnitTree


@pytest.fixture
def published():
    rng = np.random.default_rng(4)
    parents = {"T": None} | {f"D{i}": "T" for i in range(3)}
    parents |= {f"W{i}": f"D{i % 3}" for i in range(12)}
    tree = UnitTree.from_parents(list(parents), list(parents.values()))
    index = tree.index()
    units = np.array([index[f"W{rng.integers(12)}"] for _ in range(300)])
    codes = [rng.integers(3, size=300), rng.integers(4, size=300)]
    values = rng.uniform(0, 10, (300, 2))
    values[:, 1] = values[:, 1] > 5
    scores = RespondentScores(("mean", "share"), values, np.array([False, True]))
    breakdowns = [
        Breakdown("a", ("x", "y", "z"), codes[0]),
        Breakdown("b", ("p", "q", "r", "s"), codes[1]),
    ]
    return publish(build_cube(scores, units, tree, breakdowns), 10)


def test_every_reason_has_a_text():
    for code in REASONS:
        assert REASONS[code].format(k=10)


def test_the_frame_holds_no_number_for_a_hidden_cell(published):
    frame = published.frame()
    assert frame.height == published.reason.size
    hidden = frame.filter(pl.col("suppressed"))
    assert hidden.height > 0 and (hidden["reason"] != "").all()
    for column in ("n", "value", "ci_low", "ci_high", "vs_organisation_p"):
        assert hidden[column].null_count() == hidden.height
    shown = frame.filter(~pl.col("suppressed"))
    assert shown["n"].null_count() == 0 and (shown["reason"] == "").all()
    assert set(np.unique(published.reason)) - {0} <= set(REASONS)


def test_results_read_back_as_shown_or_suppressed(published):
    results = [
        published.result(u, s, m)
        for u in range(len(published.units))
        for s in range(published.layout.width)
        for m in range(2)
    ]
    assert sum(isinstance(r, Shown) for r in results) == published.shown.size
    assert all(isinstance(r, Shown | Suppressed) for r in results)
    shown = [r for r in results if isinstance(r, Shown)]
    assert all(r.ci_low <= r.value <= r.ci_high for r in shown)


def test_it_refuses_numbers_for_hidden_cells(published):
    from dataclasses import replace

    shown = published.shown
    hidden = int(np.flatnonzero(published.reason.ravel() != 0)[0])
    for wrong in (
        shown[:-1],  # one shown cell without numbers
        np.sort(np.r_[shown[1:], hidden]),  # as many cells, one of them hidden
        np.r_[shown[:-1], shown[-2]],  # a cell twice
        np.r_[shown[:-1], published.reason.size],  # a cell that is not in the cube
    ):
        with pytest.raises(ValueError, match="shown cells and no others"):
            replace(published, shown=wrong)
    with pytest.raises(ValueError, match="shown cells and no others"):
        replace(published, value=published.value[:-1])
