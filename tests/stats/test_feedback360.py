"""Tests for ethos.stats.feedback360: one leader's 360 report.

The story: Amira, a ward manager, asks for 360 feedback. She rates herself; her own manager
(Ben) rates her and is named as such; peers, direct reports and others rate her anonymously.
A tiny four-item instrument gives a report worked entirely by hand; the shipped
``leadership360`` instrument is used for the minimum-rater rule, the attacker and the planted
blind spots.
"""

from __future__ import annotations

import dataclasses
import itertools
import math
from collections.abc import Iterator, Mapping

import numpy as np
import polars as pl
import pytest
from scipy import stats

from ethos.instruments.loader import load_instrument, parse_instrument
from ethos.instruments.model import Instrument
from ethos.stats.disclosure import Suppressed
from ethos.stats.feedback360 import (
    COMBINED,
    Agreement,
    Report360,
    Score,
    plan_raters,
    report_360,
    rwg_j,
    uniform_null_variance,
)

MINI = """
id: mini360
version: "1"
title: Mini 360
scales:
  agree5_seen:
    options:
      - {code: 1, label: Strongly disagree}
      - {code: 2, label: Disagree}
      - {code: 3, label: Neither}
      - {code: 4, label: Agree}
      - {code: 5, label: Strongly agree}
      - {code: 9, label: I have not seen enough to say, scoring: false}
items:
  - {id: a1, text: This person listens., scale: agree5_seen}
  - {id: a2, text: This person pays attention., scale: agree5_seen}
  - {id: h1, text: This person helps., scale: agree5_seen}
  - {id: h2, text: This person clears obstacles., scale: agree5_seen}
measures:
  - {id: attending, label: Attending, method: mean, items: [a1, a2]}
  - {id: helping, label: Helping, method: mean, items: [h1, h2]}
"""

Codes = Mapping[str, int | None] | int | None


@pytest.fixture(scope="module")
def mini() -> Instrument:
    return parse_instrument(MINI, source="mini360.yaml")


@pytest.fixture(scope="module")
def l360() -> Instrument:
    return load_instrument("leadership360")


def ratings(instrument: Instrument, raters: list[tuple[str, str, Codes]]) -> pl.DataFrame:
    """Long ratings: each rater gives one code to every item, or a code per item."""
    rows = []
    for group, rater, codes in raters:
        for item in instrument.item_ids:
            code = codes.get(item) if isinstance(codes, Mapping) else codes
            rows.append((group, rater, item, code))
    return pl.DataFrame(
        rows,
        schema={"rater_group": pl.String, "rater": pl.String, "item": pl.String, "score": pl.Int64},
        orient="row",
    )


def cast(peers: int = 0, reports: int = 0, others: int = 0, peer_code: int = 4) -> list:
    """Amira (self, 5), Ben (manager, 3) and anonymous raters with fixed codes."""
    raters: list[tuple[str, str, Codes]] = [("self", "amira", 5), ("manager", "ben", 3)]
    raters += [("peer", f"peer{i}", peer_code) for i in range(peers)]
    raters += [("direct_report", f"report{i}", 2) for i in range(reports)]
    raters += [("other", f"other{i}", 1) for i in range(others)]
    return raters


# --- A tiny 360 worked by hand -----------------------------------------------------------

HAND = [
    ("self", "amira", 5),
    ("manager", "ben", {"a1": 4, "a2": 4, "h1": 3, "h2": 3}),
    ("peer", "p1", {"a1": 4, "a2": 4, "h1": 2, "h2": 2}),
    ("peer", "p2", {"a1": 5, "a2": 4, "h1": 3, "h2": 2}),
    ("peer", "p3", {"a1": 3, "a2": 4, "h1": None, "h2": 3}),
]


@pytest.fixture(scope="module")
def hand(mini: Instrument) -> Report360:
    return report_360(ratings(mini, HAND), mini, top=2)


def test_hand_worked_group_means_on_the_0_to_10_scale(hand: Report360) -> None:
    # Peers' attending: (7.5+7.5)/2, (10+7.5)/2, (5+7.5)/2 = 7.5, 8.75, 6.25 -> mean 7.5
    peers = hand.measure("attending").cell("peer")
    assert isinstance(peers, Score) and peers.n == 3 and peers.mean == pytest.approx(7.5)
    low, high = stats.t.interval(0.95, 2, loc=7.5, scale=1.25 / math.sqrt(3))
    assert (peers.ci_low, peers.ci_high) == pytest.approx((low, high))
    # Peers' helping: 2.5, (5+2.5)/2, 5 (p3 has not seen h1) -> 3.75
    helping = hand.measure("helping").cell("peer")
    expected = stats.t.interval(0.95, 2, loc=3.75, scale=1.25 / math.sqrt(3))
    assert approx(helping) == (3, 3.75, *expected)
    assert hand.measure("attending").cell("self") == Score(1, 10.0)
    assert hand.measure("helping").cell("manager") == Score(1, 5.0)


def test_hand_worked_all_others_and_gaps(hand: Report360) -> None:
    attending, helping = hand.measure("attending"), hand.measure("helping")
    assert approx(attending.all_others) == (4, 7.5, *t_interval([7.5, 7.5, 8.75, 6.25]))
    assert helping.all_others.mean == pytest.approx((5 + 2.5 + 3.75 + 5) / 4)  # 4.0625
    assert attending.gap == pytest.approx(2.5)
    assert helping.gap == pytest.approx(10 - 4.0625)


def test_an_item_rated_by_too_few_of_a_group_is_hidden_and_left_out_of_all_others(
    hand: Report360,
) -> None:
    h1 = hand.item("h1")  # only two peers rated it
    assert h1.cell("peer") == Suppressed("fewer than 3 raters in this group rated this")
    assert h1.all_others == Score(1, 5.0)  # Ben alone: the two peers are in no figure
    assert hand.item("h2").all_others.mean == pytest.approx((5 + 2.5 + 2.5 + 5) / 4)


def test_hand_worked_strengths_development_and_blind_spots(hand: Report360) -> None:
    # All others by item: a1 7.5, a2 7.5, h1 5.0, h2 3.75; Amira gave 10 to every item.
    assert [h.item for h in hand.strengths] == ["a1", "a2"]  # the tie in instrument order
    assert [h.item for h in hand.development] == ["h2", "h1"]  # lowest first
    assert [(h.item, h.gap) for h in hand.blind_spots] == [
        ("h2", 6.25),
        ("h1", 5.0),
        ("a1", 2.5),
        ("a2", 2.5),
    ]
    assert hand.strengths[0].self_score == 10.0 and hand.strengths[0].others == 7.5
    assert hand.hidden_strengths == ()


def test_rwg_matches_a_hand_computation(hand: Report360) -> None:
    # Attending, codes of Ben and the peers: a1 4,4,5,3 (var 2/3), a2 4,4,4,4 (var 0).
    # On 0-10 the variances are x6.25 and the uniform null is 12.5: s2/null = 1/6, J = 2,
    # rwg(j) = 2(5/6) / (2(5/6) + 1/6) = 10/11.
    attending = hand.measure("attending").agreement
    assert attending == Agreement(10 / 11, 4, 2, 6.25 / 3, 12.5, False)
    # Helping: h1 has one pooled answer (Ben's), so only h2 (3,2,2,3: var 1/3) counts.
    helping = hand.measure("helping").agreement
    assert helping is not None and helping.items == 1
    assert helping.rwg_j == pytest.approx(5 / 6)


def approx(figure: object) -> tuple[object, ...]:
    """A shown figure's numbers, for comparing with hand-worked values."""
    assert isinstance(figure, Score), figure
    return (
        figure.n,
        pytest.approx(figure.mean),
        *map(pytest.approx, (figure.ci_low, figure.ci_high)),
    )


def t_interval(values: list[float]) -> tuple[float, float]:
    sample = np.array(values)
    sem = sample.std(ddof=1) / math.sqrt(sample.size)
    low, high = stats.t.interval(0.95, sample.size - 1, loc=sample.mean(), scale=sem)
    return float(low), float(high)


def test_rwg_on_codes_and_on_the_0_to_10_scale_agree() -> None:
    codes = np.array([[4, 3], [5, 4], [4, 5.0]])
    on_codes = rwg_j(codes, 2.0)  # (A^2 - 1) / 12 for A = 5
    on_scores = rwg_j((codes - 1) * 2.5, 12.5)
    assert on_codes is not None and on_scores is not None
    # item variances 1/3 and 1: mean 2/3, ratio 1/3, J = 2: rwg = (4/3) / (4/3 + 1/3) = 0.8
    assert on_codes.rwg_j == pytest.approx(0.8) == on_scores.rwg_j


def test_rwg_is_zero_when_raters_disagree_more_than_chance() -> None:
    result = rwg_j(np.array([[1.0, 1], [5, 5], [1, 1], [5, 5]]), 2.0)
    assert result is not None and result.truncated and result.rwg_j == 0.0


def test_rwg_needs_three_raters_and_an_item_with_two_answers() -> None:
    assert rwg_j(np.array([[1.0, 2], [2, 2]]), 2.0) is None
    assert rwg_j(np.array([[1.0, np.nan], [np.nan, 2], [np.nan, np.nan], [3, np.nan]]), 2.0)
    assert (
        rwg_j(np.array([[1.0, np.nan, np.nan], [np.nan, 2, np.nan], [np.nan, np.nan, 3]]), 2.0)
        is None
    )


def test_the_uniform_null_variance() -> None:
    assert uniform_null_variance([1, 2, 3, 4, 5]) == pytest.approx(2.0)
    assert uniform_null_variance([0, 2.5, 5, 7.5, 10]) == pytest.approx(12.5)
    assert uniform_null_variance([0, 10]) == pytest.approx(25.0)


def test_agreement_is_only_for_measures_of_two_or_more_items(l360: Instrument) -> None:
    report = report_360(ratings(l360, cast(peers=4)), l360)
    assert report.measure("compassion").agreement is None  # one statement
    assert report.measure("respect_dignity").agreement is not None


def test_agreement_is_none_with_fewer_than_three_other_raters(mini: Instrument) -> None:
    report = report_360(ratings(mini, HAND[:3]), mini)  # Amira, Ben and one peer
    assert report.measure("attending").agreement is None


# --- The minimum-rater rule, branch by branch ------------------------------------------


def raters_shown(report: Report360) -> dict[str, int | Suppressed]:
    return {g.key: g.raters for g in report.groups}


def test_groups_of_three_or_more_are_all_shown(l360: Instrument) -> None:
    report = report_360(ratings(l360, cast(peers=3, reports=4, others=3)), l360)
    assert raters_shown(report) == {
        "self": 1,
        "manager": 1,
        "peer": 3,
        "direct_report": 4,
        "other": 3,
    }
    assert report.measure("attending").all_others.n == 1 + 3 + 4 + 3


def test_small_groups_that_reach_three_together_are_combined(l360: Instrument) -> None:
    report = report_360(ratings(l360, cast(peers=5, reports=2, others=1)), l360)
    combined = report.group(COMBINED)
    assert combined.raters == 3 and combined.members == ("direct_report", "other")
    assert combined.label == "Others (combined)"
    for key in ("direct_report", "other"):
        reason = report.group(key).raters
        assert isinstance(reason, Suppressed) and "Others (combined)" in reason.reason
        assert report.measure("helping").cell(key) == reason
    # Reports answer 2 (2.5) and the other 1 (0): (2.5 + 2.5 + 0) / 3
    assert report.measure("helping").cell(COMBINED).mean == pytest.approx(5 / 3)
    assert report.measure("helping").all_others.n == 1 + 5 + 3


def test_small_groups_that_cannot_reach_three_are_hidden_everywhere(l360: Instrument) -> None:
    report = report_360(ratings(l360, cast(peers=5, reports=2)), l360)
    hidden = report.group("direct_report").raters
    assert isinstance(hidden, Suppressed) and "left out of every figure" in hidden.reason
    with pytest.raises(KeyError):
        report.group(COMBINED)
    others = report.measure("compassionate_leadership").all_others
    assert isinstance(others, Score) and others.n == 6  # Ben and five peers, no reports
    assert others.mean == pytest.approx((5.0 + 5 * 7.5) / 6)


def test_a_hidden_group_reads_the_same_with_none_one_or_two_raters(l360: Instrument) -> None:
    reasons = {
        report_360(ratings(l360, cast(peers=3, reports=n)), l360).group("direct_report").raters
        for n in (0, 1, 2)
    }
    assert len(reasons) == 1


def test_three_single_raters_are_combined(l360: Instrument) -> None:
    report = report_360(ratings(l360, cast(peers=1, reports=1, others=1)), l360)
    assert report.group(COMBINED).raters == 3
    assert report.group(COMBINED).members == ("peer", "direct_report", "other")


def test_a_rater_who_has_seen_nothing_does_not_count(l360: Instrument) -> None:
    raters = [*cast(peers=2), ("peer", "peer_unseen", None)]
    report = report_360(ratings(l360, raters), l360)
    assert isinstance(report.group("peer").raters, Suppressed)
    assert report.measure("attending").all_others == Score(1, 5.0)  # Ben alone


def test_a_higher_minimum_is_honoured(l360: Instrument) -> None:
    report = report_360(ratings(l360, cast(peers=3, reports=4)), l360, min_raters=4)
    assert isinstance(report.group("peer").raters, Suppressed)
    assert report.group("direct_report").raters == 4
    assert report.min_raters == 4


def test_self_and_manager_are_shown_as_single_attributed_ratings(l360: Instrument) -> None:
    report = report_360(ratings(l360, cast(peers=3)), l360)
    manager = report.group("manager")
    assert manager.attributed and manager.raters == 1 and "not anonymous" in manager.label
    assert report.item("cl_att_time").cell("manager") == Score(1, 5.0)


def test_without_self_or_manager_ratings_there_is_no_gap(l360: Instrument) -> None:
    report = report_360(ratings(l360, cast(peers=3)[2:]), l360)
    attending = report.measure("attending")
    assert attending.cell("self") == Suppressed("no self-rating")
    assert attending.cell("manager") == Suppressed("no rating from the manager")
    assert attending.gap is None and report.blind_spots == ()
    assert attending.all_others.n == 3


def test_no_shown_others_leaves_all_others_hidden(l360: Instrument) -> None:
    report = report_360(ratings(l360, [("self", "amira", 5), ("peer", "p1", 4)]), l360)
    assert report.measure("attending").all_others == Suppressed(
        "no other rater's figure can be shown"
    )
    assert report.strengths == () and report.development == ()


def test_plan_raters_directly() -> None:
    plan = plan_raters(np.array([0, 1, 2, 2, 3, 4]), np.array([True] * 6))
    assert plan.display.tolist() == [0, 1, 5, 5, 5, 5]  # 2 + 1 + 1 = 4 combined
    assert plan.summary(COMBINED) is not None


# --- Nothing about a hidden rater can be recovered ----------------------------------------


def planted_hidden(l360: Instrument, report_codes: tuple[int, int]) -> pl.DataFrame:
    """Five peers (codes 4 or 5 by item), two direct reports with distinctive codes."""
    peers = [
        ("peer", f"peer{p}", {i: 4 + (p + j) % 2 for j, i in enumerate(l360.item_ids)})
        for p in range(5)
    ]
    reports = [("direct_report", f"report{r}", c) for r, c in enumerate(report_codes)]
    return ratings(l360, [("self", "amira", 5), ("manager", "ben", 3), *peers, *reports])


def test_hidden_raters_change_nothing_in_the_report(l360: Instrument) -> None:
    with_them = report_360(planted_hidden(l360, (1, 2)), l360)
    other_answers = report_360(planted_hidden(l360, (5, 3)), l360)
    without = planted_hidden(l360, (1, 2)).filter(pl.col("rater_group") != "direct_report")
    assert with_them == other_answers == report_360(without, l360)


def published(report: Report360) -> Iterator[tuple[str, Score]]:
    """Every shown figure, labelled by what it measures."""
    for row in (*report.measures, *report.items):
        name = getattr(row, "measure", None) if row in report.measures else row.item
        for _, cell in (*row.cells, ("all others", row.all_others)):
            if isinstance(cell, Score):
                yield str(name), cell


def attacker(figures: list[tuple[str, Score]]) -> set[tuple[str, float]]:
    """Every mean an attacker can derive from two figures about the same thing.

    From ``n_a`` raters with mean ``m_a`` and ``n_b`` with ``m_b`` the difference of totals
    is the total of ``n_a - n_b`` raters; the attacker also subtracts any one-rater
    (attributed) figure of the same thing, since those are published anyway.
    """
    by_name: dict[str, list[Score]] = {}
    for name, score in figures:
        by_name.setdefault(name, []).append(score)
    derived = set()
    for name, scores in by_name.items():
        singles = [s.mean for s in scores if s.n == 1]
        for a, b in itertools.permutations(scores, 2):
            for k in range(len(singles) + 1):
                for removed in itertools.combinations(singles, k):
                    size = a.n - b.n - k
                    if size > 0:
                        derived.add((name, (a.n * a.mean - b.n * b.mean - sum(removed)) / size))
    return derived


def secrets(l360: Instrument, codes: tuple[int, int]) -> set[float]:
    scores = [(c - 1) * 2.5 for c in codes]
    return {scores[0], scores[1], sum(scores) / 2}


def leaks(derived: set[tuple[str, float]], hidden: set[float]) -> list[tuple[str, float]]:
    return [(n, v) for n, v in derived if any(math.isclose(v, h, abs_tol=1e-9) for h in hidden)]


def test_no_pair_of_outputs_reveals_a_hidden_rater(l360: Instrument) -> None:
    report = report_360(planted_hidden(l360, (1, 2)), l360)
    derived = attacker(list(published(report)))
    assert len(derived) > 100  # the attacker really tried
    assert leaks(derived, secrets(l360, (1, 2))) == []


def test_the_attacker_finds_a_leak_when_a_figure_includes_hidden_raters(
    l360: Instrument,
) -> None:
    report = report_360(planted_hidden(l360, (1, 2)), l360)
    figures = list(published(report))
    # A careless "all raters" figure for attending: all others plus the two hidden reports.
    others = report.measure("attending").all_others
    assert isinstance(others, Score)
    leaky = Score(others.n + 2, (others.n * others.mean + 0.0 + 2.5) / (others.n + 2))
    found = leaks(attacker([*figures, ("attending", leaky)]), secrets(l360, (1, 2)))
    assert ("attending", 1.25) in [(n, round(v, 9)) for n, v in found]


# --- Planted leaders ----------------------------------------------------------------------


def test_a_leader_who_rates_herself_far_above_others_has_blind_spots(l360: Instrument) -> None:
    raters = [("self", "amira", 5), ("manager", "ben", 3)]
    raters += [("peer", f"peer{i}", 2 + i % 2) for i in range(4)]
    raters += [("direct_report", f"report{i}", 2) for i in range(3)]
    report = report_360(ratings(l360, raters), l360)
    assert {h.item for h in report.blind_spots} == set(l360.item_ids)
    assert all(h.gap is not None and h.gap >= 5 for h in report.blind_spots)
    assert report.hidden_strengths == ()
    assert report.measure("compassionate_leadership").gap == pytest.approx(10 - 3.4375)


def test_a_modest_leader_has_hidden_strengths_only_where_the_gap_is_wide(
    l360: Instrument,
) -> None:
    modest = dict.fromkeys(l360.item_ids, 5)
    modest["cl_att_time"] = 4  # one step below others: exactly at the threshold
    modest["cl_help_act"] = 2  # far below what others see
    modest["cl_emp_shoes"] = None  # not self-rated: no gap
    raters = [("self", "amira", modest), *[("peer", f"peer{i}", 5) for i in range(3)]]
    report = report_360(ratings(l360, raters), l360)
    assert [(h.item, h.gap) for h in report.hidden_strengths] == [
        ("cl_help_act", -7.5),
        ("cl_att_time", -2.5),
    ]
    assert report.item("cl_emp_shoes").gap is None
    assert report.blind_spots == ()


def test_ties_in_strengths_follow_instrument_order(l360: Instrument) -> None:
    report = report_360(ratings(l360, cast(peers=3)), l360, top=3)
    assert [h.item for h in report.strengths] == list(l360.item_ids[:3])
    assert [h.item for h in report.development] == list(l360.item_ids[3:6])


def test_scores_can_come_as_floats_and_not_seen_as_nan(mini: Instrument) -> None:
    frame = ratings(mini, HAND).with_columns(pl.col("score").cast(pl.Float64))
    frame = frame.with_columns(pl.col("score").fill_null(float("nan")))
    assert report_360(frame, mini) == report_360(ratings(mini, HAND), mini)


def test_the_report_is_frozen(hand: Report360) -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        hand.min_raters = 1  # type: ignore[misc]


# --- Bad input ----------------------------------------------------------------------------


def good(mini: Instrument) -> pl.DataFrame:
    return ratings(mini, HAND)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda f: f.to_pandas(), "must be a polars DataFrame"),
        (lambda f: f.drop("item"), "lacks the column"),
        (lambda f: f.head(0), "is empty"),
        (lambda f: f.with_columns(pl.col("score").cast(pl.String)), "numeric answer codes"),
        (lambda f: f.with_columns(rater_group=pl.lit("boss")), "'boss'"),
        (lambda f: f.with_columns(rater_group=pl.lit(None, pl.String)), "a blank"),
        (lambda f: f.with_columns(item=pl.lit("zz")), "'zz'"),
        (lambda f: f.with_columns(rater=pl.lit(None, pl.String)), "rater's key"),
        (lambda f: pl.concat([f, f.head(1)]), "more than once"),
        (lambda f: f.with_columns(score=pl.lit(7)), "not on scale"),
        (lambda f: f.with_columns(score=pl.lit(4.5)), "code 4.5"),
    ],
)
def test_it_rejects_a_bad_ratings_frame(mini: Instrument, change, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        report_360(change(good(mini)), mini)


def test_it_rejects_a_rater_in_two_groups(mini: Instrument) -> None:
    frame = ratings(mini, [("peer", "x", {"a1": 4}), ("other", "x", {"a2": 4})]).drop_nulls()
    with pytest.raises(ValueError, match="more than one rater group"):
        report_360(frame, mini)


@pytest.mark.parametrize("group", ["self", "manager"])
def test_it_rejects_two_selves_or_two_managers(mini: Instrument, group: str) -> None:
    frame = ratings(mini, [(group, "x", 4), (group, "y", 4)])
    with pytest.raises(ValueError, match=f"the '{group}' group has 2 raters"):
        report_360(frame, mini)


def test_it_rejects_percentage_measures(mini: Instrument) -> None:
    text = MINI + "  - {id: pct, label: P, method: percent_positive, items: [a1]}\n"
    instrument = parse_instrument(text)
    with pytest.raises(ValueError, match="percentages"):
        report_360(ratings(instrument, HAND), instrument)


@pytest.mark.parametrize(
    ("option", "value", "message"),
    [
        ("min_raters", 2, "at least 3"),
        ("min_raters", True, "at least 3"),
        ("min_raters", 3.5, "at least 3"),
        ("level", 1.0, "level"),
        ("level", "0.95", "level"),
        ("top", 0, "top"),
        ("top", True, "top"),
        ("gap_threshold", 0.0, "gap_threshold"),
        ("gap_threshold", 11, "gap_threshold"),
    ],
)
def test_it_rejects_bad_options(mini: Instrument, option: str, value: object, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        report_360(good(mini), mini, **{option: value})  # type: ignore[arg-type]


def test_plan_raters_rejects_mismatched_inputs() -> None:
    with pytest.raises(ValueError, match="one entry per rater"):
        plan_raters(np.array([0, 1]), np.array([True]))


@pytest.mark.parametrize(
    ("scores", "null", "message"),
    [
        (np.zeros(3), 2.0, "2-D"),
        (np.zeros((3, 2)), 0.0, "positive"),
        (np.zeros((3, 2)), np.nan, "positive"),
    ],
)
def test_rwg_rejects_bad_input(scores: np.ndarray, null: float, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        rwg_j(scores, null)


@pytest.mark.parametrize(("options", "message"), [([5.0], "two"), ([3.0, 3.0], "all equal")])
def test_the_null_variance_rejects_bad_scales(options: list[float], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        uniform_null_variance(options)
