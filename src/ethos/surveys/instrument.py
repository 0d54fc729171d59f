"""A survey's instrument and its pages, parsed once per survey and cached."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from ethos.instruments import Instrument, parse_instrument
from ethos.instruments.model import Demographic, FreeText, Item

PAGE_SIZE = 10  # items per page when an instrument defines no sections


@dataclass(frozen=True, slots=True)
class Page:
    """One page of the questionnaire: items, demographic questions or free-text questions."""

    id: str
    title: str
    items: tuple[Item, ...] = ()
    demographics: tuple[Demographic, ...] = ()
    free_text: tuple[FreeText, ...] = ()

    @property
    def fields(self) -> tuple[str, ...]:
        return tuple(q.id for q in (*self.items, *self.demographics, *self.free_text))


@lru_cache(maxsize=64)
def instrument_of(yaml_text: str) -> Instrument:
    return parse_instrument(yaml_text, source="survey instrument")


@lru_cache(maxsize=64)
def pages_of(yaml_text: str) -> tuple[Page, ...]:
    """The questionnaire's pages: its sections (or chunks of items), then 'About you', then
    the comment questions."""
    instrument = instrument_of(yaml_text)
    if instrument.sections:
        pages = [
            Page(s.id, s.title, tuple(instrument.item(i) for i in s.items))
            for s in instrument.sections
        ]
    else:
        items = instrument.items
        pages = [
            Page(f"part{n + 1}", f"Part {n + 1}", items[start : start + PAGE_SIZE])
            for n, start in enumerate(range(0, len(items), PAGE_SIZE))
        ]
    if instrument.demographics:
        pages.append(Page("about_you", "About you", demographics=instrument.demographics))
    if instrument.free_text:
        pages.append(Page("comments", "Your comments", free_text=instrument.free_text))
    return tuple(pages)


@lru_cache(maxsize=64)
def allowed_answers(yaml_text: str) -> dict[str, frozenset[int] | None]:
    """Every question id with its allowed codes (``None`` for free text). Do not mutate."""
    instrument = instrument_of(yaml_text)
    allowed: dict[str, frozenset[int] | None] = {
        item.id: frozenset(instrument.scales[item.scale].codes) for item in instrument.items
    }
    allowed.update({d.id: frozenset(d.codes) for d in instrument.demographics})
    allowed.update({f.id: None for f in instrument.free_text})
    return allowed
