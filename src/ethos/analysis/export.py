"""Write a published analysis as JSON, CSV, XLSX or Parquet.

Writers take an :class:`~ethos.analysis.pipeline.Analysis`, whose numbers have all been through
disclosure control. CSV and XLSX neutralise spreadsheet formulas: any text cell that begins
with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return gets a leading apostrophe, so a unit
named ``=HYPERLINK(...)`` is shown as text and never run.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterator
from pathlib import Path
from typing import Any, BinaryIO, TextIO

import polars as pl

from ethos.analysis.pipeline import Analysis
from ethos.errors import InputError

FORMATS = ("json", "csv", "xlsx", "parquet")
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(text: str) -> str:
    """Make a text cell safe to open in a spreadsheet (OWASP CSV injection guidance)."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def cells_frame(analysis: Analysis) -> pl.DataFrame:
    """Every published cell as a row (hidden cells with blank numbers and a reason)."""
    frame = analysis.published.frame()
    rounded = [
        c
        for c in frame.columns
        if c in ("value", "ci_low", "ci_high", "shrunk") or c.endswith("_difference")
    ]
    return frame.with_columns(pl.col(rounded).round(3))


CHUNK_ROWS = 100_000


def to_json(analysis: Analysis) -> dict[str, Any]:
    """The JSON document described in ``docs/cli.md`` (the ``ethos analyse`` contract)."""
    document = _header(analysis)
    document["cells"] = [cell for chunk in _cell_chunks(analysis) for cell in chunk]
    document["reliability"] = _reliability(analysis)
    return document


def write_json(analysis: Analysis, stream: TextIO) -> None:
    """Write :func:`to_json`'s document chunk by chunk, so memory stays bounded.

    The output is the same text as ``json.dumps(to_json(analysis))`` in compact form.
    """
    dumps = json.JSONEncoder(separators=(",", ":")).encode
    head = dumps(_header(analysis))
    stream.write(head[:-1] + ',"cells":[')
    first = True
    for chunk in _cell_chunks(analysis):
        if chunk:
            stream.write(("" if first else ",") + ",".join(dumps(c) for c in chunk))
            first = False
    stream.write('],"reliability":' + dumps(_reliability(analysis)) + "}\n")


def _header(analysis: Analysis) -> dict[str, Any]:
    return {
        "instrument": {"id": analysis.instrument.id, "version": analysis.instrument.version},
        "min_group": analysis.published.min_group,
        "respondents": analysis.respondents,
    }


def _cell_chunks(analysis: Analysis) -> Iterator[list[dict[str, Any]]]:
    frame = cells_frame(analysis)
    for start in range(0, frame.height, CHUNK_ROWS):
        yield cell_records(frame.slice(start, CHUNK_ROWS))


def cell_records(frame: pl.DataFrame) -> list[dict[str, Any]]:
    """Rows of a cells frame as the JSON cell objects of ``docs/cli.md``."""
    return [
        {
            "unit": r["unit"],
            "breakdown": {r["column"]: r["category"]} if r["column"] else {},
            "measure": r["measure"],
            "n": r["n"],
            "value": r["value"],
            "ci": [r["ci_low"], r["ci_high"]] if r["ci_low"] is not None else None,
            "suppressed": r["suppressed"],
            "reason": r["reason"] or None,
            **_comparisons(r),
        }
        for r in frame.to_dicts()
    ]


def _reliability(analysis: Analysis) -> list[dict[str, Any]]:
    return [
        {
            "measure": r.measure,
            "n": r.n,
            "alpha": _round(r.alpha),
            "alpha_ci": [_round(v) for v in r.alpha_ci] if r.alpha_ci else None,
            "omega": _round(r.omega),
        }
        for r in analysis.reliability
    ]


def _comparisons(row: dict[str, Any]) -> dict[str, Any]:
    """Comparison results of one cell as nested objects (null where not compared)."""
    out: dict[str, Any] = {}
    for key in ("vs_organisation", "vs_previous", "vs_benchmark"):
        if f"{key}_p" in row:
            p = row[f"{key}_p"]
            out[key] = (
                None
                if p is None
                else {
                    "difference": row[f"{key}_difference"],
                    "p": _round(p),
                    "q": _round(row[f"{key}_q"]),
                    "significant": row[f"{key}_significant"],
                }
            )
    if "shrunk" in row:
        out["shrunk"] = row["shrunk"]
    return out


def _round(value: float | None) -> float | None:
    return None if value is None or math.isnan(value) else round(value, 4)


def write(analysis: Analysis, fmt: str, out: Path | None, stdout: TextIO) -> None:
    """Write in ``fmt``; JSON and CSV go to ``stdout`` when ``out`` is ``None``."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown format '{fmt}'; use one of {', '.join(FORMATS)}")
    if fmt in ("xlsx", "parquet") and out is None:
        raise ValueError(f"--format {fmt} needs --out PATH")
    if fmt == "json" and out is None:
        write_json(analysis, stdout)
    elif fmt == "json" and out is not None:
        with out.open("w", encoding="utf-8") as handle:
            write_json(analysis, handle)
    elif fmt == "csv":
        _emit(formula_safe(cells_frame(analysis)).write_csv(), out, stdout)
    elif fmt == "xlsx" and out is not None:
        write_xlsx(formula_safe(cells_frame(analysis)), out)
    elif out is not None:
        cells_frame(analysis).write_parquet(out)


def _emit(text: str, out: Path | None, stdout: TextIO) -> None:
    if out is None:
        stdout.write(text)
    else:
        out.write_text(text, encoding="utf-8")


def formula_safe(frame: pl.DataFrame) -> pl.DataFrame:
    """Apply :func:`neutralise` to every text column, vectorised."""
    text_columns = [c for c, t in frame.schema.items() if t in (pl.Utf8, pl.Categorical)]
    return frame.with_columns(
        pl.when(pl.col(c).cast(pl.Utf8).str.contains(r"^[=+\-@\t\r]"))
        .then(pl.lit("'") + pl.col(c).cast(pl.Utf8))
        .otherwise(pl.col(c).cast(pl.Utf8))
        .alias(c)
        for c in text_columns
    )


XLSX_MAX_ROWS = 1_048_576  # Excel's limit per sheet, header included


def write_xlsx(frame: pl.DataFrame, out: Path | BinaryIO) -> None:
    """Write a (formula-safe) frame as one sheet; refuses more rows than Excel can hold."""
    if frame.height + 1 > XLSX_MAX_ROWS:
        raise InputError(
            str(getattr(out, "name", out)),
            f"{frame.height:,} cells do not fit in one Excel sheet "
            f"({XLSX_MAX_ROWS - 1:,} rows at most).",
            "use --format csv or parquet, or fewer --by columns.",
        )
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet("cells")
    sheet.append(frame.columns)
    for row in frame.iter_rows():
        sheet.append(list(row))
    book.save(out)
