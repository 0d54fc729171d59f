"""Per-respondent scores for every measure of an instrument.

Each item's answer code becomes a *keyed* score on the 0-10 reporting scale: the option's score
(five-point agreement maps to 0, 2.5, 5, 7.5, 10 as in the NHS Staff Survey), mirrored as
``10 - score`` for reverse-keyed items. Non-scoring answers ("don't know", "prefer not to say")
and blanks count as not answered.

Measures (see :class:`ethos.instruments.model.Measure`):

- ``mean``: the mean keyed score of the answered items, when at least ``min_answered`` items
  were answered; otherwise missing.
- ``percent_positive`` / ``percent_yes``: 1 when the answered items are positive (keyed score
  above 5) by the rule (``any``: at least one; ``all``: every one), else 0; missing when fewer
  than ``min_answered`` were answered. Aggregated as a percentage.
- ``mean_of_measures``: the mean of the listed measures, missing unless all are present. The
  NHS engagement index is the mean of its motivation, involvement and advocacy sub-scores.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from ethos.instruments.model import Instrument, Measure
from ethos.stats._frames import column_array


@dataclass(frozen=True, slots=True)
class ItemScores:
    """Keyed 0-10 item scores, one row per respondent (``NaN`` = not answered)."""

    items: tuple[str, ...]
    values: np.ndarray


@dataclass(frozen=True, slots=True)
class RespondentScores:
    """Measure scores, one row per respondent and one column per measure (``NaN`` = missing).

    Percent measures hold 0 or 1 per respondent; ``percent`` flags them.
    """

    measures: tuple[str, ...]
    values: np.ndarray
    percent: np.ndarray

    def column(self, measure: str) -> np.ndarray:
        return self.values[:, self.measures.index(measure)]


def keyed_item_scores(data: Any, instrument: Instrument) -> ItemScores:
    """Map every item's answer codes to keyed 0-10 scores.

    ``data`` is a polars or pandas frame (or mapping of arrays) with one column per item id
    holding the answer code, blank when not answered. Raises ``ValueError`` naming the item and
    the code when a code is not on the item's scale.
    """
    items = instrument.items
    first = column_array(data, items[0].id) if items else np.empty(0)
    out = np.full((len(first), len(items)), np.nan, dtype=np.float32)
    for j, item in enumerate(items):
        scale = instrument.scales[item.scale]
        codes = column_array(data, item.id)
        lookup = _lookup(scale.options, item.reverse)
        answered = ~np.isnan(codes)
        idx = np.where(answered, codes, -1).astype(np.int64)
        whole = np.where(answered, codes == np.floor(codes), True)
        bad = answered & ~whole
        bad |= answered & ((idx < 0) | (idx >= len(lookup) - 1) | np.isin(idx, _gaps(lookup)))
        if bad.any():
            row = int(np.flatnonzero(bad)[0])
            raise ValueError(
                f"item '{item.id}' has code {codes[row]:g} at respondent {row + 1}, "
                f"which is not on scale '{scale.id}' (codes {', '.join(map(str, scale.codes))})"
            )
        out[:, j] = lookup[idx]
    return ItemScores(tuple(i.id for i in items), out)


def _lookup(options: tuple[Any, ...], reverse: bool) -> np.ndarray:
    """A code-indexed table of keyed scores; the last slot (index -1) is NaN for blanks.

    Codes that exist but do not score hold NaN; codes that do not exist hold -inf so that they
    can be recognised as invalid.
    """
    top = max(o.code for o in options)
    table = np.full(top + 2, -np.inf, dtype=np.float32)
    table[-1] = np.nan
    for option in options:
        if option.score is None:
            table[option.code] = np.nan
        else:
            table[option.code] = 10.0 - option.score if reverse else option.score
    return table


def _gaps(lookup: np.ndarray) -> np.ndarray:
    return np.flatnonzero(np.isneginf(lookup))


def score_respondents(data: Any, instrument: Instrument) -> RespondentScores:
    """Score every measure of ``instrument`` for every respondent in ``data``.

    Returns a :class:`RespondentScores` whose columns follow ``instrument.measures``.
    """
    keyed = keyed_item_scores(data, instrument)
    position = {item: j for j, item in enumerate(keyed.items)}
    values = np.full((keyed.values.shape[0], len(instrument.measures)), np.nan)
    done: dict[str, np.ndarray] = {}
    for measure in sorted(instrument.measures, key=lambda m: m.method == "mean_of_measures"):
        if measure.method == "mean_of_measures":
            parts = np.column_stack([done[p] for p in measure.measures])
            done[measure.id] = parts.mean(axis=1)
        else:
            cols = [position[i] for i in measure.items]
            done[measure.id] = _item_measure(keyed.values[:, cols], measure)
    for m, measure in enumerate(instrument.measures):
        values[:, m] = done[measure.id]
    percent = np.array([m.is_percent for m in instrument.measures], dtype=bool)
    return RespondentScores(tuple(m.id for m in instrument.measures), values, percent)


def _item_measure(block: np.ndarray, measure: Measure) -> np.ndarray:
    answered = ~np.isnan(block)
    count = answered.sum(axis=1)
    enough = count >= measure.min_answered
    if measure.is_percent:
        positive = (block > 5.0).sum(axis=1)
        hit = positive == count if measure.rule == "all" else positive > 0
        return np.where(enough, hit.astype(np.float64), np.nan)
    total = np.where(answered, block, 0.0).sum(axis=1, dtype=np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(enough, total / count, np.nan)
