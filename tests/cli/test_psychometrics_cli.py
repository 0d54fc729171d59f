"""`ethos psychometrics`: reliability per scale and a factor report for the instrument."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from ethos.cli import app
from ethos.synth import synthesise, write


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    folder = tmp_path_factory.mktemp("trust")
    write(synthesise(staff=2500, seed=5), folder)
    return folder


def test_it_reports_reliability_and_recovers_the_six_elements(files):
    result = CliRunner().invoke(
        app, ["psychometrics", str(files / "responses.csv"), "--instrument", "culture", "--json"]
    )
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    scales = {s["measure"]: s for s in report["scales"]}
    assert {"vision_values", "teamwork", "motivation"} <= set(scales)
    for scale in scales.values():
        assert scale["n"] >= 10 and 0 < scale["alpha"] < 1
        assert scale["alpha_ci"][0] <= scale["alpha"] <= scale["alpha_ci"][1]
        assert len(scale["items"]) == scale["k"]
    factors = report["factors"]
    assert factors["n_factors"] == 6  # one per cultural element, by eigenvalues above 1
    assert factors["kmo"] > 0.8 and factors["bartlett_p"] < 0.001
    groups = {}
    for item, loadings in factors["loadings"].items():
        top = max(range(6), key=lambda j: abs(loadings[j]))
        groups.setdefault(item.split("_")[0], set()).add(top)
    assert all(len(tops) == 1 for tops in groups.values())  # each element on its own factor
    assert len({next(iter(t)) for t in groups.values()}) == 6


def test_it_prints_tables_and_refuses_a_small_minimum(files):
    runner = CliRunner()
    result = runner.invoke(
        app, ["psychometrics", str(files / "responses.csv"), "--instrument", "culture"]
    )
    assert result.exit_code == 0 and "Reliability of each scale" in result.stdout
    result = runner.invoke(
        app,
        [
            "psychometrics",
            str(files / "responses.csv"),
            "--instrument",
            "culture",
            "--min-group",
            "3",
        ],
    )
    assert result.exit_code == 2
