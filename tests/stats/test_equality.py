"""WRES and WDES indicators from the workforce frames, published through disclosure control.

The story: Riverside NHS Trust has a ward-heavy clinical workforce, a small senior
management team with three BME staff in Band 8a, a handful of very senior managers and a
board of twelve. Its numbers reproduce the NHS worked examples where they can.
"""

from __future__ import annotations

import dataclasses
from datetime import date

import numpy as np
import polars as pl
import pytest
from statsmodels.stats.contingency_tables import Table2x2

from ethos.stats.disclosure import (
    PublishedRateRatio,
    PublishedShare,
    Suppressed,
    publish_rate_ratio,
)
from ethos.stats.equality import (
    CLUSTERS,
    BoardRepresentation,
    Likelihood,
    NoData,
    Representation,
    WorkforceIndicators,
    appointment_likelihood,
    board_representation,
    pay_band_representation,
    workforce_indicators,
)
from ethos.workforce.schema import BME, DISABLED, NON_DISABLED, UNKNOWN, WHITE

# Frames ----------------------------------------------------------------------------------


def staff_frame(*groups: tuple[int, str, bool, str, str]) -> pl.DataFrame:
    """Staff from ``(n, pay_band, clinical, ethnicity, disability)`` groups, ids S00000..."""
    rows = [g[1:] for g in groups for _ in range(g[0])]
    n = len(rows)
    return pl.DataFrame(
        {
            "staff_id": [f"S{i:05d}" for i in range(n)],
            "unit_code": ["RIV"] * n,
            "pay_band": [r[0] for r in rows],
            "clinical": [r[1] for r in rows],
            "staff_group": [""] * n,
            "ethnicity": [r[2] for r in rows],
            "disability": [r[3] for r in rows],
            "age_band": ["36-40"] * n,
            "start_date": [date(2020, 1, 6)] * n,
            "leaving_date": pl.Series([None] * n, dtype=pl.Date),
            "leaving_reason": pl.Series([None] * n, dtype=pl.Utf8),
        }
    )


def ids_where(staff: pl.DataFrame, n: int, **match: object) -> list[str]:
    """The first ``n`` staff ids whose columns equal ``match``."""
    chosen = staff.filter(*(pl.col(c) == v for c, v in match.items())).head(n)
    assert chosen.height == n, f"only {chosen.height} staff match {match}"
    return chosen.get_column("staff_id").to_list()


def cases_frame(*groups: tuple[list[str], str, str | None]) -> pl.DataFrame:
    rows = [(sid, kind, grounds) for ids, kind, grounds in groups for sid in ids]
    return pl.DataFrame(
        {
            "case_id": [f"C{i}" for i in range(len(rows))],
            "staff_id": [r[0] for r in rows],
            "case_type": [r[1] for r in rows],
            "grounds": pl.Series([r[2] for r in rows], dtype=pl.Utf8),
            "start_date": [date(2025, 6, 2)] * len(rows),
        }
    )


def training_frame(ids: list[str]) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "staff_id": ids,
            "activity": ["Leadership course"] * len(ids),
            "date": [date(2025, 9, 1)] * len(ids),
        }
    )


def recruitment_frame(*groups: tuple[int, str, str, bool, bool]) -> pl.DataFrame:
    """Applications from ``(n, ethnicity, disability, shortlisted, appointed)`` groups."""
    rows = [g[1:] for g in groups for _ in range(g[0])]
    return pl.DataFrame(
        {
            "applicant_id": [f"A{i}" for i in range(len(rows))],
            "vacancy_id": [f"V{i % 40}" for i in range(len(rows))],
            "ethnicity": [r[0] for r in rows],
            "disability": [r[1] for r in rows],
            "shortlisted": [r[2] for r in rows],
            "appointed": [r[3] for r in rows],
        }
    )


def board_frame(*members: tuple[bool, bool, str, str]) -> pl.DataFrame:
    """Board members from ``(voting, executive, ethnicity, disability)``."""
    return pl.DataFrame(
        {
            "member_id": [f"B{i}" for i in range(len(members))],
            "voting": [m[0] for m in members],
            "executive": [m[1] for m in members],
            "ethnicity": [m[2] for m in members],
            "disability": [m[3] for m in members],
        }
    )


@pytest.fixture
def riverside() -> pl.DataFrame:
    return riverside_staff()


def riverside_staff() -> pl.DataFrame:
    """Riverside's 1,381 staff."""
    return staff_frame(
        (280, "Band 5", True, WHITE, NON_DISABLED),
        (20, "Band 5", True, WHITE, DISABLED),
        (110, "Band 5", True, BME, NON_DISABLED),
        (10, "Band 5", True, BME, DISABLED),
        (20, "Band 5", True, UNKNOWN, UNKNOWN),
        (200, "Band 6", True, WHITE, NON_DISABLED),
        (60, "Band 6", True, BME, NON_DISABLED),
        (12, "Band 6", True, UNKNOWN, NON_DISABLED),
        (150, "Band 3", False, WHITE, NON_DISABLED),
        (40, "Band 3", False, BME, NON_DISABLED),
        (3, "Band 3", False, UNKNOWN, NON_DISABLED),  # small: hidden, with a complement
        (60, "Band 4", False, WHITE, NON_DISABLED),
        (12, "Band 4", False, BME, NON_DISABLED),  # hidden to protect the senior managers
        (30, "Band 8a", False, WHITE, NON_DISABLED),
        (3, "Band 8a", False, BME, NON_DISABLED),  # three BME senior managers: hidden
        (6, "VSM", False, WHITE, NON_DISABLED),  # a row of seven: hidden entirely
        (1, "VSM", False, BME, NON_DISABLED),
        (75, "Medical consultant", True, WHITE, NON_DISABLED),
        (5, "Medical consultant", False, WHITE, NON_DISABLED),  # medical whatever the flag
        (50, "Medical consultant", True, BME, NON_DISABLED),
        (10, "Medical consultant", True, UNKNOWN, NON_DISABLED),
        (224, "Band 2", False, WHITE, NON_DISABLED),
    )


def published_counts(value: object) -> list[int]:
    """Every whole number held anywhere in a published result (not the minimum group size)."""
    if isinstance(value, bool | float | str) or value is None:
        return []
    if isinstance(value, int):
        return [value]
    if isinstance(value, tuple):
        return [n for v in value for n in published_counts(v)]
    assert dataclasses.is_dataclass(value), type(value)
    fields = [f.name for f in dataclasses.fields(value) if f.name not in ("min_group", "level")]
    return [n for f in fields for n in published_counts(getattr(value, f))]


# WRES 1 and WDES 1 -----------------------------------------------------------------------


def test_wres1_shows_each_band_against_the_workforce(riverside: pl.DataFrame) -> None:
    wres1 = pay_band_representation(riverside, "ethnicity", 10)
    table = wres1.table
    band5 = table.cell("Clinical: Band 5", BME)
    assert band5.count == 120 and band5.row_percent == pytest.approx(100 * 120 / 440)
    bme_total = 120 + 60 + 40 + 12 + 3 + 1 + 50
    assert wres1.workforce_percent == pytest.approx(100 * bme_total / 1381)
    row = table.rows.index("Clinical: Band 5")
    assert wres1.difference[row] == pytest.approx(100 * 120 / 440 - 100 * bme_total / 1381)
    assert table.row_total("Medical and dental: Medical consultant").count == 140
    assert set(wres1.row_cluster) == set(CLUSTERS)
    assert [wres1.row_band[i] for i in wres1.rows_of("Medical and dental")] == [
        "Medical consultant",
        "Medical non-consultant career grade",
        "Medical trainee",
    ]


def test_wres1_hides_small_groups_and_keeps_the_bme_count_shown(riverside: pl.DataFrame) -> None:
    table = pay_band_representation(riverside, "ethnicity", 10).table
    band3 = "Non-clinical: Band 3"
    assert isinstance(table.cell(band3, UNKNOWN), Suppressed)
    assert isinstance(table.cell(band3, WHITE), Suppressed)  # the complement, not the BME 40
    assert table.cell(band3, BME).count == 40
    assert isinstance(table.cell("Non-clinical: Band 8a", BME), Suppressed)
    assert isinstance(table.cell("Non-clinical: Band 4", BME), Suppressed)  # 3 + 1 + 12
    assert table.row_total("Non-clinical: VSM") == Suppressed("fewer than 10 people in this row")
    assert all(n == 0 or n >= 10 for n in published_counts(table))


def test_wdes1_tracks_disabled_staff(riverside: pl.DataFrame) -> None:
    wdes1 = pay_band_representation(riverside, "disability", 10)
    assert wdes1.indicator == "WDES 1" and wdes1.focus == DISABLED
    assert wdes1.table.columns == (DISABLED, NON_DISABLED, UNKNOWN)
    assert wdes1.table.cell("Clinical: Band 5", DISABLED).count == 30
    assert wdes1.workforce_percent == pytest.approx(100 * 30 / 1381)
    assert isinstance(wdes1.difference[wdes1.table.rows.index("Non-clinical: VSM")], Suppressed)


# WRES 2 and WDES 2 -----------------------------------------------------------------------


def test_wres2_reproduces_the_published_appointment_example() -> None:
    # 46.99% of shortlisted White applicants appointed against 14.65% of BME: RL 3.2 (the
    # Christie NHS FT, WRES 2022-23). Not stated and applicants not shortlisted are left out.
    applications = recruitment_frame(
        (4699, WHITE, NON_DISABLED, True, True),
        (5301, WHITE, NON_DISABLED, True, False),
        (1465, BME, NON_DISABLED, True, True),
        (8535, BME, NON_DISABLED, True, False),
        (900, WHITE, NON_DISABLED, False, False),
        (300, UNKNOWN, UNKNOWN, True, True),
    )
    wres2 = appointment_likelihood(applications, "ethnicity", 10)
    result = wres2.result
    assert isinstance(result, PublishedRateRatio)
    assert (result.percent_a, result.percent_b) == (pytest.approx(46.99), pytest.approx(14.65))
    assert round(result.rl, 2) == 3.21 and round(result.rl, 1) == 3.2
    assert (result.total_a, result.total_b) == (10_000, 10_000)
    assert wres2.indicator == "WRES 2" and "White applicants" in wres2.description


def reference_interval(a: int, na: int, b: int, nb: int) -> tuple[float, float]:
    table = Table2x2(np.array([[a, na - a], [b, nb - b]], dtype=float), shift_zeros=False)
    low, high = table.riskratio_confint(alpha=0.05)
    return float(low), float(high)


def test_relative_likelihood_intervals_match_statsmodels() -> None:
    applications = recruitment_frame(
        (120, WHITE, NON_DISABLED, True, True),
        (180, WHITE, NON_DISABLED, True, False),
        (40, BME, DISABLED, True, True),
        (110, BME, DISABLED, True, False),
    )
    for by, counts in [("ethnicity", (120, 300, 40, 150)), ("disability", (120, 300, 40, 150))]:
        result = appointment_likelihood(applications, by, 10).result
        assert isinstance(result, PublishedRateRatio)
        assert (result.ci_low, result.ci_high) == pytest.approx(reference_interval(*counts))


def test_wdes2_compares_non_disabled_with_disabled_applicants() -> None:
    applications = recruitment_frame(
        (60, WHITE, NON_DISABLED, True, True),
        (140, WHITE, NON_DISABLED, True, False),
        (10, WHITE, DISABLED, True, True),
        (40, WHITE, DISABLED, True, False),
    )
    result = appointment_likelihood(applications, "disability", 10).result
    assert isinstance(result, PublishedRateRatio)
    assert (result.group_a, result.group_b) == (NON_DISABLED, DISABLED)
    assert result.rl == pytest.approx((60 / 200) / (10 / 50))


def test_a_planted_lower_appointment_rate_for_bme_applicants_is_recovered() -> None:
    rng = np.random.default_rng(2026)
    white = rng.random(800) < 0.35
    bme = rng.random(500) < 0.20
    applications = pl.DataFrame(
        {
            "applicant_id": [f"A{i}" for i in range(1300)],
            "vacancy_id": ["V1"] * 1300,
            "ethnicity": [WHITE] * 800 + [BME] * 500,
            "disability": [NON_DISABLED] * 1300,
            "shortlisted": [True] * 1300,
            "appointed": np.concatenate([white, bme]).tolist(),
        }
    )
    result = appointment_likelihood(applications, "ethnicity", 10).result
    assert isinstance(result, PublishedRateRatio)
    assert result.ci_low > 1.0 and result.ci_low < 0.35 / 0.20 < result.ci_high


@pytest.mark.parametrize(
    ("pa", "na", "pb", "nb"),
    [(0.40, 300, 0.25, 200), (0.05, 1500, 0.03, 900), (0.012, 4000, 0.007, 6000)],
)
def test_relative_likelihood_intervals_cover_the_truth_95_percent_of_the_time(
    pa: float, na: int, pb: float, nb: int
) -> None:
    rng = np.random.default_rng(17)
    hits = shown = 0
    for a, b in zip(rng.binomial(na, pa, 2000), rng.binomial(nb, pb, 2000), strict=True):
        result = publish_rate_ratio_or_none(int(a), na, int(b), nb)
        if result is not None:
            shown += 1
            hits += result.ci_low <= pa / pb <= result.ci_high
    assert shown >= 1900  # the scenarios are big enough to be published almost always
    assert 0.93 <= hits / shown <= 0.97


def publish_rate_ratio_or_none(a: int, na: int, b: int, nb: int) -> PublishedRateRatio | None:
    result = publish_rate_ratio(a, na, b, nb, 5)
    return result if isinstance(result, PublishedRateRatio) else None


def test_wres2_with_fewer_than_k_bme_applicants_shortlisted_is_suppressed() -> None:
    applications = recruitment_frame(
        (40, WHITE, NON_DISABLED, True, True),
        (60, WHITE, NON_DISABLED, True, False),
        (8, BME, NON_DISABLED, True, False),
    )
    assert appointment_likelihood(applications, "ethnicity", 10).result == Suppressed(
        "fewer than 10 people in a group"
    )
    # WDES 2 here: no Disabled applicant at all, so the Disabled group is empty.
    assert appointment_likelihood(applications, "disability", 10).result == Suppressed(
        "fewer than 10 people in a group"
    )


# WRES 3, WRES 4 and WDES 3 ---------------------------------------------------------------


@pytest.fixture
def kmpt() -> pl.DataFrame:
    """A trust with 750 BME and 2,429 White staff (KMPT's WRES 2020-22 percentages)."""
    return staff_frame(
        (2429, "Band 5", True, WHITE, NON_DISABLED),
        (750, "Band 5", True, BME, NON_DISABLED),
        (40, "Band 5", True, UNKNOWN, NON_DISABLED),
    )


def test_wres3_reproduces_the_published_disciplinary_example(kmpt: pl.DataFrame) -> None:
    # 9 BME staff (1.2%) and 17 White staff (0.7%) entered a formal disciplinary process:
    # "1.7 times more likely". A second case for the same person counts once; capability
    # cases and staff whose ethnicity is not stated are left out.
    bme, white = ids_where(kmpt, 9, ethnicity=BME), ids_where(kmpt, 17, ethnicity=WHITE)
    unknown = ids_where(kmpt, 5, ethnicity=UNKNOWN)
    cases = cases_frame(
        (bme, "Disciplinary", None),
        (bme[:2], "Disciplinary", None),
        (white, "Disciplinary", None),
        (unknown, "Disciplinary", None),
        (white[:5], "Capability", "Performance"),
    )
    wres3 = workforce_indicators(kmpt, cases=cases, k=5).wres3
    assert isinstance(wres3, Likelihood) and isinstance(wres3.result, PublishedRateRatio)
    result = wres3.result
    assert (result.events_a, result.total_a, result.events_b, result.total_b) == (9, 750, 17, 2429)
    assert round(result.percent_a, 1) == 1.2 and round(result.percent_b, 1) == 0.7
    assert round(result.rl, 1) == 1.7
    assert (result.ci_low, result.ci_high) == pytest.approx(reference_interval(9, 750, 17, 2429))
    # With the usual minimum of 10, nine people is too few to publish.
    assert workforce_indicators(kmpt, cases=cases, k=10).wres3.result == Suppressed(
        "fewer than 10 people in a group had this outcome"
    )


def test_wres3_is_hidden_when_wres1_hides_a_group_total(kmpt: pl.DataFrame) -> None:
    # Three staff in the whole trust did not state their ethnicity: WRES 1 hides that total
    # and, with it, the smaller of the White and BME totals. WRES 3 would give it back.
    staff = staff_frame(
        (400, "Band 5", True, WHITE, NON_DISABLED),
        (120, "Band 5", True, BME, NON_DISABLED),
        (3, "Band 6", True, UNKNOWN, NON_DISABLED),
        (30, "Band 6", True, WHITE, NON_DISABLED),
    )
    cases = cases_frame((ids_where(staff, 20, ethnicity=WHITE), "Disciplinary", None))
    found = workforce_indicators(staff, cases=cases, k=10)
    assert isinstance(found.wres1, Representation)
    assert isinstance(found.wres1.table.column_total(BME), Suppressed)
    assert found.wres3.result == Suppressed(
        f"hidden because the number of {BME} staff is hidden in WRES 1"
    )


def test_wres4_counts_each_trained_person_once(riverside: pl.DataFrame) -> None:
    white = ids_where(riverside, 300, ethnicity=WHITE)
    bme = ids_where(riverside, 100, ethnicity=BME)
    training = training_frame(white + white[:50] + bme)
    wres4 = workforce_indicators(riverside, training=training, k=10).wres4
    result = wres4.result
    assert isinstance(result, PublishedRateRatio)
    assert (result.group_a, result.group_b) == (WHITE, BME)
    counts = (result.events_a, result.total_a, result.events_b, result.total_b)
    assert counts == (300, 1050, 100, 286)
    assert result.rl == pytest.approx((300 / 1050) / (100 / 286))


def test_wres4_with_almost_everyone_trained_is_suppressed(kmpt: pl.DataFrame) -> None:
    everyone_but_three = kmpt.filter(pl.col("ethnicity") == BME).get_column("staff_id")[3:]
    training = training_frame(ids_where(kmpt, 100, ethnicity=WHITE) + everyone_but_three.to_list())
    assert workforce_indicators(kmpt, training=training, k=10).wres4.result == Suppressed(
        "fewer than 10 people in a group did not have this outcome"
    )


def test_wdes3_counts_capability_cases_on_performance_grounds(riverside: pl.DataFrame) -> None:
    disabled = ids_where(riverside, 10, disability=DISABLED)
    others = ids_where(riverside, 20, disability=NON_DISABLED)
    cases = cases_frame(
        (disabled, "Capability", "Performance"),
        (others, "Capability", "Performance"),
        (others, "Capability", "Ill health"),
        (ids_where(riverside, 12, disability=UNKNOWN), "Capability", "Performance"),
        (ids_where(riverside, 15, disability=DISABLED), "Disciplinary", None),
    )
    wdes3 = workforce_indicators(riverside, cases=cases, k=10).wdes3
    result = wdes3.result
    assert isinstance(result, PublishedRateRatio) and wdes3.indicator == "WDES 3"
    assert (result.events_a, result.total_a, result.events_b, result.total_b) == (10, 30, 20, 1331)
    few = cases.filter(pl.col("staff_id") != disabled[0])
    assert workforce_indicators(riverside, cases=few, k=10).wdes3.result == Suppressed(
        "fewer than 10 people in a group had this outcome"
    )


# WRES 9 and WDES 10 ----------------------------------------------------------------------


def riverside_board() -> pl.DataFrame:
    """Twelve voting members (six executives), none BME, one Disabled; two non-voting."""
    return board_frame(
        *[(True, True, WHITE, NON_DISABLED)] * 6,
        *[(True, False, WHITE, NON_DISABLED)] * 5,
        (True, False, WHITE, DISABLED),
        (False, True, BME, NON_DISABLED),
        (False, False, UNKNOWN, UNKNOWN),
    )


def test_wres9_compares_the_board_with_the_workforce(riverside: pl.DataFrame) -> None:
    wres1 = pay_band_representation(riverside, "ethnicity", 5)
    wres9 = board_representation(riverside_board(), "ethnicity", 5, wres1)
    voting, executive, non_executive = wres9.groups
    assert voting.share == PublishedShare(0, 12, 0.0)
    assert voting.difference == pytest.approx(-wres1.workforce_percent)
    assert executive.name == "Executive members"
    assert executive.share == Suppressed("fewer than 5 people counted in the percentage")
    assert non_executive.share == PublishedShare(0, 7, 0.0)


def test_wres9_with_a_board_smaller_than_k_is_suppressed(riverside: pl.DataFrame) -> None:
    found = workforce_indicators(riverside, board=riverside_board(), k=10)
    assert isinstance(found.wres9, BoardRepresentation)
    voting, executive, _ = found.wres9.groups
    assert voting.share == PublishedShare(0, 12, 0.0)
    assert executive.share == Suppressed("fewer than 10 people in the group")
    assert executive.difference == executive.share


def test_wdes10_hides_a_single_disabled_board_member(riverside: pl.DataFrame) -> None:
    wdes10 = workforce_indicators(riverside, board=riverside_board(), k=10).wdes10
    assert isinstance(wdes10, BoardRepresentation) and wdes10.focus == DISABLED
    assert wdes10.groups[0].share == Suppressed("fewer than 10 people counted in the percentage")


# The entry point -------------------------------------------------------------------------


def test_missing_files_mark_their_indicators_no_data() -> None:
    nothing = workforce_indicators()
    for field in dataclasses.fields(WorkforceIndicators):
        if field.name != "min_group":
            assert isinstance(getattr(nothing, field.name), NoData)
    assert nothing.wres3 == NoData("no data: needs the staff and cases file for the year")


def test_the_board_without_staff_still_shows_the_board(riverside: pl.DataFrame) -> None:
    found = workforce_indicators(board=riverside_board(), k=5)
    assert isinstance(found.wres9, BoardRepresentation)
    assert found.wres9.groups[0].share == PublishedShare(0, 12, 0.0)
    assert isinstance(found.wres9.workforce_percent, NoData)
    assert isinstance(found.wres9.groups[0].difference, NoData)


def test_every_indicator_holds_published_numbers_only(riverside: pl.DataFrame) -> None:
    white, bme = ids_where(riverside, 40, ethnicity=WHITE), ids_where(riverside, 12, ethnicity=BME)
    found = workforce_indicators(
        riverside,
        recruitment_frame((30, WHITE, DISABLED, True, True), (12, BME, NON_DISABLED, True, False)),
        cases_frame((white[:3] + bme[:2], "Disciplinary", None)),
        training_frame(white + bme),
        riverside_board(),
        k=10,
    )
    counts = published_counts(found)
    assert counts and all(n == 0 or n >= 10 for n in counts)
    assert isinstance(found.wres3, Likelihood) and isinstance(found.wres3.result, Suppressed)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda s: s.drop("pay_band"), "lacks the columns"),
        (lambda s: s.with_columns(pl.lit("Asian").alias("ethnicity")), "unknown ethnicity"),
        (lambda s: s.with_columns(pl.lit("Band 10").alias("pay_band")), "unknown pay_band"),
        (lambda s: pl.concat([s, s.head(1)]), "one row per person"),
        (lambda s: s.to_pandas(), "polars DataFrame"),
    ],
)
def test_bad_staff_frames_are_refused(riverside: pl.DataFrame, change, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        workforce_indicators(change(riverside))


def test_bad_event_frames_are_refused(riverside: pl.DataFrame) -> None:
    stranger = cases_frame((["X999"], "Disciplinary", None))
    with pytest.raises(ValueError, match="not in the staff frame"):
        workforce_indicators(riverside, cases=stranger)
    odd = cases_frame((["S00001"], "Grievance", None))
    with pytest.raises(ValueError, match="unknown case_type"):
        workforce_indicators(riverside, cases=odd)
    unshortlisted = recruitment_frame((12, WHITE, NON_DISABLED, False, True))
    with pytest.raises(ValueError, match="not shortlisted"):
        workforce_indicators(recruitment=unshortlisted)
    with pytest.raises(ValueError, match="'ethnicity' or 'disability'"):
        pay_band_representation(riverside, "age", 10)
    with pytest.raises(ValueError, match="minimum group size"):
        workforce_indicators(riverside, k=3)
