"""The notebook API: polars and pandas frames in, the same published cells out."""

from __future__ import annotations

import pandas as pd
import polars as pl
import pytest

import ethos
from ethos.errors import InputError
from ethos.synth import synthesise


@pytest.fixture(scope="module")
def trust():
    return synthesise(staff=1500, seed=11)


def test_it_gives_the_same_cells_from_polars_and_pandas(trust):
    units = trust.units.select("code", "name", "parent")
    from_polars = ethos.analyse(trust.responses, "culture", units=units, by=["ethnicity"])
    from_pandas = ethos.analyse(
        trust.responses.to_pandas(), "culture", units=units.to_pandas(), by=["ethnicity"]
    )
    assert from_polars.cells().equals(from_pandas.cells())
    cells = from_polars.cells()
    assert cells.height == len(units) * (1 + 3) * len(from_polars.published.measures)
    hidden = cells.filter(pl.col("suppressed"))
    assert hidden["value"].null_count() == hidden.height > 0


def test_it_compares_with_the_previous_wave(trust):
    result = ethos.analyse(trust.responses, "culture", previous=trust.previous)
    assert result.published.comparison("previous wave") is not None
    assert "vs_previous_p" in result.cells().columns


def test_it_validates_frames_like_files(trust):
    bad = trust.responses.with_columns(pl.lit(7).alias(trust.responses.columns[1]))
    with pytest.raises(InputError, match="row 2"):
        ethos.analyse(bad, "culture")
    with pytest.raises(TypeError):
        ethos.analyse([1, 2, 3], "culture")


def test_it_accepts_a_pandas_frame_with_blank_answers(trust):
    frame = trust.responses.head(200).to_pandas()
    frame.iloc[0, 1] = None
    assert isinstance(frame, pd.DataFrame)
    assert ethos.analyse(frame, "culture").cells().height > 0
