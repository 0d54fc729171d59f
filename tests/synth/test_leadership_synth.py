"""Tests for the synthetic leadership data (ethos.synth.leadership).

One small trust (900 staff) gives nominations; four leaders get 360 feedback; a survey of
1,200 staff gets a planted pseudo-team. Each planted effect is checked in the raw data, with
plain polars arithmetic, against the ``truth`` record.
"""

from __future__ import annotations

import json

import polars as pl
import pytest

from ethos.synth import make_units, synthesise
from ethos.synth.leadership import (
    RATER_GROUPS,
    TEAM_TESTS,
    VALUES,
    nomination_people,
    plant_pseudo_team,
    synthesise_360,
    synthesise_nominations,
)
from ethos.synth.leadership.nominations import ORDINARY_UNIT
from ethos.synth.workforce import synthesise_workforce

# Nominations ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def workforce():
    units = make_units(900, 36, seed=7)
    result = synthesise_workforce(units, 2026, seed=7)
    return result.frame("staff"), result.posts


@pytest.fixture(scope="module")
def nominated(workforce):
    staff, posts = workforce
    return synthesise_nominations(staff, posts, seed=7)


def in_post(staff: pl.DataFrame) -> pl.DataFrame:
    return staff.filter(pl.col("leaving_date").is_null())


def test_nominations_have_the_documented_shape(nominated, workforce) -> None:
    frame, truth = nominated
    assert frame.schema == {
        "nominator": pl.Utf8,
        "nominee": pl.Utf8,
        "value": pl.Utf8,
        "reason": pl.Utf8,
    }
    ids = set(in_post(workforce[0])["staff_id"])
    assert set(frame["nominator"]) <= ids and set(frame["nominee"]) <= ids
    assert set(frame["value"]) == set(VALUES)
    assert frame["reason"].null_count() == 0 and frame["reason"].str.len_chars().min() > 10
    assert frame.height == truth["nominations"] and truth["staff"] == len(ids)
    json.dumps(truth)


def test_everyone_names_up_to_three_colleagues_never_themselves(nominated) -> None:
    frame, _ = nominated
    assert frame.filter(pl.col("nominator") == pl.col("nominee")).height == 0
    assert not frame.select("nominator", "nominee").is_duplicated().any()
    assert frame.group_by("nominator").len()["len"].max() <= 3
    assert frame.equals(frame.sort("nominator", "nominee"))


def test_most_nominations_stay_within_the_unit(nominated, workforce) -> None:
    frame, truth = nominated
    unit = dict(in_post(workforce[0]).select("staff_id", "unit_code").iter_rows())
    leader = truth["informal_leader"]["staff_id"]
    organic = frame.filter(pl.col("nominee") != leader)
    within = sum(unit[a] == unit[b] for a, b in organic.select("nominator", "nominee").iter_rows())
    assert 0.8 < within / organic.height < 0.92


def test_the_planted_informal_leader_holds_no_post_and_is_named_from_afar(
    nominated, workforce
) -> None:
    frame, truth = nominated
    staff, posts = workforce
    planted = truth["informal_leader"]
    assert planted["staff_id"] not in set(posts["holder"].drop_nulls())
    low, high = ORDINARY_UNIT
    assert low <= planted["unit_size"] <= high
    unit = dict(in_post(staff).select("staff_id", "unit_code").iter_rows())
    named = frame.filter(pl.col("nominee") == planted["staff_id"])["nominator"].to_list()
    outside = {unit[p] for p in named if unit[p] != planted["unit_code"]}
    assert len(named) == planted["nominations"] >= planted["planted_nominators"]
    assert len(outside) == planted["outside_units"] >= 3
    counts = frame.group_by("nominee").len().sort("len", descending=True)
    assert counts.row(0) == (planted["staff_id"], len(named))


def test_some_people_opted_out_and_colleagues_still_name_them(nominated, workforce) -> None:
    frame, truth = nominated
    opted = truth["opted_out"]
    assert 0.02 < len(opted) / truth["staff"] < 0.04
    assert truth["informal_leader"]["staff_id"] not in opted
    assert frame.filter(pl.col("nominee").is_in(opted)).height == truth["opted_out_nominations"]
    people = nomination_people(*workforce, truth)
    assert people.columns == [
        "staff_id",
        "unit_code",
        "holds_post",
        "ethnicity",
        "disability",
        "opted_out",
    ]
    assert sorted(people.filter("opted_out")["staff_id"]) == opted
    assert people["holds_post"].sum() == workforce[1]["holder"].drop_nulls().n_unique()


def test_nominations_are_deterministic_for_a_seed(nominated, workforce) -> None:
    frame, truth = nominated
    again, truth_again = synthesise_nominations(*workforce, seed=7)
    assert again.equals(frame) and truth_again == truth
    other, _ = synthesise_nominations(*workforce, seed=8)
    assert not other.equals(frame)


def test_nominations_take_other_values_and_check_their_arguments(workforce) -> None:
    frame, truth = synthesise_nominations(*workforce, seed=1, values=("integrity", "openness"))
    assert set(frame["value"]) == {"integrity", "openness"} and truth["values"] == [
        "integrity",
        "openness",
    ]
    with pytest.raises(ValueError, match="seed"):
        synthesise_nominations(*workforce, seed=-1)
    with pytest.raises(ValueError, match="values"):
        synthesise_nominations(*workforce, seed=1, values=())
    with pytest.raises(ValueError, match="holder"):
        synthesise_nominations(workforce[0], workforce[1].drop("holder"), seed=1)


# 360 feedback ----------------------------------------------------------------------------

ITEMS = ("att1", "att2", "und1", "und2", "emp1", "hlp1")
MEASURES = {"attending": ["att1", "att2"], "understanding": ["und1", "und2"]}
MEASURES |= {"empathising": ["emp1"], "helping": ["hlp1"]}
SUBJECTS = ("L1", "L2", "L3", "L4")


@pytest.fixture(scope="module")
def feedback():
    return synthesise_360(SUBJECTS, 11, ITEMS, MEASURES)


def test_ratings_have_the_documented_shape(feedback) -> None:
    ratings, truth = feedback
    assert ratings.schema == {
        "subject": pl.Utf8,
        "rater_group": pl.Utf8,
        "rater": pl.Utf8,
        "item": pl.Utf8,
        "score": pl.Int8,
    }
    assert set(ratings["rater_group"]) <= set(RATER_GROUPS)
    assert set(ratings["score"].drop_nulls()) <= {1, 2, 3, 4, 5}
    per_rater = ratings.group_by("rater").agg(pl.col("item").sort(), pl.col("subject").n_unique())
    assert all(items == sorted(ITEMS) for items in per_rater["item"].to_list())
    assert per_rater["subject"].max() == 1
    json.dumps(truth)


def test_group_sizes_match_the_truth_and_some_are_below_three(feedback) -> None:
    ratings, truth = feedback
    sizes = ratings.group_by("subject", "rater_group").agg(pl.col("rater").n_unique())
    got = {(s, g): n for s, g, n in sizes.iter_rows()}
    expected = {(s, g): n for s, by in truth["groups"].items() for g, n in by.items() if n}
    assert got == expected
    assert all(truth["groups"][s]["self"] == 1 for s in SUBJECTS)
    small = [(s, g) for s, g, n in truth["small_groups"] if g in ("peer", "direct_report")]
    assert small and all(got[key] < 3 for key in small)


def test_some_answers_are_not_seen_enough_but_never_the_self_rating(feedback) -> None:
    ratings, _ = feedback
    others = ratings.filter(pl.col("rater_group") != "self")
    assert 0.02 < others["score"].null_count() / others.height < 0.2
    assert ratings.filter(pl.col("rater_group") == "self")["score"].null_count() == 0


def test_the_planted_self_over_rater_shows_in_the_raw_ratings(feedback) -> None:
    ratings, truth = feedback
    over = truth["self_over_rater"]["subject"]
    mean = (
        ratings.with_columns((pl.col("rater_group") == "self").alias("own"))
        .group_by("subject", "own")
        .agg(pl.col("score").mean())
    )
    score = {(s, own): m for s, own, m in mean.iter_rows()}
    assert score[(over, True)] >= 4.5 and score[(over, False)] <= 3.0
    assert score[(over, True)] - score[(over, False)] > 1.5
    for subject in SUBJECTS:
        if subject != over:
            assert abs(score[(subject, True)] - score[(subject, False)]) < 1.0
    assert set(truth["levels"][over].values()) == {2.5}


def test_rater_keys_are_opaque_and_unique(feedback) -> None:
    ratings, _ = feedback
    keys = ratings.select("subject", "rater_group", "rater").unique()
    assert keys["rater"].n_unique() == keys.height
    assert not any(s in key for key in keys["rater"] for s in SUBJECTS)


def test_360_is_deterministic_and_takes_a_chosen_over_rater(feedback) -> None:
    ratings, truth = feedback
    again = synthesise_360(SUBJECTS, 11, ITEMS, MEASURES)
    assert again[0].equals(ratings) and again[1] == truth
    _, chosen = synthesise_360(SUBJECTS, 11, ITEMS, MEASURES, self_over_rater="L2")
    assert chosen["self_over_rater"]["subject"] == "L2"
    _, plain = synthesise_360(SUBJECTS, 11, ITEMS)
    assert plain["measures"] == {i: [i] for i in ITEMS}


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"subjects": ()}, "subjects"),
        ({"instrument_items": ("a", "a")}, "instrument_items"),
        ({"measures": {"m": ["att1"]}}, "measures"),
        ({"self_over_rater": "nobody"}, "self_over_rater"),
        ({"seed": -2}, "seed"),
    ],
)
def test_360_checks_its_arguments(arguments, message) -> None:
    given = {"subjects": SUBJECTS, "seed": 1, "instrument_items": ITEMS, "measures": None}
    with pytest.raises(ValueError, match=message):
        synthesise_360(**(given | arguments))


# The pseudo-team --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def survey():
    return synthesise(1200, seed=2)


@pytest.fixture(scope="module")
def pseudo(survey):
    return plant_pseudo_team(survey.responses, survey.units, seed=2)


def yes_rate(frame: pl.DataFrame, item: str, no: int = 2) -> float:
    answered = frame.filter(pl.col(item).is_in([1, no]))
    return answered.filter(pl.col(item) == 1).height / answered.height


def test_the_pseudo_team_answers_no_to_the_real_team_tests(survey, pseudo) -> None:
    planted, truth = pseudo
    unit = pl.col("unit") == truth["unit"]
    assert truth["team_tests"]["no_code"] == dict.fromkeys(TEAM_TESTS, 2)
    for item in TEAM_TESTS:
        before = yes_rate(survey.responses.filter(unit), item)
        after = yes_rate(planted.filter(unit), item)
        elsewhere = yes_rate(planted.filter(~unit), item)
        assert after < 0.25 < before and after < elsewhere - 0.3
    real = pl.all_horizontal(pl.col(i) == 1 for i in TEAM_TESTS)
    assert planted.filter(unit & real).height / planted.filter(unit).height < 0.05


def test_the_pseudo_team_is_about_one_point_lower_on_culture_items(survey, pseudo) -> None:
    planted, truth = pseudo
    unit = pl.col("unit") == truth["unit"]
    scoring = pl.col(truth["element_shift"]["items"]).replace(9, None)

    def means(frame: pl.DataFrame) -> dict[str, float]:
        return frame.filter(unit).select(scoring.mean()).row(0, named=True)

    before, after = means(survey.responses), means(planted)
    reverse = set(truth["element_shift"]["reverse_items"])
    assert reverse == {"vv_values_words", "li_ideas_stuck"}
    change = [(after[i] - before[i]) * (-1 if i in reverse else 1) for i in before]
    assert all(-1.0 <= c < 0 for c in change)
    assert -1.0 < sum(change) / len(change) < -0.7


def test_nothing_else_changes(survey, pseudo) -> None:
    planted, truth = pseudo
    assert planted.schema == survey.responses.schema and planted.height == survey.responses.height
    outside = pl.col("unit") != truth["unit"]
    assert planted.filter(outside).equals(survey.responses.filter(outside))
    untouched = [c for c in planted.columns if c not in truth["element_shift"]["items"]]
    untouched = [c for c in untouched if c not in TEAM_TESTS]
    assert planted.select(untouched).equals(survey.responses.select(untouched))
    assert survey.responses.equals(synthesise(1200, seed=2).responses)  # synthesise unchanged


def test_the_pseudo_team_is_a_leaf_unit_apart_from_the_low_support_units(survey, pseudo) -> None:
    _, truth = pseudo
    units = survey.units
    assert truth["unit"] not in set(units["parent"].drop_nulls())
    assert truth["unit"] not in survey.truth["low_support"]["units"]
    assert truth["respondents"] >= 10
    json.dumps(truth)


def test_the_pseudo_team_is_deterministic_and_can_be_chosen(survey, pseudo) -> None:
    planted, truth = pseudo
    again = plant_pseudo_team(survey.responses, survey.units, seed=2)
    assert again[0].equals(planted) and again[1] == truth
    leaf = survey.responses["unit"].value_counts(sort=True)["unit"][0]  # the busiest: a ward
    _, chosen = plant_pseudo_team(survey.responses, survey.units, seed=2, unit=leaf)
    assert chosen["unit"] == leaf
    with pytest.raises(ValueError, match="leaf"):
        plant_pseudo_team(survey.responses, survey.units, seed=2, unit="R0A")
    with pytest.raises(ValueError, match="real-team"):
        plant_pseudo_team(survey.responses.drop("tw_review"), survey.units, seed=2)
