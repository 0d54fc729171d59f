"""A planted pseudo-team in synthetic culture survey responses.

A *real team* has clear shared objectives, works interdependently to meet them and meets
regularly to review how it works; a *pseudo-team* says it is a team but fails these tests,
and goes with more errors, injuries, bullying and absence (West and Lyubovnikova, 2013).

:func:`plant_pseudo_team` takes responses from :func:`ethos.synth.synthesise` and returns a
copy in which one leaf unit (with at least 10 respondents, and not one of the seed's planted
low-support units) is a pseudo-team:

- each answer to the three real-team items (:data:`TEAM_TESTS`) that gives a yes or a no
  becomes "no" with probability 0.85 (blanks and "prefer not to say" are left alone);
- every answer to the culture-element items (items with one of the six elements and a scale
  of three or more scoring options) moves one option towards the unfavourable end: one point
  down on a five-point scale, one up for reverse-keyed items, stopping at the end of the
  scale. Non-scoring answers ("don't know") and blanks are left alone.

Nothing else changes. Deterministic for a seed.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import polars as pl

from ethos.instruments.model import ELEMENTS, Instrument, Scale
from ethos.synth import effects
from ethos.synth.hierarchy import Units, read_units
from ethos.synth.responses import resolve_instrument

__all__ = ["TEAM_TESTS", "plant_pseudo_team"]

TEAM_TESTS: tuple[str, ...] = ("tw_shared_objectives", "tw_interdependent", "tw_review")
NO_SHARE = 0.85
MIN_RESPONDENTS = 10
SHIFT = -1  # options, towards the unfavourable end


def _ranked(scale: Scale) -> list[int]:
    """Codes of the scale's scoring options, least favourable (lowest score) first."""
    scoring = [o for o in scale.options if o.score is not None]
    return [o.code for o in sorted(scoring, key=lambda o: o.score or 0.0)]


def _no_code(spec: Instrument, item_id: str) -> tuple[int, list[int]]:
    """The "no" code of a real-team item and the codes of its yes/no answers."""
    try:
        item = spec.item(item_id)
    except KeyError:
        raise ValueError(f"instrument {spec.id} has no item {item_id!r}.") from None
    ranked = _ranked(spec.scales[item.scale])
    if len(ranked) != 2:
        raise ValueError(f"item {item_id!r} must have a yes/no scale.")
    return (ranked[-1] if item.reverse else ranked[0]), ranked


def _element_items(spec: Instrument, columns: list[str]) -> dict[str, dict[int, int]]:
    """Each culture-element item present and its one-step-worse map of codes."""
    out: dict[str, dict[int, int]] = {}
    for item in spec.items:
        ranked = _ranked(spec.scales[item.scale])
        if item.element not in ELEMENTS or len(ranked) < 3 or item.id not in columns:
            continue
        order = ranked[::-1] if item.reverse else ranked  # least favourable first
        out[item.id] = {code: order[max(i + SHIFT, 0)] for i, code in enumerate(order)}
    return out


def _choose(
    tree: Units, responses: pl.DataFrame, seed: int, unit: str | None, rng: np.random.Generator
) -> str:
    """The pseudo-team's unit: ``unit`` if given, else a leaf unit drawn from the seed."""
    counts = dict(responses.get_column("unit").value_counts().iter_rows())
    if unit is not None:
        if unit not in tree.codes or not tree.is_leaf[tree.codes.index(unit)]:
            raise ValueError(f"unit {unit!r} is not a leaf unit of units.")
        if not counts.get(unit):
            raise ValueError(f"unit {unit!r} has no respondents.")
        return unit
    low = set(effects.plan(tree, seed).low_support)
    leaves = [
        i
        for i in np.flatnonzero(tree.is_leaf).tolist()
        if i not in low and counts.get(tree.codes[i], 0) >= MIN_RESPONDENTS
    ]
    if not leaves:
        raise ValueError(f"no leaf unit has {MIN_RESPONDENTS} or more respondents.")
    return tree.codes[int(rng.choice(leaves))]


def plant_pseudo_team(
    responses: pl.DataFrame,
    units: pl.DataFrame,
    seed: int = 0,
    instrument: str | Instrument = "culture",
    unit: str | None = None,
) -> tuple[pl.DataFrame, dict[str, Any]]:
    """A copy of ``responses`` with one unit made a pseudo-team (see the module doc).

    ``responses`` and ``units`` come from :func:`ethos.synth.synthesise` (or
    :func:`~ethos.synth.make_responses`) with the same ``seed`` and ``instrument``. ``unit``
    picks the unit (a leaf code); by default one is drawn from the seed. Returns the new
    frame (same columns, types and row order) and a JSON-ready truth record with the keys
    ``seed``, ``unit``, ``name``, ``respondents``, ``team_tests`` and ``element_shift``.
    Raises ``ValueError`` for bad arguments.
    """
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"seed must be a whole number of at least 0, got {seed!r}.")
    if not isinstance(responses, pl.DataFrame) or "unit" not in responses.columns:
        raise ValueError("responses must be a polars DataFrame with a unit column.")
    spec, tree = resolve_instrument(instrument), read_units(units)
    rng = np.random.default_rng(np.random.SeedSequence([seed, 73]))
    code = _choose(tree, responses, seed, unit, rng)
    inside = pl.col("unit") == code
    tests = {i: _no_code(spec, i) for i in TEAM_TESTS}
    missing = [i for i in TEAM_TESTS if i not in responses.columns]
    if missing:
        raise ValueError(f"responses lack the real-team item(s): {', '.join(missing)}.")
    rows = responses.height
    flips = pl.DataFrame({i: rng.random(rows) < NO_SHARE for i in TEAM_TESTS})
    columns = [
        pl.when(inside & pl.col(i).is_in(yes_no) & flips.get_column(i))
        .then(pl.lit(no))
        .otherwise(pl.col(i))
        .cast(responses.schema[i])
        .alias(i)
        for i, (no, yes_no) in tests.items()
    ]
    shifts = _element_items(spec, responses.columns)
    columns += [
        pl.when(inside).then(pl.col(i).replace(m)).otherwise(pl.col(i)).cast(responses.schema[i])
        for i, m in shifts.items()
    ]
    out = responses.with_columns(columns)
    return out, _truth(seed, tree, code, responses, tests, shifts, spec)


def _truth(
    seed: int,
    tree: Units,
    code: str,
    responses: pl.DataFrame,
    tests: dict[str, tuple[int, list[int]]],
    shifts: dict[str, dict[int, int]],
    spec: Instrument,
) -> dict[str, Any]:
    return {
        "seed": int(seed),
        "unit": code,
        "name": tree.names[tree.codes.index(code)],
        "respondents": responses.filter(pl.col("unit") == code).height,
        "team_tests": {
            "items": list(TEAM_TESTS),
            "no_code": {i: no for i, (no, _) in tests.items()},
            "no_share": NO_SHARE,
        },
        "element_shift": {
            "shift_options": SHIFT,
            "items": list(shifts),
            "reverse_items": [i for i in shifts if spec.item(i).reverse],
        },
    }
