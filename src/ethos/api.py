"""The Python API for notebooks: one call from a data frame to published results.

```python
import ethos
result = ethos.analyse(responses_df, "culture", units=units_df, by=["ethnicity"])
result.cells()          # polars frame of every cell, hidden ones blank with a reason
```

Frames may be polars or pandas. Input is validated exactly as the command line validates
files, and every number comes out through disclosure control.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl

from ethos.analysis import io
from ethos.analysis.pipeline import Analysis, breakdown, flat_tree
from ethos.analysis.pipeline import analyse as _analyse
from ethos.instruments import Instrument, load_instrument
from ethos.stats.compare import Benchmark
from ethos.stats.cube import score_cube
from ethos.stats.disclosure import shown_in
from ethos.stats.tree import UnitTree

SOURCE = Path("responses")


@dataclass(frozen=True, slots=True)
class Result:
    """Published results; :meth:`cells` gives them as a polars frame."""

    analysis: Analysis

    def cells(self) -> pl.DataFrame:
        from ethos.analysis.export import cells_frame

        return cells_frame(self.analysis)

    @property
    def published(self) -> Any:
        return self.analysis.published


def analyse(
    responses: Any,
    instrument: str | Path | Instrument = "culture",
    units: Any = None,
    by: Sequence[str] = (),
    min_group: int = 10,
    previous: Any = None,
    benchmarks: Mapping[str, Benchmark] | None = None,
    shrinkage: bool = False,
    reliability: bool = True,
    breakdowns_at: str = "units",
    previous_published: pl.DataFrame | None = None,
) -> Result:
    """Score, aggregate and publish ``responses`` (a polars or pandas frame).

    ``units`` is a frame with ``code``, ``parent`` and optionally ``name`` columns (without
    it, units sit flat under one root). ``previous`` is last wave's responses frame.
    ``reliability=False`` skips the scales' reliability (alpha, omega), which takes time.
    ``breakdowns_at="organisation"`` shows the ``by`` breakdowns for the organisation only.
    ``previous_published`` is last wave's published cells (the frame of ``Result.cells()``):
    give it whenever last wave was published, so that the comparison is made only where it
    showed a figure (it may have used another minimum or other breakdowns).
    """
    loaded = instrument if isinstance(instrument, Instrument) else load_instrument(instrument)
    frame = _polars(responses)
    if units is not None:
        tree = _tree(units)
    else:  # flat: every unit seen in either wave sits under one root
        seen = frame.select("unit") if "unit" in frame.columns else frame
        if previous is not None and "unit" in _polars(previous).columns:
            seen = pl.concat([seen, _polars(previous).select("unit")], how="vertical_relaxed")
        tree = flat_tree(SOURCE, seen)
    unit_index = io.unit_indices(SOURCE, frame, tree)
    frame = io.check_responses(SOURCE, frame, loaded)
    breakdowns = [breakdown(SOURCE, frame, loaded, column) for column in by]
    before = None
    if previous is not None:
        source = Path("previous")
        old = _polars(previous)
        old_units = io.unit_indices(source, old, tree)
        old = io.check_responses(source, old, loaded)
        old_breakdowns = [breakdown(source, old, loaded, column) for column in by]
        before = score_cube(old, loaded, old_units, tree, old_breakdowns)
    mask = None
    if before is not None and previous_published is not None:
        mask = shown_in(_polars(previous_published), before)
    return Result(
        _analyse(
            frame,
            loaded,
            tree,
            unit_index,
            breakdowns,
            min_group,
            previous=before,
            benchmarks=benchmarks,
            shrinkage=shrinkage,
            reliability=reliability,
            breakdowns_at=breakdowns_at,
            previous_published=mask,
        )
    )


def _polars(frame: Any) -> pl.DataFrame:
    if isinstance(frame, pl.DataFrame):
        return frame
    if hasattr(frame, "to_dict") and hasattr(frame, "columns"):  # pandas
        return pl.from_pandas(frame)
    raise TypeError("responses must be a polars or pandas DataFrame")


def _tree(units: Any) -> UnitTree:
    frame = _polars(units)
    names = frame["name"].cast(pl.Utf8).to_list() if "name" in frame.columns else None
    parents = [p if p not in ("", None) else None for p in frame["parent"].cast(pl.Utf8)]
    return UnitTree.from_parents(frame["code"].cast(pl.Utf8).to_list(), parents, names)
