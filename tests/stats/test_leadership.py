"""Tests for ethos.stats.leadership: the leadership workforce analysis (M9).

The story: a small trust (ALL) with two directorates. Medicine (MED) has two wards, Ward 1
(W1) and Ward 2 (W2); Surgery (SUR) has Theatres (TH). Ward 1 also holds six band 5 nurses
whose comings and goings give a turnover example worked by hand. Reporting year 2026 runs
from 1 April 2025 to 31 March 2026.
"""

from __future__ import annotations

import dataclasses
from datetime import date

import numpy as np
import polars as pl
import pytest
from statsmodels.stats.proportion import proportion_confint

from ethos.stats.leadership import (
    ALL_LEVELS,
    ALL_STAFF,
    BME_SHARE,
    LEADERS,
    RETIREMENT_COLUMN,
    Assumptions,
    CountTable,
    leader_diversity,
    observed_assumptions,
    post_summary,
    project,
    rate_table,
    retirement_risk,
    succession,
    turnover,
)
from ethos.stats.likelihood import relative_likelihood
from ethos.workforce.schema import BME, UNKNOWN, WHITE

YEAR = 2026
OLD = date(2015, 1, 1)

UNITS = pl.DataFrame(
    {
        "code": ["ALL", "MED", "SUR", "W1", "W2", "TH"],
        "name": ["The Trust", "Medicine", "Surgery", "Ward 1", "Ward 2", "Theatres"],
        "parent": [None, "ALL", "ALL", "MED", "MED", "SUR"],
    }
)


def person(
    staff_id: str,
    unit: str,
    band: str = "Band 5",
    ethnicity: str = WHITE,
    age: str = "36-40",
    start: date = OLD,
    leaving: date | None = None,
    reason: str | None = None,
) -> dict[str, object]:
    return {
        "staff_id": staff_id,
        "unit_code": unit,
        "pay_band": band,
        "clinical": True,
        "staff_group": "",
        "ethnicity": ethnicity,
        "disability": "Non-disabled",
        "age_band": age,
        "start_date": start,
        "leaving_date": leaving,
        "leaving_reason": reason if leaving is None or reason else "Resignation",
    }


def staff_frame(people: list[dict[str, object]]) -> pl.DataFrame:
    schema = {
        "staff_id": pl.String,
        "unit_code": pl.String,
        "pay_band": pl.String,
        "clinical": pl.Boolean,
        "staff_group": pl.String,
        "ethnicity": pl.String,
        "disability": pl.String,
        "age_band": pl.String,
        "start_date": pl.Date,
        "leaving_date": pl.Date,
        "leaving_reason": pl.String,
    }
    return pl.DataFrame(people, schema=schema)


CAST = [
    person("ana", "MED", "Band 8d", BME, "56-60"),
    person("ben", "W1", "Band 7", WHITE, "41-45"),
    person("cat", "W2", "Band 7", BME, "61-65"),
    person("dan", "SUR", "Band 8c", WHITE, "46-50"),
    person("eve", "TH", "Band 7", WHITE, "31-35"),
    person("fay", "ALL", "VSM", WHITE, "51-55"),
    person(
        "gus", "MED", "Band 8a", WHITE, "61-65", leaving=date(2025, 10, 31), reason="Retirement"
    ),
    person("hal", "SUR", "Band 8b", BME, "41-45", leaving=date(2025, 12, 31)),
    # Ward 1's band 5 nurses: the hand-worked turnover example.
    person("s1", "W1", ethnicity=WHITE),  # in post all year
    person("s2", "W1", ethnicity=BME, leaving=date(2025, 6, 30)),  # left
    person("s3", "W1", ethnicity=BME, start=date(2025, 9, 1)),  # joined
    person("s4", "W1", ethnicity=WHITE, start=date(2025, 5, 1), leaving=date(2026, 1, 31)),
    person("s5", "W1", ethnicity=UNKNOWN, leaving=date(2026, 3, 31)),  # left on the last day
    person("s6", "W1", ethnicity=WHITE, leaving=date(2026, 4, 30)),  # leaves next year
]
STAFF = staff_frame(CAST)

POSTS = pl.DataFrame(
    {
        "post_id": ["P-EXEC", "P-MED", "P-SUR", "P-W1", "P-W2", "P-TH", "P-MEDDEP"],
        "unit_code": ["ALL", "MED", "SUR", "W1", "W2", "TH", "MED"],
        "level": ["Executive", "Directorate", "Directorate", "Team", "Team", "Team", "Department"],
        "holder": ["fay", "ana", "dan", "ben", "cat", None, None],
        "cover": ["Substantive", "Substantive", "Interim", "Acting", "Substantive", None, None],
    }
)

SUCCESSORS = pl.DataFrame(
    {
        "post_id": ["P-MED", "P-MED", "P-W1", "P-SUR", "P-W2", "P-TH"],
        "staff_id": ["eve", "eve", "s1", "ben", "s6", "s3"],
        "readiness": [
            "Ready now",
            "Ready now",  # named twice: still one successor
            "Ready in 1-2 years",
            "Ready now",
            "Ready in 1-2 years",
            "Ready in 3+ years",
        ],
    }
)


# -- posts, vacancies and cover -----------------------------------------------------------


def test_it_counts_posts_vacancies_and_cover_over_each_subtree() -> None:
    res = post_summary(POSTS, UNITS)
    assert res.posts.columns == ("Team", "Department", "Directorate", "Executive")
    assert res.posts.row("ALL").tolist() == [3, 1, 2, 1]
    assert res.posts.row("MED").tolist() == [2, 1, 1, 0]
    assert res.vacant.row("ALL").tolist() == [1, 1, 0, 0]
    assert res.vacant.row("SUR").tolist() == [1, 0, 0, 0]
    assert res.acting.row("MED").tolist() == [1, 0, 0, 0]
    assert res.interim.row("ALL").tolist() == [0, 0, 1, 0]
    assert res.names[res.posts.rows.index("W1")] == "Ward 1"


def test_it_gives_vacancy_and_cover_rates_with_wilson_intervals() -> None:
    res = post_summary(POSTS, UNITS)
    rate, low, high = res.vacancy_rate.cell("ALL", ALL_LEVELS)
    assert rate == pytest.approx(2 / 7)
    assert (low, high) == pytest.approx(proportion_confint(2, 7, method="wilson"))
    assert res.acting_rate.cell("ALL", ALL_LEVELS)[0] == pytest.approx(1 / 5)  # of filled posts
    assert res.interim_rate.cell("SUR", "Directorate")[0] == 1.0
    assert np.isnan(res.acting_rate.cell("TH", "Team")[0])  # no filled post: undefined


# -- turnover and stability ---------------------------------------------------------------


def test_it_reproduces_the_hand_worked_turnover_example() -> None:
    # Ward 1: in post on 1 April ben, s1, s2, s5, s6 (5); on 31 March ben, s1, s3, s6 (4).
    # Leavers s2, s4 (a joiner who left) and s5 (left on 31 March): 3. Stayers ben, s1, s6.
    res = turnover(STAFF, UNITS, YEAR)
    g = res.groups
    col = g.start.columns.index(ALL_STAFF)
    assert g.start.row("W1")[col] == 5 and g.end.row("W1")[col] == 4
    assert g.leavers.row("W1")[col] == 3 and g.stayers.row("W1")[col] == 3
    assert g.turnover.cell("W1", ALL_STAFF)[0] == pytest.approx(3 / 4.5)
    assert g.stability.cell("W1", ALL_STAFF)[0] == pytest.approx(3 / 5)
    low, high = g.stability.cell("W1", ALL_STAFF)[1:]
    assert (low, high) == pytest.approx(proportion_confint(3, 5, method="wilson"))


def test_it_counts_leaders_by_pay_band_for_turnover() -> None:
    # Leaders (band 8a and above, VSM): ana, dan, fay stay; gus retires, hal resigns.
    g = turnover(STAFF, UNITS, YEAR).groups
    assert g.start.row("ALL").tolist() == [14 - 2, 5]  # s3, s4 not yet started on 1 April
    assert g.leavers.row("ALL")[1] == 2
    assert g.turnover.cell("ALL", LEADERS)[0] == pytest.approx(2 / 4)
    assert g.stability.cell("ALL", LEADERS)[0] == pytest.approx(3 / 5)
    assert g.leavers.row("SUR").tolist() == [1, 1]


def test_it_breaks_turnover_down_by_pay_band() -> None:
    bands = turnover(STAFF, UNITS, YEAR).bands
    band5 = bands.leavers.columns.index("Band 5")
    assert bands.leavers.row("W1")[band5] == 3
    assert bands.stability.cell("ALL", "Band 5")[0] == pytest.approx(2 / 4)
    assert bands.leavers.counts.sum(axis=1)[0] == 5  # every leaver in the trust, once


def independent_turnover(staff: pl.DataFrame, units: list[str]) -> tuple[float, float]:
    """Turnover and stability for a set of units, straight from the definitions."""
    first, last = date(YEAR - 1, 4, 1), date(YEAR, 3, 31)
    rows = staff.filter(pl.col("unit_code").is_in(units)).to_dicts()
    leave = [r["leaving_date"] for r in rows]
    start = [
        r["start_date"] <= first and (d is None or d >= first)
        for r, d in zip(rows, leave, strict=True)
    ]
    end = [
        r["start_date"] <= last and (d is None or d > last)
        for r, d in zip(rows, leave, strict=True)
    ]
    leavers = [d is not None and first <= d <= last for d in leave]
    stayers = sum(s and not lv for s, lv in zip(start, leavers, strict=True))
    return sum(leavers) / ((sum(start) + sum(end)) / 2), stayers / sum(start)


def test_it_agrees_with_a_direct_count_on_random_staff() -> None:
    rng = np.random.default_rng(7)
    n = 400
    start = [
        date(2018, 1, 1).fromordinal(date(2018, 1, 1).toordinal() + int(d))
        for d in rng.integers(0, 3000, n)
    ]
    leaving = [
        None if rng.random() < 0.6 else date.fromordinal(s.toordinal() + int(rng.integers(1, 900)))
        for s in start
    ]
    units = rng.choice(["W1", "W2", "TH", "MED"], n)
    frame = staff_frame(
        [
            person(f"r{i}", str(u), start=s, leaving=lv)
            for i, (u, s, lv) in enumerate(zip(units, start, leaving, strict=True))
        ]
    ).filter(pl.col("start_date") <= date(YEAR, 3, 31))
    g = turnover(frame, UNITS, YEAR).groups
    for code, members in {"MED": ["MED", "W1", "W2"], "SUR": ["TH"], "W2": ["W2"]}.items():
        expected = independent_turnover(frame, members)
        assert g.turnover.cell(code, ALL_STAFF)[0] == pytest.approx(expected[0])
        assert g.stability.cell(code, ALL_STAFF)[0] == pytest.approx(expected[1])


# -- retirement risk ----------------------------------------------------------------------


def test_it_profiles_leaders_by_age_for_the_organisation_and_directorates() -> None:
    res = retirement_risk(STAFF, POSTS, UNITS, YEAR)
    assert res.by_age.rows == ("ALL", "MED", "SUR") and res.names[1] == "Medicine"
    assert res.by_age.row("MED").sum() == 3  # ana, ben, cat hold posts in Medicine
    assert res.share.cell("ALL", RETIREMENT_COLUMN)[0] == pytest.approx(2 / 5)
    assert res.share.cell("MED", RETIREMENT_COLUMN)[0] == pytest.approx(2 / 3)
    # Medicine's share is 1.67 times the trust's, but three leaders prove nothing.
    assert res.ratio[1] == pytest.approx((2 / 3) / (2 / 5))
    assert res.flagged == () and not res.cliff.any()


def planted_organisation(
    shares: dict[str, float], leaders: int = 40, seed: int = 3
) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    """Directorates D1.. with two wards each; ``shares`` of their leaders are aged 56+."""
    rng = np.random.default_rng(seed)
    codes: list[str] = ["ALL"]
    parents: list[str | None] = [None]
    people: list[dict[str, object]] = []
    posts: list[tuple[str, ...]] = []
    for d, share in shares.items():
        codes += [d, f"{d}-a", f"{d}-b"]
        parents += ["ALL", d, d]
        old = rng.random(leaders) < share
        for i in range(leaders):
            age = (
                str(rng.choice(["56-60", "61-65"]))
                if old[i]
                else str(rng.choice(["31-35", "46-50"]))
            )
            ward = f"{d}-{'ab'[i % 2]}"
            people.append(person(f"{d}-L{i}", ward, "Band 7", age=age))
            posts.append((f"{d}-P{i}", ward, "Team", f"{d}-L{i}", "Substantive"))
        people += [person(f"{d}-S{i}", f"{d}-a", age="56-60") for i in range(30)]
    units = pl.DataFrame({"code": codes, "name": codes, "parent": parents})
    post_frame = pl.DataFrame(
        posts, schema=["post_id", "unit_code", "level", "holder", "cover"], orient="row"
    )
    return staff_frame(people), post_frame, units


def test_it_flags_a_planted_retirement_cliff_and_no_other_directorate() -> None:
    staff, posts, units = planted_organisation(
        {"D1": 0.2, "D2": 0.2, "D3": 0.75, "D4": 0.2, "D5": 0.2}
    )
    res = retirement_risk(staff, posts, units, YEAR)
    assert res.flagged == ("D3",)
    assert res.share.low[3, 0] > res.share.rate[0, 0]
    assert "1.5 times" in res.rule
    # Older non-leaders (the S staff, all 56-60) do not count: only post holders do.
    assert res.by_age.row("D1").sum() == 40


def test_it_does_not_flag_an_even_organisation() -> None:
    staff, posts, units = planted_organisation({f"D{i}": 0.3 for i in range(1, 6)}, seed=5)
    assert retirement_risk(staff, posts, units, YEAR).flagged == ()


# -- diversity ----------------------------------------------------------------------------


def test_it_compares_bme_leaders_with_the_workforce_they_lead() -> None:
    res = leader_diversity(STAFF, POSTS, UNITS, YEAR)
    # The trust on 31 March: BME ana, cat, s3; White ben, dan, eve, fay, s1, s6 (s5 left).
    assert res.workforce.row("ALL").tolist() == [6, 3, 0]
    assert res.leaders.row("ALL").tolist() == [3, 2, 0]  # leaders ana, cat (BME), ben, dan, fay
    assert res.leader_share.cell("ALL", BME_SHARE)[0] == pytest.approx(2 / 5)
    assert res.workforce_share.cell("ALL", BME_SHARE)[0] == pytest.approx(3 / 9)
    expected = relative_likelihood(2, 3, 3, 6)
    assert res.likelihood[0] == expected and expected.rl == pytest.approx(4 / 3)
    assert res.likelihood[1] == relative_likelihood(2, 3, 1, 3)  # Medicine
    assert res.likelihood[2] is None  # Surgery has no BME staff on 31 March


def test_it_leaves_not_stated_out_of_the_bme_share() -> None:
    extra = [person(f"n{i}", "W1", ethnicity=UNKNOWN) for i in range(5)]
    res = leader_diversity(staff_frame([*CAST, *extra]), POSTS, UNITS, YEAR)
    assert res.workforce.row("ALL")[2] == 5
    assert res.workforce_share.cell("ALL", BME_SHARE)[0] == pytest.approx(3 / 9)


def test_it_finds_planted_under_representation_of_bme_leaders() -> None:
    rng = np.random.default_rng(11)
    people, posts = [], []
    for i in range(600):
        bme = i < 240  # 40% of the workforce
        lead = rng.random() < (0.05 if bme else 0.15)
        people.append(person(f"x{i}", "W1", ethnicity=BME if bme else WHITE))
        if lead:
            posts.append((f"PX{i}", "W1", "Team", f"x{i}", "Substantive"))
    frame = pl.DataFrame(posts, schema=list(POSTS.columns), orient="row")
    rl = leader_diversity(staff_frame(people), frame, UNITS, YEAR).likelihood[0]
    assert rl is not None and rl.ci_high < 1.0 and rl.ci_low < 1 / 3 < rl.ci_high


# -- succession ---------------------------------------------------------------------------


def test_it_counts_distinct_ready_now_successors_per_post() -> None:
    res = succession(STAFF, POSTS, SUCCESSORS, UNITS, YEAR)
    ready = dict(zip(res.post_ids, res.ready_now.tolist(), strict=True))
    assert ready == {
        "P-EXEC": 0,
        "P-MED": 1,
        "P-SUR": 1,
        "P-W1": 0,
        "P-W2": 0,
        "P-TH": 0,
        "P-MEDDEP": 0,
    }


def test_it_finds_posts_at_risk_and_says_why() -> None:
    res = succession(STAFF, POSTS, SUCCESSORS, UNITS, YEAR)
    reasons = {
        p: r for p, r, risk in zip(res.post_ids, res.reasons, res.at_risk, strict=True) if risk
    }
    # ana (56-60) has a ready-now successor and dan's interim post has ben: neither at risk.
    assert reasons == {
        "P-W1": "held on acting cover; no ready-now successor",
        "P-W2": "holder aged 56 or over; no ready-now successor",
    }
    assert res.at_risk_counts.row("MED").tolist() == [2, 0, 0, 0]


def test_it_reports_succession_coverage_by_level() -> None:
    res = succession(STAFF, POSTS, SUCCESSORS, UNITS, YEAR)
    assert res.coverage.cell("ALL", ALL_LEVELS)[0] == pytest.approx(2 / 7)
    assert res.coverage.cell("ALL", "Directorate")[0] == 1.0
    assert res.coverage.cell("ALL", "Team")[0] == 0.0


# -- the projection -----------------------------------------------------------------------


def test_it_projects_a_small_example_worked_by_hand() -> None:
    a = Assumptions(leaver_rate=0.10, retirement_rate=0.05, post_growth=0.02, pipeline=10)
    res = project(100, 90, a, years=2)
    # q = 0.85. Year 1: need 102, remaining 76.5, pipeline 10, supply 86.5, gap 15.5.
    # Year 2: need 104.04, remaining 65.025, pipeline 10 + 8.5, supply 83.525, gap 20.515.
    assert res.year.tolist() == [0, 1, 2]
    assert res.need == pytest.approx([100, 102, 104.04])
    assert res.remaining == pytest.approx([90, 76.5, 65.025])
    assert res.pipeline == pytest.approx([0, 10, 18.5])
    assert res.supply == pytest.approx([90, 86.5, 83.525])
    assert res.gap == pytest.approx([10, 15.5, 20.515])


def test_it_follows_the_stock_and_flow_recurrence_for_five_years() -> None:
    a = Assumptions(leaver_rate=0.08, retirement_rate=0.04, post_growth=-0.01, pipeline=7.5)
    res = project(250, 230, a)
    assert len(res.year) == 6
    for t in range(1, 6):
        assert res.supply[t] == pytest.approx(0.88 * res.supply[t - 1] + 7.5)
    assert res.assumptions is a


def test_it_derives_default_assumptions_from_the_data() -> None:
    a = observed_assumptions(STAFF, POSTS, SUCCESSORS, UNITS, YEAR)
    # Leaders in post: 5 on 1 April, 3 on 31 March, average 4. gus retired, hal resigned.
    assert a.retirement_rate == pytest.approx(1 / 4)
    assert a.leaver_rate == pytest.approx(1 / 4)
    assert a.post_growth == 0.0
    # Named successors eve, s1, s6, s3 hold no post (ben does): 4 over five years.
    assert a.pipeline == pytest.approx(4 / 5)


def test_assumptions_are_frozen_and_editable_by_replacement() -> None:
    a = Assumptions(0.1, 0.05, 0.0, 3.0)
    with pytest.raises(dataclasses.FrozenInstanceError):
        a.pipeline = 4.0
    assert dataclasses.replace(a, pipeline=4.0).pipeline == 4.0


# -- every ValueError ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ((-0.1, 0.0, 0.0, 0.0), "leaver_rate"),
        ((0.1, 1.5, 0.0, 0.0), "retirement_rate"),
        ((0.6, 0.5, 0.0, 0.0), "together"),
        ((0.1, 0.1, -1.0, 0.0), "post_growth"),
        ((0.1, 0.1, float("inf"), 0.0), "post_growth"),
        ((0.1, 0.1, 0.0, -1.0), "pipeline"),
        ((float("nan"), 0.1, 0.0, 1.0), "leaver_rate"),
    ],
)
def test_assumptions_reject_bad_values(fields: tuple[float, ...], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        Assumptions(*fields)


GOOD = Assumptions(0.1, 0.05, 0.0, 1.0)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ((-1, 10, GOOD, 5), "posts_now"),
        ((10, float("nan"), GOOD, 5), "leaders_now"),
        ((10, 10, GOOD, 0), "years"),
        ((10, 10, GOOD, True), "years"),
        ((10, 10, (0.1, 0.05, 0.0, 1.0), 5), "Assumptions"),
    ],
)
def test_project_rejects_bad_inputs(args: tuple[object, ...], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        project(*args)


def test_observed_assumptions_reject_a_bad_horizon_and_no_leaders() -> None:
    with pytest.raises(ValueError, match="horizon"):
        observed_assumptions(STAFF, POSTS, SUCCESSORS, UNITS, YEAR, horizon=0)
    with pytest.raises(ValueError, match="no leaders"):
        observed_assumptions(STAFF, POSTS, SUCCESSORS, UNITS, YEAR, leader_bands={"Band 1"})


def test_retirement_risk_rejects_a_ratio_below_one() -> None:
    for bad in (0.9, float("nan")):
        with pytest.raises(ValueError, match="ratio"):
            retirement_risk(STAFF, POSTS, UNITS, YEAR, ratio=bad)


def broken(frame: pl.DataFrame, column: str, row: int, value: object) -> pl.DataFrame:
    values = frame.get_column(column).to_list()
    values[row] = value
    return frame.with_columns(pl.Series(column, values, dtype=frame.schema[column]))


@pytest.mark.parametrize(
    ("staff", "message"),
    [
        ("not a frame", "polars DataFrame"),
        (STAFF.drop("age_band"), "lacks the column"),
        (broken(STAFF, "unit_code", 0, "NOWHERE"), "'NOWHERE' in column 'unit_code'"),
        (broken(STAFF, "pay_band", 0, "Band 10"), "'Band 10' in column 'pay_band'"),
        (broken(STAFF, "ethnicity", 0, None), "a blank in column 'ethnicity'"),
        (broken(STAFF, "leaving_reason", 7, "Bored"), "'Bored' in column 'leaving_reason'"),
        (broken(STAFF, "staff_id", 1, "ana"), "staff_id must be present and unique"),
        (STAFF.with_columns(pl.col("start_date").cast(pl.String)), "must hold dates"),
    ],
)
def test_bad_staff_frames_are_rejected(staff: object, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        turnover(staff, UNITS, YEAR)


@pytest.mark.parametrize(
    ("posts", "message"),
    [
        (broken(POSTS, "post_id", 1, "P-EXEC"), "post_id must be present and unique"),
        (broken(POSTS, "level", 0, "Board"), "'Board' in column 'level'"),
        (broken(POSTS, "cover", 0, None), "both a holder and a cover type"),
        (broken(POSTS, "cover", 5, "Acting"), "both a holder and a cover type"),
        (broken(POSTS, "holder", 0, "zed"), "'zed', who is not in the staff frame"),
    ],
)
def test_bad_posts_frames_are_rejected(posts: pl.DataFrame, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        leader_diversity(STAFF, posts, UNITS, YEAR)


@pytest.mark.parametrize(
    ("successors", "message"),
    [
        (broken(SUCCESSORS, "post_id", 0, "P-NONE"), "'P-NONE' in column 'post_id'"),
        (broken(SUCCESSORS, "readiness", 0, "Soon"), "'Soon' in column 'readiness'"),
        (SUCCESSORS.drop("readiness"), "lacks the column"),
    ],
)
def test_bad_successor_frames_are_rejected(successors: pl.DataFrame, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        succession(STAFF, POSTS, successors, UNITS, YEAR)
    with pytest.raises(ValueError, match=message):
        observed_assumptions(STAFF, POSTS, successors, UNITS, YEAR)


@pytest.mark.parametrize(
    ("units", "message"),
    [
        (UNITS.head(0), "units frame is empty"),
        (UNITS.drop("parent"), "lacks the column"),
        (broken(UNITS, "parent", 1, None), "exactly one unit must have no parent"),
    ],
)
def test_bad_unit_frames_are_rejected(units: pl.DataFrame, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        post_summary(POSTS, units)


@pytest.mark.parametrize(
    ("year", "message"), [("2026", "integer"), (True, "integer"), (1990, "between 2000")]
)
def test_a_bad_year_is_rejected(year: object, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        succession(STAFF, POSTS, SUCCESSORS, UNITS, year)


@pytest.mark.parametrize(
    ("bands", "message"),
    [
        ("Band 8a", "not a single string"),
        ({"Band 99"}, "unknown pay band"),
        (set(), "at least one"),
    ],
)
def test_bad_leader_bands_are_rejected(bands: object, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        turnover(STAFF, UNITS, YEAR, leader_bands=bands)


@pytest.mark.parametrize("level", [0.0, 1.0, 1.5])
def test_a_bad_level_is_rejected_everywhere(level: float) -> None:
    for call in (
        lambda: post_summary(POSTS, UNITS, level=level),
        lambda: turnover(STAFF, UNITS, YEAR, level=level),
        lambda: retirement_risk(STAFF, POSTS, UNITS, YEAR, level=level),
        lambda: leader_diversity(STAFF, POSTS, UNITS, YEAR, level=level),
        lambda: succession(STAFF, POSTS, SUCCESSORS, UNITS, YEAR, level=level),
    ):
        with pytest.raises(ValueError, match="level"):
            call()


def test_count_tables_check_their_shape_and_labels() -> None:
    with pytest.raises(ValueError, match="shape"):
        CountTable(("a",), ("x", "y"), np.zeros((2, 2)))
    with pytest.raises(ValueError, match="non-negative"):
        CountTable(("a",), ("x",), np.array([[-1]]))
    table = CountTable(("a",), ("x",), np.array([[3]]))
    with pytest.raises(ValueError, match="no row"):
        table.row("b")
    assert not table.counts.flags.writeable
    with pytest.raises(ValueError, match="no cell"):
        rate_table(("a",), ("x",), [[1]], [[2]]).cell("a", "y")


def test_results_are_read_only() -> None:
    res = post_summary(POSTS, UNITS)
    with pytest.raises(ValueError, match="read-only"):
        res.posts.counts[0, 0] = 99
    with pytest.raises(ValueError, match="read-only"):
        res.vacancy_rate.rate[0, 0] = 0.5
    with pytest.raises(dataclasses.FrozenInstanceError):
        res.names = ()
