"""``ethos demo``: synthesise a trust, analyse it, print what a reader would want to see.

Every figure printed here comes from the published (disclosure-controlled) results, so the
demo shows exactly what Ethos would let an organisation see, beside the effects that were
planted in the synthetic data.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
from rich.console import Console
from rich.table import Table

from ethos.analysis.export import write
from ethos.analysis.pipeline import Analysis, analyse_files
from ethos.instruments import load_instrument
from ethos.instruments.model import ELEMENT_LABELS
from ethos.stats.disclosure import PublishedCube, Shown
from ethos.stats.likelihood import relative_likelihood
from ethos.synth import synthesise
from ethos.synth import write as write_synthetic

BY = ("ethnicity",)  # one breakdown: each extra column adds constraints (see the docs)
SHORT = {"White": "White", "Black and minority ethnic": "BME"}
HEADLINE = (*ELEMENT_LABELS, "compassionate_leadership", "engagement")


def run_demo(out: Path, staff: int, seed: int, console: Console) -> Analysis:
    """Build the demo trust in ``out``, analyse it and print a summary to ``console``."""
    instrument = load_instrument("culture")
    out.mkdir(parents=True, exist_ok=True)
    console.print(f"[bold]Ethos demo[/]: a synthetic trust of {staff:,} staff (seed {seed})")
    synthetic = synthesise(staff=staff, seed=seed, instrument=instrument)
    write_synthetic(synthetic, out)
    result = analyse_files(out / "responses.csv", instrument, out / "units.csv", BY, 10)
    for fmt in ("json", "csv", "parquet"):
        write(result, fmt, out / f"results.{fmt}", sys.stdout)
    truth = json.loads((out / "truth.json").read_text())
    published = result.published
    console.print(_headline(published, result.respondents))
    console.print(_reliability(result))
    console.print(_low_support(published, set(truth["low_support"]["units"])))
    console.print(_harassment(published, truth))
    console.print(_suppression(published))
    console.print(
        f"Files written to [bold]{out}/[/]: units.csv, responses.csv, previous.csv, "
        "truth.json, results.json, results.csv, results.parquet"
    )
    return result


def _fmt(result: Shown | object, digits: int = 1) -> str:
    if isinstance(result, Shown):
        return (
            f"{result.value:.{digits}f} ({result.ci_low:.{digits}f} to {result.ci_high:.{digits}f})"
        )
    return "hidden"


def _headline(published: PublishedCube, respondents: int) -> Table:
    table = Table(title=f"Whole organisation: {respondents:,} respondents (0-10, 95% interval)")
    table.add_column("Measure")
    table.add_column("Score", justify="right")
    table.add_column("n", justify="right")
    for measure in HEADLINE:
        if measure not in published.measures:
            continue
        result = published.result(0, 0, published.measures.index(measure))
        label = ELEMENT_LABELS.get(measure, measure.replace("_", " ").capitalize())
        n = str(result.n) if isinstance(result, Shown) else "-"
        table.add_row(label, _fmt(result), n)
    return table


def _reliability(result: Analysis) -> Table:
    table = Table(title="Reliability of each scale")
    for column in ("Measure", "n", "Cronbach's alpha (95% CI)", "McDonald's omega"):
        table.add_column(column, justify="left" if column == "Measure" else "right")
    for row in result.reliability:
        alpha = (
            f"{row.alpha:.2f} ({row.alpha_ci[0]:.2f} to {row.alpha_ci[1]:.2f})"
            if row.alpha is not None and row.alpha_ci
            else "-"
        )
        omega = f"{row.omega:.2f}" if row.omega is not None else "-"
        table.add_row(row.measure, f"{row.n:,}", alpha, omega)
    return table


def _low_support(published: PublishedCube, planted: set[str]) -> Table:
    m = published.measures.index("support_compassion")
    shown = np.flatnonzero(published.reason[:, 0, m] == 0)
    leaves = [u for u in shown if published.units[u] not in published.parents]
    value = published.dense(published.value)
    lowest = sorted(leaves, key=lambda u: value[u, 0, m])[:8]
    table = Table(title="Lowest shown teams on support and compassion (planted: marked *)")
    for column in ("Team", "Score (95% interval)", "n", "Planted low"):
        table.add_column(column)
    for u in lowest:
        result = published.result(int(u), 0, m)
        n = str(result.n) if isinstance(result, Shown) else "-"
        table.add_row(
            published.unit_names[u], _fmt(result), n, "*" if published.units[u] in planted else ""
        )
    return table


def _harassment(published: PublishedCube, truth: dict) -> Table:
    table = Table(title="Harassment in the last 12 months, by ethnicity (whole organisation)")
    for column in ("Measure", "White %", "BME %", "RL BME vs White (95% CI)", "Planted rates"):
        table.add_column(column)
    rates = truth["event_rates"]["measures"]
    for measure in ("harassment_public", "harassment_staff"):
        if measure not in published.measures:
            continue
        m = published.measures.index(measure)
        white = published.result(0, published.layout.slot("ethnicity", "White"), m)
        bme = published.result(
            0, published.layout.slot("ethnicity", "Black and minority ethnic"), m
        )
        rl = "-"
        if isinstance(white, Shown) and isinstance(bme, Shown):
            ratio = relative_likelihood(
                round(bme.value * bme.n / 100), bme.n, round(white.value * white.n / 100), white.n
            )
            rl = f"{ratio.rl:.2f} ({ratio.ci_low:.2f} to {ratio.ci_high:.2f})"
        planted = rates.get(measure, {}).get("rates", {})
        table.add_row(
            measure,
            _fmt(white),
            _fmt(bme),
            rl,
            ", ".join(f"{SHORT[k]} {v:.0%}" for k, v in planted.items() if k in SHORT),
        )
    return table


def _suppression(published: PublishedCube) -> Table:
    table = Table(title=f"Disclosure control (minimum group size {published.min_group})")
    table.add_column("Cells")
    table.add_column("Count", justify="right")
    codes, counts = np.unique(published.reason, return_counts=True)
    for code, count in zip(codes, counts, strict=True):
        label = "shown" if code == 0 else published.reason_text(int(code))
        table.add_row(label, f"{count:,}")
    return table
