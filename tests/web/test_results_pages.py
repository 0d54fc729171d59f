"""The staff-facing results pages: who sees what, hidden cells, numbers from the cells frame."""

from __future__ import annotations

import io
import re
import time

import polars as pl
import pytest
from django.db import connection
from django.template import engines
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from ethos.organisations import services as org
from ethos.results import presenters, services
from ethos.results.models import Snapshot
from ethos.surveys.instrument import instrument_of


def page(client, name, survey, *args, query=""):
    return client.get(reverse(f"results:{name}", args=[survey.pk, *args]) + query)


def row(html: str, key: str) -> str:
    found = re.search(rf'<tr class="nhsuk-table__row" data-key="{key}">(.*?)</tr>', html, re.S)
    assert found, f"no row {key}"
    return found.group(1)


def cells_text(row_html: str) -> str:
    return " ".join(re.findall(r"<td[^>]*>(.*?)</td>", row_html, re.S))


def published(survey, unit, measure="vision_values"):
    cells = services.current_results(survey).cells
    return cells.filter(
        (pl.col("unit").cast(pl.Utf8) == unit)
        & (pl.col("column").cast(pl.Utf8) == "")
        & (pl.col("measure").cast(pl.Utf8) == measure)
    ).row(0, named=True)


@pytest.mark.parametrize("name", ["ada", "ann", "bo"])
@pytest.mark.parametrize("view", ["overview", "heatmap", "breakdowns"])
def test_whole_organisation_viewers_see_the_pages(cast, signed_in, name, view):
    response = page(signed_in(name), view, cast.closed)
    assert response.status_code == 200
    html = response.content.decode()
    assert "North Trust" in html
    if view == "heatmap":
        for code in ("RX1", "MED", "W12", "W4", "SUR", "THE", "REC"):
            row(html, code)


def test_manager_heatmap_shows_only_her_subtree(cast, signed_in):
    html = page(signed_in("mo"), "heatmap", cast.closed).content.decode()
    keys = re.findall(r'data-key="([^"]+)"', html)
    assert keys == ["MED", "W12", "W4"]
    assert "Theatres" not in html and "Recovery" not in html and "Surgery" not in html


def test_hidden_unit_shows_reason_and_no_number(cast, signed_in):
    html = page(signed_in("mo"), "heatmap", cast.closed).content.decode()
    w4 = cells_text(row(html, "W4"))
    assert "Hidden" in w4 and "fewer than 10 responses" in w4
    assert not re.search(r"\d\.\d", w4)
    assert "Why some cells are hidden" in html


def test_shown_unit_number_matches_the_cells_frame(cast, signed_in):
    html = page(signed_in("mo"), "heatmap", cast.closed).content.decode()
    cell = published(cast.closed, "W12")
    w12 = cells_text(row(html, "W12"))
    assert f"{cell['value']:.1f}" in w12
    assert f"{cell['ci_low']:.1f} to {cell['ci_high']:.1f}" in w12


def test_all_measures_include_percentages(cast, signed_in):
    html = page(signed_in("ann"), "heatmap", cast.closed, query="?measures=all").content.decode()
    cell = published(cast.closed, "RX1", "valued_work")
    assert f"{cell['value']:.1f}%" in cells_text(row(html, "RX1"))


def test_unit_drill_down(cast, signed_in):
    client = signed_in("mo")
    response = page(client, "unit", cast.closed, "MED")
    assert response.status_code == 200
    html = response.content.decode()
    cell = published(cast.closed, "MED", "engagement")
    assert f"{cell['value']:.1f}" in html
    assert reverse("results:unit", args=[cast.closed.pk, "W12"]) in html  # child link
    assert "Compared with the organisation" in html
    assert page(client, "unit", cast.closed, "W4").status_code == 200


@pytest.mark.parametrize("code", ["THE", "RX1", "SUR", "NOPE"])
def test_manager_gets_404_outside_her_subtree(cast, signed_in, code):
    assert page(signed_in("mo"), "unit", cast.closed, code).status_code == 404


@pytest.mark.parametrize("view", ["overview", "heatmap", "breakdowns", "comments"])
def test_other_trust_gets_404(cast, signed_in, view):
    assert page(signed_in("oscar"), view, cast.closed).status_code == 404


def test_other_trust_cannot_reach_units_by_code(cast, signed_in):
    assert page(signed_in("oscar"), "unit", cast.closed, "W12").status_code == 404


@pytest.mark.parametrize("view", ["overview", "heatmap", "breakdowns", "comments"])
def test_anonymous_is_sent_to_sign_in(cast, client, view):
    response = page(client, view, cast.closed)
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_heatmap_queries_do_not_grow_with_units(cast, signed_in, django_assert_max_num_queries):
    client = signed_in("ann")
    page(client, "heatmap", cast.closed)  # warm the session and cells
    with CaptureQueriesContext(connection) as before:
        page(client, "heatmap", cast.closed)
    extra = [(f"X{i}", f"Extra {i}", "SUR") for i in range(60)]
    org.add_units(cast.trust, extra)
    with django_assert_max_num_queries(len(before.captured_queries)):
        response = page(client, "heatmap", cast.closed)
    assert "not in these results" in response.content.decode()
    assert len(before.captured_queries) <= 10


def test_overview_chart_and_data_table(cast, signed_in):
    html = page(signed_in("ann"), "overview", cast.closed).content.decode()
    figure = re.search(
        r'<figure class="ethos-chart" aria-labelledby="([^"]+)">(.*?)</figure>', html, re.S
    )
    assert figure and "<svg" in figure.group(2)
    assert f'id="{figure.group(1)}"' in figure.group(2)
    assert 'role="img" aria-label="Dot chart' in figure.group(2)
    assert "<caption" in html and "Headline results for North Trust" in html
    cell = published(cast.closed, "RX1", "teamwork")
    assert f"{cell['ci_low']:.1f} to {cell['ci_high']:.1f}" in html


def test_manager_overview_shows_her_subtree_and_the_organisation_for_context(cast, signed_in):
    html = page(signed_in("mo"), "overview", cast.closed).content.decode()
    assert "Headline results for Medicine" in html
    assert "for context" in html
    assert "Surgery" not in html


def test_breakdowns_hide_small_groups_with_reasons(cast, signed_in):
    html = page(signed_in("mo"), "breakdowns", cast.closed).content.decode()
    assert "Medicine: What is your sex?" in html
    assert "North Trust:" not in html
    assert "no responses" in cells_text(row(html, "Not stated"))
    ann = page(signed_in("ann"), "breakdowns", cast.closed).content.decode()
    assert "North Trust: What is your sex?" in ann


def test_comments_only_for_visible_units(cast, signed_in):
    html = page(signed_in("mo"), "comments", cast.closed).content.decode()
    assert "says W12." in html
    assert "says THE." not in html and "says REC." not in html
    assert "at least 10 people" in html
    ann = page(signed_in("ann"), "comments", cast.closed).content.decode()
    assert "says THE." in ann


def test_board_may_not_read_comments(cast, signed_in):
    assert page(signed_in("bo"), "comments", cast.closed).status_code == 403


def test_open_survey_without_results(cast, signed_in):
    client = signed_in("ann")
    html = page(client, "overview", cast.open).content.decode()
    assert "no results for this survey yet" in html
    assert page(client, "heatmap", cast.open).status_code == 200


def test_interim_results_show_the_organisation_only(cast, signed_in):
    cells = services.current_results(cast.closed).cells.filter(
        (pl.col("unit").cast(pl.Utf8) == "RX1") & (pl.col("column").cast(pl.Utf8) == "")
    )
    buffer = io.BytesIO()
    cells.write_parquet(buffer)
    Snapshot.objects.create(
        survey=cast.open, kind=Snapshot.INTERIM, responses=0, cells=buffer.getvalue()
    )
    html = page(signed_in("mo"), "overview", cast.open).content.decode()
    assert "Interim: updated after every 10 responses" in html
    assert "Headline results for North Trust" in html
    assert "Medicine" not in html
    heatmap = page(signed_in("mo"), "heatmap", cast.open).content.decode()
    assert "published when the survey closes" in heatmap


def test_home_links_to_results(cast, signed_in):
    html = signed_in("bo").get(reverse("home")).content.decode()
    assert reverse("results:overview", args=[cast.closed.pk]) in html


def test_grid_is_fast_for_a_thousand_units(cast):
    instrument = instrument_of(cast.closed.instrument_yaml)
    measures = presenters.headline_measures(instrument)
    units = [f"U{i}" for i in range(1000)]
    frame = pl.DataFrame(
        {
            "unit": [u for u in units for _ in measures],
            "column": [""] * (1000 * len(measures)),
            "measure": [m.id for _ in units for m in measures],
            "n": [12] * (1000 * len(measures)),
            "value": [5.0] * (1000 * len(measures)),
            "ci_low": [4.5] * (1000 * len(measures)),
            "ci_high": [5.5] * (1000 * len(measures)),
            "suppressed": [False] * (1000 * len(measures)),
            "reason": [""] * (1000 * len(measures)),
        }
    ).with_columns(pl.col("unit", "column", "measure", "reason").cast(pl.Categorical))
    heads = [presenters.RowHead(u, u) for u in units]
    start = time.perf_counter()
    table = presenters.grid(frame, "unit", heads, measures)
    assert time.perf_counter() - start < 2.0
    assert len(table.rows) == 1000 and table.rows[-1].cells[0].value == "5.0"


def test_significant_differences_are_marked_in_text_not_colour_alone(cast):
    instrument = instrument_of(cast.closed.instrument_yaml)
    measures = [instrument.measure("teamwork"), instrument.measure("valued_work")]
    frame = pl.DataFrame(
        {
            "unit": ["A", "A"],
            "column": ["", ""],
            "measure": ["teamwork", "valued_work"],
            "n": [40, 40],
            "value": [6.25, 31.0],
            "ci_low": [5.9, 20.0],
            "ci_high": [6.6, 42.0],
            "suppressed": [False, False],
            "reason": ["", ""],
            "vs_organisation_difference": [0.81, -7.04],
            "vs_organisation_significant": [True, True],
            "vs_previous_difference": [0.3, None],
            "vs_previous_significant": [False, None],
        }
    )
    table = presenters.grid(frame, "unit", [presenters.RowHead("A", "Ward A")], measures)
    teamwork, valued = table.rows[0].cells
    assert (teamwork.value, teamwork.vs_organisation.direction) == ("6.2", "higher")
    assert teamwork.vs_previous == presenters.Comparison("+0.3", None)
    assert (valued.value, valued.interval) == ("31.0%", "20.0% to 42.0%")
    assert valued.vs_organisation == presenters.Comparison("-7.0 points", "lower")
    macros = engines["jinja2"].env.get_template("results/_macros.jinja").module
    html = str(macros.grid_table(table, "Caption", "Unit", "t"))
    assert "ethos-cell--high" in html and "▲</span> higher" in html
    assert "ethos-cell--low" in html and "▼</span> lower" in html
    assert "than the organisation, a significant difference" in html
    rows = str(macros.measure_table(table.rows[0].cells, "Caption", "m"))
    assert "Compared with the previous wave" in rows and "+0.3" in rows
