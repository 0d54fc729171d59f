"""Synthetic NHS organisations with known, planted effects, for demos, tests and benchmarks.

>>> result = synthesise(staff=5_000, seed=1, instrument=my_instrument)  # doctest: +SKIP
>>> write(result, "out/")  # doctest: +SKIP

``synthesise`` builds a unit tree (:func:`make_units`), the current and previous waves of
responses (:func:`make_responses`) and a ``truth`` record of every planted effect, so that an
analysis can be checked against what was put in. Everything is deterministic for a seed.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl

from ethos.instruments.model import Instrument
from ethos.synth import effects
from ethos.synth.hierarchy import read_units
from ethos.synth.organisation import make_units
from ethos.synth.responses import build, check_arguments, make_responses, resolve_instrument

__all__ = ["Synthetic", "make_responses", "make_units", "synthesise", "write"]


@dataclass(frozen=True)
class Synthetic:
    """A synthetic organisation: units, two waves of responses and the planted truth."""

    units: pl.DataFrame
    responses: pl.DataFrame
    previous: pl.DataFrame
    truth: dict[str, Any]


def synthesise(
    staff: int,
    units: int | None = None,
    seed: int = 0,
    instrument: str | Instrument = "culture",
    response_rate: float = 0.5,
) -> Synthetic:
    """Build a synthetic organisation of ``staff`` people and its survey responses.

    ``units`` is the number of units at all levels (default about ``staff / 25``);
    ``instrument`` a shipped name (``culture``, ``pulse``), a path or an :class:`Instrument`.
    The current wave uses ``seed`` and the previous wave a seed derived from it; ``truth``
    (JSON-ready) lists the planted effects. Raises ``ValueError`` for bad arguments.
    """
    spec = resolve_instrument(instrument)
    check_arguments(seed, response_rate, "current")
    frame = make_units(staff, units, seed)
    tree = read_units(frame)
    current = build(tree, spec, seed, response_rate, "current")
    previous = build(tree, spec, seed, response_rate, "previous")
    truth = {
        "seed": seed,
        "staff": staff,
        "units": frame.height,
        "instrument": {"id": spec.id, "version": spec.version},
        "response_rate": response_rate,
        "respondents": {"current": current.height, "previous": previous.height},
        **effects.truth(tree, spec, seed),
    }
    return Synthetic(frame, current, previous, truth)


def write(result: Synthetic, out_dir: str | Path, parquet: bool = False) -> list[Path]:
    """Write ``units.csv``, ``truth.json`` and the two waves to ``out_dir``; return the paths.

    Waves are written as ``responses.csv`` and ``previous.csv``, and also as ``.parquet`` files
    when ``parquet`` is true. The output is byte-identical for identical results.
    """
    folder = Path(out_dir)
    folder.mkdir(parents=True, exist_ok=True)
    paths = [folder / "units.csv"]
    result.units.write_csv(paths[0])
    for name, frame in (("responses", result.responses), ("previous", result.previous)):
        paths.append(folder / f"{name}.csv")
        frame.write_csv(paths[-1])
        if parquet:
            paths.append(folder / f"{name}.parquet")
            frame.write_parquet(paths[-1], statistics=True)
    truth = folder / "truth.json"
    truth.write_text(json.dumps(result.truth, indent=2) + "\n", encoding="utf-8")
    return [*paths, truth]
