"""API: workforce files (import and list) and the published workforce analyses.

Every figure here is the same published figure the pages show: the analyses' results pass
disclosure control before they reach this module, and :func:`plain` only changes their form
(a hidden figure becomes ``{"hidden": true, "reason": ...}``, never a number).
"""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest
from ninja import File, Router, Schema, Status
from ninja.files import UploadedFile

from ethos.organisations import access
from ethos.organisations.api import ImportOut, _report
from ethos.stats.leadership import Assumptions
from ethos.web.api import requires, viewer
from ethos.web.published_json import plain
from ethos.workforce import dashboard, leadership, services

router = Router(tags=["workforce"])


class FileOut(Schema):
    year: int
    kind: str
    rows: int
    imported: str


@router.get("/workforce/files", response=list[FileOut], **requires(access.VIEW_WORKFORCE))
def files(request: HttpRequest) -> list[dict[str, object]]:
    """The workforce files imported for the caller's organisation, newest year first."""
    return [
        {"year": f.year, "kind": f.kind, "rows": f.rows, "imported": f.imported.isoformat()}
        for f in services.workforce_files(viewer(request).organisation)
    ]


@router.post(
    "/workforce/import/{year}/{kind}",
    response={200: ImportOut, 400: ImportOut},
    **requires(access.MANAGE_WORKFORCE),
)
def import_file(request: HttpRequest, year: int, kind: str, file: File[UploadedFile]) -> Status:
    """Import one workforce file (CSV or XLSX) for a reporting year; all or nothing.

    ``kind`` is one of: staff, posts, successors, recruitment, cases, training, board,
    outcomes. The file replaces that year's file of the same kind.
    """
    who = viewer(request)
    report = services.import_workforce_file(
        who.organisation, year, kind, file.name or "", file.read(), request.auth
    )
    body = _report(report)
    return Status(200 if body["imported"] else 400, body)


def _year(request: HttpRequest, year: int) -> Any:
    organisation = viewer(request).organisation
    if year not in services.workforce_years(organisation):
        raise Http404("No workforce files for that year.")
    return organisation


class Detail(Schema):
    detail: str


@router.get(
    "/workforce/{year}/leadership",
    response={200: dict, 404: Detail, 422: Detail},
    **requires(access.VIEW_WORKFORCE),
)
def leadership_report(
    request: HttpRequest,
    year: int,
    leaver_rate: float | None = None,
    retirement_rate: float | None = None,
    post_growth: float | None = None,
    pipeline: float | None = None,
) -> Any:
    """The published leadership workforce analysis; rates as fractions (0.05 = 5%)."""
    organisation = _year(request, year)
    missing = leadership.missing_files(organisation, year)
    if missing:
        return Status(404, {"detail": f"Missing files for {year}: {', '.join(missing)}"})
    report = leadership.leadership_report(organisation, year)
    asked = {
        "leaver_rate": leaver_rate,
        "retirement_rate": retirement_rate,
        "post_growth": post_growth,
        "pipeline": pipeline,
    }
    if any(v is not None for v in asked.values()):
        values = {
            k: (v if v is not None else getattr(report.observed, k)) for k, v in asked.items()
        }
        try:
            chosen = Assumptions(**values)
        except ValueError as exc:
            return Status(422, {"detail": str(exc)})
        report = leadership.leadership_report(organisation, year, chosen)
    return plain(report)


@router.get("/workforce/{year}/outcomes", response=dict, **requires(access.VIEW_WORKFORCE))
def outcomes(request: HttpRequest, year: int, indicator: str = "", measure: str = "") -> Any:
    """Outcome indicators beside published culture scores by unit, with the analyses."""
    organisation = _year(request, year)
    board = dashboard.dashboard(organisation, year, indicator, measure)
    return plain(board)
