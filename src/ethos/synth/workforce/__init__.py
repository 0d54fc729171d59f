"""Synthetic workforce data with known, planted effects, for demos, tests and benchmarks.

>>> units = make_units(6_000, 240, seed=1)  # doctest: +SKIP
>>> result = synthesise_workforce(units, year=2026, seed=1, years=3)  # doctest: +SKIP
>>> write_workforce(result, "out/")  # doctest: +SKIP

:func:`synthesise_workforce` builds every workforce frame of :mod:`ethos.workforce.schema` for
a unit tree: a staff roster per reporting year (:mod:`.roster`), recruitment, formal cases,
training and the board per year (:mod:`.events`), leadership posts and successors
(:mod:`.leaders`) and outcome indicators by unit and month (:mod:`.outcomes`) for the latest
year, with a JSON-ready ``truth`` record of what was planted. Deterministic for a seed.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

from ethos.instruments.outcomes import SECTORS, OutcomeCatalogue, load_outcome_catalogue
from ethos.synth.hierarchy import Units, read_units
from ethos.synth.workforce import events, leaders, outcomes, roster
from ethos.synth.workforce.outcomes import support_effects
from ethos.workforce import schema

__all__ = ["SyntheticWorkforce", "support_effects", "synthesise_workforce", "write_workforce"]

TRENDS: tuple[str, ...] = ("staff", "recruitment", "cases", "training", "board")
"""Kinds generated for every year; the others (posts, successors, outcomes) for the latest."""
MAX_YEARS = 10


@dataclass(frozen=True)
class SyntheticWorkforce:
    """Every workforce frame of a synthetic organisation and the planted truth.

    ``yearly`` maps each kind in :data:`TRENDS` to ``{year: frame}`` for ``years`` (oldest
    first); ``posts``, ``successors`` and ``outcomes`` are for the latest year, ``year``.
    """

    year: int
    years: tuple[int, ...]
    yearly: Mapping[str, Mapping[int, pl.DataFrame]]
    posts: pl.DataFrame
    successors: pl.DataFrame
    outcomes: pl.DataFrame
    truth: dict[str, Any]

    def frame(self, kind: str, year: int | None = None) -> pl.DataFrame:
        """The frame of ``kind`` (a key of :data:`schema.FRAMES`) for ``year`` (the latest)."""
        if kind in TRENDS:
            return self.yearly[kind][self.year if year is None else year]
        if kind not in schema.FRAMES:
            raise KeyError(kind)
        if year not in (None, self.year):
            raise KeyError((kind, year))
        return getattr(self, kind)


def synthesise_workforce(
    units: pl.DataFrame,
    year: int,
    seed: int = 0,
    support: Mapping[str, float] | None = None,
    years: int = 1,
    *,
    catalogue: OutcomeCatalogue | str | Path | None = None,
    sector: str = "acute",
) -> SyntheticWorkforce:
    """Workforce frames for ``units`` (from :func:`ethos.synth.make_units`) ending in ``year``.

    Staff in post follow each unit's ``headcount``. ``years`` consecutive reporting years end
    in ``year`` (2026 is April 2025 to March 2026). ``support`` maps unit codes to support and
    compassion effects on the latent scale (missing units count as 0; values are centred over
    the leaf units); by default they are the survey generator's own for this seed
    (:func:`support_effects`), so survey and outcomes agree. Outcomes cover the indicators of
    ``catalogue`` (default: the shipped one) that apply to ``sector``.
    Raises ``ValueError`` for bad arguments.
    """
    _check(year, seed, years, sector)
    tree = read_units(units)
    spec = (
        catalogue if isinstance(catalogue, OutcomeCatalogue) else load_outcome_catalogue(catalogue)
    )
    span = tuple(range(year - years + 1, year + 1))
    streams = [np.random.default_rng(s) for s in np.random.SeedSequence([seed, 31]).spawn(7)]
    lead = leaders.leadership(tree, roster.simulate(tree, span, streams[0]), span, streams[1])
    yearly = _yearly(tree, lead.cohort, span, streams[2:6])
    given = support is not None
    by_unit = dict(support) if support is not None else support_effects(units, seed)
    effect = outcomes.leaf_effects(tree, by_unit)
    chosen = spec.for_sector(sector)
    frame = outcomes.outcomes(tree, chosen, effect, year, streams[6])
    source = "given" if given else "survey generator"
    truth = {
        **_truth(seed, span, tree, spec),
        **lead.truth,
        "outcomes": outcomes.truth(tree, chosen, effect, source, sector),
    }
    return SyntheticWorkforce(year, span, yearly, lead.posts, lead.successors, frame, truth)


def _yearly(
    tree: Units, cohort: roster.Cohort, span: tuple[int, ...], streams: list[np.random.Generator]
) -> dict[str, dict[int, pl.DataFrame]]:
    """The frames of every kind in :data:`TRENDS` for each year of ``span``."""
    first = roster.day_number(schema.year_bounds(span[0])[0])
    return {
        "staff": {y: roster.staff_frame(cohort, tree, y, first) for y in span},
        "recruitment": {y: events.recruitment(cohort, y, streams[0]) for y in span},
        "cases": {y: events.cases(cohort, y, streams[1]) for y in span},
        "training": {y: events.training(cohort, y, streams[2]) for y in span},
        "board": events.boards(span, streams[3]),
    }


def _truth(seed: int, span: tuple[int, ...], tree: Units, spec: OutcomeCatalogue) -> dict[str, Any]:
    """The truth record's header, the planted equality effects and the generator's rates."""
    return {
        "seed": seed,
        "year": span[-1],
        "years": list(span),
        "units": tree.size,
        "headcount": int(tree.headcount.sum()),
        "catalogue": {"id": spec.id, "version": spec.version},
        **_planted(),
        "settings": {**roster.settings(), **leaders.settings(), **events.settings()},
    }


def _check(year: int, seed: int, years: int, sector: str) -> None:
    for label, value in (("year", year), ("seed", seed), ("years", years)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
            raise ValueError(f"{label} must be a whole number, got {value!r}.")
    if not 1990 <= year <= 2200:
        raise ValueError(f"year must be a reporting year such as 2026, got {year}.")
    if seed < 0:
        raise ValueError(f"seed must be at least 0, got {seed}.")
    if not 1 <= years <= MAX_YEARS:
        raise ValueError(f"years must be from 1 to {MAX_YEARS}, got {years}.")
    if sector not in SECTORS:
        raise ValueError(f"sector must be one of {', '.join(SECTORS)}, got {sector!r}.")


def _planted() -> dict[str, Any]:
    """The planted equality effects (WRES 2 and 3) and the planted absences of difference."""
    white, bme = schema.WHITE, schema.BME
    return {
        "appointment_from_shortlisting": {
            "indicator": "WRES 2",
            "rates": dict(events.APPOINTED),
            "relative_likelihood": events.APPOINTED[white] / events.APPOINTED[bme],
        },
        "disciplinary_entry": {
            "indicator": "WRES 3",
            "rates": dict(events.DISCIPLINARY),
            "relative_likelihood": events.DISCIPLINARY[bme] / events.DISCIPLINARY[white],
        },
        "no_planted_difference": [
            "shortlisting by ethnicity and by disability",
            "appointment from shortlisting by disability (WDES 2)",
            "capability cases by disability (WDES 3)",
            "non-mandatory training by ethnicity (WRES 4)",
        ],
    }


def file_names(result: SyntheticWorkforce) -> dict[tuple[str, int], str]:
    """CSV file name of each (kind, year): ``staff.csv``, or ``staff-2026.csv`` with several."""
    names: dict[tuple[str, int], str] = {}
    for kind in schema.KINDS:
        for year in result.years if kind in TRENDS else (result.year,):
            several = kind in TRENDS and len(result.years) > 1
            names[(kind, year)] = f"{kind}-{year}.csv" if several else f"{kind}.csv"
    return names


def write_workforce(result: SyntheticWorkforce, out_dir: str | Path) -> list[Path]:
    """Write one CSV per kind (per year for yearly kinds) and ``truth-workforce.json``.

    Files are in the import format: the header is the schema's column names, booleans are
    ``yes``/``no``, dates ``YYYY-MM-DD``, the outcomes month ``YYYY-MM`` and nulls empty
    cells. Identical results give byte-identical files. Returns the paths written.
    """
    folder = Path(out_dir)
    folder.mkdir(parents=True, exist_ok=True)
    paths: list[Path] = []
    for (kind, year), name in file_names(result).items():
        paths.append(folder / name)
        to_file(result.frame(kind, year), kind).write_csv(paths[-1])
    paths.append(folder / "truth-workforce.json")
    paths[-1].write_text(json.dumps(result.truth, indent=2) + "\n", encoding="utf-8")
    return paths


def to_file(frame: pl.DataFrame, kind: str) -> pl.DataFrame:
    """``frame`` as text cells for a CSV file of ``kind`` (see :func:`write_workforce`)."""
    columns = []
    for name, dtype in frame.schema.items():
        column = pl.col(name)
        if dtype == pl.Boolean:
            column = pl.when(column).then(pl.lit("yes")).when(~column).then(pl.lit("no"))
            column = column.otherwise(None).alias(name)
        elif kind == "outcomes" and name == "month":
            column = column.dt.strftime("%Y-%m")
        columns.append(column)
    return frame.select(columns).select([c for c, _ in schema.FRAMES[kind]])
