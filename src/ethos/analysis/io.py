"""Read and validate response and unit files.

Every problem raises :class:`~ethos.errors.InputError` naming the file, the row (counting the
header as row 1, as a spreadsheet does) and the column, with the fix. Nothing is analysed
until the whole file is clean.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import polars as pl

from ethos.errors import InputError
from ethos.instruments.model import Instrument
from ethos.stats.tree import UnitTree

HEADER_ROWS = 1


def read_table(path: Path) -> pl.DataFrame:
    """Read a CSV (every column as text) or Parquet file."""
    if not path.exists():
        raise InputError(str(path), "no such file.", "check the path.")
    suffix = path.suffix.lower()
    try:
        if suffix == ".parquet":
            return pl.read_parquet(path)
        if suffix in (".csv", ".txt"):
            return pl.read_csv(path, infer_schema=False)
    except (pl.exceptions.PolarsError, OSError) as exc:
        raise InputError(
            str(path),
            f"the file could not be read ({exc}).",
            "save it as UTF-8 CSV with a header row, or as Parquet.",
        ) from None
    raise InputError(
        str(path), f"unsupported file type '{suffix}'.", "use a .csv or .parquet file."
    )


def read_units(path: Path) -> UnitTree:
    """Read ``code,name,parent`` (name optional) into a validated :class:`UnitTree`."""
    frame = read_table(path)
    for column in ("code", "parent"):
        if column not in frame.columns:
            raise InputError(
                str(path),
                f"the column '{column}' is missing.",
                "the header must include code, name and parent.",
                row=1,
            )
    codes = [str(c).strip() if c is not None else "" for c in frame["code"].cast(pl.Utf8)]
    parents = [str(p).strip() if p is not None else "" for p in frame["parent"].cast(pl.Utf8)]
    names = (
        [str(n) if n is not None else c for n, c in zip(frame["name"], codes, strict=True)]
        if "name" in frame.columns
        else codes
    )
    _check_units(path, codes, parents)
    try:
        return UnitTree.from_parents(codes, [p or None for p in parents], names)
    except ValueError as exc:  # only a cycle remains possible after _check_units
        culprit = str(exc).split("'")[1] if "'" in str(exc) else ""
        row = codes.index(culprit) + 1 + HEADER_ROWS if culprit in codes else None
        raise InputError(
            str(path),
            f"{exc}.",
            "make sure parents lead up to one root unit.",
            row=row,
            column="parent",
        ) from None


def _check_units(path: Path, codes: list[str], parents: list[str]) -> None:
    seen: dict[str, int] = {}
    for i, code in enumerate(codes):
        row = i + 1 + HEADER_ROWS
        if not code:
            raise InputError(
                str(path),
                "the unit code is empty.",
                "give every unit a code.",
                row=row,
                column="code",
            )
        if code in seen:
            raise InputError(
                str(path),
                f"unit code '{code}' already appears on row {seen[code]}.",
                "give every unit its own code.",
                row=row,
                column="code",
            )
        seen[code] = row
    roots = [i for i, p in enumerate(parents) if not p]
    if len(roots) != 1:
        where = ", ".join(str(i + 1 + HEADER_ROWS) for i in roots[:5]) or "none"
        raise InputError(
            str(path),
            f"exactly one unit must have an empty parent; rows: {where}.",
            "leave the parent empty only for the organisation itself.",
            column="parent",
        )
    for i, parent in enumerate(parents):
        if parent and parent not in seen:
            raise InputError(
                str(path),
                f"parent '{parent}' is not a unit code in this file.",
                "add that unit or correct the parent code.",
                row=i + 1 + HEADER_ROWS,
                column="parent",
            )


def unit_indices(path: Path, frame: pl.DataFrame, tree: UnitTree) -> np.ndarray:
    """Map the ``unit`` column to tree indices; unknown codes name their row."""
    if "unit" not in frame.columns:
        raise InputError(
            str(path),
            "the column 'unit' is missing.",
            "add a 'unit' column holding each respondent's unit code.",
            row=1,
        )
    lookup = pl.DataFrame({"unit": list(tree.codes), "_index": np.arange(tree.size)})
    codes = frame.select(pl.col("unit").cast(pl.Utf8).str.strip_chars())
    joined = codes.with_row_index("_row").join(lookup, on="unit", how="left", maintain_order="left")
    missing = joined.filter(pl.col("_index").is_null())
    if missing.height:
        first = missing.row(0, named=True)
        more = f" ({missing.height - 1} more rows too)" if missing.height > 1 else ""
        raise InputError(
            str(path),
            f"unknown unit code '{first['unit']}'{more}.",
            "use codes from the units file (or leave out --units to use them flat).",
            row=int(first["_row"]) + 1 + HEADER_ROWS,
            column="unit",
        )
    return joined["_index"].to_numpy().astype(np.int64)


def check_responses(path: Path, frame: pl.DataFrame, instrument: Instrument) -> pl.DataFrame:
    """Check item and demographic columns and codes; return them as integer columns."""
    if frame.height == 0:
        raise InputError(str(path), "the file has no respondents.", "export the responses again.")
    missing = [i for i in instrument.item_ids if i not in frame.columns]
    if missing:
        shown = ", ".join(missing[:8]) + (" ..." if len(missing) > 8 else "")
        raise InputError(
            str(path),
            f"{len(missing)} item columns are missing: {shown}.",
            f"add them (empty where not answered), or check that '{instrument.id}' "
            "is the right instrument.",
            row=1,
        )
    columns = [(i.id, instrument.scales[i.scale].codes) for i in instrument.items]
    columns += [(d.id, d.codes) for d in instrument.demographics if d.id in frame.columns]
    return frame.with_columns([_codes(path, frame, name, allowed) for name, allowed in columns])


def _codes(path: Path, frame: pl.DataFrame, name: str, allowed: tuple[int, ...]) -> pl.Series:
    raw = frame[name]
    if raw.dtype == pl.Utf8:
        text = raw.str.strip_chars()
        text = pl.Series(name, text).set(text == "", None) if (text == "").any() else text
        values = text.cast(pl.Int64, strict=False)
        broken = values.is_null() & text.is_not_null()
    else:
        values = raw.cast(pl.Int64, strict=False)
        broken = values.is_null() & raw.is_not_null()
    bad = broken | (values.is_not_null() & ~values.is_in(list(allowed)))
    if bad.any():
        row = int(bad.arg_true()[0])
        raise InputError(
            str(path),
            f"'{raw[row]}' is not an answer code for this question.",
            f"use one of {', '.join(map(str, allowed))}, or leave it empty.",
            row=row + 1 + HEADER_ROWS,
            column=name,
        )
    return values.alias(name)
