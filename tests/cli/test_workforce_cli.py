"""``ethos workforce``: file checks and the analyses on CSV files, published like the pages."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ethos.cli import app
from ethos.synth import make_units
from ethos.synth.workforce import synthesise_workforce, write_workforce

RUNNER = CliRunner()


@pytest.fixture(scope="module")
def files(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("workforce")
    units = make_units(3000, 120, seed=5)
    units.write_csv(folder / "units.csv")
    write_workforce(synthesise_workforce(units, 2026, seed=5), folder)
    return folder


def run(*args: object):
    return RUNNER.invoke(app, ["workforce", *map(str, args)])


def test_check_reports_every_file_clean(files):
    names = ("staff", "posts", "successors", "recruitment", "cases", "training", "board")
    options = [part for n in names for part in (f"--{n}", files / f"{n}.csv")]
    result = run("check", "--year", 2026, *options, "--units", files / "units.csv")
    assert result.exit_code == 0, result.output
    assert result.output.count("no problems") == len(names)


def test_check_lists_every_problem_and_exits_2(files, tmp_path):
    bad = tmp_path / "staff.csv"
    lines = (files / "staff.csv").read_text().splitlines()
    lines[2] = lines[2].replace("Band", "Bnad", 1)
    lines[4] = lines[4].replace("yes", "perhaps", 1).replace("no,", "perhaps,", 1)
    bad.write_text("\n".join(lines) + "\n")
    result = run("check", "--year", 2026, "--staff", bad)
    assert result.exit_code == 2
    assert "Row 3, column pay_band" in result.output
    assert "Row 5, column clinical" in result.output
    assert "nothing was analysed" in result.output


def test_wres_prints_published_figures_and_writes_the_return(files, tmp_path):
    out = tmp_path / "wres.csv"
    result = run(
        "wres",
        "--year", 2026,
        "--staff", files / "staff.csv",
        "--recruitment", files / "recruitment.csv",
        "--cases", files / "cases.csv",
        "--training", files / "training.csv",
        "--board", files / "board.csv",
        "--out", out,
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "WRES 2" in result.output
    rows = list(csv.DictReader(out.open()))
    assert {r["indicator"] for r in rows} >= {"WRES 1", "WRES 2", "WRES 3", "WRES 4"}
    for row in rows:
        if row["figure"] == "count" and row["value"]:
            assert float(row["value"]) == 0 or float(row["value"]) >= 10


def test_leadership_flags_the_planted_cliff(files):
    result = run(
        "leadership",
        "--year", 2026,
        "--staff", files / "staff.csv",
        "--posts", files / "posts.csv",
        "--successors", files / "successors.csv",
        "--units", files / "units.csv",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "Retirement cliff (directorates flagged): " in result.output
    assert "Five-year projection" in result.output


def test_outcomes_needs_a_known_indicator(files, tmp_path):
    cells = tmp_path / "cells.csv"
    cells.write_text("unit,column,category,measure,n,value,suppressed\n")
    result = run(
        "outcomes", "--year", 2026, "--outcomes", files / "outcomes.csv",
        "--scores", cells, "--indicator", "happiness",
    )  # fmt: skip
    assert result.exit_code == 2
    assert "not in the catalogue" in result.output


def test_synth_leadership_writes_nominations_ratings_and_the_planted_truth(tmp_path):
    import json

    import polars as pl

    result = RUNNER.invoke(
        app, ["synth", "--staff", "1500", "--out", str(tmp_path), "--leadership"]
    )
    assert result.exit_code == 0, result.output
    truth = json.loads((tmp_path / "truth-leadership.json").read_text())
    ratings = pl.read_csv(tmp_path / "ratings360.csv")
    assert truth["ratings360"]["self_over_rater"]["subject"] in set(ratings["subject"])
    responses = pl.read_csv(tmp_path / "responses.csv", infer_schema_length=0)
    assert truth["pseudo_team"]["unit"] in set(responses["unit"])
    staff = pl.read_csv(tmp_path / "staff-2026.csv", infer_schema_length=0)
    assert staff.height > 0
    nominations = pl.read_csv(tmp_path / "nominations.csv", infer_schema_length=0)
    assert nominations.height > 0 and set(nominations.columns) >= {"nominator", "nominee"}
