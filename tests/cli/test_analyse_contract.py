"""The ``ethos analyse`` contract: what comes out for good input, in every format.

Most runs go through ``typer.testing.CliRunner`` on ``ethos.cli.app`` (fast, in process); one
test runs the installed ``ethos`` console script in real subprocesses to prove the entry point
and its exit codes. A synthetic trust (``synthesise(staff=1500, seed=3)``) is written once per
session; edge cases use tiny hand-written CSVs and a small instrument written here.
"""

from __future__ import annotations

import csv
import itertools
import json
import re
import subprocess
import sys
import textwrap
from collections import Counter
from pathlib import Path
from typing import Any

import openpyxl
import polars as pl
import pytest
from typer.testing import CliRunner, Result

from ethos.cli import app
from ethos.instruments.loader import load_instrument
from ethos.instruments.model import NOT_STATED, Instrument, Measure
from ethos.synth import synthesise, write

from .common import TEAM_YAML

RUNNER = CliRunner()
CULTURE = load_instrument("culture")
BY = ("ethnicity",)  # banded: 19 answer codes, 3 categories
TOP_KEYS = {"instrument", "min_group", "respondents", "cells", "reliability"}
CELL_KEYS = {"unit", "breakdown", "measure", "n", "value", "ci", "suppressed", "reason"}
# Added to cells after the contract above was written: comparisons (vs_organisation always,
# vs_previous with --previous, vs_benchmark with --benchmark) and shrunk (with --shrinkage).
COMPARISONS = ("vs_organisation", "vs_previous", "vs_benchmark")
OPTIONAL_CELL_KEYS = {*COMPARISONS, "shrunk"}
COMPARISON_KEYS = {"difference", "p", "q", "significant"}
EXTRA_COLUMN = re.compile(
    r"vs_(organisation|previous|benchmark)_(difference|p|q|significant)|shrunk"
)
RELIABILITY_KEYS = {"measure", "n", "alpha", "alpha_ci", "omega"}
EXPORT_COLUMNS = [
    "unit",
    "column",
    "category",
    "measure",
    "n",
    "value",
    "ci_low",
    "ci_high",
    "suppressed",
    "reason",
]

HEADER = "unit,help_each_other,siloed,shared_objectives,staff_group,site"


# ----------------------------------------------------------------------------- helpers


def invoke(*args: object) -> Result:
    return RUNNER.invoke(app, ["analyse", *map(str, args)])


def ok(result: Result) -> Result:
    assert result.exit_code == 0, f"exit {result.exit_code}: {result.stderr!r} {result.exception!r}"
    return result


def strict_json(text: str) -> dict[str, Any]:
    """Parse JSON, refusing the non-standard NaN and Infinity that json.dumps can emit."""

    def refuse(constant: str) -> None:
        raise AssertionError(f"the output holds {constant}, which is not JSON")

    return json.loads(text, parse_constant=refuse)


def analyse_json(*args: object) -> dict[str, Any]:
    return strict_json(ok(invoke(*args)).stdout)


def key(cell: dict[str, Any]) -> tuple[str, tuple[tuple[str, str], ...], str]:
    return cell["unit"], tuple(sorted(cell["breakdown"].items())), cell["measure"]


def root_cells(document: dict[str, Any], root: str) -> dict[str, dict[str, Any]]:
    return {c["measure"]: c for c in document["cells"] if c["unit"] == root and not c["breakdown"]}


def scoring_codes(instrument: Instrument, item_id: str) -> list[int]:
    scale = instrument.scales[instrument.item(item_id).scale]
    return [o.code for o in scale.options if o.score is not None]


def eligible(frame: pl.DataFrame, instrument: Instrument, measure: Measure) -> pl.Series:
    """Which respondents have a score on ``measure``, worked out from the raw codes."""
    if measure.method == "mean_of_measures":
        parts = {m: eligible(frame, instrument, instrument.measure(m)) for m in measure.measures}
    else:
        parts = {
            i: frame[i].cast(pl.Int64).is_in(scoring_codes(instrument, i)).fill_null(False)
            for i in measure.items
        }
    count = pl.DataFrame(parts).cast(pl.Int64).sum_horizontal()
    return count >= measure.min_answered


def json_rows(document: dict[str, Any]) -> list[tuple[Any, ...]]:
    """JSON cells as export rows: (unit, column, category, measure, n, value, lo, hi, sup)."""
    rows = []
    for c in document["cells"]:
        ((column, category),) = c["breakdown"].items() if c["breakdown"] else (("", ""),)
        low, high = c["ci"] if c["ci"] is not None else (None, None)
        cell = (c["unit"], column, category, c["measure"], c["n"], c["value"], low, high)
        rows.append((*cell, c["suppressed"]))
    return rows


def number(text: str) -> float | None:
    return None if text == "" else float(text)


def write_team(folder: Path, rows: list[str], units: str | None = None) -> dict[str, Path]:
    folder.mkdir(parents=True, exist_ok=True)
    paths = {"instrument": folder / "team.yaml", "responses": folder / "responses.csv"}
    paths["instrument"].write_text(TEAM_YAML, encoding="utf-8")
    paths["responses"].write_text("\n".join([HEADER, *rows]) + "\n", encoding="utf-8")
    if units is not None:
        paths["units"] = folder / "units.csv"
        paths["units"].write_text(textwrap.dedent(units), encoding="utf-8")
    return paths


def varied(unit: str, count: int, staff_group: str = "1", site: str = "") -> list[str]:
    """``count`` rows for ``unit`` whose item answers vary (so reliability is defined)."""
    answers = itertools.cycle([("4", "2", "1"), ("3", "3", "2"), ("5", "1", "1"), ("2", "4", "2")])
    picked = itertools.islice(answers, count)
    return [f"{unit},{a},{b},{c},{staff_group},{site}" for a, b, c in picked]


# ----------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="session")
def trust(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A synthetic trust, written as CSV (and Parquet under ``parquet/``)."""
    folder = tmp_path_factory.mktemp("trust")
    result = synthesise(staff=1500, seed=3)
    write(result, folder)
    write(result, folder / "parquet", parquet=True)
    return folder


@pytest.fixture(scope="session")
def units_frame(trust: Path) -> pl.DataFrame:
    return pl.read_csv(trust / "units.csv", infer_schema=False)


@pytest.fixture(scope="session")
def responses(trust: Path) -> pl.DataFrame:
    return pl.read_csv(trust / "responses.csv", infer_schema=False)


@pytest.fixture(scope="session")
def root_code(units_frame: pl.DataFrame) -> str:
    roots = units_frame.filter(pl.col("parent").is_null())["code"].to_list()
    assert len(roots) == 1
    return roots[0]


def cube_args(trust: Path, *extra: object) -> list[object]:
    by = [part for column in BY for part in ("--by", column)]
    return [
        trust / "responses.csv",
        "--instrument",
        "culture",
        "--units",
        trust / "units.csv",
        *by,
        *extra,
    ]


@pytest.fixture(scope="session")
def cube_text(trust: Path) -> str:
    return ok(invoke(*cube_args(trust))).stdout


@pytest.fixture(scope="session")
def cube(cube_text: str) -> dict[str, Any]:
    return strict_json(cube_text)


# ----------------------------------------------------------------------------- JSON shape


def test_json_top_level(cube: dict[str, Any], responses: pl.DataFrame) -> None:
    assert set(cube) == TOP_KEYS
    assert cube["instrument"] == {"id": "culture", "version": CULTURE.version}
    assert isinstance(cube["instrument"]["version"], str)
    assert cube["min_group"] == 10  # the default
    assert cube["respondents"] == responses.height
    assert isinstance(cube["cells"], list) and cube["cells"]
    assert isinstance(cube["reliability"], list) and cube["reliability"]


def check_comparisons(cell: dict[str, Any]) -> None:
    """Comparison fields are null or {difference, p, q, significant}; hidden cells get none."""
    for name in COMPARISONS:
        compared = cell.get(name)
        if compared is None:
            continue
        assert not cell["suppressed"], f"a hidden cell carries a comparison: {cell}"
        assert set(compared) == COMPARISON_KEYS, cell
        assert isinstance(compared["significant"], bool)
        assert 0.0 <= compared["p"] <= 1.0 and 0.0 <= compared["q"] <= 1.0, cell
        assert isinstance(compared["difference"], (int, float)), cell
    if cell.get("shrunk") is not None:
        assert not cell["suppressed"], f"a hidden cell carries a shrunken estimate: {cell}"
        assert isinstance(cell["shrunk"], (int, float)), cell


def test_every_cell_has_the_documented_shape(cube: dict[str, Any]) -> None:
    measures = {m.id for m in CULTURE.measures}
    categories = {c: set(CULTURE.demographic(c).categories()) for c in BY}
    for cell in cube["cells"]:
        assert CELL_KEYS <= set(cell) <= CELL_KEYS | OPTIONAL_CELL_KEYS, cell
        check_comparisons(cell)
        assert isinstance(cell["unit"], str)
        assert isinstance(cell["measure"], str) and cell["measure"] in measures
        assert isinstance(cell["breakdown"], dict) and len(cell["breakdown"]) <= 1
        for column, category in cell["breakdown"].items():
            assert column in categories and category in categories[column], cell
        assert isinstance(cell["suppressed"], bool)
        if cell["suppressed"]:
            assert cell["n"] is None and cell["value"] is None and cell["ci"] is None, cell
            assert isinstance(cell["reason"], str) and cell["reason"].strip(), cell
        else:
            assert cell["reason"] is None, cell
            assert type(cell["n"]) is int and cell["n"] >= cube["min_group"], cell
            assert isinstance(cell["value"], (int, float)) and not isinstance(cell["value"], bool)
            assert isinstance(cell["ci"], list) and len(cell["ci"]) == 2, cell
            assert all(isinstance(v, (int, float)) for v in cell["ci"]), cell
    counts = Counter(c["suppressed"] for c in cube["cells"])
    assert counts[True] and counts[False], "the fixture should have shown and hidden cells"


def test_comparisons_and_shrinkage_never_touch_hidden_cells(trust: Path) -> None:
    document = analyse_json(
        trust / "responses.csv",
        "--instrument",
        "culture",
        "--units",
        trust / "units.csv",
        "--previous",
        trust / "previous.csv",
        "--shrinkage",
    )
    cells = document["cells"]
    for cell in cells:
        assert set(cell) == CELL_KEYS | {"vs_organisation", "vs_previous", "shrunk"}, cell
        check_comparisons(cell)
    for name in ("vs_organisation", "vs_previous", "shrunk"):
        assert any(c[name] is not None for c in cells), f"no cell has {name}"
    assert any(c["suppressed"] for c in cells)


def test_one_cell_per_unit_breakdown_and_measure(
    cube: dict[str, Any], units_frame: pl.DataFrame
) -> None:
    units = units_frame["code"].to_list()
    slots: list[tuple[tuple[str, str], ...]] = [()]
    for column in BY:
        slots += [((column, c),) for c in CULTURE.demographic(column).categories()]
    measures = [m.id for m in CULTURE.measures]
    expected = set(itertools.product(units, slots, measures))
    keys = [key(c) for c in cube["cells"]]
    assert len(keys) == len(set(keys)), "a (unit, breakdown, measure) appears twice"
    assert set(keys) == expected
    total_categories = sum(len(CULTURE.demographic(c).categories()) for c in BY)
    assert len(keys) == len(units) * (1 + total_categories) * len(measures)


def test_root_n_is_the_number_of_respondents_with_a_score(
    cube: dict[str, Any], responses: pl.DataFrame, root_code: str
) -> None:
    root = root_cells(cube, root_code)
    assert set(root) == {m.id for m in CULTURE.measures}
    for measure in CULTURE.measures:
        expected = int(eligible(responses, CULTURE, measure).sum())
        cell = root[measure.id]
        if expected >= cube["min_group"]:
            assert not cell["suppressed"], cell
            assert cell["n"] == expected, (measure.id, cell["n"], expected)
        else:
            assert cell["suppressed"], cell
    assert root["vision_values"]["n"] <= cube["respondents"]


def test_values_are_on_their_scales_and_inside_their_intervals(cube: dict[str, Any]) -> None:
    percent = {m.id for m in CULTURE.measures if m.is_percent}
    checked = Counter()
    for cell in cube["cells"]:
        if cell["suppressed"]:
            continue
        top = 100.0 if cell["measure"] in percent else 10.0
        low, high = cell["ci"]
        assert 0.0 <= low <= cell["value"] <= high <= top, cell
        checked[top] += 1
    assert checked[10.0] and checked[100.0]


def test_breakdown_cells_add_up_to_the_unit_total(tmp_path: Path) -> None:
    """Every category (blank and prefer-not-to-say answers as 'Not stated') partitions a unit."""
    rows = (
        varied("A", 6, "1", "North")
        + varied("A", 6, "2", "North")
        + varied("A", 3, "99", "South")
        + varied("A", 3, "", "South")
    )
    paths = write_team(tmp_path, rows)
    document = analyse_json(
        paths["responses"],
        "--instrument",
        paths["instrument"],
        "--by",
        "staff_group",
        "--by",
        "site",
        "--min-group",
        "5",
    )
    cells = {key(c): c for c in document["cells"]}
    assert len(cells) == 2 * (1 + 3 + 3) * 2  # units ALL, A; Nurse/Doctor/Not stated; sites
    for unit, measure in itertools.product(("ALL", "A"), ("teamwork", "objectives")):
        total = cells[(unit, (), measure)]["n"]
        assert total == 18
        by_job = [cells[(unit, (("staff_group", c),), measure)]["n"] for c in ("Nurse", "Doctor")]
        not_stated = cells[(unit, (("staff_group", NOT_STATED),), measure)]["n"]
        assert by_job == [6, 6] and not_stated == 6
        by_site = [cells[(unit, (("site", s),), measure)]["n"] for s in ("North", "South")]
        assert by_site == [12, 6]
        assert cells[(unit, (("site", NOT_STATED),), measure)]["reason"]  # nobody: hidden


def test_reliability_rows(cube: dict[str, Any]) -> None:
    scales = {m.id for m in CULTURE.measures if m.method == "mean" and len(m.items) >= 2}
    seen = set()
    for row in cube["reliability"]:
        assert set(row) == RELIABILITY_KEYS, row
        assert row["measure"] in scales and row["measure"] not in seen
        seen.add(row["measure"])
        assert type(row["n"]) is int and row["n"] >= cube["min_group"]
        assert row["alpha"] is None or -1.0 <= row["alpha"] <= 1.0
        if row["alpha_ci"] is not None:
            low, high = row["alpha_ci"]
            assert low <= row["alpha"] <= high
        assert row["omega"] is None or isinstance(row["omega"], float)
    assert seen


# ----------------------------------------------------------------------------- units


def test_without_units_every_unit_sits_flat_under_all(
    trust: Path, cube: dict[str, Any], responses: pl.DataFrame, root_code: str
) -> None:
    flat = analyse_json(trust / "responses.csv", "--instrument", "culture")
    codes = set(responses["unit"].unique().to_list())
    units = {c["unit"] for c in flat["cells"]}
    assert units == {"ALL"} | codes
    assert len(flat["cells"]) == len(units) * len(CULTURE.measures)
    assert all(not c["breakdown"] for c in flat["cells"])
    # The root is the same whole organisation whether or not the tree is given ...
    tree_root = root_cells(cube, root_code)
    for measure, cell in root_cells(flat, "ALL").items():
        assert (cell["n"], cell["value"]) == (tree_root[measure]["n"], tree_root[measure]["value"])
    # ... but each unit counts only its own respondents, not a subtree.
    measure = CULTURE.measure("vision_values")
    has_score = responses.with_columns(score=eligible(responses, CULTURE, measure))
    per_unit = dict(has_score.group_by("unit").agg(pl.col("score").sum()).iter_rows())
    shown = [c for c in flat["cells"] if c["measure"] == measure.id and c["unit"] != "ALL"]
    assert any(not c["suppressed"] for c in shown)
    for cell in shown:
        if not cell["suppressed"]:
            assert cell["n"] == per_unit[cell["unit"]], cell


def test_units_file_aggregates_each_unit_over_its_subtree(tmp_path: Path) -> None:
    units = """\
        code,name,parent
        ORG,The trust,
        A,Division A,ORG
        B,Ward B,A
        C,Ward C,ORG
        """
    paths = write_team(tmp_path, varied("A", 6) + varied("B", 6) + varied("C", 6), units)
    args = [paths["responses"], "--instrument", paths["instrument"], "--min-group", "5"]
    tree = analyse_json(*args, "--units", paths["units"])
    flat = analyse_json(*args)
    n_tree = {c["unit"]: c["n"] for c in tree["cells"] if c["measure"] == "teamwork"}
    n_flat = {c["unit"]: c["n"] for c in flat["cells"] if c["measure"] == "teamwork"}
    assert n_tree == {"ORG": 18, "A": 12, "B": 6, "C": 6}
    assert n_flat == {"ALL": 18, "A": 6, "B": 6, "C": 6}
    assert tree["cells"][0]["unit"] == "ORG" and flat["cells"][0]["unit"] == "ALL"


# ----------------------------------------------------------------------------- other formats


@pytest.fixture(scope="session")
def exports(trust: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("exports")
    paths = {}
    for fmt in ("csv", "xlsx", "parquet"):
        paths[fmt] = folder / f"cells.{fmt}"
        result = ok(invoke(*cube_args(trust, "--format", fmt, "--out", paths[fmt])))
        assert result.stdout == ""
    return paths


def value_of(raw: object) -> float | None:
    return None if raw is None or raw == "" else float(raw)  # type: ignore[arg-type]


def check_export(header: list[str], rows: list[list[Any]], cube: dict[str, Any]) -> None:
    """Export rows hold the JSON cells in order: core columns first, comparison columns after.

    ``rows`` hold plain values: text (``""`` or ``None`` for blank), numbers and booleans.
    """
    width = len(EXPORT_COLUMNS)
    assert header[:width] == EXPORT_COLUMNS
    extra = header[width:]
    assert all(EXTRA_COLUMN.fullmatch(c) for c in extra), extra
    assert len(rows) == len(cube["cells"])
    got = [
        (
            str(u),
            col or "",
            cat or "",
            str(m),
            None if n in (None, "") else int(n),
            value_of(v),
            value_of(lo),
            value_of(hi),
            s,
            r or None,
        )
        for u, col, cat, m, n, v, lo, hi, s, r in (row[:width] for row in rows)
    ]
    expected = [(*r, c["reason"]) for r, c in zip(json_rows(cube), cube["cells"], strict=True)]
    assert got == expected
    for row, cell in zip(rows, cube["cells"], strict=True):
        padded = [*row, *[None] * (len(header) - len(row))]  # XLSX drops trailing empty cells
        values = dict(zip(extra, padded[width:], strict=True))
        if cell["suppressed"]:  # no numbers at all, the significance flag included
            assert all(v in (None, "") for v in values.values()), (cell, values)
        for name in COMPARISONS:
            if f"{name}_difference" in values:
                compared = cell[name]
                want = None if compared is None else compared["difference"]
                assert value_of(values[f"{name}_difference"]) == want, (cell, values)


def test_csv_holds_the_same_cells_as_json(cube: dict[str, Any], exports: dict[str, Path]) -> None:
    with exports["csv"].open(newline="", encoding="utf-8") as handle:
        reader = csv.reader(handle)
        header = next(reader)
        flags = {"true": True, "false": False}
        suppressed = header.index("suppressed")
        rows = [[*r[:suppressed], flags[r[suppressed]], *r[suppressed + 1 :]] for r in reader]
    check_export(header, rows, cube)


def test_xlsx_holds_the_same_cells_as_json(cube: dict[str, Any], exports: dict[str, Path]) -> None:
    book = openpyxl.load_workbook(exports["xlsx"], read_only=True)
    rows = [list(r) for r in book.worksheets[0].iter_rows(values_only=True)]
    book.close()
    check_export(rows[0], rows[1:], cube)


def test_parquet_holds_the_same_cells_as_json(
    cube: dict[str, Any], exports: dict[str, Path]
) -> None:
    frame = pl.read_parquet(exports["parquet"])
    assert frame.schema["n"].is_integer() and frame.schema["suppressed"] == pl.Boolean
    check_export(frame.columns, [list(r) for r in frame.iter_rows()], cube)


def test_parquet_responses_give_the_same_result_as_csv(trust: Path, cube_text: str) -> None:
    by = [part for column in BY for part in ("--by", column)]
    result = ok(
        invoke(
            trust / "parquet" / "responses.parquet",
            "--instrument",
            "culture",
            "--units",
            trust / "units.csv",
            *by,
        )
    )
    assert result.stdout == cube_text


FORMULA_UNITS = """\
    code,name,parent
    ORG,"=HYPERLINK(""x"")",
    +1,Plus,ORG
    @SUM,At,ORG
    "=HYPERLINK(""x"")",Eq,ORG
    -2,Minus,ORG
    """
FORMULA_CODES = ("+1", "@SUM", '=HYPERLINK("x")', "-2")


def test_formulas_are_neutralised_in_csv_and_xlsx_only(tmp_path: Path) -> None:
    rows = [
        row
        for code in FORMULA_CODES
        for row in varied(code if '"' not in code else '"=HYPERLINK(""x"")"', 6, site="=1+1")
    ]
    paths = write_team(tmp_path, rows, FORMULA_UNITS)
    args = [
        paths["responses"],
        "--instrument",
        paths["instrument"],
        "--units",
        paths["units"],
        "--by",
        "site",
        "--min-group",
        "5",
    ]
    document = analyse_json(*args)
    assert {c["unit"] for c in document["cells"]} == {"ORG", *FORMULA_CODES}
    assert {c["breakdown"].get("site") for c in document["cells"]} == {None, "=1+1", NOT_STATED}

    ok(invoke(*args, "--format", "csv", "--out", tmp_path / "cells.csv"))
    with (tmp_path / "cells.csv").open(newline="", encoding="utf-8") as handle:
        csv_rows = list(csv.DictReader(handle))
    assert {r["unit"] for r in csv_rows} == {"ORG", *("'" + c for c in FORMULA_CODES)}
    assert {r["category"] for r in csv_rows} == {"", "'=1+1", NOT_STATED}
    assert '\'=HYPERLINK("x")' in {r["unit"] for r in csv_rows}

    ok(invoke(*args, "--format", "xlsx", "--out", tmp_path / "cells.xlsx"))
    book = openpyxl.load_workbook(tmp_path / "cells.xlsx")  # not read-only: see data types
    sheet = book.worksheets[0]
    texts = []
    for row in sheet.iter_rows(min_row=2):
        for cell in row:
            assert cell.data_type != "f", f"{cell.coordinate} holds a formula: {cell.value!r}"
            if isinstance(cell.value, str):
                texts.append(cell.value)
    assert not [t for t in texts if t[:1] in ("=", "+", "-", "@", "\t", "\r")]
    units_column = [row[0] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert set(units_column) == {"ORG", *("'" + c for c in FORMULA_CODES)}

    ok(invoke(*args, "--format", "parquet", "--out", tmp_path / "cells.parquet"))
    frame = pl.read_parquet(tmp_path / "cells.parquet")
    assert set(frame["unit"].cast(pl.Utf8)) == {"ORG", *FORMULA_CODES}
    assert set(frame["category"].cast(pl.Utf8)) == {"", "=1+1", NOT_STATED}


# ----------------------------------------------------------------------------- options


@pytest.mark.parametrize("k", ["4", "0", "-1"])
def test_min_group_below_five_is_a_usage_error(trust: Path, tmp_path: Path, k: str) -> None:
    out = tmp_path / "out.json"
    result = invoke(
        trust / "responses.csv", "--instrument", "culture", f"--min-group={k}", "--out", out
    )
    assert result.exit_code == 2, (result.stderr, result.exception)
    text = " ".join(result.stderr.replace("│", " ").split())
    assert "Usage:" in text and "at least 5" in text
    assert result.stdout == "" and not out.exists()


@pytest.fixture(scope="session")
def by_min_group(trust: Path, cube: dict[str, Any]) -> dict[int, dict[str, Any]]:
    """The cube at min group 5, 10 (the default) and 20."""
    return {
        k: cube if k == 10 else analyse_json(*cube_args(trust, "--min-group", k))
        for k in (5, 10, 20)
    }


def test_min_group_five_is_accepted_and_reported(by_min_group: dict[int, dict[str, Any]]) -> None:
    document = by_min_group[5]
    assert document["min_group"] == 5
    assert min(c["n"] for c in document["cells"] if not c["suppressed"]) >= 5


def test_a_higher_min_group_never_shows_more(
    by_min_group: dict[int, dict[str, Any]], cube: dict[str, Any]
) -> None:
    shown = {}
    for k, document in by_min_group.items():
        assert document["min_group"] == k
        assert [key(c) for c in document["cells"]] == [key(c) for c in cube["cells"]]
        cells = [c for c in document["cells"] if not c["suppressed"]]
        assert all(c["n"] >= k for c in cells)
        assert all(r["n"] >= k for r in document["reliability"])
        shown[k] = len(cells)
    assert shown[5] >= shown[10] >= shown[20] > 0
    assert shown[5] > shown[20]


def test_out_writes_the_same_json_again_and_nothing_to_stdout(
    trust: Path, tmp_path: Path, cube_text: str
) -> None:
    """A second run, to a file, gives byte-identical JSON: output is deterministic."""
    out = tmp_path / "cube.json"
    result = ok(invoke(*cube_args(trust, "--out", out)))
    assert result.stdout == ""
    assert str(out) in result.stderr.replace("\n", "")  # "Wrote PATH" goes to stderr
    assert out.read_text(encoding="utf-8") == cube_text


def test_csv_goes_to_stdout_without_out(trust: Path, exports: dict[str, Path]) -> None:
    to_stdout = ok(invoke(*cube_args(trust, "--format", "csv")))
    assert to_stdout.stdout == exports["csv"].read_text(encoding="utf-8")
    assert to_stdout.stdout.splitlines()[0].startswith(",".join(EXPORT_COLUMNS))


@pytest.mark.parametrize("fmt", ["xlsx", "parquet"])
def test_binary_formats_need_out(trust: Path, fmt: str) -> None:
    result = invoke(trust / "responses.csv", "--instrument", "culture", "--format", fmt)
    assert result.exit_code == 2
    assert result.stdout == ""
    assert "--out" in result.stderr


def test_unknown_format_is_a_usage_error(trust: Path, tmp_path: Path) -> None:
    out = tmp_path / "out.txt"
    result = invoke(
        trust / "responses.csv", "--instrument", "culture", "--format", "xml", "--out", out
    )
    assert result.exit_code == 2 and not out.exists()
    assert "json" in result.stderr and "parquet" in result.stderr


# ----------------------------------------------------------------------------- small valid inputs


@pytest.mark.parametrize(
    ("rows", "instrument_edit"),
    [
        pytest.param(
            ["A,4,2,1,1,", "A,4,3,2,2,", "A,4,1,1,1,", "A,4,4,2,2,", "A,4,5,1,1,", "A,4,2,2,1,"],
            None,
            id="an-item-everyone-answers-the-same",
        ),
        pytest.param(["A,4,2,1,1,"], None, id="a-single-respondent"),
        pytest.param(
            ["A,4,,1,1,", "A,3,,2,2,", "A,,3,1,1,", "A,5,,2,2,", "A,1,,1,1,", "A,,2,2,1,"],
            None,
            id="no-respondent-answers-every-item-of-a-scale",
        ),
        pytest.param(
            varied("A", 8),
            ("method: mean, items", "method: percent_positive, items"),
            id="an-instrument-with-no-multi-item-mean-measure",
        ),
        pytest.param(varied("A", 8), None, id="control"),
    ],
)
def test_small_valid_inputs_are_analysed(
    tmp_path: Path, rows: list[str], instrument_edit: tuple[str, str] | None
) -> None:
    paths = write_team(tmp_path, rows)
    if instrument_edit is not None:
        text = paths["instrument"].read_text(encoding="utf-8")
        assert instrument_edit[0] in text
        paths["instrument"].write_text(text.replace(*instrument_edit), encoding="utf-8")
    result = invoke(paths["responses"], "--instrument", paths["instrument"], "--min-group", "5")
    assert result.exit_code == 0, repr(result.exception)
    document = strict_json(result.stdout)
    assert document["respondents"] == len(rows)
    for row in document["reliability"]:
        assert row["n"] >= 5


# ----------------------------------------------------------------------------- the console script


def test_console_script_entry_point_and_exit_codes(tmp_path: Path) -> None:
    """The installed ``ethos`` script runs, and bad input exits 2 with one clean line."""
    script = Path(sys.executable).with_name("ethos")
    assert script.exists(), f"console script not installed at {script}"
    bad = write_team(tmp_path, [*varied("A", 3), "A,7,2,1,1,", *varied("A", 3)])
    out = tmp_path / "x.json"
    args = [bad["responses"], "--instrument", bad["instrument"], "--out", out]
    # Started together; ``--version`` returns before the analysis modules are imported.
    analyse = subprocess.Popen(
        [str(script), "analyse", *map(str, args)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    version = subprocess.run(
        [str(script), "--version"], capture_output=True, text=True, timeout=60, check=False
    )
    out_text, err = analyse.communicate(timeout=60)

    assert version.returncode == 0 and version.stdout.startswith("ethos "), version

    assert analyse.returncode == 2, err
    assert out_text == "" and "Traceback" not in err
    assert err.strip().count("\n") == 0, err
    assert err.startswith(f"Error: {bad['responses']}, row 5, column 'help_each_other': '7'")
    assert "Fix:" in err
    assert not out.exists()


def test_version_and_help() -> None:
    assert ok(RUNNER.invoke(app, ["--version"])).stdout.startswith("ethos ")
    text = ok(RUNNER.invoke(app, ["analyse", "--help"])).stdout
    for option in ("--instrument", "--units", "--by", "--min-group", "--format", "--out"):
        assert option in text
