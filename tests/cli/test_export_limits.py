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
        export.write_xlsx(frame, tmp_path / "x.xlsx")
    assert not (tmp_path / "x.xlsx").exists()
    export.write_xlsx(frame.head(2), tmp_path / "y.xlsx")
    assert (tmp_path / "y.xlsx").exists()


def test_streamed_json_equals_the_whole_document(monkeypatch):
    import io
    import json

    import ethos
    from ethos.synth import synthesise

    trust = synthesise(staff=400, seed=2)
    analysis = ethos.analyse(trust.responses, "culture", by=["ethnicity"]).analysis
    monkeypatch.setattr(export, "CHUNK_ROWS", 7)  # many chunks, the last one partial
    stream = io.StringIO()
    export.write_json(analysis, stream)
    expected = json.dumps(export.to_json(analysis), separators=(",", ":")) + "\n"
    assert stream.getvalue() == expected
    assert len(json.loads(stream.getvalue())["cells"]) > 7
