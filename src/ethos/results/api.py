"""API: published results as cells (the ``ethos analyse`` JSON cell format) and downloads."""

from __future__ import annotations

import uuid
from typing import Any, Literal

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from ninja import Router, Schema

from ethos.analysis.export import cell_records
from ethos.organisations import access
from ethos.organisations.audit import record
from ethos.results.exports import FORMATS, export_bytes, scoped_cells
from ethos.results.services import current_results
from ethos.surveys.models import Survey
from ethos.web.api import requires, viewer

router = Router(tags=["results"])


class ResultsOut(Schema):
    survey: uuid.UUID
    kind: str | None
    responses: int | None
    min_group: int
    cells: list[dict[str, Any]]


def _survey(request: HttpRequest, survey_id: uuid.UUID) -> tuple[Survey, Any]:
    who = viewer(request)
    return get_object_or_404(Survey, pk=survey_id, organisation=who.organisation), who


@router.get("/{survey_id}", response=ResultsOut, **requires(access.VIEW_RESULTS))
def results(request: HttpRequest, survey_id: uuid.UUID) -> dict[str, Any]:
    """Every published cell the caller may see; hidden cells carry a reason, not a number.

    While the survey is open, only interim organisation-level cells exist.
    """
    survey, who = _survey(request, survey_id)
    found = current_results(survey)
    cells = cell_records(scoped_cells(found, who)) if found else []
    return {
        "survey": survey.pk,
        "kind": found.snapshot.kind if found else None,
        "responses": found.snapshot.responses if found else None,
        "min_group": survey.min_group_size,
        "cells": cells,
    }


@router.get(
    "/{survey_id}/export",
    response={200: None, 404: dict},
    **requires(access.EXPORT_RESULTS),
)
def export(
    request: HttpRequest, survey_id: uuid.UUID, format: Literal["csv", "xlsx", "parquet"] = "csv"
) -> HttpResponse:
    """Download the published cells as CSV or XLSX (formula-safe) or Parquet."""
    survey, who = _survey(request, survey_id)
    found = current_results(survey)
    if found is None:
        return HttpResponse(status=404, content=b'{"detail": "No results yet."}')
    response = HttpResponse(export_bytes(scoped_cells(found, who), format), FORMATS[format])
    record(who.organisation, request.auth, "export results", survey.title, detail=format)
    name = f"ethos-results-{survey.pk}.{format}"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
