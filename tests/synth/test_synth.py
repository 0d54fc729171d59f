"""Tests for the synthetic organisation generator (ethos.synth).

A small instrument written here drives most tests, so they do not depend on the wording of the
shipped ones; the shipped instruments get a smoke test of their own. The planted effects are
recovered with plain polars arithmetic on the frames, the way an analyst would find them.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from ethos.instruments.loader import load_instrument, parse_instrument, shipped_instruments
from ethos.instruments.model import NOT_STATED, Instrument
from ethos.synth import Synthetic, make_responses, make_units, names, synthesise, write
from ethos.synth.comments import NEGATIVE, POSITIVE

MINI_YAML = """
id: mini
version: "1"
title: Mini culture survey
scales:
  agree5:
    options:
      - {code: 1, label: Strongly disagree}
      - {code: 2, label: Disagree}
      - {code: 3, label: Neither agree nor disagree}
      - {code: 4, label: Agree}
      - {code: 5, label: Strongly agree}
      - {code: 9, label: "Don't know", scoring: false}
  yes_no:
    options:
      - {code: 1, label: "Yes", score: 10}
      - {code: 2, label: "No", score: 0}
  frequency:
    options:
      - {code: 1, label: Never}
      - {code: 2, label: Rarely}
      - {code: 3, label: Sometimes}
      - {code: 4, label: Often}
      - {code: 5, label: Always}
items:
  - {id: vv1, text: I know where we are heading., scale: agree5, element: vision_values}
  - {id: vv2, text: What we do matches what we say., scale: agree5, element: vision_values}
  - {id: gp1, text: My goals are clear., scale: agree5, element: goals_performance}
  - {id: li1, text: We try new ways of working., scale: agree5, element: learning_innovation}
  - {id: li2, text: Mistakes are used to learn., scale: agree5, element: learning_innovation}
  - {id: li3, text: Ideas get stuck here., scale: agree5, element: learning_innovation,
     reverse: true}
  - {id: sc1, text: My manager listens to me., scale: agree5, element: support_compassion}
  - {id: sc2, text: My manager helps me., scale: agree5, element: support_compassion}
  - {id: sc3, text: I feel cared for., scale: agree5, element: support_compassion}
  - {id: ei1, text: I am treated fairly., scale: agree5, element: equity_inclusion}
  - {id: tw1, text: We share clear objectives., scale: yes_no, element: teamwork}
  - {id: mo1, text: I look forward to work., scale: frequency}
  - {id: mo2, text: I am enthusiastic about my job., scale: frequency}
  - {id: in1, text: I can make improvements., scale: agree5}
  - {id: ad1, text: I would recommend this place to work., scale: agree5}
  - {id: hp1, text: Harassed by patients or the public., scale: yes_no}
  - {id: hs1, text: Harassed by managers., scale: yes_no}
  - {id: hs2, text: Harassed by colleagues., scale: yes_no}
  - {id: dc1, text: Discriminated against at work., scale: yes_no}
  - {id: wb1, text: I feel burnt out., scale: frequency, reverse: true}
measures:
  - {id: learning, label: Learning, method: mean, items: [li1, li2, li3]}
  - {id: support, label: Support, method: mean, items: [sc1, sc2, sc3]}
  - {id: motivation, label: Motivation, method: mean, items: [mo1, mo2], group: engagement}
  - {id: involvement, label: Involvement, method: mean, items: [in1], group: engagement}
  - {id: advocacy, label: Advocacy, method: mean, items: [ad1], group: engagement}
  - {id: engagement, label: Staff engagement, method: mean_of_measures,
     measures: [motivation, involvement, advocacy]}
  - {id: harassment_manager, label: From managers, method: percent_yes, items: [hs1]}
  - {id: harassment_public, label: From the public, method: percent_yes, items: [hp1]}
  - {id: harassment_staff, label: From staff, method: percent_yes, items: [hs1, hs2]}
  - {id: discrimination, label: Discrimination, method: percent_yes, items: [dc1]}
  - {id: real_team, label: Real team, method: percent_yes, items: [tw1]}
  - {id: burnout, label: Burnout, method: mean, items: [wb1]}
demographics:
  - id: ethnicity
    text: What is your ethnic group?
    options:
      - {code: 1, label: "White: English, Welsh, Scottish, Northern Irish or British"}
      - {code: 2, label: "White: Irish"}
      - {code: 3, label: "White: Any other White background"}
      - {code: 4, label: "Mixed: White and Black Caribbean"}
      - {code: 5, label: "Asian or Asian British: Indian"}
      - {code: 6, label: "Black or Black British: African"}
      - {code: 7, label: "Other ethnic group: Any other ethnic group"}
      - {code: 99, label: Prefer not to say}
    bands:
      White: [1, 2, 3]
      Black and minority ethnic: [4, 5, 6, 7]
    not_stated: [99]
  - id: sex
    text: What is your sex?
    options:
      - {code: 1, label: Female}
      - {code: 2, label: Male}
      - {code: 3, label: I describe myself another way}
      - {code: 99, label: Prefer not to say}
    not_stated: [99]
  - id: age_band
    text: How old are you?
    options:
      - {code: 1, label: 16-20}
      - {code: 2, label: 21-30}
      - {code: 3, label: 31-40}
      - {code: 4, label: 41-50}
      - {code: 5, label: 51-65}
      - {code: 6, label: 66 or over}
  - id: staff_group
    text: Which staff group do you work in?
    options:
      - {code: 1, label: Registered nurses and midwives}
      - {code: 2, label: Nursing or healthcare assistants}
      - {code: 3, label: Medical and dental}
      - {code: 4, label: Allied health professionals}
      - {code: 5, label: Admin and clerical}
      - {code: 6, label: Estates and ancillary}
      - {code: 7, label: Other}
  - id: pay_band
    text: What is your pay band?
    options:
      - {code: 1, label: Bands 1-4}
      - {code: 2, label: Bands 5-7}
      - {code: 3, label: Bands 8a-9 or very senior manager}
      - {code: 4, label: Medical or dental}
  - id: disability
    text: Do you have a long-lasting health condition or illness?
    options:
      - {code: 1, label: "Yes"}
      - {code: 2, label: "No"}
      - {code: 99, label: Prefer not to say}
    not_stated: [99]
  - id: shift_pattern
    text: Do you mostly work days, nights or both?
    options:
      - {code: 1, label: Days}
      - {code: 2, label: Nights}
      - {code: 3, label: Both}
free_text:
  - {id: comment_best, text: "What is the best thing about working here?"}
  - {id: comment_change, text: "What one thing would you change?",
     element: support_compassion}
"""

BARE_YAML = """
id: bare
version: "1"
title: An instrument with none of the well-known ids
scales:
  three:
    options:
      - {code: 10, label: Low}
      - {code: 20, label: Middle}
      - {code: 30, label: High}
items:
  - {id: q1, text: First., scale: three}
  - {id: q2, text: Second., scale: three, reverse: true}
measures:
  - {id: overall, label: Overall, method: mean, items: [q1, q2]}
demographics:
  - id: favourite_colour
    text: Favourite colour?
    options:
      - {code: 1, label: Red}
      - {code: 2, label: Blue}
"""


@pytest.fixture(scope="module")
def mini() -> Instrument:
    return parse_instrument(MINI_YAML, source="mini.yaml")


@pytest.fixture(scope="module")
def small(mini: Instrument) -> Synthetic:
    """A trust of 5,000 staff."""
    return synthesise(staff=5_000, seed=11, instrument=mini)


@pytest.fixture(scope="module")
def large(mini: Instrument) -> Synthetic:
    """Big enough (about 30,000 respondents a wave) to recover planted effects precisely."""
    return synthesise(staff=60_000, seed=5, instrument=mini)


def keyed(instrument: Instrument, item_id: str) -> pl.Expr:
    """The item's keyed 0-10 score (null when blank or non-scoring), built independently."""
    item = instrument.item(item_id)
    scores = {o.code: o.score for o in instrument.scales[item.scale].options}
    score = pl.col(item_id).replace_strict(scores, default=None, return_dtype=pl.Float64)
    return (10.0 - score) if item.reverse else score


def mean_score(instrument: Instrument, items: list[str]) -> pl.Expr:
    """Per respondent, the mean keyed score over the answered items of ``items``."""
    return pl.mean_horizontal([keyed(instrument, i) for i in items])


def band(instrument: Instrument) -> pl.Expr:
    """Each respondent's ethnicity reporting band (blank counts as not stated)."""
    mapping = instrument.demographic("ethnicity").category_of_code()
    return (
        pl.col("ethnicity")
        .replace_strict(mapping, default=NOT_STATED, return_dtype=pl.Utf8)
        .fill_null(NOT_STATED)
        .alias("band")
    )


# Organisation -----------------------------------------------------------------------------


@pytest.mark.parametrize(("staff", "units"), [(5_000, None), (4, 4), (10, 5), (20_000, 700)])
def test_it_makes_headcounts_that_sum_to_staff(staff: int, units: int | None) -> None:
    frame = make_units(staff, units, seed=3)
    assert frame["headcount"].sum() == staff
    assert frame.height == (units if units is not None else round(staff / 25))
    assert frame["headcount"].min() >= 0
    leaves = frame.filter(pl.col("level") == 3)
    assert leaves["headcount"].min() >= 1


def test_it_builds_a_four_level_tree_with_one_root_and_no_cycles() -> None:
    frame = make_units(5_000, seed=1)
    assert frame.columns == ["code", "name", "parent", "level", "headcount"]
    assert frame["code"].n_unique() == frame.height
    roots = frame.filter(pl.col("parent").is_null())
    assert roots.height == 1 and roots["level"].item() == 0
    level = dict(zip(frame["code"], frame["level"], strict=True))
    parent = dict(zip(frame["code"], frame["parent"], strict=True))
    for code in frame["code"]:
        seen, current = set(), code
        while parent[current] is not None:  # walks up to the root without repeating
            assert current not in seen
            seen.add(current)
            assert level[parent[current]] == level[current] - 1
            current = parent[current]
    assert sorted(frame["level"].unique().to_list()) == [0, 1, 2, 3]
    children = frame.group_by("parent").len()
    with_children = set(children["parent"].drop_nulls())
    assert set(frame.filter(pl.col("level") < 3)["code"]) <= with_children


def test_it_sizes_teams_with_a_long_right_tail_and_a_few_managers() -> None:
    frame = make_units(50_000, seed=2)
    teams = frame.filter(pl.col("level") == 3)["headcount"]
    assert 8 <= teams.median() <= 22
    assert teams.max() > 5 * teams.median()
    managers = frame.filter(pl.col("level").is_between(0, 2))["headcount"]
    assert managers.max() <= 5


def test_it_names_units_like_an_nhs_trust() -> None:
    frame = make_units(5_000, seed=1)
    divisions = frame.filter(pl.col("level") == 1)
    assert divisions["name"].to_list()[:3] == ["Medicine", "Surgery", "Corporate"]
    assert divisions["code"].str.contains(r"^DIV\d{2}$").all()
    directorates = frame.filter(pl.col("level") == 2)
    assert directorates["code"].str.contains(r"^DIR\d{4}$").all()
    assert "Emergency medicine" in directorates["name"].to_list()
    teams = frame.filter(pl.col("level") == 3)
    assert teams["code"].str.contains(r"^W\d{6}$").all()
    assert teams["name"].str.contains(r"^Ward \d+[AB]$").any()


def test_it_recognises_the_kind_of_every_generated_team_name() -> None:
    for style, templates in names.LEAVES.items():
        count = 7 * len(templates)
        generated, kinds = names.leaf_names([style] * count, np.arange(count), np.full(count, 5))
        assert [names.kind_of_name(n) for n in generated] == kinds


@pytest.mark.parametrize(
    ("staff", "units"), [(3, 4), (100, 101), (5_000, 3), (2.5, None), (True, None)]
)
def test_it_rejects_impossible_sizes(staff: object, units: object) -> None:
    with pytest.raises(ValueError):
        make_units(staff, units)  # type: ignore[arg-type]


# Responses --------------------------------------------------------------------------------


def test_it_is_deterministic_for_a_seed(mini: Instrument, small: Synthetic) -> None:
    again = synthesise(staff=5_000, seed=11, instrument=mini)
    assert again.units.equals(small.units)
    assert again.responses.equals(small.responses)
    assert again.previous.equals(small.previous)
    assert again.truth == small.truth
    other = synthesise(staff=5_000, seed=12, instrument=mini)
    assert not other.units.equals(small.units)
    assert not other.responses.equals(small.responses)


def test_it_writes_byte_identical_files(small: Synthetic, tmp_path: Path) -> None:
    first = write(small, tmp_path / "a")
    second = write(small, tmp_path / "b")
    assert [p.name for p in first] == ["units.csv", "responses.csv", "previous.csv", "truth.json"]
    for a, b in zip(first, second, strict=True):
        assert a.read_bytes() == b.read_bytes()
    assert first[0].read_text().splitlines()[0] == "code,name,parent,level,headcount"
    assert json.loads(first[3].read_text()) == small.truth
    parquet = {p.name: p for p in write(small, tmp_path / "p", parquet=True)}
    assert {"responses.csv", "responses.parquet", "previous.parquet"} <= set(parquet)
    assert pl.read_parquet(parquet["responses.parquet"]).equals(small.responses)
    again = {p.name: p for p in write(small, tmp_path / "q", parquet=True)}
    assert parquet["previous.parquet"].read_bytes() == again["previous.parquet"].read_bytes()


def test_it_gives_one_row_per_respondent_in_a_known_unit(
    mini: Instrument, small: Synthetic
) -> None:
    frame = small.responses
    ids = [i.id for i in mini.items] + [d.id for d in mini.demographics]
    assert frame.columns == ["unit", *ids, "comment_best", "comment_change"]
    assert set(frame["unit"]) <= set(small.units["code"])
    per_unit = frame.group_by("unit").len().join(small.units, left_on="unit", right_on="code")
    assert (per_unit["len"] <= per_unit["headcount"]).all()
    assert 0.4 < frame.height / 5_000 < 0.6
    assert small.truth["respondents"] == {
        "current": frame.height,
        "previous": small.previous.height,
    }


def test_it_answers_only_with_codes_on_each_items_scale(mini: Instrument, small: Synthetic) -> None:
    for frame in (small.responses, small.previous):
        for item in mini.items:
            assert frame.schema[item.id] == pl.Int8
            used = set(frame[item.id].drop_nulls().unique())
            assert used <= set(mini.scales[item.scale].codes), item.id
        for question in mini.demographics:
            assert set(frame[question.id].drop_nulls().unique()) <= set(question.codes)


def test_it_leaves_about_two_percent_blank_and_two_percent_unsure(
    mini: Instrument, large: Synthetic
) -> None:
    frame = large.responses
    for item in mini.items:
        assert 0.015 < frame[item.id].null_count() / frame.height < 0.025, item.id
    for item_id in ("vv1", "sc2", "li3"):  # agree5 has a "don't know" option (code 9)
        assert 0.015 < (frame[item_id] == 9).mean() < 0.025
    assert (frame["mo1"].drop_nulls() != 9).all()


def test_it_answers_demographics_in_realistic_proportions(
    mini: Instrument, large: Synthetic
) -> None:
    frame = large.responses.with_columns(band(mini))
    shares = frame["band"].value_counts(normalize=True)
    share = dict(zip(shares["band"], shares["proportion"], strict=True))
    assert 0.60 < share["White"] < 0.76
    assert 0.22 < share["Black and minority ethnic"] < 0.36
    assert 0.02 < share[NOT_STATED] < 0.07
    female = (frame["sex"].drop_nulls() == 1).mean()
    assert 0.70 < female < 0.84
    disabled = (frame["disability"].drop_nulls() == 1).mean()
    assert 0.14 < disabled < 0.26
    medical = frame.filter(pl.col("staff_group") == 3)
    assert (medical["pay_band"].drop_nulls() == 4).mean() > 0.9
    bme_medical = (medical["band"] == "Black and minority ethnic").mean()
    assert bme_medical > share["Black and minority ethnic"] + 0.1
    colours = frame["shift_pattern"].drop_nulls().value_counts(normalize=True)
    assert colours["proportion"].min() > 0.3  # an unknown question: uniform


def test_it_writes_comments_whose_tone_follows_support(mini: Instrument, large: Synthetic) -> None:
    frame = large.responses
    for question in ("comment_best", "comment_change"):
        assert frame.schema[question] == pl.Utf8
        assert 0.13 < frame[question].is_not_null().mean() < 0.17
    scored = frame.with_columns(mean_score(mini, ["sc1", "sc2", "sc3"]).alias("support"))

    def opens_with(bank: tuple[str, ...]) -> pl.Expr:
        return pl.any_horizontal([pl.col("comment_change").str.starts_with(t) for t in bank])

    positive, negative = scored.filter(opens_with(POSITIVE)), scored.filter(opens_with(NEGATIVE))
    assert positive.height > 300 and negative.height > 300
    assert positive["support"].mean() > negative["support"].mean() + 1.5


# Planted effects --------------------------------------------------------------------------


def test_it_plants_low_support_units(mini: Instrument, large: Synthetic) -> None:
    low = large.truth["low_support"]
    leaves = large.units.filter(pl.col("level") == 3)
    assert len(low["units"]) >= 2
    assert 0.03 < len(low["units"]) / leaves.height < 0.07
    assert set(low["units"]) <= set(leaves["code"])
    assert low["items"] == ["sc1", "sc2", "sc3"]
    for frame in (large.responses, large.previous):
        scored = frame.with_columns(
            mean_score(mini, low["items"]).alias("support"),
            mean_score(mini, ["vv1", "vv2"]).alias("vision"),
            pl.col("unit").is_in(low["units"]).alias("low"),
        )
        means = {
            row["low"]: row
            for row in scored.group_by("low")
            .agg(pl.col("support", "vision").mean())
            .iter_rows(named=True)
        }
        assert means[False]["support"] - means[True]["support"] > 1.2
        assert abs(means[False]["vision"] - means[True]["vision"]) < 0.8


def test_it_plants_a_harassment_gap_by_ethnicity(mini: Instrument, large: Synthetic) -> None:
    planted = large.truth["event_rates"]
    assert planted["demographic"] == "ethnicity"
    measures = planted["measures"]
    assert measures["harassment_public"]["rates"]["White"] == 0.25
    assert measures["harassment_public"]["rates"]["Black and minority ethnic"] == 0.32
    assert measures["harassment_staff"]["rates"]["White"] == 0.18
    assert measures["harassment_staff"]["rates"]["Black and minority ethnic"] == 0.26
    assert measures["harassment_staff"]["items"] == ["hs1", "hs2"]  # planted measures first
    assert "real_team" not in measures  # a favourable yes/no, not an adverse event
    frame = large.responses.with_columns(band(mini))
    for measure_id, truth in measures.items():
        items = truth["items"]
        positive = pl.any_horizontal([keyed(mini, i) > 5 for i in items])
        answered = pl.any_horizontal([keyed(mini, i).is_not_null() for i in items])
        rates = frame.filter(answered).group_by("band").agg(positive.mean().alias("rate"))
        for row in rates.iter_rows(named=True):
            assert abs(row["rate"] - truth["rates"][row["band"]]) < 0.03, (measure_id, row)


def test_it_plants_changes_in_the_previous_wave(mini: Instrument, large: Synthetic) -> None:
    changed = large.truth["previous_wave"]
    directorate = changed["directorate"]["unit"]
    assert changed["directorate"]["items"] == ["li1", "li2", "li3"]
    assert changed["engagement"]["items"] == ["mo1", "mo2", "in1", "ad1"]
    units = large.units
    below = set(units.filter(pl.col("parent") == directorate)["code"]) | {directorate}

    def scores(frame: pl.DataFrame) -> pl.DataFrame:
        return frame.select(
            pl.col("unit").is_in(below).alias("inside"),
            mean_score(mini, changed["directorate"]["items"]).alias("learning"),
            mean_score(mini, changed["engagement"]["items"]).alias("engagement"),
            mean_score(mini, ["vv1", "vv2"]).alias("vision"),
        )

    now, before = scores(large.responses), scores(large.previous)
    gain_inside = (
        now.filter("inside")["learning"].mean() - before.filter("inside")["learning"].mean()
    )
    gain_outside = (
        now.filter(~pl.col("inside"))["learning"].mean()
        - before.filter(~pl.col("inside"))["learning"].mean()
    )
    assert gain_inside - gain_outside > 0.6
    assert 0.15 < now["engagement"].mean() - before["engagement"].mean() < 0.6
    assert abs(now["vision"].mean() - before["vision"].mean()) < 0.1


# Any instrument ---------------------------------------------------------------------------


def test_it_works_for_an_instrument_without_the_well_known_ids() -> None:
    bare = parse_instrument(BARE_YAML, source="bare.yaml")
    result = synthesise(staff=800, seed=2, instrument=bare)
    assert result.responses.columns == ["unit", "q1", "q2", "favourite_colour"]
    assert set(result.responses["q1"].drop_nulls().unique()) <= {10, 20, 30}
    assert result.truth["event_rates"]["demographic"] is None
    assert result.truth["event_rates"]["measures"] == {}
    assert result.truth["previous_wave"]["engagement"]["items"] == []
    json.dumps(result.truth)


@pytest.mark.parametrize("name", shipped_instruments())
def test_it_answers_the_shipped_instruments(name: str) -> None:
    instrument = load_instrument(name)
    result = synthesise(staff=2_000, seed=1, instrument=name)
    for item in instrument.items:
        codes = set(result.responses[item.id].drop_nulls().unique())
        assert codes <= set(instrument.scales[item.scale].codes), item.id
    for question in instrument.demographics:
        assert set(result.responses[question.id].drop_nulls().unique()) <= set(question.codes)


def test_make_responses_matches_synthesise(mini: Instrument, small: Synthetic) -> None:
    previous = make_responses(small.units, mini, seed=11, wave="previous")
    assert previous.equals(small.previous)


@pytest.mark.parametrize(
    "arguments",
    [{"seed": -1}, {"response_rate": 0.0}, {"response_rate": 1.5}, {"wave": "next"}],
)
def test_it_rejects_bad_arguments(mini: Instrument, small: Synthetic, arguments: dict) -> None:
    with pytest.raises(ValueError):
        make_responses(small.units, mini, **{"seed": 0, **arguments})


def test_it_rejects_a_units_frame_with_a_cycle(mini: Instrument) -> None:
    units = pl.DataFrame(
        {
            "code": ["A", "B", "C"],
            "name": ["Trust", "Ward 1", "Ward 2"],
            "parent": [None, "C", "B"],
            "level": [0, 1, 1],
            "headcount": [1, 5, 5],
        }
    )
    with pytest.raises(ValueError, match="cycle"):
        make_responses(units, mini, seed=0)


# National size ----------------------------------------------------------------------------


@pytest.mark.slow
def test_it_synthesises_a_national_survey(request: pytest.FixtureRequest) -> None:
    """About 1.4 million staff in 30,000 units; run with ``pytest -m slow``."""
    if "slow" not in request.config.getoption("markexpr", "") or "not slow" in (
        request.config.getoption("markexpr", "")
    ):
        pytest.skip("national-size run; select it with -m slow")
    start = time.perf_counter()
    result = synthesise(staff=1_400_000, units=30_000, seed=0, instrument="culture")
    seconds = time.perf_counter() - start
    assert result.units["headcount"].sum() == 1_400_000
    assert result.units.height == 30_000
    assert 600_000 < result.responses.height < 800_000
    assert np.isclose(result.previous.height, result.responses.height, rtol=0.05)
    assert seconds < 60, f"took {seconds:.1f} s"
