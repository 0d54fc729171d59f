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

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import partial
from typing import Any

import numpy as np
import polars as pl

from ethos.instruments.model import Instrument
from ethos.stats import _kernels
from ethos.stats._frames import column_array


class OffScaleCode(ValueError):
    """An answer code that is not on its item's scale: ``item`` (its id), ``row`` (the
    respondent, from 0), ``code`` and the scale's ``codes``."""

    def __init__(self, item: str, row: int, code: Any, scale: str, codes: tuple[int, ...]):
        self.item, self.row, self.code, self.codes = item, row, code, codes
        super().__init__(
            f"item '{item}' has code {code} at respondent {row + 1}, which is not on scale "
            f"'{scale}' (codes {', '.join(map(str, codes))})"
        )


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
    holding the answer code, blank when not answered. Raises ``ValueError`` naming the item,
    the respondent (1-based) and the code when a code is not on the item's scale.
    """
    codes = _code_matrix(data, list(instrument.item_ids))
    return ItemScores(instrument.item_ids, _keyed(codes, instrument, first_row=0))


def _keyed(
    codes: np.ndarray,
    instrument: Instrument,
    first_row: int,
    tables: list[np.ndarray] | None = None,
) -> np.ndarray:
    values = np.empty(codes.shape, dtype=np.float32, order="F")
    if tables is None:
        tables = _tables(instrument)
    for j, (item, table) in enumerate(zip(instrument.items, tables, strict=True)):
        scale = instrument.scales[item.scale]
        column = codes[:, j]
        bad = (column < -1) | (column >= len(table) - 1)
        if not bad.any():
            values[:, j] = table[column]
            bad = np.isneginf(values[:, j])
        if bad.any():
            row = int(np.flatnonzero(bad)[0])
            raise OffScaleCode(item.id, first_row + row, column[row], scale.id, scale.codes)
    return values


def _tables(instrument: Instrument) -> list[np.ndarray]:
    return [_lookup(instrument.scales[i.scale].options, i.reverse) for i in instrument.items]


def _code_matrix(data: Any, columns: list[str]) -> np.ndarray:
    """Answer codes as an integer matrix (column-major), blanks as -1.

    Integer polars columns are taken as they are; anything else goes through floats and
    non-whole codes raise ``ValueError``.
    """
    schema = getattr(data, "schema", None)
    if schema is not None and all(c in schema and schema[c].is_integer() for c in columns):
        # Blanks filled in the same expression: half the time of select, then fill_null.
        return np.asarray(data.select(pl.col(columns).fill_null(-1)).to_numpy(order="fortran"))
    out = np.empty(
        (len(column_array(data, columns[0])) if columns else 0, len(columns)),
        dtype=np.int32,
        order="F",
    )
    for j, name in enumerate(columns):
        column = column_array(data, name)
        blank = np.isnan(column)
        whole = np.where(blank, -1.0, column)
        broken = (whole != np.floor(whole)) | (np.abs(whole) > 2**30)
        if broken.any():
            row = int(np.flatnonzero(broken)[0])
            raise ValueError(
                f"item '{name}' has code {column[row]:g} at respondent {row + 1}, "
                "which is not a whole number"
            )
        out[:, j] = whole
    return out


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


def score_respondents(data: Any, instrument: Instrument) -> RespondentScores:
    """Score every measure of ``instrument`` for every respondent in ``data``.

    Returns a :class:`RespondentScores` whose columns follow ``instrument.measures``. Measures
    built from items are scored in one compiled pass over the answer codes
    (:func:`ethos.stats._kernels.score_codes`); a code that is not on its item's scale is
    reported by the same check as :func:`keyed_item_scores`.
    """
    scorer = Scorer(instrument)
    values = scorer.score(_code_matrix(data, list(instrument.item_ids)))
    return RespondentScores(scorer.measures, values, scorer.percent)


_Arrays3 = tuple[np.ndarray, np.ndarray, np.ndarray]


class Scorer:
    """One instrument's scoring tables, prepared once and applied to any rows of codes."""

    def __init__(self, instrument: Instrument) -> None:
        self.instrument = instrument
        self.measures = tuple(m.id for m in instrument.measures)
        self.percent = np.array([m.is_percent for m in instrument.measures], dtype=bool)
        position = {item: j for j, item in enumerate(instrument.item_ids)}
        direct = [m for m in instrument.measures if m.method != "mean_of_measures"]
        index = {m.id: c for c, m in enumerate(instrument.measures)}
        self.tables = _tables(instrument)
        # Each item's codes (the blank -1 first) and keyed scores, for _kernels.score_codes.
        options = [
            [(-1, np.nan)] + [(c, t[c]) for c in range(t.size - 1) if t[c] != -np.inf]
            for t in self.tables
        ]
        self._option_ptr = np.cumsum([0] + [len(o) for o in options], dtype=np.int64)
        self._option_code = np.array([c for o in options for c, _ in o], dtype=np.int64)
        self._option_score = np.array([v for o in options for _, v in o], dtype=np.float32)
        self._by_dtype: dict[np.dtype[Any], _Arrays3] = {}
        members = [[position[i] for i in m.items] for m in direct]
        self.arguments: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray] = (
            np.cumsum([0] + [len(x) for x in members], dtype=np.int64),
            np.array([j for x in members for j in x], dtype=np.int64),
            np.array([m.min_answered for m in direct], dtype=np.int64),
            np.array([m.is_percent for m in direct]),
            np.array([m.rule == "all" for m in direct]),
        )
        self.columns = np.array([index[m.id] for m in direct], dtype=np.int64)
        combined = [m for m in instrument.measures if m.method == "mean_of_measures"]
        self.combined: _Arrays3 = (
            np.cumsum([0] + [len(m.measures) for m in combined], dtype=np.int64),
            np.array([index[p] for m in combined for p in m.measures], dtype=np.int64),
            np.array([index[m.id] for m in combined], dtype=np.int64),
        )

    def score(self, codes: np.ndarray, first_row: int = 0) -> np.ndarray:
        """Scores ``[respondent, measure]`` for a matrix of answer codes (-1 = blank).

        ``first_row`` numbers the respondents in the error for a code off its item's scale.
        """
        values = np.empty((codes.shape[0], len(self.measures)))
        bad = _kernels.score_codes(
            codes,
            *self._options(codes.dtype),
            *self.arguments,
            values,
            self.columns,
            *self.combined,
        )
        if bad >= 0:
            row = bad // codes.shape[1]
            _keyed(codes[row : row + 1], self.instrument, first_row + row, self.tables)
            raise AssertionError("score_codes and _keyed disagree about a code")
        return values

    def _options(self, dtype: np.dtype[Any]) -> _Arrays3:
        """Each item's options for codes of type ``dtype``, leaving out any code that type
        cannot hold (no answer can have it)."""
        if dtype not in self._by_dtype:
            info = np.iinfo(dtype)
            codes = self._option_code
            fits = (codes >= info.min) & (codes <= info.max)
            counts = np.add.reduceat(fits, self._option_ptr[:-1]) if codes.size else fits
            pointer = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
            self._by_dtype[dtype] = (pointer, codes[fits].astype(dtype), self._option_score[fits])
        return self._by_dtype[dtype]

    def chunks(self, data: Any, rows: int = 65_536) -> Iterator[tuple[int, np.ndarray]]:
        """Score ``data`` ``rows`` respondents at a time: ``(first row, scores)`` per chunk.

        The scores are those of :meth:`score`; a polars frame is also read a chunk at a time,
        so neither the answer codes nor the scores of a national survey are held whole.
        """
        return (job() for job in self.jobs(data, rows))

    def jobs(self, data: Any, rows: int = 65_536) -> list[Callable[[], tuple[int, np.ndarray]]]:
        """The work of :meth:`chunks`, one call per chunk, for callers that score several
        chunks at once in threads (the compiled scoring releases the GIL)."""
        items = list(self.instrument.item_ids)
        if getattr(data, "slice", None) is not None and getattr(data, "height", None) is not None:

            def frame_chunk(start: int) -> tuple[int, np.ndarray]:
                return start, self.score(_code_matrix(data.slice(start, rows), items), start)

            return [partial(frame_chunk, start) for start in range(0, data.height, rows)]
        codes = _code_matrix(data, items)

        def chunk(start: int) -> tuple[int, np.ndarray]:
            return start, self.score(codes[start : start + rows], start)

        return [partial(chunk, start) for start in range(0, codes.shape[0], rows)]
