"""Reading and validating response and unit files (``ethos.analysis.io``) directly.

The command-line tests (``tests/cli/test_analyse_errors.py``) check what a person sees; these
pin the fast paths that national-size files take: reading only the columns an analysis needs,
matching unit codes through an enum of the tree's codes, checking Parquet's integer codes with
one membership test, and breakdown categories from a table of codes. Each must give exactly
what the slower general route gives, errors included.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import polars as pl
import pytest

from ethos.analysis import io
from ethos.analysis.pipeline import breakdown
from ethos.errors import InputError
from ethos.instruments import parse_instrument
from ethos.stats.scoring import OffScaleCode, score_respondents
from ethos.stats.tree import UnitTree
from tests.cli.common import TEAM_YAML

INSTRUMENT = parse_instrument(TEAM_YAML, source="team.yaml")
ROWS = {
    "unit": ["A", "B", "A"],
    "help_each_other": [4, 3, 5],
    "comment": ["long free text", None, "more"],
    "siloed": [2, 3, 1],
    "shared_objectives": [1, 2, 9],
    "staff_group": [1, 99, 2],
}
TREE = UnitTree.from_parents(["ORG", "A", "B"], [None, "ORG", "ORG"])


def write_csv(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def parquet(tmp_path: Path, columns: dict[str, list[object]]) -> Path:
    path = tmp_path / "responses.parquet"
    pl.DataFrame(columns).write_parquet(path)
    return path


def error(work: object) -> str:
    with pytest.raises(InputError) as caught:
        work()  # type: ignore[operator]
    return str(caught.value)


# ----------------------------------------------------------------------------- read_table


def test_response_columns_are_unit_items_demographics_and_by() -> None:
    assert io.response_columns(INSTRUMENT, ["region", "staff_group"]) == (
        "unit",
        "help_each_other",
        "siloed",
        "shared_objectives",
        "staff_group",
        "region",
    )


def test_parquet_reads_only_the_named_columns_that_exist_in_file_order(tmp_path: Path) -> None:
    path = parquet(tmp_path, ROWS)
    frame = io.read_table(path, ["staff_group", "unit", "siloed", "not_in_file"])
    assert frame.columns == ["unit", "siloed", "staff_group"]
    assert frame.equals(pl.read_parquet(path).select(frame.columns))
    assert io.read_table(path).columns == list(ROWS)  # the default is every column


def test_csv_keeps_only_the_named_columns_as_text(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "r.csv", "unit,comment,siloed\nA,hello,2\nB,,3\n")
    frame = io.read_table(path, ["siloed", "unit", "region"])
    assert frame.columns == ["unit", "siloed"]
    assert frame.schema == {"unit": pl.Utf8, "siloed": pl.Utf8}
    assert frame["siloed"].to_list() == ["2", "3"]


def test_csv_is_still_parsed_whole_with_a_column_list(tmp_path: Path) -> None:
    """A ragged row or a repeated header is refused even in a column the analysis skips."""
    ragged = write_csv(tmp_path / "ragged.csv", "unit,siloed,comment\nA,2,x\nB,3,x,extra\n")
    assert "could not be read" in error(lambda: io.read_table(ragged, ["unit", "siloed"]))
    twice = write_csv(tmp_path / "twice.csv", "unit,comment,comment\nA,x,y\n")
    message = error(lambda: io.read_table(twice, ["unit"]))
    assert "row 1, column 'comment'" in message and "appears twice" in message


def test_a_missing_column_is_still_named_after_a_column_list(tmp_path: Path) -> None:
    columns = io.response_columns(INSTRUMENT)
    path = parquet(tmp_path, {k: v for k, v in ROWS.items() if k != "siloed"})
    frame = io.read_table(path, columns)
    message = error(lambda: io.check_responses(path, frame, INSTRUMENT))
    assert "row 1: 1 item columns are missing: siloed." in message
    path = parquet(tmp_path, {k: v for k, v in ROWS.items() if k != "unit"})
    frame = io.read_table(path, columns)
    assert "the column 'unit' is missing" in error(lambda: io.unit_indices(path, frame, TREE))


# ----------------------------------------------------------------------------- unit_indices


def test_unit_codes_match_after_trimming(tmp_path: Path) -> None:
    frame = pl.DataFrame({"unit": ["A", " B", "ORG\t", "  A  "]})
    indices = io.unit_indices(tmp_path / "r.csv", frame, TREE)
    assert indices.dtype == np.int64
    assert indices.tolist() == [1, 2, 0, 1]


def test_integer_unit_codes_match_as_text(tmp_path: Path) -> None:
    tree = UnitTree.flat(["7", "12"])
    frame = pl.DataFrame({"unit": [12, 7, 12]})
    indices = io.unit_indices(tmp_path / "r.parquet", frame, tree)
    assert [tree.codes[i] for i in indices] == ["12", "7", "12"]


def test_a_padded_code_in_the_tree_matches_only_its_trimmed_form(tmp_path: Path) -> None:
    """Cells are trimmed before matching, so a tree code with spaces around it is never
    matched, not even by a cell with the same spaces."""
    tree = UnitTree.from_parents(["ORG", " A", "A"], [None, "ORG", "ORG"])
    frame = pl.DataFrame({"unit": [" A", "A"]})
    assert io.unit_indices(tmp_path / "r.csv", frame, tree).tolist() == [2, 2]
    tree = UnitTree.from_parents(["ORG", " A"], [None, "ORG"])
    message = error(lambda: io.unit_indices(tmp_path / "r.csv", frame, tree))
    assert "row 2, column 'unit': unknown unit code 'A' (1 more rows too)." in message


def test_an_unknown_code_names_its_row_and_counts_the_others(tmp_path: Path) -> None:
    frame = pl.DataFrame({"unit": ["A", "B", " ZZ ", "A", "YY", None]})
    message = error(lambda: io.unit_indices(tmp_path / "r.csv", frame, TREE))
    assert message.startswith(f"{tmp_path / 'r.csv'}, row 4, column 'unit': ")
    assert "unknown unit code 'ZZ' (2 more rows too)." in message


@pytest.mark.parametrize("blank", [None, "", "   "])
def test_a_blank_code_is_called_empty(tmp_path: Path, blank: str | None) -> None:
    frame = pl.DataFrame({"unit": ["A", blank, "B"]}, schema={"unit": pl.Utf8})
    message = error(lambda: io.unit_indices(tmp_path / "r.csv", frame, TREE))
    assert "row 3, column 'unit': the unit code is empty." in message


def test_no_respondents_match_to_no_indices(tmp_path: Path) -> None:
    frame = pl.DataFrame({"unit": []}, schema={"unit": pl.Utf8})
    indices = io.unit_indices(tmp_path / "r.csv", frame, TREE)
    assert indices.dtype == np.int64 and indices.size == 0


# ----------------------------------------------------------------------------- read_units


def test_units_file_codes_are_trimmed_and_match_the_responses(tmp_path: Path) -> None:
    text = "code,name,parent\n ORG ,Trust,\nA , ,ORG\nB,Ward B, ORG\n"
    units = write_csv(tmp_path / "u.csv", text)
    tree = io.read_units(units)
    assert tree.codes == ("ORG", "A", "B")
    assert tree.names == ("Trust", " ", "Ward B")
    frame = pl.DataFrame({"unit": ["B", " A"]})
    assert io.unit_indices(tmp_path / "r.csv", frame, tree).tolist() == [2, 1]


def test_units_file_without_names_uses_the_codes(tmp_path: Path) -> None:
    units = write_csv(tmp_path / "u.csv", "code,parent\nORG,\nA,ORG\n")
    assert io.read_units(units).names == ("ORG", "A")


@pytest.mark.parametrize(
    ("rows", "expected"),
    [
        ("A,ORG\nB,A\nA,ORG\n", "row 5, column 'code': unit code 'A' already appears on row 3."),
        ("A,ORG\n ,ORG\nA,ORG\n", "row 4, column 'code': the unit code is empty."),
        ("A,\nB,A\n", "column 'parent': exactly one unit must have an empty parent; rows: 2, 3."),
        ("A,ZZ\nB,YY\n", "row 3, column 'parent': parent 'ZZ' is not a unit code in this file."),
        ("C,D\nD,C\n", "row 3, column 'parent': unit 'C' is part of a cycle of parents."),
    ],
)
def test_units_file_problems_name_the_first_bad_row(
    tmp_path: Path, rows: str, expected: str
) -> None:
    units = write_csv(tmp_path / "u.csv", "code,parent\nORG,\n" + rows)
    assert expected in error(lambda: io.read_units(units))


# ----------------------------------------------------------------------------- check_responses


@pytest.mark.parametrize("dtype", [pl.Int8, pl.UInt8, pl.Int64])
def test_parquet_integer_codes_name_the_first_bad_row(tmp_path: Path, dtype: pl.DataType) -> None:
    path = tmp_path / "r.parquet"
    columns = {**ROWS, "siloed": [2, None, 7], "help_each_other": [None, 4, 8]}
    frame = pl.DataFrame(columns).with_columns(pl.col("siloed", "help_each_other").cast(dtype))
    message = error(lambda: io.check_responses(path, frame, INSTRUMENT))
    assert "row 4, column 'help_each_other': '8' is not an answer code" in message
    assert "use one of 1, 2, 3, 4, 5, 9, or leave it empty." in message


def test_scored_leaves_integer_item_codes_to_the_scoring_but_checks_the_rest(
    tmp_path: Path,
) -> None:
    path = tmp_path / "r.parquet"
    frame = pl.DataFrame({**ROWS, "siloed": [2, None, 7]})
    frame = frame.with_columns(pl.col("siloed").cast(pl.Int8))
    io.check_responses(path, frame, INSTRUMENT, scored=True)  # the 7 is the scoring's to find
    blank = frame.with_columns(pl.Series("siloed", [2, None, -1], dtype=pl.Int8))
    assert "row 4, column 'siloed': '-1' is not an answer code" in error(
        lambda: io.check_responses(path, blank, INSTRUMENT, scored=True)
    )  # what the scoring would read as a blank
    with pytest.raises(OffScaleCode) as found:
        score_respondents(frame, INSTRUMENT)
    checked = error(lambda: io.check_responses(path, frame, INSTRUMENT))
    assert str(io.off_scale(path, found.value)) == checked  # the same, whoever finds it
    text = frame.with_columns(pl.col("siloed").cast(pl.Utf8))
    assert "'7' is not an answer code" in error(
        lambda: io.check_responses(path, text, INSTRUMENT, scored=True)
    )  # text is always checked here
    demographic = pl.DataFrame({**ROWS, "staff_group": [1, 55, 2]})
    assert "column 'staff_group': '55' is not an answer code" in error(
        lambda: io.check_responses(path, demographic, INSTRUMENT, scored=True)
    )


def test_parquet_blanks_and_allowed_codes_pass(tmp_path: Path) -> None:
    columns = {**ROWS, "siloed": [None, None, None], "staff_group": [None, 99, 1]}
    frame = pl.DataFrame(columns).with_columns(pl.col("siloed").cast(pl.Int8))
    codes = io.check_responses(tmp_path / "r.parquet", frame, INSTRUMENT)
    assert codes.equals(frame)


# ----------------------------------------------------------------------------- breakdown


def test_breakdown_of_integer_codes_matches_text_codes(tmp_path: Path) -> None:
    values = [1, 99, None, 2, 1, 3, -5]  # 3 and -5 are not codes: "Not stated" as blanks are
    as_int = pl.DataFrame({"staff_group": values}, schema={"staff_group": pl.Int8})
    as_text = pl.DataFrame({"staff_group": [None if v is None else str(v) for v in values]})
    by_int = breakdown(tmp_path / "r.parquet", as_int, INSTRUMENT, "staff_group")
    by_text = breakdown(tmp_path / "r.csv", as_text, INSTRUMENT, "staff_group")
    assert by_int.categories == by_text.categories == ("Nurse", "Doctor", "Not stated")
    assert by_int.codes.dtype == by_text.codes.dtype == np.int64
    assert by_int.codes.tolist() == by_text.codes.tolist() == [0, 2, 2, 1, 0, 2, 2]
