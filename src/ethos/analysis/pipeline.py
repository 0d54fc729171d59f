"""``ethos analyse``: files in, a published (disclosure-controlled) results cube out.

This module joins file handling to the pure core: it reads and validates files, then calls
:mod:`ethos.stats` to score, aggregate and publish. It never publishes a number itself.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

from ethos.analysis import io
from ethos.errors import InputError
from ethos.instruments.model import NOT_STATED, Instrument
from ethos.stats._kernels import analysis_memory
from ethos.stats.compare import Benchmark
from ethos.stats.cube import Breakdown, Cube, Scoring, score_cube
from ethos.stats.disclosure import PublishedCube, check_min_group, publish
from ethos.stats.psychometrics import reliability_table
from ethos.stats.scoring import OffScaleCode, keyed_item_scores
from ethos.stats.tree import ROOT_CODE, UnitTree

Step = Callable[[str], None]


@dataclass(frozen=True, slots=True)
class Options:
    """Optional comparisons (last wave's responses, a benchmark file, shrinkage estimates) and
    where breakdowns are shown (``"units"`` or ``"organisation"`` only)."""

    previous: Path | None = None
    benchmark: Path | None = None
    shrinkage: bool = False
    breakdowns_at: str = "units"


@dataclass(frozen=True, slots=True)
class ReliabilityRow:
    measure: str
    n: int
    alpha: float | None
    alpha_ci: tuple[float, float] | None
    omega: float | None


@dataclass(frozen=True, slots=True)
class Analysis:
    """The published results of one analysis run."""

    instrument: Instrument
    respondents: int
    published: PublishedCube
    reliability: tuple[ReliabilityRow, ...]


@analysis_memory()
def analyse_files(
    responses: Path,
    instrument: Instrument,
    units: Path | None = None,
    by: Sequence[str] = (),
    min_group: int = 10,
    step: Step = lambda _: None,
    options: Options | None = None,
) -> Analysis:
    """Read, validate and analyse a responses file (CSV or Parquet)."""
    check_min_group(min_group)
    options = options or Options()
    step("Reading responses")
    frame = io.read_table(responses, io.response_columns(instrument, by))
    with early_scoring(frame, instrument) as scoring:
        tree = io.read_units(units) if units is not None else flat_tree(responses, frame)
        unit_index = io.unit_indices(responses, frame, tree)
        # Early scores check the item codes as they are made; their error is this check's.
        frame = io.check_responses(responses, frame, instrument, scored=scoring is not None)
        breakdowns = [breakdown(responses, frame, instrument, column) for column in by]
        previous = None
        if options.previous is not None:
            before = io.read_table(options.previous, io.response_columns(instrument, by))
            before_units = io.unit_indices(options.previous, before, tree)
            before = io.check_responses(options.previous, before, instrument)
            before_breakdowns = [breakdown(options.previous, before, instrument, c) for c in by]
            previous = score_cube(before, instrument, before_units, tree, before_breakdowns)
        benchmarks = (
            io.read_benchmarks(options.benchmark, instrument) if options.benchmark else None
        )
        try:
            return analyse(
                frame,
                instrument,
                tree,
                unit_index,
                breakdowns,
                min_group,
                step,
                previous=previous,
                benchmarks=benchmarks,
                shrinkage=options.shrinkage,
                breakdowns_at=options.breakdowns_at,
                scoring=scoring,
            )
        except OffScaleCode as error:
            raise io.off_scale(responses, error) from None


def early_scoring(frame: pl.DataFrame, instrument: Instrument) -> AbstractContextManager[Any]:
    """Start scoring ``frame`` now (:class:`~ethos.stats.cube.Scoring`) when its item columns
    are already integer codes (Parquet), so that scoring runs while the units file is read
    and the other columns are checked; else a context holding ``None``.

    The scores check the item codes as they are made (so ``check_responses(...,
    scored=True)`` leaves them out); scores made from other columns' codes that
    :func:`~ethos.analysis.io.check_responses` then refuses are never used: its error is
    raised first, and leaving the context stops the threads.
    """
    schema = frame.schema
    if all(i in schema and schema[i].is_integer() for i in instrument.item_ids):
        return Scoring.start(frame, instrument)
    return nullcontext()


@analysis_memory()
def analyse(
    frame: pl.DataFrame,
    instrument: Instrument,
    tree: UnitTree,
    unit_index: np.ndarray,
    breakdowns: Sequence[Breakdown] = (),
    min_group: int = 10,
    step: Step = lambda _: None,
    reliability: bool = True,
    previous: Cube | None = None,
    benchmarks: Mapping[str, Benchmark] | None = None,
    shrinkage: bool = False,
    breakdowns_at: str = "units",
    previous_published: np.ndarray | None = None,
    scoring: Scoring | None = None,
) -> Analysis:
    """Score, aggregate and publish validated responses (reliability is optional).

    ``scoring``: the scores of ``frame`` already being made (:func:`early_scoring`).
    """
    step("Scoring and aggregating")
    cube = score_cube(frame, instrument, unit_index, tree, breakdowns, scoring)
    step("Applying disclosure control")
    published = publish(
        cube,
        min_group,
        previous=previous,
        benchmarks=benchmarks,
        shrinkage=shrinkage,
        breakdowns_at=breakdowns_at,
        previous_published=previous_published,
    )
    step("Checking reliability")
    rows = _reliability(frame, instrument, min_group) if reliability else ()
    return Analysis(instrument, frame.height, published, rows)


def flat_tree(path: Path, frame: pl.DataFrame) -> UnitTree:
    io.require_columns(path, frame, ("unit",), io.UNIT_FIX)
    codes = frame["unit"].cast(pl.Utf8).str.strip_chars()
    if ROOT_CODE in codes:
        row = int((codes == ROOT_CODE).arg_true()[0]) + 2
        raise InputError(
            str(path),
            f"unit code '{ROOT_CODE}' is reserved for the whole "
            "organisation when no units file is given.",
            "rename that unit, or give a units file with --units.",
            row=row,
            column="unit",
        )
    return UnitTree.flat(codes.drop_nulls().unique().to_list())


def breakdown(path: Path, frame: pl.DataFrame, instrument: Instrument, column: str) -> Breakdown:
    """Categories of ``column``: the instrument's reporting bands, or the values in the file.

    Blanks and "prefer not to say" answers fall in the "Not stated" category.
    """
    io.require_columns(path, frame, (column,), "check the --by name against the file's header.")
    known = {d.id: d for d in instrument.demographics}
    if column in known:
        demographic = known[column]
        categories = demographic.categories()
        mapping = {code: categories.index(c) for code, c in demographic.category_of_code().items()}
        return Breakdown(column, categories, _lookup(frame[column], mapping, len(categories) - 1))
    text = frame[column].cast(pl.Utf8).str.strip_chars()
    values = sorted(v for v in text.drop_nulls().unique().to_list() if v)
    categories = (*values, NOT_STATED)
    mapping = {v: i for i, v in enumerate(values)}
    codes = text.replace_strict(mapping, default=len(values), return_dtype=pl.Int64)
    return Breakdown(column, categories, codes.to_numpy())


def _lookup(values: pl.Series, mapping: dict[int, int], default: int) -> np.ndarray:
    """``mapping`` of each code as int64, ``default`` for a blank or a code not in it.

    Integer codes index a small table: one gather, several times faster at national size than
    the hash lookup of ``replace_strict``, which remains for text and widely spread codes.
    """
    if not mapping or not values.dtype.is_integer() or max(mapping) - min(mapping) > 65_536:
        return values.replace_strict(mapping, default=default, return_dtype=pl.Int64).to_numpy()
    low, high = min(mapping), max(mapping)
    table = np.full(high - low + 2, default, dtype=np.int64)  # the last slot: anything else
    table[np.fromiter(mapping, dtype=np.int64, count=len(mapping)) - low] = list(mapping.values())
    code = pl.col(values.name)
    slot = pl.when(code.is_between(low, high)).then(code.cast(pl.Int64, strict=False) - low)
    index = values.to_frame().select(slot.otherwise(high - low + 1)).to_series()
    return table[index.to_numpy()]


def _reliability(frame: pl.DataFrame, instrument: Instrument, k: int) -> tuple[ReliabilityRow, ...]:
    keyed = keyed_item_scores(frame, instrument)
    data = pl.DataFrame(keyed.values, schema=list(keyed.items), orient="row")
    scales = {
        m.id: list(m.items) for m in instrument.measures if m.method == "mean" and len(m.items) >= 2
    }
    rows = []
    for name, items in scales.items():
        try:  # a scale nobody answered in full, or with no variance, has no reliability
            with np.errstate(all="ignore"):
                (result,) = reliability_table(data, {name: items})
        except ValueError:
            continue
        if result.n < k:
            continue
        ci = (result.alpha_ci_low, result.alpha_ci_high) if result.alpha is not None else None
        rows.append(ReliabilityRow(result.scale, result.n, result.alpha, ci, result.omega))
    return tuple(rows)
