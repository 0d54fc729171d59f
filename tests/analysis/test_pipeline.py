"""analyse_files: Parquet answers are scored while the rest of the input is read."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import polars as pl
import pytest

from ethos.analysis.pipeline import analyse_files, early_scoring
from ethos.errors import InputError
from ethos.instruments import load_instrument
from ethos.stats.cube import Scoring
from ethos.synth import synthesise


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Path]:
    folder = tmp_path_factory.mktemp("trust")
    data = synthesise(staff=1500, units=25, seed=5)
    csv, parquet, units = folder / "r.csv", folder / "r.parquet", folder / "units.csv"
    data.responses.write_csv(csv)
    data.responses.write_parquet(parquet)
    data.units.select("code", "name", "parent").write_csv(units)
    return csv, parquet, units


def test_parquet_codes_are_scored_early_and_give_the_cube_of_a_csv(files) -> None:
    csv, parquet, units = files
    instrument = load_instrument("culture")
    with early_scoring(pl.read_parquet(parquet), instrument) as scoring:
        assert isinstance(scoring, Scoring)  # integer codes: scoring starts at once
    with early_scoring(pl.read_csv(csv, infer_schema=False), instrument) as scoring:
        assert scoring is None  # text is scored after it is checked
    early = analyse_files(parquet, instrument, units, by=["ethnicity"]).published
    late = analyse_files(csv, instrument, units, by=["ethnicity"]).published
    np.testing.assert_array_equal(early.reason, late.reason)
    np.testing.assert_array_equal(early.n, late.n)
    np.testing.assert_array_equal(early.value, late.value)


@pytest.mark.parametrize("at", [40, 700])  # in the first block of 512 rows, or a later one
def test_a_bad_parquet_item_code_found_by_the_early_scores_gets_the_checks_error(
    files, tmp_path: Path, at: int
) -> None:
    _, parquet, units = files
    instrument = load_instrument("culture")
    item = instrument.items[2].id
    broken = pl.read_parquet(parquet).with_columns(
        pl.when(pl.int_range(pl.len()) == at).then(99).otherwise(pl.col(item)).alias(item)
    )
    path = tmp_path / "broken.parquet"
    broken.write_parquet(path)
    assert broken.height > at
    with pytest.raises(InputError) as raised:
        analyse_files(path, instrument, units)
    assert (raised.value.source, raised.value.row, raised.value.column) == (
        str(path),
        at + 2,  # the header is row 1
        item,
    )
    assert "'99' is not an answer code for this question" in str(raised.value)
    assert "use one of 1, 2, 3, 4, 5, 9, or leave it empty." in str(raised.value)


def test_a_bad_parquet_demographic_code_is_named_by_the_check(files, tmp_path: Path) -> None:
    _, parquet, units = files
    broken = pl.read_parquet(parquet).with_columns(
        pl.when(pl.int_range(pl.len()) == 7).then(55).otherwise(pl.col("sex")).alias("sex")
    )
    path = tmp_path / "broken.parquet"
    broken.write_parquet(path)
    with pytest.raises(InputError) as raised:
        analyse_files(path, load_instrument("culture"), units)
    assert (raised.value.row, raised.value.column) == (9, "sex")
    assert "'55' is not an answer code" in str(raised.value)
