"""Results change only at close or in batches of at least the minimum group size."""

import polars as pl

from ethos.results.models import Snapshot
from ethos.results.services import current_results, publish_results
from ethos.surveys import responding, services
from ethos.surveys.instrument import instrument_of


def respond(survey, unit, answers):
    ballot = responding.Ballot(str(survey.pk), responding.OPEN, unit=unit.pk, answers=answers)
    responding.submit_response(survey, ballot)


def everything(survey, code=4):
    return {item: code for item in instrument_of(survey.instrument_yaml).item_ids}


def overall(cells: pl.DataFrame, measure: str) -> dict:
    row = cells.filter((pl.col("measure").cast(pl.Utf8) == measure) & (pl.col("column") == ""))
    assert row.height == 1
    return row.row(0, named=True)


def test_nothing_is_published_before_a_full_batch(cast):
    for _ in range(9):
        respond(cast.open, cast.units["W12"], everything(cast.open))
    assert publish_results(cast.open) is None
    respond(cast.open, cast.units["W12"], everything(cast.open))
    snapshot = publish_results(cast.open)
    assert snapshot is not None and snapshot.kind == Snapshot.INTERIM
    cells = current_results(cast.open).cells
    assert set(cells["unit"].cast(pl.Utf8)) == {"RX1"}  # the organisation only, no units
    assert set(cells["column"].cast(pl.Utf8)) == {""}  # and no breakdowns


def test_a_measure_answered_by_too_few_new_people_keeps_its_old_figure(cast):
    for _ in range(10):
        respond(cast.open, cast.units["W12"], everything(cast.open, code=4))
    first = current_results(cast.open).cells
    # Ten more people: nine skip the teamwork question, one answers it very differently.
    only_teamwork = {k: v for k, v in everything(cast.open, 1).items() if k == "tw_help"}
    others = {k: v for k, v in everything(cast.open, 5).items() if k != "tw_help"}
    respond(cast.open, cast.units["W4"], {**others, **only_teamwork})
    for _ in range(9):
        respond(cast.open, cast.units["W4"], others)
    second = current_results(cast.open)
    assert second.snapshot.responses == 20
    assert overall(second.cells, "teamwork") == overall(first, "teamwork")  # held: 1 new
    assert overall(second.cells, "vision_values")["n"] == 20  # 10 new: updated
    assert (
        overall(second.cells, "vision_values")["value"] != overall(first, "vision_values")["value"]
    )


def test_closing_publishes_final_results_that_never_change(cast):
    for _ in range(12):
        respond(cast.open, cast.units["W12"], everything(cast.open))
    services.close_survey(cast.open)
    final = current_results(cast.open)
    assert final.final and "W12" in set(final.cells["unit"].cast(pl.Utf8))
    assert publish_results(cast.open).pk == final.snapshot.pk
