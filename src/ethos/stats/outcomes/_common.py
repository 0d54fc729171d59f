"""Shared pieces of the culture-and-outcomes analyses: direction, warnings and inputs."""

from __future__ import annotations

import sys
from typing import Any

import numpy as np

from ethos.stats._frames import column_array

HIGHER_IS_BETTER = "higher is better"
LOWER_IS_BETTER = "lower is better"
DIRECTIONS: tuple[str, ...] = (HIGHER_IS_BETTER, LOWER_IS_BETTER)

FAVOURABLE, UNFAVOURABLE, UNCLEAR = "favourable", "unfavourable", "unclear"

FEW_UNITS = (
    "Only {n} units had the data: too few units to say much. Treat the result as a prompt "
    "for conversation, not a finding."
)
NOT_CAUSE = (
    "An association between units is not evidence that culture causes the outcome. Both may "
    "reflect something else (case mix, unit size, staffing, local deprivation), and a pattern "
    "across units need not hold for individual staff or patients (the ecological fallacy)."
)
FEW_MONTHS = (
    "{k} of {n} units had fewer than {m} months of outcome data; their outcome values are noisy."
)
DROPPED = "{d} rows were left out because a value was missing."


def check_direction(direction: str) -> str:
    if direction not in DIRECTIONS:
        raise ValueError(f"direction must be one of {list(DIRECTIONS)}, got {direction!r}")
    return direction


def check_level(level: float) -> float:
    if not 0.0 < float(level) < 1.0:
        raise ValueError(f"level must be strictly between 0 and 1, got {level}")
    return float(level)


def check_minimum(name: str, value: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < 1:
        raise ValueError(f"{name} must be a whole number of at least 1, got {value!r}")
    return int(value)


def association(low: float, high: float, direction: str) -> str:
    """``favourable``, ``unfavourable`` or ``unclear`` (the interval includes zero)."""
    if not (low > 0.0 or high < 0.0):
        return UNCLEAR
    better = (low > 0.0) == (direction == HIGHER_IS_BETTER)
    return FAVOURABLE if better else UNFAVOURABLE


def numeric(data: Any, name: str) -> np.ndarray:
    """Column ``name`` as float64 (``ValueError`` if missing or not numeric)."""
    polars = sys.modules.get("polars")
    if polars is not None and isinstance(data, polars.DataFrame) and name in data.columns:
        dtype = data.schema[name]
        if not (dtype.is_numeric() or dtype == polars.Boolean or dtype == polars.Null):
            raise ValueError(f"column '{name}' is not numeric (dtype {dtype})")
    try:
        return column_array(data, name)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"column '{name}' is missing or not numeric: {exc}") from exc


def labels(data: Any, name: str) -> np.ndarray:
    """Column ``name`` as an object array of labels (``None`` where blank)."""
    polars = sys.modules.get("polars")
    if polars is not None and isinstance(data, polars.DataFrame):
        if name not in data.columns:
            raise ValueError(f"column '{name}' is missing")
        return np.asarray(data.get_column(name).cast(polars.String).to_list(), dtype=object)
    try:
        column = data[name]
    except (KeyError, TypeError, IndexError) as exc:
        raise ValueError(f"column '{name}' is missing") from exc
    values = [None if v is None or (isinstance(v, float) and np.isnan(v)) else v for v in column]
    return np.asarray(values, dtype=object)
