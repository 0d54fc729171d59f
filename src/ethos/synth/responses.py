"""Synthetic survey responses for any instrument, one row per respondent.

Each unit's staff respond with a unit-specific rate around ``response_rate``. Every respondent
gets a staff group from their unit's kind, demographic answers, latent traits (see
:mod:`ethos.synth.latent`) and from those the item answers (:mod:`ethos.synth.items`). About 2%
of item answers are blank and, where the item's scale has a non-scoring option such as
"don't know", about 2% more choose it. Free-text questions get comments from about 15%.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from ethos.instruments.loader import load_instrument
from ethos.instruments.model import NOT_STATED, Demographic, Instrument, Scale
from ethos.synth import effects as fx
from ethos.synth import items as gen
from ethos.synth.comments import make_comments
from ethos.synth.hierarchy import Units, read_units
from ethos.synth.latent import TRAIT_SD, traits
from ethos.synth.people import Answers, answer_demographics, staff_groups

RATE_CONCENTRATION = 30.0  # unit response rates ~ Beta with this total concentration


def resolve_instrument(instrument: str | Instrument) -> Instrument:
    """An :class:`Instrument` as given, or loaded by shipped name or path."""
    if isinstance(instrument, Instrument):
        return instrument
    if isinstance(instrument, str):
        return load_instrument(instrument)
    raise ValueError(f"instrument must be a name, a path or an Instrument, got {instrument!r}.")


def make_responses(
    units: pl.DataFrame,
    instrument: str | Instrument = "culture",
    seed: int = 0,
    response_rate: float = 0.5,
    wave: str = "current",
) -> pl.DataFrame:
    """Responses of the staff of ``units`` (from :func:`make_units`) to ``instrument``.

    Columns: ``unit`` (the code of the unit the respondent sits in directly), one ``Int8``
    column per item (answer code; null when blank; ``Int32`` only if a code exceeds 127), one
    per demographic question and one ``Utf8`` column per free-text question (null when no
    comment). Rows are grouped by unit, in the units frame's order. ``wave`` is ``"current"``
    or ``"previous"``; the previous wave uses the same units and planted unit effects with
    fresh respondents and the planted changes (see :mod:`ethos.synth.effects`).
    Deterministic for a given seed.
    Raises ``ValueError`` for a bad seed, response rate, wave or units frame.
    """
    spec = resolve_instrument(instrument)
    check_arguments(seed, response_rate, wave)
    return build(read_units(units), spec, seed, response_rate, wave)


def check_arguments(seed: int, response_rate: float, wave: str) -> None:
    """Raise ``ValueError`` for a bad seed, a rate outside (0, 1] or an unknown wave."""
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"seed must be a whole number of at least 0, got {seed!r}.")
    if isinstance(response_rate, bool) or not isinstance(response_rate, (int, float)):
        raise ValueError(f"response_rate must be a number, got {response_rate!r}.")
    if not 0.0 < response_rate <= 1.0:
        raise ValueError(f"response_rate must be above 0 and at most 1, got {response_rate}.")
    if wave not in fx.WAVES:
        raise ValueError(f"wave must be one of {', '.join(fx.WAVES)}, got {wave!r}.")


def build(
    units: Units, spec: Instrument, seed: int, response_rate: float, wave: str
) -> pl.DataFrame:
    """Generate one wave's responses from checked inputs."""
    _check_names(spec)
    layout, chosen = fx.design(spec), fx.plan(units, seed)
    sequence = np.random.SeedSequence([seed, 200 + fx.WAVES[wave]])
    streams = [np.random.default_rng(s) for s in sequence.spawn(6)]
    unit = respondents(units, response_rate, streams[0])
    answers = answer_demographics(spec, staff_groups(units.kinds(), unit, streams[1]), streams[1])
    latent = traits(units, unit, chosen, seed, wave, streams[2])
    codes = _ordinal(spec, layout, latent, seed, streams[3])
    codes |= _event_items(spec, layout, answers, latent["harassment"], streams[4])
    columns = [pl.Series("unit", units.codes, dtype=pl.Utf8).gather(unit)]
    columns += [_blanked(i.id, codes[i.id], spec.scales[i.scale], streams[5]) for i in spec.items]
    columns += [_series(q, a.codes, a.blank) for q, a in answers.items()]
    for question in spec.free_text:
        tone = latent[question.element or fx.SUPPORT] / np.float32(TRAIT_SD)
        columns.append(make_comments(tone, streams[5]).alias(question.id))
    return pl.DataFrame(columns)


def _check_names(spec: Instrument) -> None:
    names = [
        "unit",
        *spec.item_ids,
        *(q.id for q in spec.demographics),
        *(f.id for f in spec.free_text),
    ]
    if len(set(names)) != len(names):
        clash = sorted({n for n in names if names.count(n) > 1})
        raise ValueError(f"column names clash in instrument {spec.id}: {', '.join(clash)}.")


def respondents(units: Units, response_rate: float, rng: np.random.Generator) -> np.ndarray:
    """Unit index of each respondent; unit response rates vary around ``response_rate``."""
    if response_rate >= 1.0:
        counts = units.headcount
    else:
        a, b = response_rate * RATE_CONCENTRATION, (1.0 - response_rate) * RATE_CONCENTRATION
        counts = rng.binomial(units.headcount, rng.beta(a, b, units.size))
    return np.repeat(np.arange(units.size), counts)


def _ordinal(
    spec: Instrument,
    layout: fx.Design,
    latent: dict[str, np.ndarray],
    seed: int,
    rng: np.random.Generator,
) -> dict[str, np.ndarray]:
    """Codes of every ordinal item; difficulties are fixed by the seed for every wave."""
    difficulty = np.random.default_rng(np.random.SeedSequence([seed, 7])).uniform(
        *gen.DIFFICULTY, len(spec.items)
    )
    out: dict[str, np.ndarray] = {}
    for item, level in zip(spec.items, difficulty.tolist(), strict=True):
        traits_of = layout.traits.get(item.id)
        if traits_of is None:
            continue
        score = latent[traits_of[0]]
        if len(traits_of) > 1:
            score = sum((latent[t] for t in traits_of), np.zeros_like(score)) / np.float32(
                len(traits_of)
            )
        out[item.id] = gen.ordinal_codes(
            spec.scales[item.scale], item.reverse, score, len(traits_of), level, rng
        )
    return out


def _event_items(
    spec: Instrument,
    layout: fx.Design,
    answers: dict[str, Answers],
    harassment: np.ndarray,
    rng: np.random.Generator,
) -> dict[str, np.ndarray]:
    """Codes of the items of event measures, planted rates by ethnicity band."""
    band, categories = band_index(layout.band_question, answers, harassment.size)
    out: dict[str, np.ndarray] = {}
    for event in layout.events:
        rates = np.array([event.rates[c] for c in categories])
        happened = gen.events(band, rates, harassment, rng)
        pattern = gen.event_pattern(happened, len(event.items), event.rule, rng)
        for j, item_id in enumerate(event.items):
            item = spec.item(item_id)
            out[item_id] = gen.event_codes(
                spec.scales[item.scale], item.reverse, pattern[:, j], rng
            )
    return out


def band_index(
    question: Demographic | None, answers: dict[str, Answers], n: int
) -> tuple[np.ndarray, tuple[str, ...]]:
    """Each respondent's reporting band of ``question`` (blank counts as not stated)."""
    if question is None:
        return np.zeros(n, dtype=np.int64), ("all",)
    categories = question.categories()
    mapping = question.category_of_code()
    keys = np.array(sorted(mapping), dtype=np.int64)
    values = np.array([categories.index(mapping[k]) for k in keys.tolist()], dtype=np.int64)
    given = answers[question.id]
    band = values[np.clip(np.searchsorted(keys, given.codes), 0, keys.size - 1)]
    band[given.blank] = categories.index(NOT_STATED)
    return band, categories


def _blanked(name: str, codes: np.ndarray, scale: Scale, rng: np.random.Generator) -> pl.Series:
    """An item column with ~2% blank and, where the scale has one, ~2% non-scoring answers."""
    u = rng.random(codes.size, dtype=np.float32)
    aside = np.array([o.code for o in scale.options if o.score is None], dtype=np.int64)
    if aside.size:
        unsure = (u >= fx.NONRESPONSE) & (u < fx.NONRESPONSE + fx.DONT_KNOW)
        codes = codes.copy()
        codes[unsure] = aside[rng.integers(0, aside.size, int(unsure.sum()))]
    return _series(name, codes, u < fx.NONRESPONSE)


def _series(name: str, codes: np.ndarray, blank: np.ndarray) -> pl.Series:
    """An integer column, ``Int8`` when the codes fit, with nulls where ``blank``."""
    small = codes.size == 0 or (codes.min() >= -128 and codes.max() <= 127)
    dtype, np_dtype = (pl.Int8, np.int8) if small else (pl.Int32, np.int32)
    return pl.Series(name, codes.astype(np_dtype), dtype=dtype).scatter(np.flatnonzero(blank), None)
