"""Private helpers: check the workforce frames and count people over unit subtrees.

People are counted once, in the unit of their staff record; posts are counted in the post's
unit. Every count for a unit covers the unit's whole subtree.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import date

import numpy as np
import polars as pl

from ethos.stats.tree import UnitTree
from ethos.workforce.schema import (
    AGE_BANDS,
    COVER_TYPES,
    ETHNICITY_BANDS,
    FRAMES,
    LEADERSHIP_LEVELS,
    LEAVING_REASONS,
    PAY_BANDS,
    READINESS,
    year_bounds,
)

LEADER_BANDS: tuple[str, ...] = (
    "Band 8a",
    "Band 8b",
    "Band 8c",
    "Band 8d",
    "Band 9",
    "VSM",
    "Medical consultant",
)
"""Pay bands counted as leaders for turnover and the projection's observed leaver rates."""


def require_frame(frame: object, kind: str, columns: Sequence[str] | None = None) -> pl.DataFrame:
    """Check ``frame`` is a polars frame with the columns of ``kind`` (from the schema)."""
    if not isinstance(frame, pl.DataFrame):
        raise ValueError(f"the {kind} frame must be a polars DataFrame, got {type(frame).__name__}")
    needed = list(columns) if columns is not None else [name for name, _ in FRAMES[kind]]
    missing = [c for c in needed if c not in frame.columns]
    if missing:
        raise ValueError(f"the {kind} frame lacks the column(s) {missing}")
    return frame


def category_index(
    frame: pl.DataFrame, column: str, allowed: Sequence[str], kind: str, nullable: bool = False
) -> np.ndarray:
    """Position of each value of ``column`` in ``allowed``; ``-1`` for a null (if allowed)."""
    series = frame.get_column(column).cast(pl.String)
    index = series.replace_strict(
        list(allowed), list(range(len(allowed))), default=-2, return_dtype=pl.Int64
    ).to_numpy(writable=True)
    null = series.is_null().to_numpy()
    index[null] = -1
    bad = (index == -2) | (null & (not nullable))
    if np.any(bad):
        value = series.to_list()[int(np.flatnonzero(bad)[0])]
        shown = "a blank" if value is None else f"'{value}'"
        raise ValueError(
            f"the {kind} frame has {shown} in column '{column}'; expected one of {list(allowed)}"
        )
    return index


def unit_tree(units: object) -> UnitTree:
    """The unit tree from a frame with columns ``code``, ``name`` and ``parent``."""
    frame = require_frame(units, "units", ["code", "name", "parent"])
    if frame.height == 0:
        raise ValueError("the units frame is empty")
    return UnitTree.from_parents(
        frame.get_column("code").cast(pl.String).to_list(),
        frame.get_column("parent").cast(pl.String).to_list(),
        frame.get_column("name").cast(pl.String).to_list(),
    )


def unit_index(frame: pl.DataFrame, tree: UnitTree, kind: str) -> np.ndarray:
    """Index in ``tree`` of each row's ``unit_code`` (``ValueError`` naming an unknown code)."""
    return category_index(frame, "unit_code", tree.codes, kind)


def check_year(year: object) -> tuple[date, date]:
    """First and last day of reporting ``year`` after checking it is a plausible year."""
    if isinstance(year, bool) or not isinstance(year, int | np.integer):
        raise ValueError(f"year must be an integer such as 2026, got {year!r}")
    if not 2000 <= int(year) <= 2100:
        raise ValueError(f"year must be between 2000 and 2100, got {year}")
    return year_bounds(int(year))


def check_bands(bands: Collection[str]) -> tuple[str, ...]:
    """Validate a set of pay bands, returned in canonical order."""
    if isinstance(bands, str):
        raise ValueError("leader_bands must be a collection of pay bands, not a single string")
    unknown = sorted(set(bands) - set(PAY_BANDS))
    if unknown:
        raise ValueError(f"unknown pay band(s) {unknown}; expected values from {list(PAY_BANDS)}")
    if not bands:
        raise ValueError("leader_bands must name at least one pay band")
    return tuple(b for b in PAY_BANDS if b in set(bands))


def check_level(level: float) -> float:
    """A confidence level strictly between 0 and 1."""
    if not 0.0 < float(level) < 1.0:
        raise ValueError(f"level must be strictly between 0 and 1, got {level}")
    return float(level)


def subtree_counts(
    tree: UnitTree, unit: np.ndarray, category: np.ndarray, width: int, keep: np.ndarray
) -> np.ndarray:
    """Rows counted by unit and category (``-1`` skipped), each unit over its subtree."""
    use = keep & (category >= 0)
    flat = unit[use] * width + category[use]
    direct = np.bincount(flat, minlength=tree.size * width).reshape(tree.size, width)
    return tree.rollup(direct.astype(np.int64), in_place=True)


def directorates(tree: UnitTree) -> np.ndarray:
    """The organisation (root, index 0) followed by its children, the directorates."""
    return np.r_[0, np.flatnonzero(tree.parent == 0)].astype(np.int64)


@dataclass(frozen=True, slots=True, eq=False)
class Staff:
    """The staff frame as arrays, with each person's place in the reporting year."""

    ids: tuple[str, ...]
    unit: np.ndarray
    band: np.ndarray
    ethnicity: np.ndarray
    age: np.ndarray
    at_start: np.ndarray
    at_end: np.ndarray
    leaver: np.ndarray
    retired: np.ndarray


def read_staff(staff: object, tree: UnitTree, year: object) -> Staff:
    """Check the staff frame and place each person in reporting ``year``.

    In post at the start: started on or before 1 April and had not left before it. In post at
    the end: started by 31 March with no leaving date, or one after 31 March. A leaver left
    between 1 April and 31 March inclusive.
    """
    first, last = check_year(year)
    frame = require_frame(staff, "staff")
    ids = frame.get_column("staff_id").cast(pl.String)
    if ids.null_count() or ids.is_duplicated().any():
        raise ValueError("staff_id must be present and unique in the staff frame")
    for column in ("start_date", "leaving_date"):
        if frame.schema[column] not in (pl.Date, pl.Null):
            raise ValueError(f"column '{column}' of the staff frame must hold dates")
    start, leave = pl.col("start_date"), pl.col("leaving_date")
    flags = frame.select(
        at_start=(start <= first) & (leave.is_null() | (leave >= first)).fill_null(False),
        at_end=(start <= last) & (leave.is_null() | (leave > last)).fill_null(False),
        leaver=((leave >= first) & (leave <= last)).fill_null(False),
    )
    reason = category_index(frame, "leaving_reason", LEAVING_REASONS, "staff", nullable=True)
    leaver = flags.get_column("leaver").fill_null(False).to_numpy()
    return Staff(
        ids=tuple(ids.to_list()),
        unit=unit_index(frame, tree, "staff"),
        band=category_index(frame, "pay_band", PAY_BANDS, "staff"),
        ethnicity=category_index(frame, "ethnicity", ETHNICITY_BANDS, "staff"),
        age=category_index(frame, "age_band", AGE_BANDS, "staff"),
        at_start=flags.get_column("at_start").fill_null(False).to_numpy(),
        at_end=flags.get_column("at_end").fill_null(False).to_numpy(),
        leaver=leaver,
        retired=leaver & (reason == LEAVING_REASONS.index("Retirement")),
    )


@dataclass(frozen=True, slots=True, eq=False)
class Posts:
    """The posts frame as arrays; ``holder`` is a row of the staff frame, ``-1`` if vacant."""

    ids: tuple[str, ...]
    unit: np.ndarray
    level: np.ndarray
    cover: np.ndarray
    holder_ids: tuple[str | None, ...]


def read_posts(posts: object, tree: UnitTree) -> Posts:
    """Check the posts frame: unique ids, known units and levels, cover set when filled."""
    frame = require_frame(posts, "posts")
    ids = frame.get_column("post_id").cast(pl.String)
    if ids.null_count() or ids.is_duplicated().any():
        raise ValueError("post_id must be present and unique in the posts frame")
    cover = category_index(frame, "cover", COVER_TYPES, "posts", nullable=True)
    holders = frame.get_column("holder").cast(pl.String).to_list()
    filled = np.array([h is not None for h in holders], dtype=bool)
    mismatch = filled != (cover >= 0)
    if np.any(mismatch):
        post = ids[int(np.flatnonzero(mismatch)[0])]
        raise ValueError(
            f"post '{post}' must have both a holder and a cover type, or neither (vacant)"
        )
    return Posts(
        ids=tuple(ids.to_list()),
        unit=unit_index(frame, tree, "posts"),
        level=category_index(frame, "level", LEADERSHIP_LEVELS, "posts"),
        cover=cover,
        holder_ids=tuple(holders),
    )


def holder_rows(posts: Posts, staff: Staff) -> np.ndarray:
    """Row of each post's holder in the staff frame (``-1`` when vacant)."""
    position = {sid: i for i, sid in enumerate(staff.ids)}
    rows = np.full(len(posts.ids), -1, dtype=np.int64)
    for p, holder in enumerate(posts.holder_ids):
        if holder is None:
            continue
        if holder not in position:
            raise ValueError(
                f"post '{posts.ids[p]}' is held by '{holder}', who is not in the staff frame"
            )
        rows[p] = position[holder]
    return rows


def leader_mask(posts: Posts, staff: Staff) -> np.ndarray:
    """For each staff row, whether the person holds at least one leadership post."""
    rows = holder_rows(posts, staff)
    mask = np.zeros(len(staff.ids), dtype=bool)
    mask[rows[rows >= 0]] = True
    return mask


def ready_now(successors: object, posts: Posts) -> np.ndarray:
    """Number of distinct ready-now successors named for each post."""
    frame = require_frame(successors, "successors")
    category_index(frame, "readiness", READINESS, "successors")
    category_index(frame, "post_id", posts.ids, "successors")
    ready = frame.filter(pl.col("readiness") == READINESS[0]).unique(["post_id", "staff_id"])
    index = category_index(ready, "post_id", posts.ids, "successors")
    return np.bincount(index, minlength=len(posts.ids)).astype(np.int64)
