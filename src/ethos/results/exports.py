"""Published cells scoped to a viewer, and their downloads (CSV, XLSX, Parquet).

Subsetting a published table reveals nothing the whole table does not, so scoping a manager
to her subtree happens after disclosure control. CSV and XLSX neutralise spreadsheet formulas.
"""

from __future__ import annotations

import io

import polars as pl

from ethos.analysis.export import formula_safe, write_xlsx
from ethos.organisations.access import Viewer
from ethos.results.services import Results

FORMATS = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "parquet": "application/vnd.apache.parquet",
}


def scoped_cells(results: Results, viewer: Viewer) -> pl.DataFrame:
    """The published cells of the units ``viewer`` may see."""
    if viewer.whole_organisation:
        return results.cells
    codes = list(viewer.units().values_list("code", flat=True))
    return results.cells.filter(pl.col("unit").cast(pl.Utf8).is_in(codes))


def export_bytes(cells: pl.DataFrame, fmt: str) -> bytes:
    """``cells`` as a file in ``fmt`` (one of :data:`FORMATS`)."""
    buffer = io.BytesIO()
    if fmt == "csv":
        formula_safe(cells).write_csv(buffer)
    elif fmt == "xlsx":
        write_xlsx(formula_safe(cells), buffer)
    elif fmt == "parquet":
        cells.write_parquet(buffer)
    else:
        raise ValueError(f"unknown format '{fmt}'; use one of {', '.join(FORMATS)}")
    return buffer.getvalue()
