"""Strengths, development areas, blind spots and hidden strengths from a 360's item results.

All four read only published figures (the all-others mean and the self-rating), so they
reveal nothing the item table does not already show.
"""

from __future__ import annotations

from collections.abc import Sequence

from ethos.stats.feedback360.results import Highlight, ItemResult, Score

__all__ = ["DEFAULT_GAP", "self_other_flags", "strengths_and_development"]

DEFAULT_GAP = 2.5
"""One step of a five-point scale on the 0-10 reporting scale."""
_DIGITS = 9  # means equal to 9 decimal places are ties, whatever the rounding noise


def _shown(items: Sequence[ItemResult]) -> list[tuple[int, ItemResult, Score]]:
    """Items with a shown all-others figure, with their position and that figure."""
    return [(i, r, r.all_others) for i, r in enumerate(items) if isinstance(r.all_others, Score)]


def _highlight(result: ItemResult, others: Score) -> Highlight:
    own = result.cell("self")
    return Highlight(
        item=result.item,
        text=result.text,
        measure=result.measure,
        others=others.mean,
        self_score=own.mean if isinstance(own, Score) else None,
        gap=result.gap,
    )


def strengths_and_development(
    items: Sequence[ItemResult], top: int = 3
) -> tuple[tuple[Highlight, ...], tuple[Highlight, ...]]:
    """The ``top`` highest and ``top`` lowest items by the all-others mean.

    Only items with a shown all-others figure take part. Ties are broken by the items'
    order in the instrument (means equal to nine decimal places are ties), so the result
    never depends on floating-point noise. An item is never both: development areas are
    picked from the items that are not strengths, lowest first.
    """
    rated = _shown(items)
    best = sorted(rated, key=lambda p: (-round(p[2].mean, _DIGITS), p[0]))[:top]
    chosen = {p[0] for p in best}
    rest = [p for p in rated if p[0] not in chosen]
    worst = sorted(rest, key=lambda p: (round(p[2].mean, _DIGITS), p[0]))[:top]
    return (
        tuple(_highlight(r, s) for _, r, s in best),
        tuple(_highlight(r, s) for _, r, s in worst),
    )


def self_other_flags(
    items: Sequence[ItemResult], threshold: float = DEFAULT_GAP
) -> tuple[tuple[Highlight, ...], tuple[Highlight, ...]]:
    """Blind spots (self - others >= threshold) and hidden strengths (<= -threshold).

    The gap is on the 0-10 scale; the default 2.5 is one whole step of a five-point scale.
    Blind spots come largest gap first, hidden strengths most negative first; ties in
    instrument order.
    """
    gaps = [(i, r, s, round(r.gap, _DIGITS)) for i, r, s in _shown(items) if r.gap is not None]
    blind = sorted((g for g in gaps if g[3] >= threshold), key=lambda g: (-g[3], g[0]))
    hidden = sorted((g for g in gaps if g[3] <= -threshold), key=lambda g: (g[3], g[0]))
    return (
        tuple(_highlight(r, s) for _, r, s, _ in blind),
        tuple(_highlight(r, s) for _, r, s, _ in hidden),
    )
