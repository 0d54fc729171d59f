"""``ethos synth``: writes a synthetic trust's files, deterministically; bad arguments exit 2."""

from __future__ import annotations

import json
import sys
import traceback
from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner, Result

from ethos import cli
from ethos.cli import app
from ethos.instruments.loader import load_instrument
from ethos.synth import synthesise

RUNNER = CliRunner()
CSV_FILES = ("units.csv", "responses.csv", "previous.csv", "truth.json")
PARQUET_FILES = ("units.csv", "responses.parquet", "previous.parquet", "truth.json")


def synth(*args: object) -> Result:
    return RUNNER.invoke(app, ["synth", *map(str, args)])


def unwrapped(text: str) -> str:
    """Stderr with line breaks removed (rich wraps long "Wrote PATH" lines at 80 columns)."""
    return text.replace("\n", "")


def ok(result: Result) -> Result:
    assert result.exit_code == 0, f"exit {result.exit_code}: {result.stderr!r} {result.exception!r}"
    return result


def run_main(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], *args: object
) -> tuple[int, str]:
    """``ethos ARGS`` through the console-script entry point; crashes give (1, traceback)."""
    monkeypatch.setattr(sys, "argv", ["ethos", *map(str, args)])
    try:
        cli.main()
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    except Exception:
        traceback.print_exc()
        code = 1
    else:
        code = 0
    return code, capsys.readouterr().err


@pytest.fixture(scope="module")
def written(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("synth") / "trust"
    result = ok(synth("--staff", 300, "--seed", 7, "--out", out))
    for name in CSV_FILES:
        assert str(out / name) in unwrapped(result.stderr)  # "Wrote PATH", on stderr
    assert result.stdout == ""
    return out


def test_writes_units_responses_previous_and_truth(written: Path) -> None:
    assert sorted(p.name for p in written.iterdir()) == sorted(CSV_FILES)
    units = pl.read_csv(written / "units.csv", infer_schema=False)
    assert units.columns[:3] == ["code", "name", "parent"]
    assert units["parent"].is_null().sum() == 1
    assert units["code"].n_unique() == units.height
    culture = load_instrument("culture")
    for wave in ("responses.csv", "previous.csv"):
        frame = pl.read_csv(written / wave, infer_schema=False)
        assert frame.height > 0
        assert frame.columns[0] == "unit"
        assert set(culture.item_ids) <= set(frame.columns)
        assert {d.id for d in culture.demographics} <= set(frame.columns)
        assert set(frame["unit"].unique()) <= set(units["code"])
    truth = json.loads((written / "truth.json").read_text(encoding="utf-8"))
    assert truth["seed"] == 7 and truth["staff"] == 300
    assert truth["instrument"] == {"id": "culture", "version": culture.version}
    assert truth["respondents"]["current"] == pl.read_csv(written / "responses.csv").height


def test_same_seed_gives_byte_identical_files(written: Path, tmp_path: Path) -> None:
    again = tmp_path / "again"
    ok(synth("--staff", 300, "--seed", 7, "--out", again))
    for name in CSV_FILES:
        assert (again / name).read_bytes() == (written / name).read_bytes(), name


def test_another_seed_gives_other_responses(written: Path, tmp_path: Path) -> None:
    other = tmp_path / "other"
    ok(synth("--staff", 300, "--seed", 8, "--out", other))
    assert (other / "responses.csv").read_bytes() != (written / "responses.csv").read_bytes()


def test_units_and_instrument_options(tmp_path: Path) -> None:
    out = tmp_path / "pulse"
    ok(synth("--staff", 200, "--units", 12, "--instrument", "pulse", "--out", out))
    assert pl.read_csv(out / "units.csv").height == 12
    pulse = load_instrument("pulse")
    frame = pl.read_csv(out / "responses.csv", infer_schema=False)
    assert set(pulse.item_ids) <= set(frame.columns)
    assert not set(load_instrument("culture").item_ids) <= set(frame.columns)
    truth = json.loads((out / "truth.json").read_text(encoding="utf-8"))
    assert truth["instrument"]["id"] == "pulse" and truth["units"] == 12


def test_parquet_files_hold_the_synthesised_waves(tmp_path: Path) -> None:
    out = tmp_path / "parquet"
    result = ok(synth("--staff", 300, "--seed", 7, "--out", out, "--parquet"))
    for name in PARQUET_FILES:
        assert (out / name).exists() and str(out / name) in unwrapped(result.stderr)
    expected = synthesise(staff=300, seed=7)
    assert pl.read_parquet(out / "responses.parquet").equals(expected.responses)
    assert pl.read_parquet(out / "previous.parquet").equals(expected.previous)
    again = tmp_path / "again"
    ok(synth("--staff", 300, "--seed", 7, "--out", again, "--parquet"))
    for name in PARQUET_FILES:
        assert (again / name).read_bytes() == (out / name).read_bytes(), name


def test_parquet_is_written_as_well_as_csv(tmp_path: Path) -> None:
    out = tmp_path / "both"
    ok(synth("--staff", 300, "--seed", 7, "--out", out, "--parquet"))
    for name in ("responses.csv", "previous.csv", "responses.parquet", "previous.parquet"):
        assert (out / name).exists(), name


def test_each_wrote_line_names_the_whole_path(tmp_path: Path) -> None:
    out = tmp_path / ("a-long-folder-name-for-the-synthetic-trust-" * 2)
    result = ok(synth("--staff", 100, "--out", out))
    lines = result.stderr.splitlines()
    assert lines == [f"Wrote {out / name}" for name in CSV_FILES]


@pytest.mark.parametrize(
    "args",
    [
        pytest.param(["--staff", "0"], id="no-staff"),
        pytest.param(["--staff", "-5"], id="negative-staff"),
        pytest.param(["--staff", "100", "--units", "0"], id="no-units"),
        pytest.param(["--staff", "100", "--units", "101"], id="more-units-than-staff"),
        pytest.param(["--staff", "many"], id="staff-not-a-number"),
        pytest.param(["--staff", "100", "--seed", "x"], id="seed-not-a-number"),
        pytest.param(["--units", "10"], id="staff-missing"),
    ],
)
def test_bad_arguments_are_usage_errors(args: list[str], tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = synth(*args, "--out", out)
    assert result.exit_code == 2, (result.stderr, result.exception)
    assert "Usage:" in result.stderr and "Traceback" not in result.stderr
    assert not out.exists()


def test_out_is_required() -> None:
    result = synth("--staff", 100)
    assert result.exit_code == 2 and "--out" in result.stderr


def test_unknown_instrument(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    code, err = run_main(monkeypatch, capsys, "synth", "--staff", 100, "--instrument", "cultur",
                         "--out", out)  # fmt: skip
    assert code == 2, err
    assert err.startswith("Error: cultur") and "Fix:" in err and "Traceback" not in err
    assert not out.exists()


@pytest.mark.parametrize(
    "args",
    [
        pytest.param(["--staff", "100", "--seed", "-1"], id="negative-seed"),
        pytest.param(["--staff", "100", "--units", "3"], id="fewer-than-four-units"),
        pytest.param(["--staff", "3"], id="fewer-than-four-staff"),
        pytest.param(["--staff", "4"], id="four-staff-is-fine-control"),
    ],
)
def test_arguments_synthesise_rejects_are_usage_errors(
    args: list[str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    out = tmp_path / "out"
    code, err = run_main(monkeypatch, capsys, "synth", *args, "--out", out)
    if args == ["--staff", "4"]:
        assert code == 0, err
        return
    assert "Traceback" not in err, err
    assert code == 2
    assert not out.exists()


def test_out_that_is_a_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "a-file"
    out.write_text("keep me", encoding="utf-8")
    code, err = run_main(monkeypatch, capsys, "synth", "--staff", 100, "--out", out)
    assert "Traceback" not in err, err
    assert code == 2 and str(out) in err
    assert out.read_text(encoding="utf-8") == "keep me"
