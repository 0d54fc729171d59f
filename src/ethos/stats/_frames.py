"""Private helpers that turn tabular inputs into float numpy matrices.

The statistics core accepts numpy arrays, polars DataFrames and pandas DataFrames. Neither
polars nor pandas is imported here: a frame can only be passed in if its library is already
loaded, so the type checks look the library up in ``sys.modules`` (pandas stays optional).
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import Any

import numpy as np

__all__ = ["as_matrix", "column_array", "column_names"]


def _is_polars_frame(data: object) -> bool:
    polars = sys.modules.get("polars")
    return polars is not None and isinstance(data, polars.DataFrame)


def _is_pandas_frame(data: object) -> bool:
    pandas = sys.modules.get("pandas")
    return pandas is not None and isinstance(data, pandas.DataFrame)


def _check_names(available: Sequence[str], columns: Sequence[Any] | None) -> list[str]:
    if columns is None:
        return [str(c) for c in available]
    if isinstance(columns, str):
        raise ValueError("columns must be a sequence of column names, not a single string")
    names = [str(c) for c in columns]
    known = {str(c) for c in available}
    missing = [c for c in names if c not in known]
    if missing:
        raise ValueError(f"columns not found in the data: {missing}")
    if len(set(names)) != len(names):
        raise ValueError(f"columns contain duplicates: {names}")
    return names


def _polars_matrix(data: Any, columns: Sequence[Any] | None) -> np.ndarray:
    polars = sys.modules["polars"]
    names = _check_names(data.columns, columns)
    out = np.empty((data.height, len(names)), dtype=np.float64)
    for j, name in enumerate(names):
        series = data.get_column(name)
        if not series.dtype.is_numeric() and series.dtype != polars.Boolean:
            raise ValueError(f"column {name!r} is not numeric (dtype {series.dtype})")
        out[:, j] = series.cast(polars.Float64).to_numpy()
    return out


def _pandas_matrix(data: Any, columns: Sequence[Any] | None) -> np.ndarray:
    names = _check_names([str(c) for c in data.columns], columns)
    lookup = {str(c): c for c in data.columns}
    frame = data[[lookup[n] for n in names]]
    try:
        return np.asarray(frame.to_numpy(dtype=np.float64, na_value=np.nan), dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"columns {names} must all be numeric: {exc}") from exc


def _numpy_matrix(data: Any, columns: Sequence[Any] | None) -> np.ndarray:
    try:
        matrix = np.asarray(data, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"data could not be converted to a float array: {exc}") from exc
    if matrix.ndim != 2:
        raise ValueError(f"data must be 2-D (respondents x items), got {matrix.ndim}-D")
    if columns is None:
        return matrix
    idx = [int(c) for c in columns]
    if any(i < 0 or i >= matrix.shape[1] for i in idx):
        raise ValueError(f"column indices {idx} out of range for {matrix.shape[1]} columns")
    return matrix[:, idx]


def as_matrix(data: Any, columns: Sequence[str] | Sequence[int] | None = None) -> np.ndarray:
    """Return ``data`` (restricted to ``columns``) as a float64 2-D array.

    Parameters
    ----------
    data : numpy.ndarray, polars.DataFrame or pandas.DataFrame
        Rows are respondents, columns are items. Missing values become ``NaN``.
    columns : sequence of str or int, optional
        Column names for frames, or integer column indices for arrays. ``None`` keeps all.

    Returns
    -------
    numpy.ndarray
        A new or converted ``(n_rows, n_columns)`` float64 array.

    Raises
    ------
    ValueError
        If a column is missing or not numeric, or an array is not 2-D.
    """
    if _is_polars_frame(data):
        return _polars_matrix(data, columns)
    if _is_pandas_frame(data):
        return _pandas_matrix(data, columns)
    return _numpy_matrix(data, columns)


def column_names(
    data: Any, columns: Sequence[str] | Sequence[int] | None = None
) -> tuple[str, ...]:
    """Return the item names matching :func:`as_matrix` for the same arguments.

    Frames give their column names; arrays give ``"item1"``, ``"item2"``, ... numbered by
    column position (1-based).
    """
    if _is_polars_frame(data) or _is_pandas_frame(data):
        if columns is not None:
            return tuple(str(c) for c in columns)
        return tuple(str(c) for c in data.columns)
    if columns is not None:
        return tuple(f"item{int(c) + 1}" for c in columns)
    return tuple(f"item{j + 1}" for j in range(np.shape(data)[1]))


def column_array(data: Any, name: str) -> np.ndarray:
    """Return column ``name`` of a polars frame, pandas frame or mapping as float64.

    Blanks become ``NaN``. Raises ``ValueError`` when the column is missing.
    """
    if _is_polars_frame(data):
        if name not in data.columns:
            raise ValueError(f"column '{name}' is missing")
        polars = sys.modules["polars"]
        return np.asarray(data.get_column(name).cast(polars.Float64).to_numpy())
    try:
        column = data[name]
    except (KeyError, TypeError, IndexError) as exc:
        raise ValueError(f"column '{name}' is missing") from exc
    if _is_pandas_frame(data):
        return np.asarray(column.to_numpy(dtype=np.float64, na_value=np.nan))
    return np.asarray(column, dtype=np.float64)
