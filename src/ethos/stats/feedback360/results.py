"""The frozen results of a 360 report: everything a page or a PDF needs, nothing more.

Every figure is either a :class:`Score` or a :class:`~ethos.stats.disclosure.Suppressed`
marker with the reason it is not shown. Scores are on the 0-10 reporting scale.
"""

from __future__ import annotations

from dataclasses import dataclass

from ethos.stats.disclosure.published import Suppressed
from ethos.stats.feedback360.agreement import Agreement
from ethos.stats.feedback360.raters import GroupSummary

__all__ = ["Highlight", "ItemResult", "MeasureResult", "Report360", "Score"]


@dataclass(frozen=True, slots=True)
class Score:
    """A shown figure: the mean 0-10 score of ``n`` raters.

    ``ci_low`` and ``ci_high`` are a Student t interval when ``n >= 3`` and ``None`` below
    (one rater's own score, or a pooled figure of two).
    """

    n: int
    mean: float
    ci_low: float | None = None
    ci_high: float | None = None


Figure = Score | Suppressed


def _cell(cells: tuple[tuple[str, Figure], ...], group: str) -> Figure:
    for key, figure in cells:
        if key == group:
            return figure
    raise KeyError(group)


@dataclass(frozen=True, slots=True)
class MeasureResult:
    """One measure (a behaviour, a value, or an overall score) by rater group.

    ``cells`` pairs each listed group's key with its figure, in report order.
    ``all_others`` pools every shown non-self figure's raters (the manager included);
    ``gap`` is self minus all others (``None`` unless both are shown); ``agreement`` is
    rwg(j) among the raters pooled into ``all_others`` (``None`` below three raters and for
    single-item measures).
    """

    measure: str
    label: str
    group: str | None
    cells: tuple[tuple[str, Figure], ...]
    all_others: Figure
    gap: float | None
    agreement: Agreement | None

    def cell(self, group: str) -> Figure:
        return _cell(self.cells, group)


@dataclass(frozen=True, slots=True)
class ItemResult:
    """One statement by rater group; ``measure`` is the most specific measure it is in."""

    item: str
    text: str
    measure: str | None
    cells: tuple[tuple[str, Figure], ...]
    all_others: Figure
    gap: float | None

    def cell(self, group: str) -> Figure:
        return _cell(self.cells, group)


@dataclass(frozen=True, slots=True)
class Highlight:
    """An item picked out as a strength, development area, blind spot or hidden strength.

    ``others`` is the all-others mean; ``self_score`` the self-rating (``None`` if the
    subject did not rate it); ``gap`` is self minus others.
    """

    item: str
    text: str
    measure: str | None
    others: float
    self_score: float | None
    gap: float | None


@dataclass(frozen=True, slots=True)
class Report360:
    """A leader's 360 report for one cycle.

    Attributes
    ----------
    instrument, version:
        The instrument's id and version.
    min_raters, level, gap_threshold:
        The minimum raters per anonymous group, the interval level and the self-other gap
        (0-10 points) that marks a blind spot or a hidden strength.
    groups:
        Self, manager, peers, direct reports, others and (when formed) Others (combined),
        with their rater counts or why they are hidden.
    measures, items:
        Every measure and item of the instrument, in instrument order.
    strengths, development:
        The highest and lowest items by all others (ties: instrument order).
    blind_spots, hidden_strengths:
        Items where self is at least ``gap_threshold`` above (blind spot) or below (hidden
        strength) all others, the largest gap first.
    """

    instrument: str
    version: str
    min_raters: int
    level: float
    gap_threshold: float
    groups: tuple[GroupSummary, ...]
    measures: tuple[MeasureResult, ...]
    items: tuple[ItemResult, ...]
    strengths: tuple[Highlight, ...]
    development: tuple[Highlight, ...]
    blind_spots: tuple[Highlight, ...]
    hidden_strengths: tuple[Highlight, ...]

    def group(self, key: str) -> GroupSummary:
        for summary in self.groups:
            if summary.key == key:
                return summary
        raise KeyError(key)

    def measure(self, measure: str) -> MeasureResult:
        for result in self.measures:
            if result.measure == measure:
                return result
        raise KeyError(measure)

    def item(self, item: str) -> ItemResult:
        for result in self.items:
            if result.item == item:
                return result
        raise KeyError(item)
