"""Reduce the monthly ``outcomes`` frame to the shapes the analyses take."""

from __future__ import annotations

from datetime import date

import polars as pl

from ethos.workforce.schema import FRAMES

__all__ = ["unit_outcomes"]


def unit_outcomes(
    outcomes: pl.DataFrame, indicator: str, start: date | None = None, end: date | None = None
) -> pl.DataFrame:
    """One row per unit for ``indicator``: the mean of its monthly values and the months used.

    ``value = (1 / m) sum_t y_t`` over the ``m`` months (from ``start`` to ``end``, inclusive,
    when given) with a value, so each unit counts once in a unit-level correlation whatever
    its number of months. Returns columns ``unit_code``, ``value`` and ``months``, sorted by
    unit code.

    Raises
    ------
    ValueError
        If ``outcomes`` is not the ``outcomes`` frame, ``indicator`` has no rows in the period,
        or ``start`` is after ``end``.
    """
    if not isinstance(outcomes, pl.DataFrame):
        raise ValueError("outcomes must be a polars DataFrame (the outcomes frame)")
    missing = [name for name, _ in FRAMES["outcomes"] if name not in outcomes.columns]
    if missing:
        raise ValueError(f"the outcomes frame lacks the column(s) {missing}")
    if start is not None and end is not None and start > end:
        raise ValueError(f"start ({start}) must not be after end ({end})")
    rows = outcomes.filter(pl.col("indicator") == indicator, pl.col("value").is_not_null())
    if start is not None:
        rows = rows.filter(pl.col("month") >= start)
    if end is not None:
        rows = rows.filter(pl.col("month") <= end)
    if rows.height == 0:
        raise ValueError(f"indicator '{indicator}' has no values in the period")
    return (
        rows.group_by("unit_code")
        .agg(value=pl.col("value").mean(), months=pl.col("month").n_unique())
        .sort("unit_code")
    )
