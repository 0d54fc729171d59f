"""Typed, frozen model of a survey instrument.

An instrument is data: items, response scales, measures, demographics and free-text questions.
The loader (:mod:`ethos.instruments.loader`) builds these objects from YAML and validates them;
the statistics core scores responses against them. Nothing here touches files or Django.
"""

from __future__ import annotations

from dataclasses import dataclass, field

ELEMENTS: tuple[str, ...] = (
    "vision_values",
    "goals_performance",
    "learning_innovation",
    "support_compassion",
    "equity_inclusion",
    "teamwork",
)
ELEMENT_LABELS: dict[str, str] = {
    "vision_values": "Vision and values",
    "goals_performance": "Goals and performance",
    "learning_innovation": "Learning and innovation",
    "support_compassion": "Support and compassion",
    "equity_inclusion": "Equity and inclusion",
    "teamwork": "Teamwork",
}
METHODS: tuple[str, ...] = ("mean", "percent_positive", "percent_yes", "mean_of_measures")
NOT_STATED = "Not stated"


@dataclass(frozen=True, slots=True)
class Option:
    """One answer option: the numeric code stored for it and its label.

    ``score`` is the option's value on the 0-10 scale; ``None`` marks a non-scoring answer
    such as "don't know" or "prefer not to say", which counts as not answered.
    """

    code: int
    label: str
    score: float | None


@dataclass(frozen=True, slots=True)
class Scale:
    id: str
    options: tuple[Option, ...]

    @property
    def codes(self) -> tuple[int, ...]:
        return tuple(o.code for o in self.options)

    def score_of(self, code: int) -> float | None:
        for option in self.options:
            if option.code == code:
                return option.score
        raise KeyError(code)


@dataclass(frozen=True, slots=True)
class Item:
    id: str
    text: str
    scale: str
    reverse: bool = False
    element: str | None = None


@dataclass(frozen=True, slots=True)
class Measure:
    """A reported score built from items (or from other measures).

    Methods:
    - ``mean``: per respondent, the mean of the keyed 0-10 scores of answered items;
    - ``percent_positive`` / ``percent_yes``: per respondent 1 when the answered items are
      positive (keyed score above 5) by ``rule`` (``any`` or ``all``), else 0; reported as %;
    - ``mean_of_measures``: per respondent, the mean of the listed measures (all required),
      e.g. the engagement index as the mean of motivation, involvement and advocacy.
    """

    id: str
    label: str
    method: str
    items: tuple[str, ...] = ()
    measures: tuple[str, ...] = ()
    min_answered: int = 1
    rule: str = "any"
    element: str | None = None
    group: str | None = None

    @property
    def is_percent(self) -> bool:
        return self.method in ("percent_positive", "percent_yes")


@dataclass(frozen=True, slots=True)
class Demographic:
    """A demographic question; ``bands`` maps a reporting band to the codes it groups.

    Codes whose option has no score-free meaning (e.g. "prefer not to say") are listed in
    ``not_stated`` and reported, with missing answers, as "Not stated".
    """

    id: str
    text: str
    options: tuple[Option, ...]
    bands: tuple[tuple[str, tuple[int, ...]], ...] = ()
    not_stated: tuple[int, ...] = ()

    @property
    def codes(self) -> tuple[int, ...]:
        return tuple(o.code for o in self.options)

    def categories(self) -> tuple[str, ...]:
        """Reporting categories in order, ending with "Not stated"."""
        if self.bands:
            names = tuple(name for name, _ in self.bands)
        else:
            names = tuple(o.label for o in self.options if o.code not in self.not_stated)
        return (*names, NOT_STATED)

    def category_of_code(self) -> dict[int, str]:
        """Map each answer code to its reporting category."""
        out: dict[int, str] = {code: NOT_STATED for code in self.not_stated}
        if self.bands:
            for name, codes in self.bands:
                out.update({c: name for c in codes})
        else:
            out.update({o.code: o.label for o in self.options if o.code not in self.not_stated})
        return out


@dataclass(frozen=True, slots=True)
class FreeText:
    id: str
    text: str
    element: str | None = None


@dataclass(frozen=True, slots=True)
class Section:
    """A page of the questionnaire: a title and the items asked on it, in order."""

    id: str
    title: str
    items: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Instrument:
    id: str
    version: str
    title: str
    scales: dict[str, Scale]
    items: tuple[Item, ...]
    measures: tuple[Measure, ...]
    demographics: tuple[Demographic, ...] = ()
    free_text: tuple[FreeText, ...] = ()
    sections: tuple[Section, ...] = ()
    description: str = ""
    source: str = field(default="", compare=False)

    def item(self, item_id: str) -> Item:
        for item in self.items:
            if item.id == item_id:
                return item
        raise KeyError(item_id)

    def measure(self, measure_id: str) -> Measure:
        for measure in self.measures:
            if measure.id == measure_id:
                return measure
        raise KeyError(measure_id)

    def demographic(self, demographic_id: str) -> Demographic:
        for demographic in self.demographics:
            if demographic.id == demographic_id:
                return demographic
        raise KeyError(demographic_id)

    @property
    def item_ids(self) -> tuple[str, ...]:
        return tuple(i.id for i in self.items)

    def measure_items(self, measure: Measure) -> tuple[str, ...]:
        """All items a measure rests on, following ``mean_of_measures`` to its parts."""
        if measure.method != "mean_of_measures":
            return measure.items
        out: list[str] = []
        for part in measure.measures:
            out.extend(self.measure_items(self.measure(part)))
        return tuple(out)
