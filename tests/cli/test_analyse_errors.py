"""Bad input to ``ethos analyse``: one clear line naming file, row and column; exit status 2.

Runs go in process through ``ethos.cli.main`` (the console script's entry point), because
that is where an ``InputError`` becomes exit status 2; ``CliRunner`` on ``app`` would see the
raw exception. A crash is recorded the way the interpreter would show it (a traceback on
stderr, exit status 1), so the tests below can insist that there is none.
"""

from __future__ import annotations

import sys
import traceback
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl
import pytest

from ethos import cli

from .common import TEAM_YAML

HEADER = "unit,help_each_other,siloed,shared_objectives,staff_group"
# Answers that vary, so that every statistic is defined for the good files.
GOOD_ROWS = [
    f"{unit},{a},{b},{c},{g}"
    for unit in ("A", "B")
    for a, b, c, g in [(4, 2, 1, 1), (3, 3, 2, 2), (5, 1, 1, 1), (2, 4, 2, 2), (4, 3, 1, 99)]
]
GOOD_UNITS = "code,name,parent\nORG,The trust,\nA,Ward A,ORG\nB,Ward B,ORG\n"


def responses(*rows: str, header: str = HEADER) -> str:
    """A responses CSV: three good rows (rows 2-4), then ``rows`` (from row 5)."""
    return "\n".join([header, *GOOD_ROWS[:3], *rows]) + "\n"


@dataclass
class Outcome:
    code: int
    out: str
    err: str


def run_cli(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], *args: object
) -> Outcome:
    """Run ``ethos ARGS`` through the console-script entry point, in process."""
    monkeypatch.setattr(sys, "argv", ["ethos", *map(str, args)])
    code: int
    try:
        cli.main()
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    except Exception:
        traceback.print_exc()  # what an uncaught exception shows in a real process
        code = 1
    else:
        code = 0
    captured = capsys.readouterr()
    return Outcome(code, captured.out, captured.err)


@dataclass
class Case:
    """A bad input. ``files`` override the good defaults; ``source`` is the file to be named."""

    files: dict[str, str | bytes]
    source: str
    row: int | None = None
    column: str | None = None
    mentions: tuple[str, ...] = ()
    extra: tuple[str, ...] = ()
    responses: str = "responses.csv"
    instrument: str = "team.yaml"
    units: bool = False
    defaults: dict[str, str | bytes] = field(
        default_factory=lambda: {
            "team.yaml": TEAM_YAML,
            "responses.csv": responses(*GOOD_ROWS[3:]),
            "units.csv": GOOD_UNITS,
        }
    )


CASES = {
    "unknown-unit-code": Case(
        {"responses.csv": responses("A,4,2,1,1", "ZZ,4,2,1,1")},
        "responses.csv",
        row=6,
        column="unit",
        mentions=("'ZZ'",),
        units=True,
    ),
    "code-out-of-scale": Case(
        {"responses.csv": responses("A,4,7,1,1")},
        "responses.csv",
        row=5,
        column="siloed",
        mentions=("'7'", "1, 2, 3, 4, 5, 9"),
    ),
    "code-out-of-scale-zero": Case(
        {"responses.csv": responses("A,4,2,0,1")},
        "responses.csv",
        row=5,
        column="shared_objectives",
        mentions=("'0'",),
    ),
    "demographic-code-out-of-range": Case(
        {"responses.csv": responses("A,4,2,1,1", "A,4,2,1,5")},
        "responses.csv",
        row=6,
        column="staff_group",
        mentions=("'5'",),
    ),
    "non-numeric-code": Case(
        {"responses.csv": responses("A,abc,2,1,1")},
        "responses.csv",
        row=5,
        column="help_each_other",
        mentions=("'abc'",),
    ),
    "non-integer-code": Case(
        {"responses.csv": responses("A,4,2.5,1,1")},
        "responses.csv",
        row=5,
        column="siloed",
        mentions=("'2.5'",),
    ),
    "missing-item-columns": Case(
        {"responses.csv": "unit,help_each_other,staff_group\nA,4,1\nA,3,2\n"},
        "responses.csv",
        row=1,
        mentions=("siloed", "shared_objectives"),
    ),
    "missing-unit-column": Case(
        {"responses.csv": responses(header=HEADER.replace("unit,", "ward,"))},
        "responses.csv",
        row=1,
        mentions=("'unit'",),
    ),
    "missing-unit-column-with-units-file": Case(
        {"responses.csv": responses(header=HEADER.replace("unit,", "ward,"))},
        "responses.csv",
        row=1,
        mentions=("'unit'",),
        units=True,
    ),
    "unknown-by-column": Case(
        {},
        "responses.csv",
        row=1,
        mentions=("'directorate'", "--by"),
        extra=("--by", "directorate"),
    ),
    "empty-responses-file": Case({"responses.csv": ""}, "responses.csv"),
    "header-only-responses-file": Case(
        {"responses.csv": HEADER + "\n"}, "responses.csv", mentions=("no respondents",)
    ),
    "unsupported-extension": Case(
        {"responses.xlsx": b"PK\x03\x04 not really a workbook"},
        "responses.xlsx",
        mentions=("'.xlsx'", ".csv", ".parquet"),
        responses="responses.xlsx",
    ),
    "no-such-responses-file": Case({}, "nowhere.csv", responses="nowhere.csv"),
    "units-missing-parent-column": Case(
        {"units.csv": "code,name\nORG,The trust\nA,Ward A\n"},
        "units.csv",
        row=1,
        mentions=("'parent'",),
        units=True,
    ),
    "duplicate-unit-code": Case(
        {"units.csv": GOOD_UNITS + "A,Ward A again,ORG\n"},
        "units.csv",
        row=5,
        column="code",
        mentions=("'A'", "row 3"),
        units=True,
    ),
    "empty-unit-code": Case(
        {"units.csv": GOOD_UNITS + ",No code,ORG\n"},
        "units.csv",
        row=5,
        column="code",
        units=True,
    ),
    "cyclic-units": Case(
        {"units.csv": GOOD_UNITS + "C,Ward C,D\nD,Ward D,C\n"},
        "units.csv",
        row=5,
        column="parent",
        mentions=("'C'", "cycle"),
        units=True,
    ),
    "unit-is-its-own-parent": Case(
        {"units.csv": GOOD_UNITS + "C,Ward C,C\n"},
        "units.csv",
        row=5,
        column="parent",
        mentions=("'C'", "cycle"),
        units=True,
    ),
    "two-roots": Case(
        {"units.csv": GOOD_UNITS + "OTHER,Another trust,\n"},
        "units.csv",
        column="parent",
        mentions=("rows: 2, 5",),
        units=True,
    ),
    "unknown-parent": Case(
        {"units.csv": GOOD_UNITS + "C,Ward C,XX\n"},
        "units.csv",
        row=5,
        column="parent",
        mentions=("'XX'",),
        units=True,
    ),
    "malformed-yaml": Case(
        {"bad.yaml": "id: team_check\nversion: '1'\nitems: [a, b\nscales:\n  x: 1\n"},
        "bad.yaml",
        row=4,
        mentions=("not valid YAML",),
        instrument="bad.yaml",
    ),
    "yaml-that-is-not-a-mapping": Case(
        {"list.yaml": "- id: team_check\n- version: '1'\n"},
        "list.yaml",
        mentions=("mapping",),
        instrument="list.yaml",
    ),
    "invalid-instrument-field": Case(
        {"bad.yaml": TEAM_YAML.replace("scale: yesno}", "scale: agree7}")},
        "bad.yaml",
        mentions=("items[2].scale", "'agree7'"),
        instrument="bad.yaml",
    ),
    "no-such-instrument-file": Case(
        {}, "missing.yaml", mentions=("culture", "pulse"), instrument="missing.yaml"
    ),
}


def build(tmp_path: Path, case: Case) -> tuple[list[object], Path, str]:
    for name, content in {**case.defaults, **case.files}.items():
        path = tmp_path / name
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
    out = tmp_path / "out.json"
    args: list[object] = [
        "analyse",
        tmp_path / case.responses,
        "--instrument",
        tmp_path / case.instrument,
        "--min-group",
        "5",
        "--out",
        out,
        *case.extra,
    ]
    if case.units:
        args += ["--units", tmp_path / "units.csv"]
    return args, out, str(tmp_path / case.source)


def assert_clean_error(outcome: Outcome, out: Path | None) -> None:
    assert "Traceback" not in outcome.err, outcome.err
    assert outcome.code == 2, outcome
    assert outcome.out == ""
    assert outcome.err.startswith("Error: "), outcome.err
    assert outcome.err.strip().count("\n") == 0, f"not one line: {outcome.err!r}"
    assert "Fix:" in outcome.err
    if out is not None:
        assert not out.exists(), "nothing may be written to --out on bad input"


def test_the_good_files_are_good(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Control: the defaults every case starts from analyse cleanly."""
    args, out, _ = build(tmp_path, Case({}, ""))
    outcome = run_cli(monkeypatch, capsys, *args, "--units", tmp_path / "units.csv")
    assert outcome.code == 0, outcome.err
    assert out.exists() and '"respondents":10' in out.read_text(encoding="utf-8")


@pytest.mark.parametrize("name", list(CASES))
def test_bad_input_is_reported_cleanly(
    name: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    case = CASES[name]
    args, out, source = build(tmp_path, case)
    outcome = run_cli(monkeypatch, capsys, *args)
    assert_clean_error(outcome, out)
    assert f"Error: {source}" in outcome.err, outcome.err
    if case.row is not None:
        assert f"row {case.row}" in outcome.err, outcome.err
    else:
        assert ", row " not in outcome.err, outcome.err
    if case.column is not None:
        assert f"column '{case.column}'" in outcome.err, outcome.err
    for text in case.mentions:
        assert text in outcome.err, outcome.err


def test_unknown_instrument_name(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    args, out, _ = build(tmp_path, Case({}, ""))
    args[args.index("--instrument") + 1] = "cultur"
    outcome = run_cli(monkeypatch, capsys, *args)
    assert_clean_error(outcome, out)
    assert outcome.err.startswith("Error: cultur")
    assert "culture" in outcome.err.split("Fix:")[1] and "pulse" in outcome.err


def test_shipped_instrument_against_the_wrong_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    args, out, _ = build(tmp_path, Case({}, ""))
    args[args.index("--instrument") + 1] = "pulse"
    outcome = run_cli(monkeypatch, capsys, *args)
    assert_clean_error(outcome, out)
    assert f"Error: {tmp_path / 'responses.csv'}, row 1" in outcome.err
    assert "'pulse'" in outcome.err


@pytest.mark.parametrize("k", ["4", "0"])
def test_min_group_below_five_is_a_usage_error(
    k: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    args, out, _ = build(tmp_path, Case({}, ""))
    args[args.index("--min-group") + 1] = k
    outcome = run_cli(monkeypatch, capsys, *args)
    assert outcome.code == 2 and outcome.out == "" and "Traceback" not in outcome.err
    assert "Usage:" in outcome.err and "analyse" in outcome.err
    assert "at least 5" in " ".join(outcome.err.replace("│", " ").split())
    assert not out.exists()


def test_parquet_codes_are_checked_too(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    args, out, _ = build(tmp_path, Case({}, ""))
    frame = pl.DataFrame(
        {
            "unit": ["A"] * 6,
            "help_each_other": [1, 2, 3, 4, 5, 7],
            "siloed": [2, 3, 1, 4, 2, 3],
            "shared_objectives": [1, 2, 1, 2, 1, 1],
        }
    )
    frame.write_parquet(tmp_path / "responses.parquet")
    args[1] = tmp_path / "responses.parquet"
    outcome = run_cli(monkeypatch, capsys, *args)
    assert_clean_error(outcome, out)
    assert (
        f"Error: {tmp_path / 'responses.parquet'}, row 7, column 'help_each_other'" in outcome.err
    )


# ----------------------------------------------------------------------------- known bugs


def test_non_integer_code_in_parquet_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    args, out, _ = build(tmp_path, Case({}, ""))
    frame = pl.DataFrame(
        {
            "unit": ["A"] * 6,
            "help_each_other": [1.0, 2.0, 3.0, 4.0, 5.0, 2.5],
            "siloed": [2, 3, 1, 4, 2, 3],
            "shared_objectives": [1, 2, 1, 2, 1, 1],
        }
    )
    frame.write_parquet(tmp_path / "responses.parquet")
    args[1] = tmp_path / "responses.parquet"
    outcome = run_cli(monkeypatch, capsys, *args)
    assert_clean_error(outcome, out)
    assert "row 7, column 'help_each_other'" in outcome.err and "2.5" in outcome.err


@pytest.mark.parametrize(
    "code",
    [
        pytest.param("[/ward]"),
        pytest.param("[ward]"),
    ],
)
def test_error_text_is_printed_literally(
    code: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    args, out, _ = build(tmp_path, Case({"responses.csv": responses(f"{code},4,2,1,1")}, ""))
    outcome = run_cli(monkeypatch, capsys, *args, "--units", tmp_path / "units.csv")
    assert_clean_error(outcome, out)
    assert f"unknown unit code '{code}'" in outcome.err, outcome.err


def test_file_names_with_brackets_are_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    args, out, _ = build(tmp_path, Case({}, ""))
    named = tmp_path / "survey [2025].csv"
    named.write_text(responses(*GOOD_ROWS[3:]), encoding="utf-8")
    args[1] = named
    outcome = run_cli(monkeypatch, capsys, *args)
    assert outcome.code == 0, outcome.err
    assert out.exists()


def test_error_names_a_bracketed_file_exactly(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    args, out, _ = build(tmp_path, Case({}, ""))
    args[1] = tmp_path / "nowhere [v2].csv"
    outcome = run_cli(monkeypatch, capsys, *args)
    assert_clean_error(outcome, out)
    assert f"Error: {tmp_path / 'nowhere [v2].csv'}:" in outcome.err, outcome.err


def test_blank_unit_code_is_called_empty(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    args, out, _ = build(tmp_path, Case({"responses.csv": responses(",4,2,1,1")}, ""))
    outcome = run_cli(monkeypatch, capsys, *args)
    assert_clean_error(outcome, out)
    assert f"Error: {tmp_path / 'responses.csv'}, row 5, column 'unit'" in outcome.err
    assert "None" not in outcome.err and "empty" in outcome.err


def test_reserved_root_code_names_its_row(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    args, out, _ = build(tmp_path, Case({"responses.csv": responses("ALL,4,2,1,1")}, ""))
    outcome = run_cli(monkeypatch, capsys, *args)
    assert_clean_error(outcome, out)
    assert "'ALL'" in outcome.err
    assert f"Error: {tmp_path / 'responses.csv'}, row 5, column 'unit'" in outcome.err


def test_duplicate_item_column_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    text = "\n".join([HEADER + ",siloed", *(f"{row},3" for row in GOOD_ROWS)]) + "\n"
    args, out, _ = build(tmp_path, Case({"responses.csv": text}, ""))
    outcome = run_cli(monkeypatch, capsys, *args)
    assert_clean_error(outcome, out)
    assert (
        f"Error: {tmp_path / 'responses.csv'}, row 1" in outcome.err and "'siloed'" in outcome.err
    )


@pytest.mark.parametrize(
    "content",
    [
        pytest.param(b"id: team_check\ntitle: Caf\xe9 survey\n", id="not-utf8"),
        pytest.param(None, id="a-directory"),
    ],
)
def test_unreadable_instrument_file(
    content: bytes | None,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    args, out, _ = build(tmp_path, Case({}, ""))
    instrument = tmp_path / "survey.yaml"
    if content is None:
        instrument.mkdir()
    else:
        instrument.write_bytes(content)
    args[args.index("--instrument") + 1] = instrument
    outcome = run_cli(monkeypatch, capsys, *args)
    assert_clean_error(outcome, out)
    assert f"Error: {instrument}" in outcome.err


def test_out_in_a_missing_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    args, _, _ = build(tmp_path, Case({}, ""))
    out = tmp_path / "no" / "such" / "folder" / "out.json"
    args[args.index("--out") + 1] = out
    outcome = run_cli(monkeypatch, capsys, *args)
    assert "Traceback" not in outcome.err, outcome.err
    assert outcome.code == 2 and str(out.parent) in outcome.err
