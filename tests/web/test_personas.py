"""The cast itself: the shown ward, the hidden ward, the manager's scope, the other trust."""

import polars as pl

from ethos.organisations import access
from ethos.results.services import current_results


def cell(cells: pl.DataFrame, unit: str, measure: str = "engagement") -> dict:
    rows = cells.filter(
        (pl.col("unit").cast(pl.Utf8) == unit)
        & (pl.col("measure").cast(pl.Utf8) == measure)
        & (pl.col("column").cast(pl.Utf8) == "")
    )
    assert rows.height == 1, f"no single overall cell for {unit}/{measure}"
    return rows.row(0, named=True)


def test_the_ward_of_twelve_is_shown_and_the_ward_of_four_is_hidden(cast):
    results = current_results(cast.closed)
    assert results is not None and results.final
    assert results.snapshot.responses == 54
    shown = cell(results.cells, "W12")
    assert shown["n"] == 12 and shown["value"] is not None and not shown["suppressed"]
    hidden = cell(results.cells, "W4")
    assert hidden["suppressed"] and hidden["value"] is None and hidden["n"] is None
    assert "fewer than 10" in hidden["reason"]


def test_the_manager_sees_only_her_directorate(cast):
    mo = access.viewer_for(cast.users["mo"])
    assert not mo.whole_organisation
    assert sorted(u.code for u in mo.units()) == ["MED", "W12", "W4"]
    assert not mo.can_see_unit(cast.units["THE"])
    assert not mo.can(access.MANAGE_SURVEYS)


def test_the_admin_of_another_trust_sees_nothing_of_this_one(cast):
    oscar = access.viewer_for(cast.users["oscar"])
    assert oscar.organisation == cast.other_trust
    assert not any(oscar.can_see_unit(u) for u in cast.units.values())
    assert not oscar.units().filter(organisation=cast.trust).exists()
