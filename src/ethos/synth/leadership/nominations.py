"""Synthetic peer nominations of leaders, with a planted informal leader.

Each member of staff in post names up to three colleagues (none: 20%, one: 25%, two: 25%,
three: 30%), each for one of the values. About 85% of the people named work in the
nominator's own unit; the rest anywhere else. Some people are named more than others: each
has a popularity drawn from a lognormal distribution, doubled for holders of leadership
posts, and colleagues are chosen in proportion to it. Repeats and self-nominations are
dropped, so "up to three" is sometimes fewer.

Planted:

- one *informal leader*: a person with no post in an ordinary unit (12 to 40 staff where
  there is one) is named by 60% of their unit's colleagues and by 8 people from other units
  (each of those keeps at most two of their own picks besides);
- about 3% of staff *opted out* of being nominated. Colleagues still name them in the raw
  data; an analysis must drop those nominations.

Deterministic for a seed.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import polars as pl

__all__ = ["VALUES", "nomination_people", "synthesise_nominations"]

VALUES: tuple[str, ...] = (
    "working_together",
    "respect_dignity",
    "quality_of_care",
    "compassion",
    "improving_lives",
    "everyone_counts",
)
"""The NHS Constitution values, as value ids."""
PARTICIPATION = (0.2, 0.25, 0.25, 0.3)  # chance of naming 0, 1, 2 or 3 colleagues
WITHIN_UNIT = 0.85
POPULARITY_SD = 0.5
POST_BOOST = 2.0
OPT_OUT_SHARE = 0.03
PLANTED_OWN_SHARE = 0.6
PLANTED_OUTSIDE = 8
ORDINARY_UNIT = (12, 40)
REASONS: dict[str, tuple[str, ...]] = {
    "working_together": (
        "Pulls the whole team together on a busy shift.",
        "Always the first to help another ward out.",
        "Makes handovers work for everyone.",
    ),
    "respect_dignity": (
        "Treats every patient and colleague with the same respect.",
        "Speaks up kindly when someone is not treated well.",
        "Listens before judging, every time.",
    ),
    "quality_of_care": (
        "Will not cut corners, even when we are short.",
        "Checks the small things that keep patients safe.",
        "Keeps asking how we could do it better.",
    ),
    "compassion": (
        "Notices when someone is struggling and makes time for them.",
        "Sat with a frightened family long after her shift ended.",
        "Kind to new starters when it would be easier not to be.",
    ),
    "improving_lives": (
        "Started the change that cut our waiting times.",
        "Found a way to get patients home sooner and safely.",
        "Turns complaints into improvements.",
    ),
    "everyone_counts": (
        "Makes sure the quiet voices are heard in meetings.",
        "Includes the night staff and the bank staff in everything.",
        "Fights for patients who find it hardest to be heard.",
    ),
}
OTHER_REASONS = (
    "Lives this value every day.",
    "Shows the rest of us what this value looks like.",
)


def _roster(staff: pl.DataFrame, posts: pl.DataFrame) -> pl.DataFrame:
    """Staff in post (no leaving date), sorted by unit, with ``holds_post`` and ``unit``."""
    for name, frame, columns in (
        ("staff", staff, ("staff_id", "unit_code", "ethnicity", "disability")),
        ("posts", posts, ("holder",)),
    ):
        if not isinstance(frame, pl.DataFrame):
            raise ValueError(f"{name} must be a polars DataFrame.")
        missing = [c for c in columns if c not in frame.columns]
        if missing:
            raise ValueError(f"{name} is missing the column(s): {', '.join(missing)}.")
    holders = posts.get_column("holder").drop_nulls().implode()
    frame = staff.filter(pl.col("leaving_date").is_null()) if "leaving_date" in staff else staff
    frame = frame.sort("unit_code", "staff_id").with_columns(
        pl.col("staff_id").is_in(holders).alias("holds_post"),
        pl.col("unit_code").rank("dense").cast(pl.Int64).sub(1).alias("unit"),
    )
    if frame.get_column("unit").max() in (None, 0):
        raise ValueError("staff must work in at least two units to plant an informal leader.")
    return frame


def _pick_leader(roster: pl.DataFrame, rng: np.random.Generator) -> int:
    """Row of the planted informal leader: no post, in an ordinary unit."""
    size = roster.get_column("unit").value_counts().rename({"count": "size"})
    sized = roster.with_row_index("row").join(size, on="unit")
    for low, high in (ORDINARY_UNIT, (6, np.iinfo(np.int32).max)):
        pool = sized.filter(
            ~pl.col("holds_post") & pl.col("size").is_between(low, high)
        ).get_column("row")
        if pool.len():
            return int(rng.choice(pool.to_numpy()))
    raise ValueError("no unit has 6 or more staff without a post to plant an informal leader.")


def _targets(
    unit: np.ndarray, weight: np.ndarray, source: np.ndarray, rng: np.random.Generator
) -> np.ndarray:
    """A colleague for each nominator in ``source``: own unit (85%) or anywhere else."""
    cum = np.cumsum(weight)
    before = np.concatenate(([0.0], cum))
    start = np.searchsorted(unit, unit, side="left")
    end = np.searchsorted(unit, unit, side="right")
    lo, hi = before[start[source]], before[end[source]]
    u = rng.random(source.size)
    anywhere = rng.random(source.size) >= WITHIN_UNIT
    point = np.where(anywhere, u * cum[-1], lo + u * (hi - lo))
    target = np.minimum(np.searchsorted(cum, point, side="right"), unit.size - 1)
    moved = anywhere & (unit[target] == unit[source])
    return np.where(moved | (target == source), -1, target)


def _pairs(roster: pl.DataFrame, rng: np.random.Generator) -> np.ndarray:
    """Distinct (nominator, nominee) row pairs, shaped ``(n, 2)``, before planting."""
    unit = roster.get_column("unit").to_numpy()
    weight = rng.lognormal(0.0, POPULARITY_SD, unit.size)
    weight *= np.where(roster.get_column("holds_post").to_numpy(), POST_BOOST, 1.0)
    counts = rng.choice(len(PARTICIPATION), unit.size, p=PARTICIPATION)
    source = np.repeat(np.arange(unit.size), counts)
    target = _targets(unit, weight, source, rng)
    pairs = np.column_stack((source, target))[target >= 0]
    return np.unique(pairs, axis=0)


def _plant(
    roster: pl.DataFrame, leader: int, pairs: np.ndarray, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Pairs with the planted nominators naming ``leader``, and the planted nominators."""
    unit = roster.get_column("unit").to_numpy()
    own = np.flatnonzero((unit == unit[leader]) & (np.arange(unit.size) != leader))
    others = np.flatnonzero(unit != unit[leader])
    planted = np.concatenate(
        (
            rng.choice(own, round(PLANTED_OWN_SHARE * own.size), replace=False),
            rng.choice(others, min(PLANTED_OUTSIDE, others.size), replace=False),
        )
    )
    chosen = np.isin(pairs[:, 0], planted)
    theirs = pairs[chosen & (pairs[:, 1] != leader)]
    order = np.arange(theirs.shape[0])
    first = np.ones(order.size, dtype=bool)
    first[1:] = theirs[1:, 0] != theirs[:-1, 0]
    rank = order - np.maximum.accumulate(np.where(first, order, 0))  # place among their picks
    added = np.column_stack((planted, np.full(planted.size, leader)))
    kept = np.concatenate((pairs[~chosen], theirs[rank < 2], added))
    return kept[np.lexsort((kept[:, 1], kept[:, 0]))], planted


def _reasons(values: np.ndarray, rng: np.random.Generator) -> list[str]:
    u = rng.random(values.size)
    out = []
    for value, draw in zip(values.tolist(), u.tolist(), strict=True):
        texts = REASONS.get(value, OTHER_REASONS)
        out.append(texts[int(draw * len(texts))])
    return out


def _check(seed: int, values: Sequence[str]) -> tuple[str, ...]:
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"seed must be a whole number of at least 0, got {seed!r}.")
    chosen = tuple(values)
    if not chosen or not all(isinstance(v, str) and v for v in chosen):
        raise ValueError("values must be one or more value ids (text).")
    if len(set(chosen)) != len(chosen):
        raise ValueError("values must not repeat.")
    return chosen


def synthesise_nominations(
    staff: pl.DataFrame,
    posts: pl.DataFrame,
    seed: int = 0,
    values: Sequence[str] = VALUES,
) -> tuple[pl.DataFrame, dict[str, Any]]:
    """Nominations among the staff in post, and the truth record (see the module doc).

    ``staff`` and ``posts`` are the frames of :func:`ethos.synth.workforce.synthesise_workforce`
    (the staff in post are those with no ``leaving_date``). Returns a frame with columns
    ``nominator``, ``nominee`` (staff ids), ``value`` (from ``values``) and ``reason``
    (text), sorted by nominator then nominee, and a JSON-ready truth record with the keys
    ``seed``, ``values``, ``staff``, ``nominators``, ``nominations``, ``opted_out`` (staff ids,
    sorted), ``opted_out_nominations``, ``informal_leader``, ``no_planted_difference`` and
    ``settings``.
    Raises ``ValueError`` for bad frames, seed or values.
    """
    chosen = _check(seed, values)
    roster = _roster(staff, posts)
    streams = [np.random.default_rng(s) for s in np.random.SeedSequence([seed, 61]).spawn(4)]
    leader = _pick_leader(roster, streams[0])
    pairs, planted = _plant(roster, leader, _pairs(roster, streams[1]), streams[2])
    ids = roster.get_column("staff_id").to_numpy()
    value = np.asarray(chosen, dtype=object)[streams[3].integers(0, len(chosen), len(pairs))]
    frame = pl.DataFrame(
        {
            "nominator": ids[pairs[:, 0]].tolist(),
            "nominee": ids[pairs[:, 1]].tolist(),
            "value": value.tolist(),
            "reason": _reasons(value, streams[3]),
        },
        schema={"nominator": pl.Utf8, "nominee": pl.Utf8, "value": pl.Utf8, "reason": pl.Utf8},
    ).sort("nominator", "nominee")
    opted = _opt_outs(roster, leader, streams[0])
    truth = _truth(seed, chosen, roster, frame, opted, leader, planted)
    return frame, truth


def _opt_outs(roster: pl.DataFrame, leader: int, rng: np.random.Generator) -> list[str]:
    """About 3% of staff in post (at least one), never the planted leader."""
    pool = np.delete(np.arange(roster.height), leader)
    count = min(pool.size, max(1, round(OPT_OUT_SHARE * roster.height)))
    rows = rng.choice(pool, count, replace=False)
    return sorted(roster.get_column("staff_id").gather(rows).to_list())


def _truth(
    seed: int,
    values: tuple[str, ...],
    roster: pl.DataFrame,
    frame: pl.DataFrame,
    opted: list[str],
    leader: int,
    planted: np.ndarray,
) -> dict[str, Any]:
    row = roster.row(leader, named=True)
    unit_of = dict(zip(roster["staff_id"], roster["unit_code"], strict=True))
    named = frame.filter(pl.col("nominee") == row["staff_id"]).get_column("nominator").to_list()
    outside = [unit_of[p] for p in named if unit_of[p] != row["unit_code"]]
    return {
        "seed": int(seed),
        "values": list(values),
        "staff": roster.height,
        "nominators": frame.get_column("nominator").n_unique(),
        "nominations": frame.height,
        "opted_out": opted,
        "opted_out_nominations": frame.filter(pl.col("nominee").is_in(opted)).height,
        "informal_leader": {
            "staff_id": row["staff_id"],
            "unit_code": row["unit_code"],
            "unit_size": int((roster["unit"] == row["unit"]).sum()),
            "nominations": len(named),
            "planted_nominators": int(planted.size),
            "outside_nominators": len(outside),
            "outside_units": len(set(outside)),
        },
        "no_planted_difference": ["nomination by ethnicity", "nomination by disability"],
        "settings": {
            "participation": list(PARTICIPATION),
            "within_unit": WITHIN_UNIT,
            "popularity_sd": POPULARITY_SD,
            "post_boost": POST_BOOST,
            "opt_out_share": OPT_OUT_SHARE,
            "planted_own_share": PLANTED_OWN_SHARE,
            "planted_outside": PLANTED_OUTSIDE,
        },
    }


def nomination_people(
    staff: pl.DataFrame, posts: pl.DataFrame, truth: dict[str, Any]
) -> pl.DataFrame:
    """The people frame for :func:`ethos.stats.nominations.analyse_nominations`.

    Columns ``staff_id``, ``unit_code``, ``holds_post``, ``ethnicity``, ``disability`` and
    ``opted_out`` (from ``truth["opted_out"]``), one row per member of staff in post.
    """
    roster = _roster(staff, posts)
    opted = pl.Series(truth["opted_out"], dtype=pl.Utf8).implode()
    return roster.select(
        "staff_id",
        "unit_code",
        "holds_post",
        "ethnicity",
        "disability",
        pl.col("staff_id").is_in(opted).alias("opted_out"),
    )
