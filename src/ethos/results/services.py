"""Publishing a survey's results: responses in, a snapshot of disclosure-controlled cells out.

This is the only place the web platform turns responses into numbers, and it does so through
the statistics core (:func:`ethos.analyse`, whose cells pass ``ethos.stats.disclosure``).
Snapshots are taken:

- at close: the final results, every unit and the survey's breakdowns, frozen for good;
- while open, only after at least ``min_group_size`` new responses since the last snapshot,
  and then for the organisation as a whole only, so comparing two interim reads reveals no
  fewer than ``min_group_size`` responses (see docs/methods/disclosure-control.md).
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import polars as pl

import ethos
from ethos.instruments import Instrument
from ethos.organisations.models import Unit
from ethos.results.models import Snapshot
from ethos.stats.disclosure.comments import publish_comments
from ethos.stats.tree import UnitTree
from ethos.surveys.instrument import instrument_of
from ethos.surveys.models import Response, Survey

NO_RESPONSES = "no responses yet"


@dataclass(frozen=True)
class Results:
    """A snapshot's published cells as a polars frame, plus its comments."""

    snapshot: Snapshot
    cells: pl.DataFrame
    instrument: Instrument

    @property
    def final(self) -> bool:
        return self.snapshot.kind == Snapshot.FINAL


def publish_results(survey: Survey) -> Snapshot | None:
    """Take the snapshot that is due, if any, and return the latest snapshot."""
    latest = survey.snapshots.order_by("-created").first()
    if latest is not None and latest.kind == Snapshot.FINAL:
        return latest
    count = Response.objects.filter(survey=survey).count()
    if survey.status == Survey.CLOSED:
        return _snapshot(survey, Snapshot.FINAL, count) if count else latest
    done = latest.responses if latest is not None else 0
    if count - done >= survey.min_group_size:
        return _snapshot(survey, Snapshot.INTERIM, count)
    return latest


def current_results(survey: Survey) -> Results | None:
    """The latest published results (taking a snapshot first if one is due)."""
    snapshot = publish_results(survey)
    if snapshot is None:
        return None
    return Results(snapshot, _cells(snapshot), instrument_of(survey.instrument_yaml))


def _cells(snapshot: Snapshot) -> pl.DataFrame:
    return _decoded(snapshot.pk, snapshot.created.isoformat())


@lru_cache(maxsize=16)
def _decoded(snapshot_id: int, created: str) -> pl.DataFrame:
    """Snapshots never change, so their decoded cells are cached per process. The key
    includes the creation time because a database may reuse a deleted snapshot's id."""
    blob = Snapshot.objects.values_list("cells", flat=True).get(pk=snapshot_id)
    return pl.read_parquet(io.BytesIO(bytes(blob)))


def _snapshot(survey: Survey, kind: str, count: int) -> Snapshot:
    instrument = instrument_of(survey.instrument_yaml)
    units = units_frame(survey)
    responses = responses_frame(survey, instrument)
    previous = published_before = None
    if survey.previous is not None and kind == Snapshot.FINAL:
        # Compare only where last wave's own final results showed a figure: it may have been
        # published under a larger minimum or other breakdowns (docs/reliability.md).
        last = survey.previous.snapshots.filter(kind=Snapshot.FINAL).order_by("-created").first()
        before = responses_frame(survey.previous, instrument)
        if last is not None and before.height:
            previous, published_before = before, _cells(last)
    breakdowns = survey.breakdowns if kind == Snapshot.FINAL else []
    result = ethos.analyse(
        responses,
        instrument,
        units=units,
        by=breakdowns,
        min_group=survey.min_group_size,
        previous=previous,
        reliability=False,
        breakdowns_at=survey.breakdowns_at,
        previous_published=published_before,
    )
    cells = result.cells()
    comments: list[dict[str, object]] = []
    if kind == Snapshot.INTERIM:
        root = units.filter(pl.col("parent").is_null())["code"].to_list()
        cells = cells.filter(pl.col("unit").cast(pl.Utf8).is_in(root) & (pl.col("column") == ""))
        cells = _hold_small_changes(survey, cells)
    else:
        comments = _comments(_tree(units), responses, instrument, survey)
    buffer = io.BytesIO()
    cells.write_parquet(buffer)
    return Snapshot.objects.create(
        survey=survey,
        kind=kind,
        responses=count,
        cells=buffer.getvalue(),
        comments=comments,
        reliability=[],
    )


def _hold_small_changes(survey: Survey, cells: pl.DataFrame) -> pl.DataFrame:
    """Keep last interim's cell for any measure answered by fewer than ``min_group_size``
    new people since then, so no difference between two interim reads isolates a few."""
    latest = survey.snapshots.filter(kind=Snapshot.INTERIM).order_by("-created").first()
    if latest is None:
        return cells
    before = _cells(latest)
    keys = ["unit", "measure"]
    joined = cells.with_columns(pl.col(keys).cast(pl.Utf8)).join(
        before.select(*keys, pl.col("n").alias("n_before")).with_columns(
            pl.col(keys).cast(pl.Utf8)
        ),
        on=keys,
        how="left",
    )
    held = (pl.col("n_before").is_not_null()) & (
        (pl.col("n").fill_null(0) - pl.col("n_before")).abs() < survey.min_group_size
    )
    keep = joined.filter(~held).drop("n_before")
    old = before.with_columns(pl.col(keys).cast(pl.Utf8)).join(
        joined.filter(held).select(keys), on=keys, how="semi"
    )
    return pl.concat([keep, old.select(keep.columns)], how="vertical_relaxed")


def _tree(units: pl.DataFrame) -> UnitTree:
    return UnitTree.from_parents(
        units["code"].to_list(), units["parent"].to_list(), units["name"].to_list()
    )


def units_frame(survey: Survey) -> pl.DataFrame:
    rows = Unit.objects.filter(organisation=survey.organisation_id).values_list(
        "code", "name", "parent__code"
    )
    codes, names, parents = zip(*rows, strict=True) if rows else ((), (), ())
    return pl.DataFrame(
        {"code": list(codes), "name": list(names), "parent": list(parents)},
        schema={"code": pl.Utf8, "name": pl.Utf8, "parent": pl.Utf8},
    )


def responses_frame(survey: Survey, instrument: Instrument) -> pl.DataFrame:
    """One row per response: its unit code and every question, as the core expects."""
    rows = Response.objects.filter(survey=survey).values_list("unit__code", "answers")
    codes = [q.id for q in (*instrument.items, *instrument.demographics)]
    texts = [f.id for f in instrument.free_text]
    units: list[str] = []
    columns: dict[str, list[object]] = {c: [] for c in (*codes, *texts)}
    for unit, answers in rows.iterator(chunk_size=5000):
        units.append(unit)
        for column, values in columns.items():
            values.append(answers.get(column))
    schema = {"unit": pl.Utf8, **{c: pl.Int64 for c in codes}, **{t: pl.Utf8 for t in texts}}
    return pl.DataFrame({"unit": units, **columns}, schema=schema)


def _comments(
    tree: UnitTree, responses: pl.DataFrame, instrument: Instrument, survey: Survey
) -> list[dict[str, object]]:
    """Published comments per unit subtree and question; hidden units are left out."""
    if not instrument.free_text or responses.height == 0:
        return []
    index = {code: i for i, code in enumerate(tree.codes)}
    unit_index = np.array([index[c] for c in responses["unit"].to_list()], dtype=np.int64)
    out: list[dict[str, object]] = []
    for question in instrument.free_text:
        published = publish_comments(
            tree, unit_index, responses[question.id].to_list(), survey.min_group_size
        )
        for code in tree.codes:
            shown = published.for_unit(code)
            if isinstance(shown, tuple) and shown:
                out.append({"unit": code, "question": question.id, "comments": list(shown)})
    return out
