"""The staff-facing results pages: overview, heatmap, unit drill-down, breakdowns, comments.

Every number shown comes from :func:`ethos.results.services.current_results`, the published
cells that passed disclosure control; nothing here reads responses. The survey is looked up
within the viewer's own organisation (404 otherwise), and units are scoped by
:class:`ethos.organisations.access.Viewer`: a unit the viewer may not see is a 404, so its
existence is not confirmed.

Unit managers see their own subtree(s) and, for context, the organisation as a whole (the
organisation total is published to every results viewer; it reveals nothing a subtree hides).
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Sequence
from typing import Any
from urllib.parse import quote
from uuid import UUID

import polars as pl
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from markupsafe import Markup

from ethos.instruments.model import Measure
from ethos.organisations import access
from ethos.organisations.models import Unit
from ethos.results import charts, presenters
from ethos.results.services import Results, current_results
from ethos.surveys.models import Survey

Crumbs = Sequence[tuple[str, str]]


@access.requires(access.VIEW_RESULTS)
def overview(request: HttpRequest, survey_id: UUID) -> HttpResponse:
    viewer, survey, results = _load(request, survey_id)
    if results is None:
        return _render(request, "pending.jinja", survey, survey.title, None)
    measures = presenters.headline_measures(results.instrument)
    notes = presenters.Notes()
    sections = [
        {
            "unit": unit,
            "context": context,
            "cells": presenters.unit_cells(results.cells, unit.code, measures, notes),
        }
        for unit, context in _overview_units(viewer, results)
    ]
    chart, description = _chart(sections)
    return _render(
        request,
        "overview.jinja",
        survey,
        survey.title,
        results,
        sections=sections,
        notes=notes,
        chart=chart,
        chart_description=description,
    )


@access.requires(access.VIEW_RESULTS)
def heatmap(request: HttpRequest, survey_id: UUID) -> HttpResponse:
    viewer, survey, results = _load(request, survey_id)
    title = "Heatmap of units"
    if results is None or not results.final:
        return _render(request, "pending.jinja", survey, title, results, crumbs=[])
    all_measures = request.GET.get("measures") == "all"
    measures = _measures(results, all_measures)
    units = viewer.units().only("code", "name", "depth", "path").order_by("path")
    heads = tuple(presenters.unit_heads(units, _unit_href(survey)))
    caption = _("Results by unit") + (f" ({_('all measures')})" if all_measures else "")
    table = _heatmap_table(results, heads, tuple(measures), caption, get_language())
    return _render(
        request,
        "heatmap.jinja",
        survey,
        title,
        results,
        column="full",
        table=table,
        all_measures=all_measures,
    )


TABLES: OrderedDict[tuple[Any, ...], Markup] = OrderedDict()
TABLES_KEPT = 32


def _heatmap_table(
    results: Results,
    heads: tuple[presenters.RowHead, ...],
    measures: tuple[Measure, ...],
    caption: str,
    language: str | None,
) -> Markup:
    """The heatmap's table as HTML. A snapshot never changes, so the table is rendered once
    per snapshot, set of rows (the viewer's units as they are now), measures and language,
    and kept per process: the page then costs a few queries, not a 40,000-cell render."""
    snapshot = results.snapshot
    key = (snapshot.pk, snapshot.created, heads, measures, caption, language)
    if key in TABLES:
        TABLES.move_to_end(key)
        return TABLES[key]
    table = presenters.grid(presenters.overall(results.cells), "unit", list(heads), measures)
    context = {"table": table, "caption": caption, "row_header": _("Unit")}
    TABLES[key] = html = Markup(render_to_string("results/_heatmap_table.jinja", context))
    if len(TABLES) > TABLES_KEPT:
        TABLES.popitem(last=False)
    return html


@access.requires(access.VIEW_RESULTS)
def unit(request: HttpRequest, survey_id: UUID, code: str) -> HttpResponse:
    viewer, survey, results = _load(request, survey_id)
    found = Unit.objects.filter(organisation=viewer.organisation, code=code).first()
    if found is None or not viewer.can_see_unit(found):
        raise Http404("No such unit.")
    crumbs = _ancestors(viewer, survey, found)
    if results is None or not results.final:
        return _render(request, "pending.jinja", survey, found.name, results, crumbs=crumbs)
    notes = presenters.Notes()
    cells = presenters.unit_cells(results.cells, found.code, results.instrument.measures, notes)
    children = viewer.units().filter(parent=found).order_by("path")
    heads = presenters.unit_heads(children, _unit_href(survey))
    headline = presenters.headline_measures(results.instrument)
    table = presenters.grid(presenters.overall(results.cells), "unit", heads, headline)
    return _render(
        request,
        "unit.jinja",
        survey,
        found.name,
        results,
        crumbs=crumbs,
        column="full",
        unit=found,
        cells=cells,
        notes=notes,
        children=table if heads else None,
    )


@access.requires(access.VIEW_RESULTS)
def breakdowns(request: HttpRequest, survey_id: UUID) -> HttpResponse:
    viewer, survey, results = _load(request, survey_id)
    title = "Breakdowns"
    if results is None or not results.final:
        return _render(request, "pending.jinja", survey, title, results, crumbs=[])
    measures = presenters.headline_measures(results.instrument)
    sections = [
        _breakdown(results, root, column, measures)
        for root in _scope_roots(viewer)
        for column in survey.breakdowns
    ]
    return _render(
        request, "breakdowns.jinja", survey, title, results, column="full", sections=sections
    )


@access.requires(access.VIEW_COMMENTS)
def comments(request: HttpRequest, survey_id: UUID) -> HttpResponse:
    viewer, survey, results = _load(request, survey_id)
    title = "Comments"
    if results is None or not results.final:
        return _render(request, "pending.jinja", survey, title, results, crumbs=[])
    units = viewer.units().only("code", "name", "depth", "path").order_by("path")
    groups = presenters.comment_groups(results.snapshot.comments, list(units), results.instrument)
    threshold = max(survey.min_group_size, 10)
    return _render(
        request, "comments.jinja", survey, title, results, groups=groups, threshold=threshold
    )


def _load(request: HttpRequest, survey_id: UUID) -> tuple[access.Viewer, Survey, Results | None]:
    """The viewer, the survey (within the viewer's organisation only) and its results."""
    viewer: access.Viewer = request.viewer
    survey = get_object_or_404(Survey, pk=survey_id, organisation=viewer.organisation)
    return viewer, survey, current_results(survey)


def _render(
    request: HttpRequest,
    template: str,
    survey: Survey,
    title: str,
    results: Results | None,
    crumbs: Crumbs | None = None,
    **context: Any,
) -> HttpResponse:
    """Render a results page with the context every one of them shares."""
    viewer: access.Viewer = request.viewer
    overview_href = reverse("results:overview", args=[survey.pk])
    trail = [{"href": reverse("home"), "text": "Surveys and results"}]
    if crumbs is not None:  # not the overview itself: link back to it, then the trail
        trail.append({"href": overview_href, "text": survey.title})
        trail += [{"href": href, "text": text} for href, text in crumbs]
    context.update(
        title=title,
        survey=survey,
        results=results,
        viewer=viewer,
        breadcrumbs=trail,
        tabs=_tabs(viewer, survey, request.path),
        min_group=survey.min_group_size,
    )
    return render(request, f"results/{template}", context)


def _tabs(viewer: access.Viewer, survey: Survey, path: str) -> list[dict[str, Any]]:
    pages = [("overview", "Overview"), ("heatmap", "Heatmap")]
    if survey.breakdowns:
        pages.append(("breakdowns", "Breakdowns"))
    if viewer.can(access.VIEW_COMMENTS):
        pages.append(("comments", "Comments"))
    if "real_team" in survey.instrument_yaml:
        pages.append(("teams", "Team working"))
    tabs = []
    for name, text in pages:
        href = reverse(f"results:{name}", args=[survey.pk])
        tabs.append({"href": href, "text": text, "current": href == path})
    return tabs


def _unit_href(survey: Survey) -> Any:
    base = reverse("results:unit", args=[survey.pk, "-"])[:-2]
    return lambda unit: f"{base}{quote(unit.code, safe='')}/"


def _measures(results: Results, all_measures: bool) -> list[Measure]:
    if all_measures:
        return list(results.instrument.measures)
    return presenters.headline_measures(results.instrument)


def _org_roots(viewer: access.Viewer) -> list[Unit]:
    return list(Unit.objects.filter(organisation=viewer.organisation, parent__isnull=True))


def _scope_roots(viewer: access.Viewer) -> list[Unit]:
    """The tops of what the viewer may see: the organisation root, or her subtree roots."""
    paths = viewer.scope_paths()
    if paths is None:
        return _org_roots(viewer)
    units = Unit.objects.filter(organisation=viewer.organisation, path__in=paths)
    tops = [u for u in units if not any(u.path != p and u.path.startswith(p) for p in paths)]
    return sorted(tops, key=lambda u: u.path)


def _overview_units(viewer: access.Viewer, results: Results) -> list[tuple[Unit, bool]]:
    """Units on the overview, each flagged when it is shown only for context."""
    roots = _org_roots(viewer)
    if viewer.whole_organisation or not results.final:
        return [(root, False) for root in roots]
    own = _scope_roots(viewer)
    return [(u, False) for u in own] + [(r, True) for r in roots if r not in own]


def _chart(sections: list[dict[str, Any]]) -> tuple[str, str]:
    """The overview chart (mean-score measures) and its accessible description."""
    points = [
        charts.Point(c.label, s["unit"].name, c.raw, c.low, c.high)
        for s in sections
        for c in s["cells"]
        if not c.hidden and not c.percent
    ]
    names = ", ".join(dict.fromkeys(p.series for p in points))
    description = (
        f"Dot chart of the headline scores for {names}, each with its 95% interval. "
        "The same figures are in the table that follows."
    )
    return charts.interval_chart(points, description), description


def _breakdown(
    results: Results, root: Unit, column: str, measures: Sequence[Measure]
) -> dict[str, Any]:
    frame = results.cells.filter(
        (pl.col("unit").cast(pl.Utf8) == root.code) & (pl.col("column").cast(pl.Utf8) == column)
    )
    demographic = {d.id: d for d in results.instrument.demographics}.get(column)
    categories = demographic.categories() if demographic else ()
    heads = presenters.category_heads(frame, categories)
    return {
        "unit": root,
        "column": column,
        "text": demographic.text if demographic else column,
        "table": presenters.grid(frame, "category", heads, measures),
    }


def _ancestors(viewer: access.Viewer, survey: Survey, unit: Unit) -> list[tuple[str, str]]:
    """Breadcrumbs for the unit's ancestors that the viewer may see, top first."""
    ids = [int(pk) for pk in unit.path.strip("/").split("/")[:-1] if pk]
    above = Unit.objects.filter(pk__in=ids, organisation=viewer.organisation).order_by("depth")
    href = _unit_href(survey)
    return [(href(u), u.name) for u in above if viewer.can_see_unit(u)]
