"""Tests for the synthetic workforce generator (ethos.synth.workforce).

A small trust (3,000 staff, two reporting years) checks the shape of every frame and file; a
larger one (12,000 staff, three years) recovers each planted effect with plain polars
arithmetic, the way an analyst would, against the ``truth`` record.
"""

from __future__ import annotations

import csv
import json
import re
import time
from datetime import date
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from ethos.instruments.loader import parse_instrument
from ethos.instruments.outcomes import load_outcome_catalogue
from ethos.synth import effects as fx
from ethos.synth import make_responses, make_units
from ethos.synth.hierarchy import read_units
from ethos.synth.workforce import (
    TRENDS,
    SyntheticWorkforce,
    file_names,
    support_effects,
    synthesise_workforce,
    write_workforce,
)
from ethos.synth.workforce.roster import frame_types
from ethos.workforce import schema

WHITE, BME = schema.WHITE, schema.BME
SENIOR = ("Band 8a", "Band 8b", "Band 8c", "Band 8d", "Band 9", "VSM")

SUPPORT_YAML = """
id: support_only
version: "1"
title: Support items
scales:
  agree5:
    options:
      - {code: 1, label: Strongly disagree}
      - {code: 2, label: Disagree}
      - {code: 3, label: Neither}
      - {code: 4, label: Agree}
      - {code: 5, label: Strongly agree}
items:
  - {id: sc1, text: My manager listens., scale: agree5, element: support_compassion}
  - {id: sc2, text: My manager helps., scale: agree5, element: support_compassion}
  - {id: sc3, text: I feel cared for., scale: agree5, element: support_compassion}
measures:
  - {id: support, label: Support, method: mean, items: [sc1, sc2, sc3]}
"""


@pytest.fixture(scope="module")
def units() -> pl.DataFrame:
    return make_units(3_000, 120, seed=3)


@pytest.fixture(scope="module")
def small(units: pl.DataFrame) -> SyntheticWorkforce:
    return synthesise_workforce(units, 2026, seed=3, years=2)


@pytest.fixture(scope="module")
def large() -> SyntheticWorkforce:
    return synthesise_workforce(make_units(12_000, 400, seed=5), 2026, seed=5, years=3)


def frames(result: SyntheticWorkforce) -> list[tuple[str, int, pl.DataFrame]]:
    out = [(k, y, result.yearly[k][y]) for k in TRENDS for y in result.years]
    return out + [(k, result.year, result.frame(k)) for k in ("posts", "successors", "outcomes")]


def pooled(result: SyntheticWorkforce, kind: str) -> pl.DataFrame:
    return pl.concat([result.yearly[kind][y].with_columns(year=pl.lit(y)) for y in result.years])


def rate(frame: pl.DataFrame, flag: str, by: str) -> dict[str, float]:
    return dict(frame.group_by(by).agg(pl.col(flag).mean()).iter_rows())


# --- shape ---------------------------------------------------------------------------------


def test_every_frame_has_the_schema_columns_and_types(small: SyntheticWorkforce) -> None:
    assert small.years == (2025, 2026) and small.year == 2026
    for kind, _, frame in frames(small):
        assert frame.columns == [c for c, _ in schema.FRAMES[kind]], kind
        assert dict(frame.schema) == frame_types(kind), kind
        assert frame.height > 0, kind


def test_categories_use_the_canonical_spellings(small: SyntheticWorkforce) -> None:
    allowed = {
        ("staff", "pay_band"): schema.PAY_BANDS,
        ("staff", "ethnicity"): schema.ETHNICITY_BANDS,
        ("staff", "disability"): schema.DISABILITY_BANDS,
        ("staff", "age_band"): schema.AGE_BANDS,
        ("staff", "leaving_reason"): schema.LEAVING_REASONS,
        ("posts", "level"): schema.LEADERSHIP_LEVELS,
        ("posts", "cover"): schema.COVER_TYPES,
        ("successors", "readiness"): schema.READINESS,
        ("recruitment", "ethnicity"): schema.ETHNICITY_BANDS,
        ("recruitment", "disability"): schema.DISABILITY_BANDS,
        ("cases", "case_type"): schema.CASE_TYPES,
        ("cases", "grounds"): schema.CAPABILITY_GROUNDS,
        ("board", "ethnicity"): schema.ETHNICITY_BANDS,
        ("board", "disability"): schema.DISABILITY_BANDS,
        ("outcomes", "indicator"): tuple(
            i.id for i in load_outcome_catalogue().for_sector("acute")
        ),
    }
    for kind, _, frame in frames(small):
        for (of, column), values in allowed.items():
            if of == kind:
                seen = set(frame[column].drop_nulls().unique())
                assert seen <= set(values), (kind, column, seen - set(values))
    assert set(small.outcomes["indicator"].unique()) == set(allowed[("outcomes", "indicator")])


def test_nulls_appear_exactly_where_the_schema_allows(small: SyntheticWorkforce) -> None:
    for kind, _, frame in frames(small):
        for column, text in schema.FRAMES[kind]:
            if "null" not in text and "empty" not in text:
                assert frame[column].null_count() == 0, (kind, column)
    staff = small.frame("staff")
    assert (staff["leaving_date"].is_null() == staff["leaving_reason"].is_null()).all()
    assert 0 < staff["staff_group"].null_count() < 0.02 * staff.height
    posts = small.posts
    assert (posts["holder"].is_null() == posts["cover"].is_null()).all()
    for year in small.years:
        cases = small.yearly["cases"][year]
        capability = cases["case_type"] == "Capability"
        assert (cases["grounds"].is_not_null() == capability).all()


def test_ids_are_unique(small: SyntheticWorkforce) -> None:
    keys = {
        "staff": ["staff_id"],
        "posts": ["post_id"],
        "successors": ["post_id", "staff_id"],
        "recruitment": ["applicant_id"],
        "cases": ["case_id"],
        "board": ["member_id"],
    }
    for kind, _, frame in frames(small):
        if kind in keys:
            assert not frame.select(keys[kind]).is_duplicated().any(), kind


def test_every_reference_points_at_a_known_record(
    units: pl.DataFrame, small: SyntheticWorkforce
) -> None:
    codes = set(units["code"])
    leaves = set(units["code"]) - set(units["parent"].drop_nulls())
    for year in small.years:
        staff = small.yearly["staff"][year]
        ids = set(staff["staff_id"])
        assert set(staff["unit_code"]) <= codes
        assert set(small.yearly["cases"][year]["staff_id"]) <= ids
        assert set(small.yearly["training"][year]["staff_id"]) <= ids
    in_post = set(small.frame("staff").filter(pl.col("leaving_date").is_null())["staff_id"])
    holders = small.posts["holder"].drop_nulls()
    assert set(holders) <= in_post and holders.n_unique() == holders.len()
    assert set(small.posts["unit_code"]) <= codes
    assert set(small.successors["staff_id"]) <= in_post
    assert set(small.successors["post_id"]) <= set(small.posts["post_id"])
    both = small.successors.join(small.posts, on="post_id")
    assert (both["staff_id"] != both["holder"].fill_null("")).all()
    assert set(small.outcomes["unit_code"]) == leaves


def test_appointed_applicants_were_shortlisted(small: SyntheticWorkforce) -> None:
    for year in small.years:
        frame = small.yearly["recruitment"][year]
        assert frame.filter(pl.col("appointed") & ~pl.col("shortlisted")).height == 0
        assert frame["appointed"].sum() > 0


def test_dates_fall_inside_the_reporting_year(small: SyntheticWorkforce) -> None:
    for year in small.years:
        first, last = schema.year_bounds(year)
        staff = small.yearly["staff"][year]
        assert staff["start_date"].max() <= last
        left = staff.filter(pl.col("leaving_date").is_not_null())
        assert left["leaving_date"].min() >= first and left["leaving_date"].max() <= last
        assert (left["leaving_date"] >= left["start_date"]).all()
        for kind, column in (("cases", "start_date"), ("training", "date")):
            events = small.yearly[kind][year].join(staff, on="staff_id")
            assert events[column].min() >= first and events[column].max() <= last
            assert (events[column] >= events["start_date"]).all()
            employed = events["leaving_date"].is_null() | (events[column] <= events["leaving_date"])
            assert employed.all()
    months = sorted(set(small.outcomes["month"]))
    assert months == [date(2025 + (m > 8), (m + 3) % 12 + 1, 1) for m in range(12)]


def test_units_start_the_first_year_at_their_headcount(
    units: pl.DataFrame, small: SyntheticWorkforce
) -> None:
    first = schema.year_bounds(small.years[0])[0]
    staff = small.yearly["staff"][small.years[0]]
    at_start = staff.filter(pl.col("start_date") < first).group_by("unit_code").len()
    expected = units.filter(pl.col("headcount") > 0).select(
        unit_code="code", len=pl.col("headcount").cast(pl.UInt32)
    )
    assert at_start.sort("unit_code").equals(expected.sort("unit_code"))
    in_post = small.frame("staff").filter(pl.col("leaving_date").is_null()).height
    assert 0.95 * units["headcount"].sum() <= in_post <= units["headcount"].sum()


def test_the_same_people_appear_in_consecutive_years(small: SyntheticWorkforce) -> None:
    before, after = (small.yearly["staff"][y] for y in small.years)
    stayed = set(before.filter(pl.col("leaving_date").is_null())["staff_id"])
    assert stayed <= set(after["staff_id"])
    left = set(before.filter(pl.col("leaving_date").is_not_null())["staff_id"])
    assert not left & set(after["staff_id"])


# --- determinism and files ------------------------------------------------------------------


def test_it_is_deterministic_for_a_seed(units: pl.DataFrame, small: SyntheticWorkforce) -> None:
    again = synthesise_workforce(units, 2026, seed=3, years=2)
    for (kind, year, frame), (_, _, other) in zip(frames(small), frames(again), strict=True):
        assert frame.equals(other), (kind, year)
    assert again.truth == small.truth
    other = synthesise_workforce(units, 2026, seed=4, years=2)
    assert not other.frame("staff").equals(small.frame("staff"))


def test_it_writes_byte_identical_files_in_the_import_format(
    units: pl.DataFrame, small: SyntheticWorkforce, tmp_path: Path
) -> None:
    first = write_workforce(small, tmp_path / "a")
    second = write_workforce(synthesise_workforce(units, 2026, seed=3, years=2), tmp_path / "b")
    assert [p.name for p in first] == [p.name for p in second]
    for a, b in zip(first, second, strict=True):
        assert a.read_bytes() == b.read_bytes(), a.name
    names = {p.name for p in first}
    assert {"staff-2025.csv", "staff-2026.csv", "board-2025.csv", "posts.csv"} <= names
    assert {"outcomes.csv", "successors.csv", "truth-workforce.json"} <= names
    assert json.loads((tmp_path / "a" / "truth-workforce.json").read_text()) == small.truth
    with (tmp_path / "a" / "staff-2026.csv").open(newline="") as handle:
        rows = list(csv.reader(handle))
    assert rows[0] == [c for c, _ in schema.FRAMES["staff"]]
    assert {r[3] for r in rows[1:]} == {"yes", "no"}
    assert all(re.fullmatch(r"\d{4}-\d{2}-\d{2}", r[8]) for r in rows[1:])
    assert {r[9] for r in rows[1:]} >= {""} and "" in {r[10] for r in rows[1:]}
    with (tmp_path / "a" / "outcomes.csv").open(newline="") as handle:
        months = {r["month"] for r in csv.DictReader(handle)}
    assert months == {f"2025-{m:02d}" for m in range(4, 13)} | {"2026-01", "2026-02", "2026-03"}


def test_the_importer_accepts_every_file_as_written(
    units: pl.DataFrame, small: SyntheticWorkforce, tmp_path: Path
) -> None:
    """Each CSV parses with the workforce importer, back to the same frame, with no problem."""
    from ethos.workforce import files

    write_workforce(small, tmp_path)
    indicators = {i.id for i in load_outcome_catalogue().indicators}
    for (kind, year), name in file_names(small).items():
        frame, problems = files.parse(kind, name, (tmp_path / name).read_bytes(), 50)
        assert problems == [], (name, problems[:3])
        assert frame.drop(files.ROW).equals(small.frame(kind, year)), name
        others = {"staff": small.frame("staff", year)}
        others |= {"posts": small.posts} if year == small.year else {}
        context = files.Context(year, set(units["code"]), others, indicators)
        assert files.check_references(kind, frame, context) == [], name


def test_one_year_is_written_without_year_suffixes(units: pl.DataFrame, tmp_path: Path) -> None:
    paths = write_workforce(synthesise_workforce(units, 2026, seed=3), tmp_path)
    expected = {f"{k}.csv" for k in schema.KINDS} | {"truth-workforce.json"}
    assert {p.name for p in paths} == expected


# --- planted effects ------------------------------------------------------------------------


def test_it_plants_a_lower_appointment_rate_for_bme_applicants(large: SyntheticWorkforce) -> None:
    shortlisted = pooled(large, "recruitment").filter("shortlisted")
    appointed = rate(shortlisted, "appointed", "ethnicity")
    relative = appointed[WHITE] / appointed[BME]
    planted = large.truth["appointment_from_shortlisting"]
    assert planted["relative_likelihood"] == pytest.approx(2.25)
    assert relative == pytest.approx(planted["relative_likelihood"], rel=0.15)
    by_disability = rate(shortlisted, "appointed", "disability")
    assert by_disability["Non-disabled"] / by_disability["Disabled"] == pytest.approx(1, abs=0.25)


def test_it_plants_more_disciplinary_cases_for_bme_staff(large: SyntheticWorkforce) -> None:
    cases = pooled(large, "cases").filter(pl.col("case_type") == "Disciplinary")
    staff = pooled(large, "staff").join(
        cases.select("staff_id", "year").unique().with_columns(case=pl.lit(True)),
        on=["staff_id", "year"],
        how="left",
    )
    entered = rate(staff.with_columns(pl.col("case").fill_null(False)), "case", "ethnicity")
    assert large.truth["disciplinary_entry"]["relative_likelihood"] == pytest.approx(1.7)
    assert entered[BME] / entered[WHITE] == pytest.approx(1.7, rel=0.3)
    assert 0.006 < cases.height / staff.height < 0.013


def test_the_workforce_looks_like_an_nhs_trust(large: SyntheticWorkforce) -> None:
    staff = large.frame("staff")
    bme = (staff["ethnicity"] == BME).mean()
    senior = (staff.filter(pl.col("pay_band").is_in(SENIOR))["ethnicity"] == BME).mean()
    assert 0.17 < bme < 0.28 and senior < 0.75 * bme
    assert 0.025 < (staff["disability"] == schema.DISABLED).mean() < 0.05
    in_post = staff.filter(pl.col("leaving_date").is_null()).height
    assert 0.09 < staff["leaving_date"].is_not_null().sum() / in_post < 0.14
    reasons = staff["leaving_reason"].drop_nulls().value_counts().sort("count")["leaving_reason"]
    assert reasons[-1] == "Resignation"
    trained = large.frame("training")["staff_id"].n_unique() / staff.height
    assert 0.4 < trained < 0.6
    medical = staff.filter(pl.col("pay_band").is_in(schema.MEDICAL_BANDS))
    assert (medical["staff_group"].drop_nulls() == "Medical and dental").all()
    for year in large.years:
        board = large.yearly["board"][year]
        assert 12 <= board.height <= 16
        assert board["voting"].sum() > board.height / 2 and board["executive"].any()
    vacant = large.posts["holder"].is_null().mean()
    assert 0.03 < vacant < 0.12
    assert {"Acting", "Interim"} <= set(large.posts["cover"].drop_nulls())
    assert set(large.posts["level"]) == set(schema.LEADERSHIP_LEVELS)


def test_it_plants_a_retirement_cliff_in_one_directorate(
    large: SyntheticWorkforce,
) -> None:
    cliff = large.truth["retirement_cliff"]
    units = make_units(12_000, 400, seed=5)
    assert units.filter(pl.col("code") == cliff["unit"])["parent"].item() == "R0A"
    tree = read_units(units)
    top = tree.ancestor_at(1)
    under = {tree.codes[i] for i in np.flatnonzero(top == tree.codes.index(cliff["unit"]))}
    leaders = large.posts.drop_nulls("holder").join(
        large.frame("staff"), left_on="holder", right_on="staff_id", suffix="_staff"
    )
    near = pl.col("age_band").is_in(cliff["age_bands"])
    inside = leaders.filter(pl.col("unit_code").is_in(under))
    outside = leaders.filter(~pl.col("unit_code").is_in(under))
    assert inside.height == cliff["leaders"]
    assert inside.select(near.mean()).item() > 0.7
    assert outside.select(near.mean()).item() < 0.35


def test_fft_recommend_rises_with_support_and_compassion(large: SyntheticWorkforce) -> None:
    planted = large.truth["outcomes"]["planted"]
    assert planted["indicator"] == "fft_recommend"
    assert planted["effect_source"] == "survey generator"
    means = large.outcomes.group_by("unit_code", "indicator").agg(pl.col("value").mean())
    effect = pl.DataFrame(
        {"unit_code": list(planted["effects"]), "effect": list(planted["effects"].values())}
    )
    table = means.join(effect, on="unit_code")
    fft = table.filter(pl.col("indicator") == "fft_recommend")
    slope = np.polyfit(fft["effect"].to_numpy(), fft["value"].to_numpy(), 1)[0]
    assert slope == pytest.approx(planted["slope"], rel=0.25)
    for indicator in ("sickness_absence", "falls_per_1000_bed_days", "complaints"):
        noise = table.filter(pl.col("indicator") == indicator)
        assert abs(np.corrcoef(noise["effect"], noise["value"])[0, 1]) < 0.2, indicator
    percent = large.outcomes.filter(pl.col("indicator") == "fft_recommend")["value"]
    assert percent.min() >= 0 and percent.max() <= 100 and 80 < percent.mean() < 95


def test_support_effects_are_the_survey_generators(units: pl.DataFrame) -> None:
    effects = support_effects(units, seed=3)
    assert list(effects) == list(units["code"])
    low = fx.plan(read_units(units), 3).low_support
    codes = list(units["code"])
    low_mean = np.mean([effects[codes[i]] for i in low])
    assert low_mean < np.mean(list(effects.values())) - 0.5
    instrument = parse_instrument(SUPPORT_YAML)
    answers = make_responses(units, instrument, seed=3, response_rate=1.0)
    scored = answers.group_by("unit").agg(
        score=pl.mean_horizontal("sc1", "sc2", "sc3").mean(), n=pl.len()
    )
    scored = scored.filter(pl.col("n") >= 15)
    x = np.array([effects[c] for c in scored["unit"]])
    assert np.corrcoef(x, scored["score"].to_numpy())[0, 1] > 0.6
    with pytest.raises(ValueError, match="wave"):
        support_effects(units, seed=3, wave="later")


def test_given_support_effects_drive_the_fft(units: pl.DataFrame) -> None:
    leaves = sorted(set(units["code"]) - set(units["parent"].drop_nulls()))
    half = set(leaves[: len(leaves) // 2])
    support = {code: 1.0 for code in half}  # the rest are missing, so 0
    result = synthesise_workforce(units, 2026, seed=3, support=support)
    planted = result.truth["outcomes"]["planted"]
    assert planted["effect_source"] == "given"
    assert sum(planted["effects"].values()) == pytest.approx(0, abs=1e-3)
    fft = result.outcomes.filter(pl.col("indicator") == "fft_recommend")
    high = fft.filter(pl.col("unit_code").is_in(half))["value"].mean()
    rest = fft.filter(~pl.col("unit_code").is_in(half))["value"].mean()
    assert high - rest == pytest.approx(planted["slope"], abs=1.0)


def test_it_uses_an_organisations_own_catalogue(units: pl.DataFrame, tmp_path: Path) -> None:
    path = tmp_path / "own.yaml"
    path.write_text(
        """
id: own
version: "2"
title: Our indicators
groups: [{id: flow, name: Flow}]
indicators:
  - {id: handover_minutes, name: Ambulance handover, group: flow, unit: minutes,
     direction: lower_better, sectors: [acute]}
  - {id: crisis_calls, name: Crisis calls, group: flow, unit: count, direction: neutral,
     sectors: [mental_health]}
""",
        encoding="utf-8",
    )
    result = synthesise_workforce(units, 2026, seed=3, catalogue=path)
    assert set(result.outcomes["indicator"]) == {"handover_minutes"}
    assert result.outcomes["value"].min() >= 0
    assert result.truth["outcomes"]["planted"]["indicator"] is None
    assert result.truth["catalogue"] == {"id": "own", "version": "2"}


# --- arguments and speed --------------------------------------------------------------------


@pytest.mark.parametrize(
    "arguments",
    [
        {"year": "2026"},
        {"year": 1066},
        {"seed": -1},
        {"seed": True},
        {"years": 0},
        {"years": 11},
        {"sector": "hospital"},
    ],
)
def test_it_rejects_bad_arguments(units: pl.DataFrame, arguments: dict) -> None:
    with pytest.raises(ValueError):
        synthesise_workforce(units, **{"year": 2026, **arguments})


def test_frame_finds_each_kind_by_year(small: SyntheticWorkforce) -> None:
    assert small.frame("staff", 2025) is small.yearly["staff"][2025]
    assert small.frame("posts") is small.posts
    with pytest.raises(KeyError):
        small.frame("payroll")
    with pytest.raises(KeyError):
        small.frame("posts", 2025)


def test_it_builds_six_thousand_staff_in_well_under_two_seconds() -> None:
    units = make_units(6_000, 240, seed=1)
    start = time.perf_counter()
    result = synthesise_workforce(units, 2026, seed=1)
    assert time.perf_counter() - start < 2.0
    assert result.frame("staff").filter(pl.col("leaving_date").is_null()).height > 5_700
