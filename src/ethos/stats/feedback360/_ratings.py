"""Private: check a 360 ratings frame and turn it into per-rater score matrices.

The frame is long: one row per rater and item, with columns ``rater_group``, ``rater``,
``item`` and ``score`` (the answer code; null for "I have not seen enough to say"). It becomes
one row per rater, scored as survey answers are: item codes become keyed 0-10 scores through
:func:`ethos.stats.scoring.keyed_item_scores` (five-point codes map to 0, 2.5, 5, 7.5 and 10,
non-scoring codes count as not answered), and measures follow the rules of
:func:`ethos.stats.scoring.score_respondents` (the mean of the answered items when at least
``min_answered`` were answered; ``mean_of_measures`` needs every part). Measures are worked
out here in float64, not with the survey scorer's float32 matrix products, so that a rater's
score never depends, even in the last bit, on which other raters are in the frame.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

from ethos.instruments.model import Instrument
from ethos.stats.scoring import keyed_item_scores

RATER_GROUPS: tuple[str, ...] = ("self", "manager", "peer", "direct_report", "other")
"""The rater groups a ratings frame may hold, in report order."""
ANONYMOUS: tuple[str, ...] = ("peer", "direct_report", "other")
"""Groups whose raters are anonymous and subject to the minimum-rater rule."""
COLUMNS: tuple[str, ...] = ("rater_group", "rater", "item", "score")


@dataclass(frozen=True, slots=True, eq=False)
class Ratings:
    """One row per rater, in group order then rater key.

    ``group`` indexes :data:`RATER_GROUPS`; ``items`` holds keyed 0-10 item scores and
    ``measures`` the instrument's measure scores per rater (``NaN`` = not answered).
    """

    group: np.ndarray
    items: np.ndarray
    measures: np.ndarray

    @property
    def qualifying(self) -> np.ndarray:
        """Raters with at least one scored answer."""
        return np.isfinite(self.items).any(axis=1)


def read_ratings(ratings: object, instrument: Instrument) -> Ratings:
    """Check the long ratings frame and score every rater (``ValueError`` on bad input)."""
    frame = _checked(ratings, instrument)
    _check_raters(frame)
    _check_codes(frame, instrument)
    order = pl.DataFrame({"rater_group": RATER_GROUPS, "_order": range(len(RATER_GROUPS))})
    wide = (
        frame.with_columns(pl.col("score").cast(pl.Int64))
        .pivot(on="item", index=["rater_group", "rater"], values="score")
        .join(order, on="rater_group")
        .sort("_order", "rater")
    )
    missing = [i for i in instrument.item_ids if i not in wide.columns]
    wide = wide.with_columns(pl.lit(None, dtype=pl.Int64).alias(i) for i in missing)
    items = keyed_item_scores(wide, instrument).values.astype(np.float64)
    return Ratings(
        group=wide.get_column("_order").to_numpy().astype(np.int64),
        items=items,
        measures=measure_scores(items, instrument),
    )


def measure_scores(items: np.ndarray, instrument: Instrument) -> np.ndarray:
    """Per-rater scores of the instrument's mean measures (columns in instrument order)."""
    out = np.full((items.shape[0], len(instrument.measures)), np.nan)
    where = {m.id: j for j, m in enumerate(instrument.measures)}
    for j, measure in enumerate(instrument.measures):
        if measure.method == "mean":
            values = items[:, [instrument.item_ids.index(i) for i in measure.items]]
            count = np.isfinite(values).sum(axis=1)
            with np.errstate(invalid="ignore"):
                mean = np.nansum(values, axis=1) / count
            out[:, j] = np.where(count >= measure.min_answered, mean, np.nan)
    for j, measure in enumerate(instrument.measures):
        if measure.method == "mean_of_measures":
            out[:, j] = out[:, [where[p] for p in measure.measures]].mean(axis=1)
    return out


def _checked(ratings: object, instrument: Instrument) -> pl.DataFrame:
    if not isinstance(ratings, pl.DataFrame):
        raise ValueError(f"ratings must be a polars DataFrame, got {type(ratings).__name__}")
    missing = [c for c in COLUMNS if c not in ratings.columns]
    if missing:
        raise ValueError(f"the ratings frame lacks the column(s) {missing}; needs {list(COLUMNS)}")
    if ratings.height == 0:
        raise ValueError("the ratings frame is empty: there is nothing to report")
    score = ratings.get_column("score")
    if not (score.dtype.is_numeric() or score.dtype == pl.Null):
        raise ValueError(f"column 'score' must hold numeric answer codes, not {score.dtype}")
    frame = ratings.select(
        pl.col("rater_group").cast(pl.String),
        pl.col("rater").cast(pl.String),
        pl.col("item").cast(pl.String),
        pl.col("score").cast(pl.Float64).fill_nan(None),
    )
    _check_values(frame, "rater_group", RATER_GROUPS)
    _check_values(frame, "item", instrument.item_ids)
    if frame.get_column("rater").null_count():
        raise ValueError("column 'rater' has a blank; every row needs the rater's key")
    return frame


def _check_values(frame: pl.DataFrame, column: str, allowed: tuple[str, ...]) -> None:
    values = frame.get_column(column)
    bad = values.is_null() | ~values.is_in(list(allowed))
    if bad.any():
        value = values.filter(bad).to_list()[0]
        shown = "a blank" if value is None else f"'{value}'"
        raise ValueError(f"column '{column}' has {shown}; expected one of {', '.join(allowed)}")


def _check_raters(frame: pl.DataFrame) -> None:
    """Each (rater, item) once, each rater in one group, at most one self and one manager."""
    twice = frame.filter(pl.struct("rater", "item").is_duplicated())
    if twice.height:
        row = twice.row(0, named=True)
        raise ValueError(f"rater '{row['rater']}' rated item '{row['item']}' more than once")
    groups = frame.group_by("rater").agg(pl.col("rater_group").n_unique().alias("n"))
    split = groups.filter(pl.col("n") > 1)
    if split.height:
        rater = split.get_column("rater").sort().to_list()[0]
        raise ValueError(f"rater '{rater}' appears in more than one rater group")
    for group in ("self", "manager"):
        count = frame.filter(pl.col("rater_group") == group).get_column("rater").n_unique()
        if count > 1:
            raise ValueError(
                f"the '{group}' group has {count} raters; a 360 has at most one {group} rating"
            )


def _check_codes(frame: pl.DataFrame, instrument: Instrument) -> None:
    """Every score is null or a code on its item's scale."""
    valid = pl.DataFrame(
        [
            (item.id, float(code))
            for item in instrument.items
            for code in instrument.scales[item.scale].codes
        ],
        schema={"item": pl.String, "score": pl.Float64},
        orient="row",
    )
    bad = frame.filter(pl.col("score").is_not_null()).join(valid, on=["item", "score"], how="anti")
    if bad.height:
        row = bad.row(0, named=True)
        scale = instrument.scales[instrument.item(row["item"]).scale]
        raise ValueError(
            f"rater '{row['rater']}' gave item '{row['item']}' the code {row['score']:g}, "
            f"which is not on scale '{scale.id}' (codes {', '.join(map(str, scale.codes))})"
        )
