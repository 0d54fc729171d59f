"""The generation model's constants, how an instrument's items map to latent traits, and the
planted effects, chosen from the seed so that every wave and the truth record agree.

Latent traits: one per cultural element, ``engagement`` (items of engagement measures),
``general`` (items with neither) and ``harassment`` (drives yes/no event items). Planted:

- low-support units: ~5% of leaf units (at least 2) have ``support_compassion`` lowered;
- event rates: harassment from patients/public and from staff is likelier for Black and
  minority ethnic respondents (rates by the ethnicity question's reporting band); other
  adverse percent-yes measures (discrimination, pressure to work when unwell) get one flat
  rate, a planted absence of difference;
- previous wave: one directorate's ``learning_innovation`` and the whole organisation's
  ``engagement`` were lower than now.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ethos.instruments.model import ELEMENTS, Demographic, Instrument, Measure
from ethos.synth.comments import COMMENT_RATE
from ethos.synth.demographics import NOT_STATED_SHARE
from ethos.synth.hierarchy import Units
from ethos.synth.people import BLANK, PRIVATE

UNIT_SD = 0.35
UNIT_DRIFT_SD = 0.12  # part of the unit effect that is redrawn each wave
PERSON_SD = 1.0
ITEM_NOISE_SD = 0.8
GENERAL_LOADING = 0.6  # correlation of each trait with a general factor (person and unit)
NONRESPONSE = 0.02
DONT_KNOW = 0.02
EVENT_SLOPE = 0.5  # logistic slope of event items on the (negated) harassment trait
LOW_SUPPORT_SHARE = 0.05
LOW_SUPPORT_SHIFT = -1.0
LEARNING_SHIFT_PREVIOUS = -0.6
ENGAGEMENT_SHIFT_PREVIOUS = -0.15
SUPPORT = "support_compassion"
LEARNING = "learning_innovation"
ETHNICITY = "ethnicity"
BME = "Black and minority ethnic"
HARASSMENT_RATES: dict[str, tuple[float, float]] = {  # (White and others, BME)
    "harassment_public": (0.25, 0.32),
    "harassment_staff": (0.18, 0.26),
}
OTHER_EVENT_RATE = 0.12
ADVERSE_WORDS = ("harass", "bully", "abuse", "discriminat", "violen", "pressure", "unwell")
TRAITS: tuple[str, ...] = (*ELEMENTS, "engagement", "general", "harassment")
WAVES: dict[str, int] = {"current": 0, "previous": 1}


@dataclass(frozen=True, slots=True)
class EventMeasure:
    """A yes/no style measure whose items are drawn from an event model."""

    id: str
    items: tuple[str, ...]
    rule: str
    rates: dict[str, float]  # reporting band of the ethnicity question -> probability


@dataclass(frozen=True, slots=True)
class Design:
    """How each item of an instrument is generated."""

    traits: dict[str, tuple[str, ...]]  # ordinal item -> latent traits it reflects
    events: tuple[EventMeasure, ...]
    engagement_items: tuple[str, ...]
    band_question: Demographic | None


@dataclass(frozen=True, slots=True)
class Plan:
    """Planted effects on units, fixed by the seed for every wave."""

    low_support: tuple[int, ...]  # unit indices
    directorate: int | None


def design(instrument: Instrument) -> Design:
    """Work out which latent traits drive each item and which measures are event measures."""
    engagement = _engagement_items(instrument)
    events: list[EventMeasure] = []
    taken: set[str] = set()
    question = _band_question(instrument)
    planted = [m for m in instrument.measures if m.id in HARASSMENT_RATES]
    others = [m for m in instrument.measures if m.id not in HARASSMENT_RATES and is_adverse(m)]
    for measure in planted + others:
        items = tuple(i for i in measure.items if i not in taken)
        if items:
            taken.update(items)
            rates = _event_rates(measure.id, question)
            events.append(EventMeasure(measure.id, items, measure.rule, rates))
    traits: dict[str, tuple[str, ...]] = {}
    for item in instrument.items:
        if item.id not in taken:
            own = ((item.element,) if item.element else ()) + (
                ("engagement",) if item.id in engagement else ()
            )
            traits[item.id] = own or ("general",)
    return Design(traits, tuple(events), engagement, question)


def is_adverse(measure: Measure) -> bool:
    """A percent-yes measure of something bad happening (harassment, discrimination ...).

    Other percent-yes measures (equal opportunities, real teams) follow the ordinal model.
    """
    words = f"{measure.id} {measure.label}".lower()
    return (
        measure.method == "percent_yes"
        and any(w in words for w in ADVERSE_WORDS)
        and "report" not in words
    )


def _engagement_items(instrument: Instrument) -> tuple[str, ...]:
    """Items of every measure whose id, label or group names engagement (parts followed)."""
    out: list[str] = []
    for measure in instrument.measures:
        words = f"{measure.id} {measure.label} {measure.group or ''}".lower()
        if "engagement" in words:
            out.extend(i for i in instrument.measure_items(measure) if i not in out)
    return tuple(out)


def _band_question(instrument: Instrument) -> Demographic | None:
    for question in instrument.demographics:
        if question.id == ETHNICITY:
            return question
    return None


def _event_rates(measure_id: str, question: Demographic | None) -> dict[str, float]:
    low, high = HARASSMENT_RATES.get(measure_id, (OTHER_EVENT_RATE, OTHER_EVENT_RATE))
    if question is None:
        return {"all": low}
    return {band: (high if band == BME else low) for band in question.categories()}


def plan(units: Units, seed: int) -> Plan:
    """Choose the low-support units and the directorate that changed since the last wave."""
    rng = np.random.default_rng(np.random.SeedSequence([seed, 9]))
    leaves = np.flatnonzero(units.is_leaf)
    sizable = leaves[units.headcount[leaves] >= 5]
    pool = sizable if sizable.size >= 2 else leaves
    count = min(pool.size, max(2, round(LOW_SUPPORT_SHARE * leaves.size)))
    low = np.sort(rng.choice(pool, size=count, replace=False))
    return Plan(tuple(int(i) for i in low), _pick_directorate(units, rng))


def _pick_directorate(units: Units, rng: np.random.Generator) -> int | None:
    """A directorate (level 2) among the quarter with the most staff in their subtree."""
    candidates = np.flatnonzero(units.level == 2)
    if candidates.size == 0:
        return None
    top = units.ancestor_at(2)
    staff = np.bincount(top[top >= 0], weights=units.headcount[top >= 0], minlength=units.size)
    big = candidates[staff[candidates] >= np.quantile(staff[candidates], 0.75)]
    return int(rng.choice(big))


def truth(units: Units, instrument: Instrument, seed: int) -> dict[str, object]:
    """The planted effects and model settings as a JSON-ready dictionary.

    For each shifted trait, ``items`` reflect it alone and ``half_weight_items`` average it
    with another trait (an engagement item that also has an element), so they move half as much.
    """
    layout, chosen = design(instrument), plan(units, seed)
    directorate = None
    if chosen.directorate is not None:
        d = chosen.directorate
        directorate = {
            "unit": units.codes[d],
            "name": units.names[d],
            "element": LEARNING,
            "shift": LEARNING_SHIFT_PREVIOUS,
            **_items_of(layout, LEARNING),
        }
    return {
        "low_support": {
            "element": SUPPORT,
            "shift": LOW_SUPPORT_SHIFT,
            "waves": list(WAVES),
            "units": [units.codes[i] for i in chosen.low_support],
            **_items_of(layout, SUPPORT),
        },
        "event_rates": {
            "demographic": layout.band_question.id if layout.band_question else None,
            "group": BME,
            "measures": {
                e.id: {"items": list(e.items), "rule": e.rule, "rates": e.rates}
                for e in layout.events
            },
        },
        "previous_wave": {
            "directorate": directorate,
            "engagement": {"shift": ENGAGEMENT_SHIFT_PREVIOUS, **_items_of(layout, "engagement")},
        },
        "model": model_settings(),
    }


def _items_of(layout: Design, trait: str) -> dict[str, list[str]]:
    """Items driven by ``trait``: alone, and averaged with one other trait."""
    return {
        "items": [i for i, t in layout.traits.items() if t == (trait,)],
        "half_weight_items": [i for i, t in layout.traits.items() if trait in t and len(t) > 1],
    }


def model_settings() -> dict[str, float]:
    """The generation model's constants, for the truth record."""
    return {
        "unit_sd": UNIT_SD,
        "unit_drift_sd": UNIT_DRIFT_SD,
        "person_sd": PERSON_SD,
        "item_noise_sd": ITEM_NOISE_SD,
        "general_loading": GENERAL_LOADING,
        "nonresponse": NONRESPONSE,
        "dont_know": DONT_KNOW,
        "event_slope": EVENT_SLOPE,
        "comment_rate": COMMENT_RATE,
        "demographic_blank": BLANK,
        "prefer_not_to_say": NOT_STATED_SHARE,
        "prefer_not_to_say_anything": PRIVATE,
    }
