"""Exports refuse clearly what a format cannot hold."""

from __future__ import annotations

import polars as pl
import pytest

from ethos.analysis import export
from ethos.errors import InputError


def test_it_refuses_more_cells_than_an_excel_sheet_holds(tmp_path, monkeypatch):
    monkeypatch.setattr(export, "XLSX_MAX_ROWS", 3)
    frame = pl.DataFrame({"unit": ["A", "B", "C"]})
    with pytest.raises(InputError, match=r"do not fit in one Excel sheet.*csv or parquet"):
        export._write_xlsx(frame, tmp_path / "x.xlsx")
    assert not (tmp_path / "x.xlsx").exists()
    export._write_xlsx(frame.head(2), tmp_path / "y.xlsx")
    assert (tmp_path / "y.xlsx").exists()
