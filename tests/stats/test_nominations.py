"""Tests for ethos.stats.nominations: peer nomination of leaders (M16).

The story: a small trust with three units. The ward (W) has six people; w1 is the ward
manager and the only post holder, and w4, a nurse with no post, is the person everyone turns
to: four ward colleagues, a clinic colleague and an office colleague name her. The clinic (C)
has four people, and c1 and c2 name each other. In the office (O), o3 has opted out of being
nominated, though she still names c2. Someone in the clinic names herself, and one
nomination is sent twice. Every number below is worked by hand in the comments.
"""

from __future__ import annotations

import dataclasses
import math

import networkx as nx
import numpy as np
import polars as pl
import pytest

from ethos.stats.disclosure import CountShown, PublishedRateRatio, Suppressed
from ethos.stats.likelihood import relative_likelihood
from ethos.stats.nominations import (
    NOMINATED,
    NOT_NOMINATED,
    InformalRule,
    analyse_nominations,
    network,
)
from ethos.stats.nominations.network import brokerage
from ethos.workforce.schema import BME, DISABLED, NON_DISABLED, UNKNOWN, WHITE

WARD, CLINIC, OFFICE = "W", "C", "O"


def person(
    staff_id: str,
    unit: str,
    ethnicity: str = WHITE,
    post: bool = False,
    opted_out: bool = False,
    disability: str = NON_DISABLED,
) -> dict[str, object]:
    return {
        "staff_id": staff_id,
        "unit_code": unit,
        "holds_post": post,
        "ethnicity": ethnicity,
        "disability": disability,
        "opted_out": opted_out,
    }


def people_frame(rows: list[dict[str, object]]) -> pl.DataFrame:
    return pl.DataFrame(rows, schema={k: type_of(k) for k in rows[0]})


def type_of(column: str) -> type[pl.DataType]:
    return pl.Boolean if column in ("holds_post", "opted_out") else pl.Utf8


def noms(rows: list[tuple[str, str, str]]) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "nominator": [r[0] for r in rows],
            "nominee": [r[1] for r in rows],
            "value": [r[2] for r in rows],
            "reason": ["Always there for us."] * len(rows),
        },
        schema={"nominator": pl.Utf8, "nominee": pl.Utf8, "value": pl.Utf8, "reason": pl.Utf8},
    )


PEOPLE = people_frame(
    [
        person("w1", WARD, post=True),
        person("w2", WARD),
        person("w3", WARD),
        person("w4", WARD, ethnicity=BME, disability=DISABLED),
        person("w5", WARD),
        person("w6", WARD),
        person("c1", CLINIC, ethnicity=BME),
        person("c2", CLINIC, ethnicity=BME),
        person("c3", CLINIC),
        person("c4", CLINIC),
        person("o1", OFFICE),
        person("o2", OFFICE, ethnicity=UNKNOWN),
        person("o3", OFFICE, opted_out=True),
    ]
)
NOMINATIONS = noms(
    [
        ("w2", "w4", "compassion"),
        ("w3", "w4", "compassion"),
        ("w5", "w4", "working_together"),
        ("w6", "w4", "respect_dignity"),
        ("c1", "w4", "compassion"),
        ("o1", "w4", "improving_lives"),
        ("w4", "w1", "quality_of_care"),
        ("w2", "w1", "working_together"),
        ("c2", "c1", "compassion"),
        ("c3", "c1", "everyone_counts"),
        ("c1", "c2", "working_together"),
        ("o3", "c2", "compassion"),  # o3 opted out of being named, not of naming
        ("o2", "o3", "compassion"),  # dropped: o3 opted out
        ("w5", "o3", "respect_dignity"),  # dropped: o3 opted out
        ("c4", "c4", "compassion"),  # dropped: self
        ("c2", "c1", "compassion"),  # dropped: a repeat
    ]
)


@pytest.fixture(scope="module")
def cast():
    return analyse_nominations(NOMINATIONS, PEOPLE, threshold=5, k=5)


def by_id(analysis) -> dict[str, object]:
    return {n.staff_id: n for n in analysis.nominees}


# Counts and reach ------------------------------------------------------------------------


def test_counts_received_and_distinct_nominators_by_hand(cast) -> None:
    got = {n.staff_id: (n.received, n.nominators) for n in cast.nominees}
    assert got == {"w4": (6, 6), "w1": (2, 2), "c1": (2, 2), "c2": (2, 2)}
    assert [n.staff_id for n in cast.nominees] == ["w4", "c1", "c2", "w1"]  # most, then id
    assert cast.nominations == 12


def test_reach_counts_the_units_of_the_nominators(cast) -> None:
    nominee = by_id(cast)
    assert (nominee["w4"].units_reached, nominee["w4"].outside_units) == (3, 2)  # W, C, O
    assert (nominee["w1"].units_reached, nominee["w1"].outside_units) == (1, 0)
    assert (nominee["c2"].units_reached, nominee["c2"].outside_units) == (2, 1)  # C, O


def test_values_are_counted_most_first_then_by_name(cast) -> None:
    assert by_id(cast)["w4"].values == (
        ("compassion", 3),
        ("improving_lives", 1),
        ("respect_dignity", 1),
        ("working_together", 1),
    )


def test_two_nominations_of_one_person_for_two_values_are_two_received_one_nominator() -> None:
    extra = noms([("w2", "w4", "quality_of_care")])
    result = analyse_nominations(pl.concat([NOMINATIONS, extra]), PEOPLE, threshold=5, k=5)
    w4 = by_id(result)["w4"]
    assert (w4.received, w4.nominators) == (7, 6)


# Brokerage -------------------------------------------------------------------------------


def test_brokerage_matches_betweenness_worked_by_hand(cast) -> None:
    # The network: w4 joined to w1, w2, w3, w5, w6, c1, o1; w1-w2; c1-c2, c1-c3; c2-o3.
    # n = 11, so (n - 1)(n - 2) / 2 = 45 pairs per person.
    # w4 lies on every path between {w3, w5, w6, o1} (S), {w1, w2} (T) and {c1, c2, c3, o3}
    # (C): S-S 6 + S-T 8 + S-C 16 + T-C 8 = 38. c1 lies between {c2, c3, o3} and the seven
    # others (21), and on c2-c3 and c3-o3: 23. c2 lies between o3 and the nine others: 9.
    nominee = by_id(cast)
    assert cast.network_people == 11 and cast.brokerage_pivots is None
    assert nominee["w4"].brokerage == pytest.approx(38 / 45)
    assert nominee["c1"].brokerage == pytest.approx(23 / 45)
    assert nominee["c2"].brokerage == pytest.approx(9 / 45)
    assert nominee["w1"].brokerage == 0.0  # w1 and w2 both touch w4: no path needs w1


def test_a_star_centre_has_brokerage_one_and_a_path_two_thirds() -> None:
    star = brokerage(noms([(x, "hub", "compassion") for x in ("a", "b", "c", "d")]))
    assert star.scores["hub"] == pytest.approx(1.0) and star.scores["a"] == 0.0
    path = brokerage(noms([("a", "b", "v"), ("c", "b", "v"), ("c", "d", "v")]))
    assert path.scores == pytest.approx({"a": 0.0, "b": 2 / 3, "c": 2 / 3, "d": 0.0})


def test_brokerage_agrees_with_networkx_on_an_independently_built_graph() -> None:
    rng = np.random.default_rng(4)
    ids = [f"s{i:02d}" for i in range(40)]
    pairs = {(ids[a], ids[b]) for a, b in rng.integers(0, 40, (90, 2)).tolist() if a != b}
    frame = noms([(a, b, "compassion") for a, b in sorted(pairs)])
    graph = nx.Graph()
    for a, b in pairs:
        graph.add_edge(b, a)  # the other way round: direction must not matter
    expected = nx.betweenness_centrality(graph, normalized=True)
    assert brokerage(frame).scores == pytest.approx(expected)


def test_pivot_estimates_are_labelled_and_the_same_whatever_the_row_order() -> None:
    rng = np.random.default_rng(5)
    ids = [f"s{i:02d}" for i in range(60)]
    pairs = sorted({(ids[a], ids[b]) for a, b in rng.integers(0, 60, (150, 2)).tolist()})
    frame = noms([(a, b, "compassion") for a, b in pairs if a != b])
    first = brokerage(frame, pivots=10)
    again = brokerage(frame.sample(fraction=1.0, shuffle=True, seed=1), pivots=10)
    assert first.pivots == 10 and first == again
    assert brokerage(frame, pivots=1_000).pivots is None  # at least the network: exact
    with pytest.raises(ValueError, match="pivots"):
        brokerage(frame, pivots=0)


def test_big_networks_are_estimated_from_the_default_pivots(monkeypatch) -> None:
    frame = noms([(f"s{i:02d}", f"s{i + 1:02d}", "compassion") for i in range(30)])
    assert brokerage(frame).pivots is None
    monkeypatch.setattr(network, "EXACT_LIMIT", 20)
    monkeypatch.setattr(network, "DEFAULT_PIVOTS", 7)
    estimate = brokerage(frame)
    assert estimate.pivots == 7 and estimate.people == 31
    assert all(0.0 <= b <= 1.0 for b in estimate.scores.values())


# Unit norms and the informal-leader rule --------------------------------------------------


def test_unit_norms_count_everyone_who_can_be_nominated_zeros_included(cast) -> None:
    # Ward: 2, 0, 0, 6, 0, 0: mean 4/3, SD sqrt(44) / 3. Clinic: 2, 2, 0, 0: mean 1, SD 1.
    # Office: o1 and o2 (o3 opted out), no nominations: mean 0, SD 0.
    ward, clinic, office = cast.unit(WARD), cast.unit(CLINIC), cast.unit(OFFICE)
    assert (ward.people, ward.mean, ward.sd) == (
        6,
        pytest.approx(4 / 3),
        pytest.approx(44**0.5 / 3),
    )
    assert ward.sd == pytest.approx(np.std([2, 0, 0, 6, 0, 0]))
    assert (clinic.people, clinic.mean, clinic.sd) == (4, 1.0, 1.0)
    assert (office.people, office.mean, office.sd) == (2, 0.0, 0.0)


def test_each_nominee_is_set_against_their_own_unit(cast) -> None:
    w4, c1 = by_id(cast)["w4"], by_id(cast)["c1"]
    assert w4.ratio == pytest.approx(4.5)  # 6 / (4/3)
    assert w4.z == pytest.approx(14 / 44**0.5)  # (6 - 4/3) / (sqrt(44) / 3) = 2.11
    assert (c1.ratio, c1.z, c1.unit_mean, c1.unit_sd) == (2.0, 1.0, 1.0, 1.0)


def test_the_informal_leader_is_w4_and_the_others_say_why_not(cast) -> None:
    assert [n.staff_id for n in cast.informal_leaders()] == ["w4"]
    nominee = by_id(cast)
    assert nominee["w4"].why_not is None
    assert nominee["w1"].why_not == "holds a leadership post"
    assert nominee["c1"].why_not == "nominated by fewer than 5 colleagues"


RULE = InformalRule(threshold=5, min_z=2.0, min_ratio=3.0)


@pytest.mark.parametrize(
    ("holds_post", "nominators", "z", "ratio", "why"),
    [
        (True, 50, 9.0, 9.0, "holds a leadership post"),
        (False, 4, 9.0, 9.0, "nominated by fewer than 5 colleagues"),
        (False, 5, 1.99, 9.0, "less than 2 SD above their unit's norm"),
        (False, 5, 9.0, 2.99, "fewer than 3 times their unit's mean"),
        (False, 5, 2.0, 3.0, None),  # every bound is inclusive
    ],
)
def test_the_informal_leader_rule_branch_by_branch(holds_post, nominators, z, ratio, why) -> None:
    assert RULE.why_not(holds_post, nominators, z, ratio) == why


def one_unit(counts: list[int]) -> tuple[pl.DataFrame, pl.DataFrame]:
    """A unit whose member i is named by counts[i] people from a second unit of 60."""
    staff = [person(f"u{i:02d}", "U") for i in range(len(counts))]
    staff += [person(f"x{j:02d}", "X") for j in range(60)]
    rows = [
        (f"x{j:02d}", f"u{i:02d}", "compassion") for i, n in enumerate(counts) for j in range(n)
    ]
    return noms(rows), people_frame(staff)


def test_a_count_well_above_a_busy_unit_fails_the_ratio_but_not_z() -> None:
    # Nine people named twice and one five times: mean 2.3, SD 0.9, z = 3, ratio 2.17.
    result = analyse_nominations(*one_unit([5] + [2] * 9), threshold=5, k=5)
    top = result.nominees[0]
    assert (top.staff_id, top.z) == ("u00", pytest.approx(3.0))
    assert top.ratio == pytest.approx(5 / 2.3)
    assert top.why_not == "fewer than 3 times their unit's mean"


def test_in_a_unit_of_four_z_cannot_reach_two() -> None:
    # One person named six times, three named never: z = sqrt(3) = 1.73 at most; ratio 4.
    result = analyse_nominations(*one_unit([6, 0, 0, 0]), threshold=5, k=5)
    top = result.nominees[0]
    assert top.z == pytest.approx(3**0.5) and top.ratio == pytest.approx(4.0)
    assert top.why_not == "less than 2 SD above their unit's norm"


def test_a_unit_where_everyone_has_the_same_count_has_z_zero() -> None:
    result = analyse_nominations(*one_unit([5] * 6), threshold=5, k=5)
    assert {(n.z, n.ratio, n.unit_sd) for n in result.nominees} == {(0.0, 1.0, 0.0)}


def test_the_rule_is_checked() -> None:
    with pytest.raises(ValueError, match="threshold"):
        InformalRule(threshold=2)
    with pytest.raises(ValueError, match="min_z"):
        InformalRule(min_z=math.nan)
    with pytest.raises(ValueError, match="min_ratio"):
        InformalRule(min_ratio=0.5)


# Confidentiality -------------------------------------------------------------------------


def test_opted_out_people_never_appear_and_their_nominations_are_counted_out(cast) -> None:
    assert (cast.dropped_opted_out, cast.dropped_self, cast.dropped_duplicates) == (2, 1, 1)
    everyone = {n.staff_id for n in cast.nominees}
    assert "o3" not in everyone and "c4" not in everyone
    assert cast.unit(OFFICE).people == 2
    assert "o3" not in repr(cast)  # not in any output at all


def test_nominators_are_never_output(cast) -> None:
    text = repr(cast)
    for nominator_only in ("w2", "w3", "w5", "w6", "o1", "c3", "o2"):
        assert f"'{nominator_only}'" not in text


def test_only_people_named_by_at_least_threshold_colleagues_may_be_shown(cast) -> None:
    assert [n.staff_id for n in cast.shown()] == ["w4"]
    assert {n.staff_id: n.eligible for n in cast.nominees}["c1"] is False
    lower = analyse_nominations(NOMINATIONS, PEOPLE, threshold=3, k=5)
    assert [n.staff_id for n in lower.shown()] == ["w4"]  # c1, c2 and w1 have two each


def test_the_threshold_cannot_go_below_three() -> None:
    with pytest.raises(ValueError, match="threshold"):
        analyse_nominations(NOMINATIONS, PEOPLE, threshold=2, k=5)


def test_results_are_frozen(cast) -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        cast.nominees[0].received = 0  # type: ignore[misc]


# Diversity of nominees --------------------------------------------------------------------


def test_a_small_group_of_nominees_is_hidden(cast) -> None:
    # BME staff who can be nominated: w4, c1, c2, all nominated. Three is below k = 5.
    table = cast.diversity.ethnicity
    assert table.columns == (NOMINATED, NOT_NOMINATED)
    assert isinstance(table.row_total(BME), Suppressed)
    assert all(isinstance(table.cell(BME, c), Suppressed) for c in table.columns)
    assert isinstance(cast.diversity.ethnicity_likelihood, Suppressed)
    assert isinstance(cast.diversity.disability_likelihood, Suppressed)  # one Disabled person


def diverse() -> tuple[pl.DataFrame, pl.DataFrame]:
    """40 White and 20 BME staff; 16 White and 12 BME named by w39 (who is not named)."""
    white = [person(f"w{i:02d}", "U") for i in range(40)]
    bme = [person(f"b{i:02d}", "U", ethnicity=BME) for i in range(20)]
    named = [f"w{i:02d}" for i in range(16)] + [f"b{i:02d}" for i in range(12)]
    return noms([("w39", n, "compassion") for n in named]), people_frame(white + bme)


def test_nominee_counts_and_likelihood_by_ethnicity_by_hand() -> None:
    result = analyse_nominations(*diverse(), threshold=5, k=5)
    table = result.diversity.ethnicity
    shown = {(r, c): table.cell(r, c) for r in (WHITE, BME) for c in table.columns}
    assert {key: e.count for key, e in shown.items() if isinstance(e, CountShown)} == {
        (WHITE, NOMINATED): 16,
        (WHITE, NOT_NOMINATED): 24,
        (BME, NOMINATED): 12,
        (BME, NOT_NOMINATED): 8,
    }
    nominated = table.column_total(NOMINATED)
    assert isinstance(nominated, CountShown) and nominated.count == 28
    ratio = result.diversity.ethnicity_likelihood
    assert isinstance(ratio, PublishedRateRatio)
    assert (ratio.group_a, ratio.group_b, ratio.rl) == (BME, WHITE, pytest.approx(1.5))
    se = math.sqrt(1 / 12 - 1 / 20 + 1 / 16 - 1 / 40)  # Katz log method
    assert ratio.ci_low == pytest.approx(1.5 * math.exp(-1.959964 * se), rel=1e-6)
    assert ratio.ci_high == pytest.approx(relative_likelihood(12, 20, 16, 40).ci_high)


def test_widely_nominated_counts_people_named_by_at_least_threshold_colleagues() -> None:
    result = analyse_nominations(*diverse(), threshold=5, k=5)
    wide = result.widely_nominated
    assert wide.at_least == 5 and result.diversity.at_least == 1
    assert isinstance(wide.ethnicity.column_total(NOT_NOMINATED), CountShown)
    assert wide.ethnicity.column_total(NOT_NOMINATED).count == 60  # nobody named by five
    assert isinstance(wide.ethnicity_likelihood, PublishedRateRatio)  # 0 of 20 vs 0 of 40
    assert wide.ethnicity_likelihood.corrected


# Bad input -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda n, p: (n.drop("value"), p), "lacks the columns"),
        (lambda n, p: (n, p.drop("opted_out")), "lacks the columns"),
        (lambda n, p: (n.to_pandas(), p), "polars DataFrame"),
        (lambda n, p: (pl.concat([n, noms([("w1", "zz", "compassion")])]), p), "nominee"),
        (lambda n, p: (pl.concat([n, noms([("zz", "w1", "compassion")])]), p), "nominator"),
        (lambda n, p: (n, p.with_columns(pl.lit("Asian").alias("ethnicity"))), "ethnicity"),
        (lambda n, p: (n, p.with_columns(pl.lit("Yes").alias("disability"))), "disability"),
        (lambda n, p: (n, pl.concat([p, p.head(1)])), "duplicate staff_id"),
        (lambda n, p: (n, p.with_columns(pl.lit(1).alias("holds_post"))), "holds_post"),
        (lambda n, p: (n.with_columns(pl.lit(None, pl.Utf8).alias("value")), p), "empty"),
        (lambda n, p: (n.with_columns(pl.lit(3).alias("nominee")), p), "text"),
    ],
)
def test_bad_frames_are_refused(change, message) -> None:
    nominations, people = change(NOMINATIONS, PEOPLE)
    with pytest.raises(ValueError, match=message):
        analyse_nominations(nominations, people, k=5)


def test_a_minimum_group_below_five_is_refused() -> None:
    with pytest.raises(ValueError, match="minimum group size"):
        analyse_nominations(NOMINATIONS, PEOPLE, k=3)


def test_null_reasons_are_fine_and_never_used(cast) -> None:
    blank = NOMINATIONS.with_columns(pl.lit(None, pl.Utf8).alias("reason"))
    assert analyse_nominations(blank, PEOPLE, threshold=5, k=5) == cast


# Synthetic data: the planted informal leader is found ---------------------------------------


@pytest.fixture(scope="module")
def synthetic():
    from ethos.synth import make_units
    from ethos.synth.leadership import nomination_people, synthesise_nominations
    from ethos.synth.workforce import synthesise_workforce

    units = make_units(900, 36, seed=7)
    workforce = synthesise_workforce(units, 2026, seed=7)
    staff, posts = workforce.frame("staff"), workforce.posts
    frame, truth = synthesise_nominations(staff, posts, seed=7)
    people = nomination_people(staff, posts, truth)
    return frame, people, truth, analyse_nominations(frame, people)


def test_the_planted_informal_leader_is_recovered(synthetic) -> None:
    _, people, truth, result = synthetic
    planted = truth["informal_leader"]
    top = result.nominees[0]
    assert top.staff_id == planted["staff_id"] and top.informal_leader
    assert top.received == planted["nominations"] > result.nominees[1].received
    assert top.outside_units == planted["outside_units"] >= 3
    assert top.outside_units == max(n.outside_units for n in result.nominees)
    assert len(result.informal_leaders()) < 0.05 * people.height  # a few, not a crowd


def test_synthetic_opt_outs_are_dropped_and_never_shown(synthetic) -> None:
    _, _, truth, result = synthetic
    assert result.dropped_opted_out == truth["opted_out_nominations"] > 0
    assert not {n.staff_id for n in result.nominees} & set(truth["opted_out"])


def test_synthetic_brokerage_matches_networkx(synthetic) -> None:
    frame, _, truth, result = synthetic
    opted = set(truth["opted_out"])
    graph = nx.Graph()
    graph.add_edges_from(
        (a, b) for a, b in frame.select("nominator", "nominee").iter_rows() if b not in opted
    )
    expected = nx.betweenness_centrality(graph)
    assert {n.staff_id: n.brokerage for n in result.nominees} == pytest.approx(
        {n.staff_id: expected[n.staff_id] for n in result.nominees}
    )
