"""Read and validate response and unit files.

Every problem raises :class:`~ethos.errors.InputError` naming the file, the row (counting the
header as row 1, as a spreadsheet does) and the column, with the fix. Nothing is published
unless the whole file is clean.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

from ethos.errors import InputError
from ethos.instruments.model import Instrument
from ethos.stats.compare import Benchmark
from ethos.stats.scoring import OffScaleCode
from ethos.stats.tree import UnitTree

HEADER_ROWS = 1
UNIT_FIX = "add a 'unit' column holding each respondent's unit code."


def read_table(path: Path, columns: Iterable[str] | None = None) -> pl.DataFrame:
    """Read a CSV (every column as text) or Parquet file.

    With ``columns``, only those of them that the file has are returned, in the file's order;
    a missing one is left for :func:`require_columns` or :func:`check_responses` to name, as
    when every column is read. Parquet decodes only those columns (the free-text answers of a
    national file hold a quarter of its frame's memory, 25 MB, that no analysis reads); a
    CSV is still parsed whole, so that a ragged or badly quoted row anywhere is refused as
    before.
    """
    if not path.is_file():
        problem = "no such file." if not path.exists() else "this is not a file."
        raise InputError(str(path), problem, "check the path.")
    suffix = path.suffix.lower()
    if suffix not in (".parquet", ".csv", ".txt"):
        raise InputError(
            str(path), f"unsupported file type '{suffix}'.", "use a .csv or .parquet file."
        )
    wanted = None if columns is None else set(columns)
    try:  # read through a file object: a name like "survey [2025].csv" is not a glob
        with path.open("rb") as handle:
            if suffix == ".parquet":
                if wanted is None:
                    return pl.read_parquet(handle)
                present = [c for c in pl.read_parquet_schema(handle) if c in wanted]
                handle.seek(0)
                return pl.read_parquet(handle, columns=present)
            _check_header(path, handle.readline())
            handle.seek(0)
            frame = pl.read_csv(handle, infer_schema=False)
    except (pl.exceptions.PolarsError, OSError, UnicodeDecodeError) as exc:
        raise InputError(
            str(path),
            f"the file could not be read ({exc}).",
            "save it as UTF-8 CSV with a header row, or as Parquet.",
        ) from None
    return frame if wanted is None else frame.select(c for c in frame.columns if c in wanted)


def response_columns(instrument: Instrument, by: Iterable[str] = ()) -> tuple[str, ...]:
    """The columns of a responses file that an analysis reads, for :func:`read_table`.

    ``unit``, the items, every demographic (each one present is checked, even if not a
    breakdown) and the ``--by`` columns; anything else in the file is never looked at.
    """
    demographics = (d.id for d in instrument.demographics)
    return tuple(dict.fromkeys(("unit", *instrument.item_ids, *demographics, *by)))


def _check_header(path: Path, line: bytes) -> None:
    """Refuse a CSV header that names a column twice (which copy holds the answers?)."""
    names = [n.strip().strip('"') for n in line.decode("utf-8-sig", "replace").split(",")]
    seen: set[str] = set()
    for name in names:
        if name and name in seen:
            raise InputError(
                str(path),
                f"the column '{name}' appears twice in the header.",
                "keep one column of that name.",
                row=1,
                column=name,
            )
        seen.add(name)


def require_columns(path: Path, frame: pl.DataFrame, columns: tuple[str, ...], fix: str) -> None:
    """Raise :class:`InputError` naming the first of ``columns`` missing from the header."""
    for column in columns:
        if column not in frame.columns:
            raise InputError(str(path), f"the column '{column}' is missing.", fix, row=1)


def read_units(path: Path) -> UnitTree:
    """Read ``code,name,parent`` (name optional) into a validated :class:`UnitTree`."""
    frame = read_table(path)
    require_columns(
        path, frame, ("code", "parent"), "the header must include code, name and parent."
    )
    code = _trimmed(frame["code"])
    codes, parents = code.to_list(), _trimmed(frame["parent"]).to_list()
    names = (
        frame["name"].cast(pl.Utf8).fill_null(code).to_list() if "name" in frame.columns else codes
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


def _trimmed(column: pl.Series) -> pl.Series:
    """The column as text with surrounding whitespace removed; a blank is ``""``."""
    return column.cast(pl.Utf8).str.strip_chars().fill_null("")


def _check_units(path: Path, codes: list[str], parents: list[str]) -> None:
    """Name the first empty or repeated code, a root count other than one, an unknown parent.

    Whole-list checks find whether anything is wrong; the rows are walked one by one only to
    name the first problem.
    """
    seen = dict(zip(codes, range(1 + HEADER_ROWS, len(codes) + 1 + HEADER_ROWS), strict=True))
    if len(seen) != len(codes) or "" in seen:
        _name_bad_code(path, codes)
    if parents.count("") != 1:
        roots = [i for i, p in enumerate(parents) if not p]
        where = ", ".join(str(i + 1 + HEADER_ROWS) for i in roots[:5]) or "none"
        raise InputError(
            str(path),
            f"exactly one unit must have an empty parent; rows: {where}.",
            "leave the parent empty only for the organisation itself.",
            column="parent",
        )
    if not seen.keys() >= set(parents).difference(("",)):
        i = next(i for i, parent in enumerate(parents) if parent and parent not in seen)
        raise InputError(
            str(path),
            f"parent '{parents[i]}' is not a unit code in this file.",
            "add that unit or correct the parent code.",
            row=i + 1 + HEADER_ROWS,
            column="parent",
        )


def _name_bad_code(path: Path, codes: list[str]) -> None:
    """Raise for the first empty code or code already seen on an earlier row."""
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


def unit_indices(path: Path, frame: pl.DataFrame, tree: UnitTree) -> np.ndarray:
    """Map the ``unit`` column to tree indices; unknown codes name their row.

    A code matches after trimming spaces. Casting to an enum of the tree's codes matches
    almost every row in one pass, with no join and no trimming of every cell; only the rows
    left over (padded, unknown or empty codes) are trimmed and matched again.
    """
    require_columns(path, frame, ("unit",), UNIT_FIX)
    known = pl.Series(tree.codes, dtype=pl.Utf8)
    units = pl.Enum(known)
    codes = frame.get_column("unit").cast(pl.Utf8)
    index = codes.cast(units, strict=False).to_physical()
    retry = index.is_null()
    # a padded code in the tree itself matches no trimmed cell, so a cell equal to it
    # exactly must be trimmed and matched again like any other
    padded = known.str.strip_chars() != known
    if padded.any():
        retry = retry | index.is_in(padded.arg_true().cast(index.dtype).implode())
    if retry.any():
        trimmed = codes.filter(retry).str.strip_chars()
        index = index.scatter(retry.arg_true(), trimmed.cast(units, strict=False).to_physical())
        rows = index.is_null().arg_true()
        if len(rows):
            first = codes.gather(rows[:1]).str.strip_chars()[0]
            more = f" ({len(rows) - 1} more rows too)" if len(rows) > 1 else ""
            where = {"row": int(rows[0]) + 1 + HEADER_ROWS, "column": "unit"}
            if not first:
                raise InputError(
                    str(path),
                    f"the unit code is empty{more}.",
                    "give every respondent the code of their unit.",
                    **where,
                )
            raise InputError(
                str(path),
                f"unknown unit code '{first}'{more}.",
                "use codes from the units file (or leave out --units to use them flat).",
                **where,
            )
    return index.to_numpy().astype(np.int64)


def check_responses(
    path: Path, frame: pl.DataFrame, instrument: Instrument, scored: bool = False
) -> pl.DataFrame:
    """Check item and demographic columns and codes; return them as integer columns.

    ``scored``: the codes of integer item columns are left to the scoring, which checks every
    code as it scores it (:class:`~ethos.stats.scoring.OffScaleCode`, turned into this
    check's error by :func:`off_scale`); checking them here too took 40-50 ms of CPU in a
    national analysis. Only a negative code is looked for here (the scoring reads -1 as a
    blank; no scale has a negative code). Text and decimal item columns are always checked
    here: their conversion to codes needs it.
    """
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
    schema = frame.schema  # made anew at each access: once, not three times per column
    columns = [(i.id, instrument.scales[i.scale].codes) for i in instrument.items]
    columns += [(d.id, d.codes) for d in instrument.demographics if d.id in frame.columns]
    items = set(instrument.item_ids)

    def flag(name: str, allowed: tuple[int, ...]) -> pl.Expr:
        if scored and name in items and schema[name].is_integer() and all(c >= 0 for c in allowed):
            return (pl.col(name) < 0).any()  # the rest is the scoring's to check
        return _any_bad(frame, schema[name], name, allowed)

    codes = frame.with_columns(_as_codes(schema[name], name) for name, _ in columns)
    flags = codes.select(flag(name, allowed).alias(name) for name, allowed in columns)
    for (name, allowed), flagged in zip(columns, flags.row(0), strict=True):
        if flagged:
            row = int(codes.select(_bad(frame, name, allowed).arg_true().first()).item())
            raise _not_a_code(path, frame[name][row], allowed, row, name)
    return codes


def off_scale(path: Path, error: OffScaleCode) -> InputError:
    """The error :func:`check_responses` gives for the code the scoring found off its scale."""
    return _not_a_code(path, error.code, error.codes, error.row, error.item)


def _not_a_code(path: Path, code: Any, allowed: tuple[int, ...], row: int, name: str) -> InputError:
    return InputError(
        str(path),
        f"'{code}' is not an answer code for this question.",
        f"use one of {', '.join(map(str, allowed))}, or leave it empty.",
        row=row + 1 + HEADER_ROWS,
        column=name,
    )


def _as_codes(dtype: pl.DataType, name: str) -> pl.Expr:
    """The column ``name`` (of type ``dtype``) as integer codes: text is trimmed, blanks
    become null."""
    if dtype == pl.Utf8:
        text = pl.col(name).str.strip_chars()
        return pl.when(text != "").then(text).cast(pl.Int64, strict=False).alias(name)
    if dtype.is_integer():
        return pl.col(name)
    if dtype.is_float():  # 2.5 is not a code; do not let a cast truncate it
        whole = pl.col(name) == pl.col(name).floor()
        return pl.when(whole).then(pl.col(name).cast(pl.Int64, strict=False)).alias(name)
    return pl.col(name).cast(pl.Int64, strict=False).alias(name)


def _any_bad(
    frame: pl.DataFrame, dtype: pl.DataType, name: str, allowed: tuple[int, ...]
) -> pl.Expr:
    """True if any cell is filled but not one of the allowed codes (evaluated on codes).

    An integer column (Parquet) needs only the membership test: a blank is null, stays null
    through ``is_in`` and is skipped by ``all``, so no separate pass is needed to find the
    filled cells (about half the time at national size).
    """
    if dtype.is_integer():
        return pl.col(name).is_in(list(allowed)).all(ignore_nulls=True).not_()
    return _bad(frame, name, allowed).any()


def _bad(frame: pl.DataFrame, name: str, allowed: tuple[int, ...]) -> pl.Expr:
    """True where a cell is filled but not one of the allowed codes (evaluated on codes)."""
    original = pl.lit(frame[name]) if frame.schema[name] == pl.Utf8 else None
    filled = pl.col(name).is_not_null()
    if original is not None:
        filled = original.str.strip_chars().fill_null("") != ""
    elif not frame.schema[name].is_integer():
        filled = pl.lit(frame[name]).is_not_null()
    return filled & ~pl.col(name).is_in(list(allowed)).fill_null(False)


def read_benchmarks(path: Path, instrument: Instrument) -> dict[str, Benchmark]:
    """Read ``measure,value[,sd,n]`` rows: a benchmark per measure (percentages as 0-100)."""
    frame = read_table(path)
    require_columns(
        path,
        frame,
        ("measure", "value"),
        "the header must include measure and value (sd and n optional).",
    )
    known = {m.id for m in instrument.measures}
    out: dict[str, Benchmark] = {}
    for i, row in enumerate(frame.iter_rows(named=True)):
        where = {"row": i + 1 + HEADER_ROWS}
        measure = str(row["measure"] or "").strip()
        if measure not in known:
            raise InputError(
                str(path),
                f"unknown measure '{measure}'.",
                f"use a measure id of '{instrument.id}'.",
                column="measure",
                **where,
            )
        out[measure] = Benchmark(
            value=_number(path, row, "value", where, required=True),
            sd=_number(path, row, "sd", where),
            n=None if (n := _number(path, row, "n", where)) is None else int(n),
        )
    return out


def _number(
    path: Path, row: dict[str, object], column: str, where: dict[str, int], required: bool = False
) -> float | None:
    text = str(row.get(column) or "").strip()
    if not text and not required:
        return None
    try:
        value = float(text)
    except ValueError:
        value = float("nan")
    if not np.isfinite(value) or value < 0:
        raise InputError(
            str(path),
            f"'{text}' is not a valid {column}.",
            "write a non-negative number.",
            column=column,
            **where,
        )
    return value
