"""Disclosure control: each rule branch on a small, readable organisation, then the attacker.

The property tests generate random unit trees, group sizes and breakdowns, publish them, and
let an attacker who knows every published cell solve the linear system. No hidden cell and no
group smaller than the minimum may be determined.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ethos.stats.cube import Breakdown, build_cube
from ethos.stats.disclosure import _describe as describe
from ethos.stats.disclosure import publish, rules
from ethos.stats.scoring import RespondentScores
from ethos.stats.tree import UnitTree

from .attacker import find_leaks


def make(parents: dict[str, str | None], people: list[tuple[str, ...]], columns=(), cats=()):
    """A cube from ``people``: each is (unit, category index per column...)."""
    tree = UnitTree.from_parents(list(parents), list(parents.values()))
    index = tree.index()
    units = np.array([index[p[0]] for p in people], dtype=np.int64)
    codes = [np.array([p[1 + j] for p in people], dtype=np.int64) for j in range(len(columns))]
    values = np.random.default_rng(0).uniform(0, 10, (len(people), 1))
    scores = RespondentScores(("m",), values, np.zeros(1, dtype=bool))
    breakdowns = [Breakdown(c, tuple(cats[j]), codes[j]) for j, c in enumerate(columns)]
    return build_cube(scores, units, tree, breakdowns), units, codes, index


def reason_of(reason, index, unit, slot=0):
    return int(reason[index[unit], slot, 0])


def test_it_hides_groups_below_the_minimum_and_empty_groups():
    cube, *_, index = make({"T": None, "A": "T", "B": "T", "E": "T"}, [("A",)] * 12 + [("B",)] * 4)
    reason = rules.primary(cube.n, 10)
    assert reason_of(reason, index, "A") == rules.SHOWN
    assert reason_of(reason, index, "B") == rules.PRIMARY
    assert reason_of(reason, index, "E") == rules.NO_RESPONSES


def test_it_hides_a_sibling_so_parent_minus_siblings_reveals_nothing():
    # T(14) = A(10) + B(4): with B hidden alone, T - A = B. A must go too.
    cube, *_, index = make({"T": None, "A": "T", "B": "T"}, [("A",)] * 10 + [("B",)] * 4)
    reason = rules.protect(cube, 10)
    assert reason_of(reason, index, "B") == rules.PRIMARY
    assert reason_of(reason, index, "A") == rules.HIERARCHY
    assert reason_of(reason, index, "T") == rules.SHOWN


def test_it_protects_a_units_direct_members_from_the_hierarchy_remainder():
    # D has 3 staff of its own and two wards of 12: D - W1 - W2 = those 3 people.
    people = [("D",)] * 3 + [("W1",)] * 12 + [("W2",)] * 13
    cube, *_, index = make({"T": None, "D": "T", "W1": "D", "W2": "D"}, people)
    reason = rules.protect(cube, 10)
    assert reason_of(reason, index, "D") == rules.SHOWN
    assert reason_of(reason, index, "W1") == rules.HIERARCHY  # the smaller ward
    assert reason_of(reason, index, "W2") == rules.SHOWN


def test_it_never_leaves_a_hidden_cell_as_the_only_unknown():
    # After W3 (4) is hidden, W2 (11) is hidden with it; both wards total 15 >= 10, fine.
    # The parent D (26) stays shown; no hidden cell can be found from D and W1 alone.
    people = [("W1",)] * 11 + [("W2",)] * 11 + [("W3",)] * 4
    cube, *_, index = make({"D": None, "W1": "D", "W2": "D", "W3": "D"}, people)
    reason = rules.protect(cube, 10)
    hidden = [u for u in ("W1", "W2", "W3") if reason_of(reason, index, u) != rules.SHOWN]
    assert len(hidden) == 2 and "W3" in hidden


def test_it_hides_the_parent_when_no_child_can_be_hidden_instead():
    # T = own 3 people + A (12). Hiding A is the only part choice; it is enough here.
    cube, *_, index = make({"T": None, "A": "T"}, [("T",)] * 3 + [("A",)] * 12)
    reason = rules.protect(cube, 10)
    assert reason_of(reason, index, "A") == rules.HIERARCHY
    # If A is already hidden for another reason and the remainder is still small, T goes.
    cube, *_, index = make({"T": None, "A": "T"}, [("T",)] * 3 + [("A",)] * 4)
    reason = rules.protect(cube, 10)
    assert reason_of(reason, index, "T") != rules.SHOWN


def test_it_hides_a_category_so_the_total_minus_categories_reveals_nothing():
    # Ward of 12: 11 White and 1 BME. Showing White would reveal the one BME person.
    people = [("W", 0)] * 11 + [("W", 1)]
    cube, *_, index = make({"W": None}, people, ("ethnicity",), (("White", "BME"),))
    reason = rules.protect(cube, 10)
    assert reason_of(reason, index, "W", 0) == rules.SHOWN
    assert reason_of(reason, index, "W", 1) == rules.CATEGORY
    assert reason_of(reason, index, "W", 2) == rules.PRIMARY


def test_it_hides_a_units_breakdowns_together():
    # Ethnicity would be fine (12 and 13) but staff group has a group of 3: both go.
    people = [("W", 0, 0)] * 12 + [("W", 1, 0)] * 10 + [("W", 1, 1)] * 3
    cols, cats = ("ethnicity", "group"), (("White", "BME"), ("Other", "Medical"))
    cube, *_, index = make({"W": None}, people, cols, cats)
    reason = rules.protect(cube, 10)
    assert reason_of(reason, index, "W", 0) == rules.SHOWN
    assert all(reason_of(reason, index, "W", s) != rules.SHOWN for s in (1, 2, 3, 4))


def test_it_hides_two_breakdowns_whose_cross_tab_isolates_a_small_group():
    cols, cats = ("ethnicity", "group"), (("White", "BME"), ("Other", "Medical"))
    # Every margin has 7 or more, but nobody is BME in "other" roles, so the margins give
    # away the 3 White medical staff.
    people = [("W", 0, 0)] * 10 + [("W", 0, 1)] * 3 + [("W", 1, 1)] * 7
    cube, units, codes, index = make({"W": None}, people, cols, cats)
    assert attack_reason(cube, rules.primary(cube.n, 5), units, codes)  # the leak is real
    reason = rules.protect(cube, 5)
    assert reason_of(reason, index, "W", 0) == rules.SHOWN
    assert {reason_of(reason, index, "W", s) for s in (1, 2, 3, 4)} == {rules.CROSS}
    assert attack_reason(cube, reason, units, codes) == []
    # With every non-empty cross-tab cell at 5 or more, both breakdowns can be shown.
    people = [("W", 0, 0)] * 10 + [("W", 0, 1)] * 6 + [("W", 1, 1)] * 7
    cube, *_, index = make({"W": None}, people, cols, cats)
    reason = rules.protect(cube, 5)
    assert all(reason_of(reason, index, "W", s) == rules.SHOWN for s in range(5))


def test_it_checks_the_cross_tab_of_a_units_remainder():
    # The trust's own 12 staff: their cross-tab has a cell of 2 (White, medical) beside an empty
    # one; the ward shows its breakdowns, so subtraction gives the trust's margins.
    people = [("T", 1, 1)] * 5 + [("T", 0, 0)] * 5 + [("T", 0, 1)] * 2
    people += [("A", 0, 0)] * 6 + [("A", 1, 1)] * 6
    cols, cats = ("ethnicity", "group"), (("White", "BME"), ("Other", "Medical"))
    cube, units, codes, _ = make({"T": None, "A": "T"}, people, cols, cats)
    assert attack_reason(cube, rules.primary(cube.n, 5), units, codes)  # the leak is real
    reason = rules.protect(cube, 5)
    assert attack_reason(cube, reason, units, codes) == []


def attack_reason(cube, reason, units, codes):
    return find_leaks(cube, reason, units, codes, np.ones(units.size, dtype=bool), 5)


def test_it_ends_with_every_equation_satisfied_on_a_national_shape():
    rng = np.random.default_rng(3)
    parents = {"T": None} | {f"D{i}": "T" for i in range(5)}
    parents |= {f"W{i}": f"D{i % 5}" for i in range(40)}
    people = [(f"W{rng.integers(40)}", int(rng.integers(3))) for _ in range(700)]
    cube, *_ = make(parents, people, ("eth",), (("A", "B", "C"),))
    reason = rules.protect(cube, 10)
    assert rules.hierarchy(cube, reason.copy(), 10).size == 0  # no unit changed
    assert rules.categories(cube, reason.copy(), 10).size == 0


@st.composite
def organisations(draw, max_units=7, max_columns=2, max_size=14):
    count = draw(st.integers(2, max_units))
    parents = {"U0": None} | {f"U{i}": f"U{draw(st.integers(0, i - 1))}" for i in range(1, count)}
    columns = draw(st.integers(0, max_columns))
    cats = [draw(st.integers(2, 3)) for _ in range(columns)]
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    sizes = [draw(st.integers(0, max_size)) for _ in range(count)]
    people = [
        (f"U{u}", *(int(rng.integers(c)) for c in cats))
        for u, size in enumerate(sizes)
        for _ in range(size)
    ]
    k = draw(st.sampled_from([5, 5, 7, 10]))
    missing = rng.random(len(people)) < draw(st.sampled_from([0.0, 0.2]))
    return parents, people, cats, k, missing


def attack(parents, people, cats, k, missing, protect=rules.protect):
    cube, units, codes, values = attack_cube(parents, people, cats, missing, detail=True)
    reason = protect(cube, k)
    leaks = []
    for m in range(2):
        valid = ~np.isnan(values[:, m])
        leaks += find_leaks(cube, reason, units, codes, valid, k, measure=m)
    return leaks


def attack_cube(parents, people, cats, missing, detail=False):
    columns = tuple(f"c{j}" for j in range(len(cats)))
    labels = tuple(tuple(str(i) for i in range(c)) for c in cats)
    tree = UnitTree.from_parents(list(parents), list(parents.values()))
    index = tree.index()
    units = np.array([index[p[0]] for p in people], dtype=np.int64)
    codes = [np.array([p[1 + j] for p in people], dtype=np.int64) for j in range(len(cats))]
    values = np.random.default_rng(1).uniform(0, 10, (len(people), 2))
    values[missing, 1] = np.nan
    scores = RespondentScores(("all", "some"), values, np.zeros(2, dtype=bool))
    breakdowns = [Breakdown(c, labels[j], codes[j]) for j, c in enumerate(columns)]
    cube = build_cube(scores, units, tree, breakdowns)
    return (cube, units, codes, values) if detail else cube


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(organisations())
def test_an_attacker_who_solves_the_linear_system_learns_no_small_group(org):
    assert attack(*org) == []


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(organisations(max_units=5, max_columns=2, max_size=30))
def test_an_attacker_learns_nothing_from_larger_groups_and_two_breakdowns(org):
    assert attack(*org) == []


def every_unit_every_round(cube, k):
    return rules._protect(cube, k, "units", incremental=False)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(organisations(max_units=12, max_columns=2, max_size=20))
def test_looking_again_only_where_cells_changed_gives_the_full_rounds_result(org):
    parents, people, cats, k, missing = org
    cube = attack_cube(parents, people, cats, missing)
    np.testing.assert_array_equal(rules.protect(cube, k), every_unit_every_round(cube, k))


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(organisations(max_units=12, max_columns=2, max_size=20))
def test_the_candidates_include_every_cell_finally_shown(org):
    parents, people, cats, k, missing = org
    cube = attack_cube(parents, people, cats, missing)
    for breakdowns_at in rules.BREAKDOWNS_AT:
        early = rules.candidates(cube, k, breakdowns_at)
        assert np.all(np.diff(early) > 0)
        reason = rules.protect(cube, k, breakdowns_at)
        shown = np.flatnonzero(reason.ravel() == rules.SHOWN)
        assert np.isin(shown, early).all()
        # publish describes the candidates in a thread and keeps the shown ones: the same
        # values as describing the shown cells alone.
        published = publish(cube, k, breakdowns_at=breakdowns_at)
        np.testing.assert_array_equal(published.shown, shown)
        alone = describe(cube, shown, 0.95)
        np.testing.assert_array_equal(published.value, alone.value)
        np.testing.assert_array_equal(published.ci_low, alone.low)
        np.testing.assert_array_equal(published.comparisons[0].p, alone.p)


def test_publish_raises_what_finding_the_candidates_raised_and_never_hangs(monkeypatch):
    import threading

    import ethos.stats.disclosure as disclosure

    def broken(*_):
        raise RuntimeError("no candidates today")

    monkeypatch.setattr(disclosure, "candidates", broken)
    cube = attack_cube({"T": None, "A": "T", "B": "T"}, [("A",)] * 12 + [("B",)] * 11, [], [])
    raised: list[BaseException] = []

    def run():
        try:
            publish(cube, 5)
        except BaseException as error:  # the test looks at what came out
            raised.append(error)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(timeout=30)
    assert not thread.is_alive(), "publish hung"
    assert len(raised) == 1 and "no candidates today" in str(raised[0])


def primary_only(cube, k):
    return rules.primary(cube.n, k)


@pytest.mark.parametrize(
    "parents, people, cats",
    [
        ({"T": None, "A": "T", "B": "T"}, [("A",)] * 10 + [("B",)] * 4, []),
        ({"T": None, "A": "T"}, [("T",)] * 3 + [("A",)] * 12, []),
        ({"W": None}, [("W", 0)] * 11 + [("W", 1)], [2]),
    ],
)
def test_the_attack_succeeds_when_complementary_suppression_is_switched_off(parents, people, cats):
    missing = np.zeros(len(people), dtype=bool)
    assert attack(parents, people, cats, 10, missing, protect=primary_only)
    assert attack(parents, people, cats, 10, missing) == []


def test_organisation_only_breakdowns_hide_every_unit_breakdown_and_free_the_top():
    """Two breakdowns shown for every unit hide each other at the top (the cross-tab rule);
    shown for the organisation only, the top keeps both and nothing below shows any."""
    import polars as pl

    import ethos
    from ethos.stats.disclosure.rules import ORGANISATION_ONLY, REASONS
    from ethos.synth import synthesise

    data = synthesise(staff=6000, units=240, seed=2026)
    by = ["ethnicity", "disability"]

    def cells(where: str) -> pl.DataFrame:
        result = ethos.analyse(
            data.responses, units=data.units, by=by, reliability=False, breakdowns_at=where
        )
        return result.cells().with_columns(pl.col(pl.Categorical).cast(pl.Utf8))

    root = data.units.filter(pl.col("parent").is_null())["code"][0]
    everywhere, top = cells("units"), cells("organisation")
    at_root = (pl.col("unit") == root) & (pl.col("column") != "")
    below = (pl.col("unit") != root) & (pl.col("column") != "")
    assert everywhere.filter(at_root & ~pl.col("suppressed")).is_empty()
    shown_top = top.filter(at_root & ~pl.col("suppressed"))
    assert set(shown_top["column"]) == set(by)
    hidden_below = top.filter(below)
    assert hidden_below["suppressed"].all()
    reason = REASONS[ORGANISATION_ONLY]
    assert (hidden_below.filter(pl.col("n").is_null())["reason"] != "").all()
    assert reason in set(hidden_below["reason"])
    totals = pl.col("column") == ""
    assert (
        top.filter(totals)["suppressed"].to_list()
        == everywhere.filter(totals)["suppressed"].to_list()
    )


def test_breakdowns_at_must_be_known():
    import pytest

    from ethos.stats.disclosure.rules import protect

    with pytest.raises(ValueError, match="breakdowns_at"):
        protect(None, 10, "wards")  # type: ignore[arg-type]
