"""Synthetic 360-degree feedback on leaders, with a planted self-over-rater.

Each subject (a leader) is rated on every item by themselves and by raters in four other
groups: their manager (one; the manager's rating is attributed), peers (2 to 8), direct
reports (1 to 10) and others (0 to 4). At least one group of 1 or 2 raters is always
present, so that the minimum-rater rule has something to hide. Items belong to measures;
each subject has a true level per measure (about 3.2 to 4.2 on the 1-5 scale), and a
rater's answer is

``clip(round(level + group bias + rater leniency + noise), 1, 5)``,

with the self-rating's group bias +0.3 (people tend to rate themselves a little higher),
rater leniency ~ N(0, 0.4) (none for self) and noise ~ N(0, 0.6) per answer. About 5 to 15%
of other raters' answers are null: "not seen enough to say" (never the self-rating).

Planted: one *self-over-rater*, whose others see them at 2.5 on every measure while they
rate themselves at about 4.8 (latent 5.0 before rounding and clipping).
Deterministic for a seed.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import polars as pl

__all__ = ["RATER_GROUPS", "synthesise_360"]

RATER_GROUPS: tuple[str, ...] = ("self", "manager", "peer", "direct_report", "other")
GROUP_SIZES: dict[str, tuple[int, int]] = {  # inclusive ranges; self is always 1
    "manager": (1, 1),
    "peer": (2, 8),
    "direct_report": (1, 10),
    "other": (0, 4),
}
GROUP_BIAS: dict[str, float] = {
    "self": 0.3,
    "manager": -0.1,
    "peer": 0.0,
    "direct_report": 0.1,
    "other": 0.0,
}
NOT_SEEN: dict[str, float] = {
    "self": 0.0,
    "manager": 0.05,
    "peer": 0.08,
    "direct_report": 0.06,
    "other": 0.15,
}
LEVEL_RANGE = (3.2, 4.2)
MEASURE_SD = 0.3
RATER_SD = 0.4
NOISE_SD = 0.6
OVER_RATER_SELF = 5.0  # latent; about 4.8 after rounding and clipping at 5
OVER_RATER_OTHERS = 2.5
SMALL = 3  # groups of fewer raters than this are hidden by the minimum-rater rule


def _measures(
    items: tuple[str, ...], measures: Mapping[str, Sequence[str]] | None
) -> dict[str, tuple[str, ...]]:
    """Measure id -> its items; every item belongs to exactly one measure."""
    if measures is None:
        return {item: (item,) for item in items}
    out = {str(m): tuple(str(i) for i in its) for m, its in measures.items()}
    listed = [i for its in out.values() for i in its]
    if sorted(listed) != sorted(items) or not all(out.values()):
        raise ValueError("measures must place every item in exactly one measure, none empty.")
    return out


def _check(
    subjects: Sequence[str], seed: int, items: Sequence[str], over: str | None
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"seed must be a whole number of at least 0, got {seed!r}.")
    people, questions = tuple(subjects), tuple(items)
    for name, ids in (("subjects", people), ("instrument_items", questions)):
        if not ids or not all(isinstance(x, str) and x for x in ids) or len(set(ids)) < len(ids):
            raise ValueError(f"{name} must be one or more distinct ids (text).")
    if over is not None and over not in people:
        raise ValueError(f"self_over_rater {over!r} is not one of the subjects.")
    return people, questions


def _sizes(count: int, rng: np.random.Generator) -> list[dict[str, int]]:
    """Raters per group for each subject; a small group (1 or 2) somewhere, always."""
    sizes = [
        {"self": 1, **{g: int(rng.integers(lo, hi + 1)) for g, (lo, hi) in GROUP_SIZES.items()}}
        for _ in range(count)
    ]
    if not any(0 < s[g] < SMALL for s in sizes for g in ("peer", "direct_report")):
        sizes[0]["direct_report"] = 2
    return sizes


def _levels(
    measures: dict[str, tuple[str, ...]], over: bool, rng: np.random.Generator
) -> dict[str, float]:
    """The subject's true level per measure, as others see them."""
    if over:
        return {m: OVER_RATER_OTHERS for m in measures}
    base = rng.uniform(*LEVEL_RANGE)
    return {m: float(base + rng.normal(0.0, MEASURE_SD)) for m in measures}


def _ratings(
    level: np.ndarray, group: str, raters: int, over: bool, rng: np.random.Generator
) -> np.ndarray:
    """Scores (raters x items) as floats, NaN where the rater had not seen enough."""
    if group == "self" and over:
        latent = np.full((1, level.size), OVER_RATER_SELF)
    elif group == "self":
        latent = level[None, :] + GROUP_BIAS["self"]
    else:
        leniency = rng.normal(0.0, RATER_SD, (raters, 1))
        latent = level[None, :] + GROUP_BIAS[group] + leniency
    noise = rng.normal(0.0, NOISE_SD, (raters, level.size))
    scores = np.clip(np.rint(latent + noise), 1, 5)
    scores[rng.random(scores.shape) < NOT_SEEN[group]] = np.nan
    return scores


def _subject_rows(
    subject: str,
    sizes: dict[str, int],
    item_level: np.ndarray,
    over: bool,
    rng: np.random.Generator,
) -> list[tuple[str, str, int, np.ndarray]]:
    """``(subject, group, rater number, scores over items)`` per rater of one subject."""
    rows: list[tuple[str, str, int, np.ndarray]] = []
    for group in RATER_GROUPS:
        scores = _ratings(item_level, group, sizes[group], over, rng)
        rows.extend((subject, group, r, scores[r]) for r in range(sizes[group]))
    return rows


def _frame(
    rows: list[tuple[str, str, int, np.ndarray]], items: tuple[str, ...], rng: np.random.Generator
) -> pl.DataFrame:
    """The long ratings frame; raters get opaque, unique keys."""
    keys = rng.choice(16**6, len(rows), replace=False)
    n = len(items)
    scores = np.concatenate([r[3] for r in rows]) if rows else np.zeros(0)
    return pl.DataFrame(
        {
            "subject": np.repeat([r[0] for r in rows], n).tolist(),
            "rater_group": np.repeat([r[1] for r in rows], n).tolist(),
            "rater": np.repeat([f"R{k:06x}" for k in keys.tolist()], n).tolist(),
            "item": list(items) * len(rows),
            "score": pl.Series(scores, dtype=pl.Float64, nan_to_null=True).cast(pl.Int8),
        },
        schema={
            "subject": pl.Utf8,
            "rater_group": pl.Utf8,
            "rater": pl.Utf8,
            "item": pl.Utf8,
            "score": pl.Int8,
        },
    )


def synthesise_360(
    subjects: Sequence[str],
    seed: int,
    instrument_items: Sequence[str],
    measures: Mapping[str, Sequence[str]] | None = None,
    self_over_rater: str | None = None,
) -> tuple[pl.DataFrame, dict[str, Any]]:
    """360 ratings of ``subjects`` on ``instrument_items`` and the truth (see the module doc).

    ``measures`` maps each measure id to its items (every item in exactly one; default: each
    item its own measure). ``self_over_rater`` is the subject planted as over-rating
    themselves (default: one drawn from the seed). Returns a frame with columns ``subject``,
    ``rater_group`` (:data:`RATER_GROUPS`), ``rater`` (an opaque key), ``item`` and ``score``
    (``Int8`` codes 1-5; null for "not seen enough"), and a JSON-ready truth record with the
    keys ``seed``, ``subjects``, ``items``, ``measures``, ``groups`` (raters per group per
    subject), ``small_groups``, ``levels`` (true level per measure per subject, as others
    see them), ``self_over_rater`` and ``settings``. Raises ``ValueError`` for bad arguments.
    """
    people, items = _check(subjects, seed, instrument_items, self_over_rater)
    layout = _measures(items, measures)
    streams = [np.random.default_rng(s) for s in np.random.SeedSequence([seed, 67]).spawn(3)]
    over = self_over_rater or people[int(streams[0].integers(len(people)))]
    sizes = _sizes(len(people), streams[0])
    measure_of = {i: m for m, its in layout.items() for i in its}
    levels, rows = {}, []
    for subject, size in zip(people, sizes, strict=True):
        levels[subject] = _levels(layout, subject == over, streams[1])
        item_level = np.array([levels[subject][measure_of[i]] for i in items])
        rows += _subject_rows(subject, size, item_level, subject == over, streams[1])
    frame = _frame(rows, items, streams[2])
    return frame, _truth(seed, people, layout, sizes, levels, over)


def _truth(
    seed: int,
    people: tuple[str, ...],
    layout: dict[str, tuple[str, ...]],
    sizes: list[dict[str, int]],
    levels: dict[str, dict[str, float]],
    over: str,
) -> dict[str, Any]:
    groups = dict(zip(people, sizes, strict=True))
    return {
        "seed": int(seed),
        "subjects": list(people),
        "items": [i for its in layout.values() for i in its],
        "measures": {m: list(its) for m, its in layout.items()},
        "groups": groups,
        "small_groups": [
            [s, g, n]
            for s, by in groups.items()
            for g, n in by.items()
            if g != "self" and 0 < n < SMALL
        ],
        "levels": levels,
        "self_over_rater": {
            "subject": over,
            "self_latent": OVER_RATER_SELF,
            "self_expected": 4.8,
            "others": OVER_RATER_OTHERS,
        },
        "settings": {
            "group_sizes": {g: list(r) for g, r in GROUP_SIZES.items()},
            "group_bias": GROUP_BIAS,
            "not_seen": NOT_SEEN,
            "level_range": list(LEVEL_RANGE),
            "measure_sd": MEASURE_SD,
            "rater_sd": RATER_SD,
            "noise_sd": NOISE_SD,
        },
    }
