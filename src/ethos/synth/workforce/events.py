"""What happens to staff in a year: recruitment, formal cases, training, and the board.

Planted (WRES): shortlisted Black and minority ethnic applicants are appointed less often
than White ones (``APPOINTED``, relative likelihood about 2.2) and BME staff enter the formal
disciplinary process more often (``DISCIPLINARY``, about 1.7). Everything else is flat across
groups on purpose (a planted absence of difference): shortlisting, capability cases, training,
and every comparison by disability.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import polars as pl

from ethos.synth.workforce.roster import Cohort, dates, day_number, frame_types
from ethos.workforce import schema

APPLICANTS_PER_VACANCY = 6.0  # mean beyond the first applicant
APPLICANT_ETHNICITY = (0.57, 0.4, 0.03)  # ETHNICITY_BANDS
APPLICANT_DISABILITY = (0.07, 0.9, 0.03)  # DISABILITY_BANDS
SHORTLISTED = 0.35
APPOINTED: dict[str, float] = {schema.WHITE: 0.45, schema.BME: 0.2, schema.UNKNOWN: 0.35}
DISCIPLINARY: dict[str, float] = {schema.WHITE: 0.008, schema.BME: 0.0136, schema.UNKNOWN: 0.01}
CAPABILITY: dict[str, float] = {"Performance": 0.004, "Ill health": 0.003}
TRAINED = 0.5
EXTRA_ACTIVITIES = 0.6  # mean number of activities beyond the first, for those who train
ACTIVITIES: tuple[str, ...] = (
    "Leadership development programme",
    "Clinical skills course",
    "Conference attendance",
    "Coaching",
    "Mentoring scheme",
    "Quality improvement training",
    "Postgraduate course module",
    "Study day",
)
BOARD_ETHNICITY = (0.83, 0.13, 0.04)
BOARD_DISABILITY = (0.05, 0.87, 0.08)
BOARD_TURNOVER = 0.15  # chance a member is replaced from one year to the next


def settings() -> dict[str, Any]:
    """The rates used, for the truth record."""
    return {
        "applicants_per_vacancy": 1 + APPLICANTS_PER_VACANCY,
        "shortlisted": SHORTLISTED,
        "capability": CAPABILITY,
        "trained": TRAINED,
        "board_turnover": BOARD_TURNOVER,
    }


def _bounds(year: int) -> tuple[int, int]:
    start, end = schema.year_bounds(year)
    return day_number(start), day_number(end)


def _employed(cohort: Cohort, year: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """People employed in ``year`` and the first and last day each was employed in it."""
    start, end = _bounds(year)
    rows = np.flatnonzero((cohort.start <= end) & (cohort.leave >= start))
    return rows, np.maximum(cohort.start[rows], start), np.minimum(cohort.leave[rows], end)


def _day_between(low: np.ndarray, high: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    return low + np.floor(rng.random(low.size) * (high - low + 1)).astype(np.int64)


def _choice(rng: np.random.Generator, probs: tuple[float, ...], n: int) -> np.ndarray:
    return rng.choice(len(probs), size=n, p=np.asarray(probs) / sum(probs))


def recruitment(cohort: Cohort, year: int, rng: np.random.Generator) -> pl.DataFrame:
    """Applications in ``year``: one vacancy per new starter, several applicants each."""
    start, end = _bounds(year)
    vacancies = int(((cohort.start >= start) & (cohort.start <= end)).sum())
    per = 1 + rng.poisson(APPLICANTS_PER_VACANCY, vacancies)
    vacancy = np.repeat(np.arange(1, vacancies + 1), per)
    n = vacancy.size
    ethnicity = _choice(rng, APPLICANT_ETHNICITY, n)
    disability = _choice(rng, APPLICANT_DISABILITY, n)
    shortlisted = rng.random(n) < SHORTLISTED
    rate = np.array([APPOINTED[b] for b in schema.ETHNICITY_BANDS])[ethnicity]
    appointed = shortlisted & (rng.random(n) < rate)
    return pl.DataFrame(
        {
            "applicant_id": [f"A{year}-{i:06d}" for i in range(1, n + 1)],
            "vacancy_id": [f"V{year}-{v:05d}" for v in vacancy.tolist()],
            "ethnicity": pl.Series(schema.ETHNICITY_BANDS).gather(ethnicity),
            "disability": pl.Series(schema.DISABILITY_BANDS).gather(disability),
            "shortlisted": shortlisted,
            "appointed": appointed,
        },
        schema=frame_types("recruitment"),
    )


def cases(cohort: Cohort, year: int, rng: np.random.Generator) -> pl.DataFrame:
    """Disciplinary investigations and capability cases opened in ``year``."""
    rows, low, high = _employed(cohort, year)
    ethnicity = cohort.ethnicity[rows]
    rates = [np.array([DISCIPLINARY[b] for b in schema.ETHNICITY_BANDS])[ethnicity]]
    rates += [np.full(rows.size, p) for p in CAPABILITY.values()]
    kinds = [("Disciplinary", None), *(("Capability", g) for g in CAPABILITY)]
    who, what = [], []
    for k, rate in enumerate(rates):
        hit = np.flatnonzero(rng.random(rows.size) < rate)
        who.append(hit)
        what.append(np.full(hit.size, k))
    person, kind = np.concatenate(who), np.concatenate(what)
    day = _day_between(low[person], high[person], rng)
    order = np.lexsort((rows[person], day))
    person, kind, day = person[order], kind[order], day[order]
    return pl.DataFrame(
        [
            pl.Series("case_id", [f"C{year}-{i:05d}" for i in range(1, person.size + 1)]),
            pl.Series("staff_id", cohort.ids()[rows[person]], dtype=pl.Utf8),
            pl.Series("case_type", [kinds[k][0] for k in kind.tolist()], dtype=pl.Utf8),
            pl.Series("grounds", [kinds[k][1] for k in kind.tolist()], dtype=pl.Utf8),
            dates("start_date", day),
        ]
    )


def training(cohort: Cohort, year: int, rng: np.random.Generator) -> pl.DataFrame:
    """Non-mandatory training and CPD taken in ``year``: about half the staff, some often."""
    rows, low, high = _employed(cohort, year)
    count = np.where(
        rng.random(rows.size) < TRAINED, 1 + rng.poisson(EXTRA_ACTIVITIES, rows.size), 0
    )
    person = np.repeat(np.arange(rows.size), count)
    activity = rng.integers(0, len(ACTIVITIES), person.size)
    day = _day_between(low[person], high[person], rng)
    order = np.lexsort((rows[person], day))
    person, activity, day = person[order], activity[order], day[order]
    return pl.DataFrame(
        [
            pl.Series("staff_id", cohort.ids()[rows[person]], dtype=pl.Utf8),
            pl.Series(ACTIVITIES, dtype=pl.Utf8).gather(activity).alias("activity"),
            dates("date", day),
        ]
    )


def boards(years: tuple[int, ...], rng: np.random.Generator) -> dict[int, pl.DataFrame]:
    """The board on 31 March of each year: 12 to 15 members, a few replaced each year.

    A chair and five or six non-executive directors vote, as do the chief executive and four
    or five executive directors; one or two executive directors and at most one associate
    non-executive do not.
    """
    roles = [(True, False)] * (1 + int(rng.integers(5, 7)))
    roles += [(True, True)] * (1 + int(rng.integers(4, 6)))
    roles += [(False, True)] * int(rng.integers(1, 3)) + [(False, False)] * int(rng.integers(0, 2))
    n = len(roles)
    member = np.arange(1, n + 1)
    ethnicity = _choice(rng, BOARD_ETHNICITY, n)
    disability = _choice(rng, BOARD_DISABILITY, n)
    out: dict[int, pl.DataFrame] = {}
    for index, year in enumerate(years):
        if index:
            new = np.flatnonzero(rng.random(n) < BOARD_TURNOVER)
            member[new] = member.max() + 1 + np.arange(new.size)
            ethnicity[new] = _choice(rng, BOARD_ETHNICITY, new.size)
            disability[new] = _choice(rng, BOARD_DISABILITY, new.size)
        out[year] = pl.DataFrame(
            {
                "member_id": [f"B{m:03d}" for m in member.tolist()],
                "voting": [r[0] for r in roles],
                "executive": [r[1] for r in roles],
                "ethnicity": pl.Series(schema.ETHNICITY_BANDS).gather(ethnicity),
                "disability": pl.Series(schema.DISABILITY_BANDS).gather(disability),
            },
            schema=frame_types("board"),
        )
    return out
