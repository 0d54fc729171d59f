"""Who works here, year by year: a staff roster simulated from each unit's headcount.

On 1 April of the first year every unit has ``headcount`` people in post. Each person has a
staff group (from the kind of unit, as in the survey generator), a pay band drawn for that
group, an age, a recorded ethnicity and disability, and a start date. Each year some leave
(about 11%, more among the young, those near retirement and medical trainees, who rotate) on a
random date with a reason that fits their age; each leaver is replaced in the same unit and
staff group a few weeks later, so units keep their size. Black and minority ethnic staff are
fewer in senior bands; disability is under-declared in records (about 3.5% Disabled).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from typing import Any

import numpy as np
import polars as pl

from ethos.synth.hierarchy import Units
from ethos.synth.names import GROUPS
from ethos.synth.people import draw, staff_groups
from ethos.workforce import schema

EPOCH = date(1970, 1, 1)
NO_DATE = np.iinfo(np.int32).max
YEAR_DAYS = 365.25
STAFF_GROUP_NAMES: dict[str, str] = {
    "nursing": "Nursing and midwifery registered",
    "medical": "Medical and dental",
    "ahp": "Allied health professionals",
    "scientific": "Healthcare scientists",
    "support": "Additional clinical services",
    "admin": "Administrative and clerical",
    "estates": "Estates and ancillary",
    "management": "Administrative and clerical",
}
CLINICAL = frozenset({"nursing", "medical", "ahp", "scientific", "support"})
BAND_MIX: dict[str, dict[str, float]] = {
    "nursing": {"Band 5": 0.5, "Band 6": 0.3, "Band 7": 0.15, "Band 8a": 0.04, "Band 8b": 0.01},
    "medical": {
        "Medical consultant": 0.4,
        "Medical non-consultant career grade": 0.1,
        "Medical trainee": 0.5,
    },
    "ahp": {"Band 5": 0.25, "Band 6": 0.4, "Band 7": 0.25, "Band 8a": 0.08, "Band 8b": 0.02},
    "scientific": {"Band 4": 0.1, "Band 5": 0.2, "Band 6": 0.3, "Band 7": 0.25, "Band 8a": 0.15},
    "support": {"Band 2": 0.4, "Band 3": 0.45, "Band 4": 0.15},
    "admin": {"Band 2": 0.22, "Band 3": 0.3, "Band 4": 0.26, "Band 5": 0.1, "Band 6": 0.06},
    "estates": {"Band 1": 0.2, "Band 2": 0.5, "Band 3": 0.2, "Band 4": 0.07, "Other": 0.03},
    "management": {"Band 7": 0.15, "Band 8a": 0.25, "Band 8b": 0.22, "Band 8c": 0.16},
}
BAND_MIX["management"] |= {"Band 8d": 0.1, "Band 9": 0.07, "VSM": 0.05}
BME_SHARE: dict[str, float] = {  # by staff group, before the seniority factor
    "nursing": 0.27,
    "medical": 0.42,
    "ahp": 0.15,
    "scientific": 0.2,
    "support": 0.22,
    "admin": 0.12,
    "estates": 0.13,
    "management": 0.14,
}
SENIOR_ODDS: dict[str, float] = {  # odds of being BME relative to the group, by band
    "Band 8a": 0.6,
    "Band 8b": 0.5,
    "Band 8c": 0.4,
    "Band 8d": 0.35,
    "Band 9": 0.3,
    "VSM": 0.25,
    "Medical consultant": 0.8,
}
ETHNICITY_NOT_STATED = 0.03
DISABLED_RECORDED = 0.035
DISABILITY_NOT_STATED = 0.11
STAFF_GROUP_BLANK = 0.005
AGE: dict[str, tuple[float, float]] = {  # mean and sd of age, by staff group
    "nursing": (41, 11),
    "medical": (40, 10),
    "ahp": (38, 10),
    "scientific": (41, 11),
    "support": (42, 13),
    "admin": (45, 12),
    "estates": (47, 12),
    "management": (48, 8),
}
BAND_AGE: dict[str, tuple[float, float]] = {
    "Medical trainee": (31, 4),
    "Medical consultant": (48, 8),
    "Medical non-consultant career grade": (45, 9),
    "Band 9": (51, 6),
    "VSM": (52, 6),
}
MIN_AGE, MAX_AGE = 18.0, 70.0  # ages below the minimum are reflected above it
STARTER_YOUNGER = 4.0  # new starters are this many years younger on average
MEAN_TENURE_YEARS = 8.0
LEAVING_RATE = 0.075  # yearly, before the age and trainee factors
TRAINEE_LEAVING_RATE = 0.35
REASON_MIX = np.array(  # LEAVING_REASONS by class: working age, 55-59, 60+, medical trainee
    [
        [0.0, 0.8, 0.07, 0.03, 0.003, 0.097],
        [0.4, 0.45, 0.04, 0.02, 0.01, 0.08],
        [0.75, 0.15, 0.02, 0.01, 0.02, 0.05],
        [0.0, 0.25, 0.7, 0.005, 0.001, 0.044],
    ]
)
REPLACEMENT_DAYS = (14, 120)


def settings() -> dict[str, Any]:
    """The roster's rates, for the truth record."""
    return {
        "leaving_rate": LEAVING_RATE,
        "trainee_leaving_rate": TRAINEE_LEAVING_RATE,
        "bme_share_by_staff_group": BME_SHARE,
        "bme_odds_by_senior_band": SENIOR_ODDS,
        "ethnicity_not_stated": ETHNICITY_NOT_STATED,
        "disabled_recorded": DISABLED_RECORDED,
        "disability_not_stated": DISABILITY_NOT_STATED,
        "staff_group_blank": STAFF_GROUP_BLANK,
    }


@dataclass(frozen=True, slots=True)
class Cohort:
    """Everyone employed at any time, one entry per person (array index = staff number - 1)."""

    unit: np.ndarray
    group: np.ndarray  # index into GROUPS
    band: np.ndarray  # index into schema.PAY_BANDS
    ethnicity: np.ndarray  # index into schema.ETHNICITY_BANDS
    disability: np.ndarray  # index into schema.DISABILITY_BANDS
    age0: np.ndarray  # age in years on 1 April of the first year (float)
    start: np.ndarray  # days since 1970-01-01
    leave: np.ndarray  # days since 1970-01-01, NO_DATE while employed
    reason: np.ndarray  # index into schema.LEAVING_REASONS, -1 while employed
    blank_group: np.ndarray  # staff group left empty in the record

    @property
    def size(self) -> int:
        return int(self.unit.size)

    def ids(self) -> np.ndarray:
        return np.array([f"E{i:06d}" for i in range(1, self.size + 1)], dtype=object)

    def in_post(self, day: int) -> np.ndarray:
        """Mask of people in post at the end of ``day``."""
        return (self.start <= day) & (self.leave > day)

    def age_on(self, day: int, first: int) -> np.ndarray:
        return self.age0 + (day - first) / YEAR_DAYS


def day_number(value: date) -> int:
    return (value - EPOCH).days


def _table(mix: dict[str, dict[str, float]]) -> np.ndarray:
    """Rows per staff group (GROUPS order), columns PAY_BANDS, each row summing to 1."""
    out = np.zeros((len(GROUPS), len(schema.PAY_BANDS)))
    for g, name in enumerate(GROUPS):
        for band, p in mix[name].items():
            out[g, schema.PAY_BANDS.index(band)] = p
    return out / out.sum(axis=1, keepdims=True)


BAND_TABLE = _table(BAND_MIX)


def _per_band(values: dict[str, float], default: float) -> np.ndarray:
    return np.array([values.get(b, default) for b in schema.PAY_BANDS])


def people(
    unit: np.ndarray, group: np.ndarray, root: int, rng: np.random.Generator
) -> dict[str, np.ndarray]:
    """Band, ethnicity, disability, age and blank-group flag for people of given groups.

    Staff sitting directly in the ``root`` unit are very senior managers.
    """
    band = draw(rng, group, BAND_TABLE)
    band = np.where(unit == root, schema.PAY_BANDS.index("VSM"), band)
    group_share = np.array([BME_SHARE[g] for g in GROUPS])[group]
    odds = group_share / (1 - group_share) * _per_band(SENIOR_ODDS, 1.0)[band]
    bme = rng.random(unit.size) < odds / (1 + odds)
    ethnicity = np.where(rng.random(unit.size) < ETHNICITY_NOT_STATED, 2, bme.astype(np.int64))
    u = rng.random(unit.size)
    disability = np.where(u < DISABLED_RECORDED, 0, 1)
    disability[u >= 1 - DISABILITY_NOT_STATED] = 2
    mean = np.array([AGE[g][0] for g in GROUPS])[group]
    sd = np.array([AGE[g][1] for g in GROUPS])[group]
    own = np.isin(band, [schema.PAY_BANDS.index(b) for b in BAND_AGE])
    mean = np.where(own, _per_band({b: m for b, (m, _) in BAND_AGE.items()}, 0.0)[band], mean)
    sd = np.where(own, _per_band({b: s for b, (_, s) in BAND_AGE.items()}, 1.0)[band], sd)
    age = mean + sd * rng.standard_normal(unit.size)
    age = np.clip(np.where(age < MIN_AGE, 2 * MIN_AGE - age, age), MIN_AGE, MAX_AGE)
    blank = rng.random(unit.size) < STAFF_GROUP_BLANK
    return {
        "band": band,
        "ethnicity": ethnicity,
        "disability": disability,
        "age": age,
        "blank": blank,
    }


def root_of(units: Units) -> int:
    return int(np.flatnonzero(units.parent < 0)[0])


def initial(units: Units, first: int, rng: np.random.Generator) -> Cohort:
    """The people in post on 1 April of the first year (day number ``first``)."""
    unit = np.repeat(np.arange(units.size), units.headcount)
    group = staff_groups(units.kinds(), unit, rng).astype(np.int64)
    drawn = people(unit, group, root_of(units), rng)
    longest = np.maximum((drawn["age"] - MIN_AGE) * YEAR_DAYS, 1.0)
    tenure = np.minimum(rng.exponential(MEAN_TENURE_YEARS * YEAR_DAYS, unit.size), longest)
    return Cohort(
        unit=unit,
        group=group,
        band=drawn["band"],
        ethnicity=drawn["ethnicity"],
        disability=drawn["disability"],
        age0=drawn["age"],
        start=(first - 1 - tenure.astype(np.int64)).astype(np.int64),
        leave=np.full(unit.size, NO_DATE, dtype=np.int64),
        reason=np.full(unit.size, -1, dtype=np.int64),
        blank_group=drawn["blank"],
    )


def simulate(units: Units, years: tuple[int, ...], rng: np.random.Generator) -> Cohort:
    """Everyone employed in reporting ``years`` (consecutive), with leavers and replacements."""
    first = day_number(schema.year_bounds(years[0])[0])
    last = day_number(schema.year_bounds(years[-1])[1])
    cohort = initial(units, first, rng)
    for year in years:
        start, end = (day_number(d) for d in schema.year_bounds(year))
        pending = np.flatnonzero((cohort.leave == NO_DATE) & (cohort.start <= end))
        while pending.size:
            cohort, leavers = _leave(cohort, pending, start, end, first, rng)
            before = cohort.size
            cohort = _replace(cohort, leavers, (first, last, root_of(units)), rng)
            fresh = np.arange(before, cohort.size)
            pending = fresh[cohort.start[fresh] <= end]
    return cohort


def _leave(
    cohort: Cohort, who: np.ndarray, start: int, end: int, first: int, rng: np.random.Generator
) -> tuple[Cohort, np.ndarray]:
    """Decide who of ``who`` leaves between ``start`` and ``end``; their dates and reasons."""
    begin = np.maximum(cohort.start[who] + 1, start)
    exposure = np.clip((end - begin + 1) / YEAR_DAYS, 0.0, 1.0)
    age = cohort.age_on(end, first)[who]
    trainee = cohort.band[who] == schema.PAY_BANDS.index("Medical trainee")
    rate = np.where(trainee, TRAINEE_LEAVING_RATE, LEAVING_RATE) * _age_factor(age)
    chance = 1.0 - (1.0 - np.minimum(rate, 0.9)) ** exposure
    goes = (rng.random(who.size) < chance) & (begin <= end)
    day = begin + np.floor(rng.random(who.size) * (end - begin + 1)).astype(np.int64)
    cls = np.select([trainee & (age < 55), age >= 60, age >= 55], [3, 2, 1], 0)
    why = draw(rng, cls, REASON_MIX / REASON_MIX.sum(axis=1, keepdims=True))
    leave, reason = cohort.leave.copy(), cohort.reason.copy()
    leave[who[goes]] = day[goes]
    reason[who[goes]] = why[goes]
    return replace(cohort, leave=leave, reason=reason), who[goes]


def _age_factor(age: np.ndarray) -> np.ndarray:
    return np.select(
        [age < 26, age < 31, age < 56, age < 60, age < 65], [1.6, 1.3, 1.0, 1.6, 3.0], 5.0
    )


def _replace(
    cohort: Cohort, leavers: np.ndarray, span: tuple[int, int, int], rng: np.random.Generator
) -> Cohort:
    """A new starter in the same unit and staff group for each leaver, if they start in time.

    ``span`` is the first and last day simulated and the root unit's index.
    """
    first, last, root = span
    low, high = REPLACEMENT_DAYS
    start = cohort.leave[leavers] + rng.integers(low, high + 1, leavers.size)
    keep = start <= last
    unit, group, start = cohort.unit[leavers][keep], cohort.group[leavers][keep], start[keep]
    drawn = people(unit, group, root, rng)
    age = np.maximum(drawn["age"] - rng.uniform(0.0, 2 * STARTER_YOUNGER, unit.size), MIN_AGE)
    n = unit.size
    added = {
        "unit": unit,
        "group": group,
        "band": drawn["band"],
        "ethnicity": drawn["ethnicity"],
        "disability": drawn["disability"],
        "age0": age - (start - first) / YEAR_DAYS,
        "start": start,
        "leave": np.full(n, NO_DATE, dtype=np.int64),
        "reason": np.full(n, -1, dtype=np.int64),
        "blank_group": drawn["blank"],
    }
    return Cohort(**{k: np.concatenate([getattr(cohort, k), v]) for k, v in added.items()})


def staff_frame(cohort: Cohort, units: Units, year: int, first: int) -> pl.DataFrame:
    """The ``staff`` frame of reporting ``year``: everyone employed at any time in it."""
    start, end = (day_number(d) for d in schema.year_bounds(year))
    rows = np.flatnonzero((cohort.start <= end) & (cohort.leave >= start))
    left = cohort.leave[rows] <= end
    age = np.floor(cohort.age_on(end, first)[rows]).astype(np.int64)
    age_band = np.clip((age - 16) // 5, 0, len(schema.AGE_BANDS) - 1)
    group = cohort.group[rows]
    group_names = pl.Series([STAFF_GROUP_NAMES[g] for g in GROUPS], dtype=pl.Utf8)
    return pl.DataFrame(
        [
            pl.Series("staff_id", cohort.ids()[rows], dtype=pl.Utf8),
            pl.Series(units.codes, dtype=pl.Utf8).gather(cohort.unit[rows]).alias("unit_code"),
            _labels("pay_band", schema.PAY_BANDS, cohort.band[rows]),
            pl.Series("clinical", np.isin(group, [GROUPS.index(g) for g in CLINICAL])),
            group_names.gather(group)
            .alias("staff_group")
            .scatter(np.flatnonzero(cohort.blank_group[rows]), None),
            _labels("ethnicity", schema.ETHNICITY_BANDS, cohort.ethnicity[rows]),
            _labels("disability", schema.DISABILITY_BANDS, cohort.disability[rows]),
            _labels("age_band", schema.AGE_BANDS, age_band),
            dates("start_date", cohort.start[rows]),
            dates("leaving_date", np.where(left, cohort.leave[rows], NO_DATE)),
            _labels(
                "leaving_reason", schema.LEAVING_REASONS, np.where(left, cohort.reason[rows], -1)
            ),
        ]
    )


def frame_types(kind: str) -> dict[str, pl.DataType]:
    """Polars types of the columns of frame ``kind``, from :data:`schema.FRAMES`."""
    types = {"str": pl.Utf8(), "bool": pl.Boolean(), "date": pl.Date(), "float": pl.Float64()}
    return {c: types[text.split()[0].rstrip(":,")] for c, text in schema.FRAMES[kind]}


def _labels(name: str, labels: tuple[str, ...], index: np.ndarray) -> pl.Series:
    """Strings ``labels[index]``, null where ``index`` is negative."""
    out = pl.Series(labels, dtype=pl.Utf8).gather(np.maximum(index, 0)).alias(name)
    missing = np.flatnonzero(index < 0)
    return out.scatter(missing, None) if missing.size else out


def dates(name: str, days: np.ndarray) -> pl.Series:
    """A ``Date`` column from day numbers, null where ``NO_DATE``."""
    values = np.asarray(days, dtype=np.int64)
    series = pl.Series(name, values.astype(np.int32), dtype=pl.Int32).cast(pl.Date)
    missing = np.flatnonzero(values == NO_DATE)
    return series.scatter(missing, None) if missing.size else series
