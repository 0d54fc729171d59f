"""Leadership posts, their holders and named successors on 31 March of the latest year.

Posts follow the unit tree: executive posts at the root, directorate posts in the root's
children, department posts further down and team posts in the leaves (two in big teams).
About 7% are vacant; of the filled ones some are covered by acting or interim holders. A post
goes to the most senior person in post in the unit (then anywhere below it) who holds no other
post, with a little chance in the ordering. Some posts have one or two named successors.

Planted: the *retirement cliff*. In one child of the root most leaders (about 80%, on top of
the few who would be anyway) are aged 56 to 65, so many could retire within five years.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import polars as pl

from ethos.synth.hierarchy import Units
from ethos.synth.workforce.roster import YEAR_DAYS, Cohort, day_number
from ethos.workforce import schema

POSTS_PER_UNIT: dict[str, int] = {"Executive": 7, "Directorate": 3, "Department": 2, "Team": 1}
BIG_TEAM = 40  # leaf units with at least this many staff have a second team post
VACANT_SHARE = 0.05  # drawn; posts with nobody eligible are vacant too
COVER_MIX = (0.89, 0.07, 0.04)  # COVER_TYPES among filled posts
SUCCESSION: dict[str, float] = {
    "Executive": 0.8,
    "Directorate": 0.65,
    "Department": 0.5,
    "Team": 0.35,
}
TWO_SUCCESSORS = 0.3
READINESS_MIX = (0.3, 0.45, 0.25)
CLIFF_SHARE = 0.8
CLIFF_AGES = (56.0, 66.0)  # ages (on 31 March) given to the cliff's leaders: bands 56-60, 61-65
CLIFF_BANDS = ("56-60", "61-65")
SENIORITY: dict[str, float] = {
    **{f"Band {i}": float(i) for i in range(1, 8)},
    "Band 8a": 8.0,
    "Band 8b": 9.0,
    "Band 8c": 10.0,
    "Band 8d": 11.0,
    "Band 9": 12.0,
    "VSM": 14.0,
    "Medical consultant": 10.0,
    "Medical non-consultant career grade": 8.0,
    "Medical trainee": 5.0,
    "Other": 3.0,
}
OWN_UNIT_BONUS = 100.0  # people sitting in the post's own unit come before those below it


def settings() -> dict[str, Any]:
    """The rates used for posts, for the truth record."""
    return {
        "vacant_share": VACANT_SHARE,
        "cover_mix": dict(zip(schema.COVER_TYPES, COVER_MIX, strict=True)),
        "succession_chance": SUCCESSION,
        "readiness_mix": dict(zip(schema.READINESS, READINESS_MIX, strict=True)),
    }


@dataclass(frozen=True, slots=True)
class Leadership:
    """Posts and successors frames, the roster with the cliff's ages, and the planted truth."""

    posts: pl.DataFrame
    successors: pl.DataFrame
    cohort: Cohort
    truth: dict[str, Any]


def post_levels(units: Units) -> np.ndarray:
    """Leadership level (index into LEADERSHIP_LEVELS) of the posts in each unit."""
    root = units.parent < 0
    child_of_root = np.zeros(units.size, dtype=bool)
    child_of_root[units.parent >= 0] = root[units.parent[units.parent >= 0]]
    levels = schema.LEADERSHIP_LEVELS
    return np.select(
        [root, units.is_leaf, child_of_root],
        [levels.index("Executive"), levels.index("Team"), levels.index("Directorate")],
        levels.index("Department"),
    )


def leadership(
    units: Units, cohort: Cohort, years: tuple[int, ...], rng: np.random.Generator
) -> Leadership:
    """Posts, holders and successors on 31 March of ``years[-1]``, with the retirement cliff."""
    first = day_number(schema.year_bounds(years[0])[0])
    end = day_number(schema.year_bounds(years[-1])[1])
    post_unit, post_level = _posts(units)
    inside = _subtree(units, cohort.unit, post_unit)
    present = cohort.in_post(end)
    seniority = np.array([SENIORITY[b] for b in schema.PAY_BANDS])[cohort.band]
    score = seniority + rng.uniform(0.0, 1.5, cohort.size)
    holder = _holders(post_unit, inside, present, score, cohort.unit, rng)
    cover = np.where(holder >= 0, _draw(rng, COVER_MIX, holder.size), -1)
    cliff = _cliff_unit(units, post_unit, rng)
    in_cliff = np.isin(post_unit, _below(units, cliff))
    cohort, planted = _plant_cliff(cohort, holder[in_cliff], (first, end), rng)
    ids = np.array([f"P{i:05d}" for i in range(1, post_unit.size + 1)], dtype=object)
    staff_ids = cohort.ids()
    posts = pl.DataFrame(
        {
            "post_id": ids.tolist(),
            "unit_code": [units.codes[u] for u in post_unit.tolist()],
            "level": [schema.LEADERSHIP_LEVELS[v] for v in post_level.tolist()],
            "holder": [staff_ids[h] if h >= 0 else None for h in holder.tolist()],
            "cover": [schema.COVER_TYPES[c] if c >= 0 else None for c in cover.tolist()],
        },
        schema={c: pl.Utf8 for c, _ in schema.FRAMES["posts"]},
    )
    people = (inside, present, seniority, staff_ids)
    successors = _successors(ids, post_level, holder, people, rng)
    cliff_truth = {
        "unit": units.codes[cliff],
        "name": units.names[cliff],
        "posts": int(in_cliff.sum()),
        **planted,
    }
    return Leadership(posts, successors, cohort, {"retirement_cliff": cliff_truth})


def _posts(units: Units) -> tuple[np.ndarray, np.ndarray]:
    """Unit and level of every post, in unit order."""
    level = post_levels(units)
    per_unit = np.array([POSTS_PER_UNIT[v] for v in schema.LEADERSHIP_LEVELS])[level]
    per_unit = per_unit + (units.is_leaf & (units.headcount >= BIG_TEAM))
    unit = np.repeat(np.arange(units.size), per_unit)
    return unit, level[unit]


def _below(units: Units, unit: int) -> np.ndarray:
    """Indices of ``unit`` and every unit below it."""
    return np.flatnonzero(units.ancestor_at(int(units.level[unit])) == unit)


def _subtree(units: Units, person_unit: np.ndarray, post_unit: np.ndarray) -> np.ndarray:
    """Boolean (people x posts): the person works in the post's unit or below it."""
    levels = np.unique(units.level)
    ancestors = {int(v): units.ancestor_at(int(v))[person_unit] for v in levels}
    out = np.zeros((person_unit.size, post_unit.size), dtype=bool)
    for j, unit in enumerate(post_unit.tolist()):
        out[:, j] = ancestors[int(units.level[unit])] == unit
    return out


def _holders(
    post_unit: np.ndarray,
    inside: np.ndarray,
    present: np.ndarray,
    score: np.ndarray,
    person_unit: np.ndarray,
    rng: np.random.Generator,
) -> np.ndarray:
    """Holder (person index, -1 when vacant) of each post, senior posts filled first."""
    vacant = rng.random(post_unit.size) < VACANT_SHARE
    free = present.copy()
    holder = np.full(post_unit.size, -1, dtype=np.int64)
    for j in np.argsort(post_unit, kind="stable").tolist():
        eligible = free & inside[:, j]
        if vacant[j] or not eligible.any():
            continue
        ranked = np.where(eligible, score + OWN_UNIT_BONUS * (person_unit == post_unit[j]), -1.0)
        holder[j] = int(np.argmax(ranked))
        free[holder[j]] = False
    return holder


def _draw(rng: np.random.Generator, probs: tuple[float, ...], n: int) -> np.ndarray:
    return rng.choice(len(probs), size=n, p=np.asarray(probs) / sum(probs))


def _cliff_unit(units: Units, post_unit: np.ndarray, rng: np.random.Generator) -> int:
    """A child of the root among the half with the most posts below them."""
    root = int(np.flatnonzero(units.parent < 0)[0])
    children = np.flatnonzero((units.parent == root) & ~units.is_leaf)
    if children.size == 0:
        children = np.flatnonzero(units.parent == root)
    counts = np.array([np.isin(post_unit, _below(units, c)).sum() for c in children.tolist()])
    big = children[counts >= np.median(counts)]
    return int(rng.choice(big))


def _plant_cliff(
    cohort: Cohort, holders: np.ndarray, span: tuple[int, int], rng: np.random.Generator
) -> tuple[Cohort, dict[str, Any]]:
    """Make most of ``holders`` (-1: vacant) 56 to 65 years old on the last day of ``span``."""
    first, end = span
    leaders = np.unique(holders[holders >= 0])
    chosen = leaders[rng.random(leaders.size) < CLIFF_SHARE]
    age0 = cohort.age0.copy()
    age0[chosen] = rng.uniform(*CLIFF_AGES, chosen.size) - (end - first) / YEAR_DAYS
    planted = {
        "age_bands": list(CLIFF_BANDS),
        "share": CLIFF_SHARE,
        "leaders": int(leaders.size),
        "aged": int(chosen.size),
    }
    return replace(cohort, age0=age0), planted


def _successors(
    post_ids: np.ndarray,
    post_level: np.ndarray,
    holder: np.ndarray,
    people: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray],
    rng: np.random.Generator,
) -> pl.DataFrame:
    """One or two named successors for some posts: senior people in post in the subtree.

    ``people`` holds the people x posts subtree mask, who is in post, seniority and staff ids.
    """
    inside, present, seniority, staff_ids = people
    chance = np.array([SUCCESSION[v] for v in schema.LEADERSHIP_LEVELS])[post_level]
    named = rng.random(post_ids.size) < chance
    wanted = 1 + (rng.random(post_ids.size) < TWO_SUCCESSORS)
    score = seniority + rng.uniform(0.0, 3.0, seniority.size)
    rows: list[tuple[str, str]] = []
    for j in np.flatnonzero(named).tolist():
        eligible = present & inside[:, j]
        if holder[j] >= 0:
            eligible[holder[j]] = False
        ranked = np.flatnonzero(eligible)
        ranked = ranked[np.argsort(-score[ranked], kind="stable")][: wanted[j]]
        rows.extend((post_ids[j], staff_ids[k]) for k in ranked.tolist())
    readiness = _draw(rng, READINESS_MIX, len(rows))
    return pl.DataFrame(
        {
            "post_id": [r[0] for r in rows],
            "staff_id": [r[1] for r in rows],
            "readiness": [schema.READINESS[k] for k in readiness.tolist()],
        },
        schema={c: pl.Utf8 for c, _ in schema.FRAMES["successors"]},
    )
