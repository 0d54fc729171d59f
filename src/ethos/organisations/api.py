"""API: the caller's organisation, its units, and roster and unit-tree imports."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import File, Router, Schema, Status
from ninja.files import UploadedFile

from ethos.organisations import access, services
from ethos.web.api import requires, viewer

router = Router(tags=["organisation"])


class OrganisationOut(Schema):
    name: str
    slug: str
    min_group_size: int


class UnitOut(Schema):
    code: str
    name: str
    parent: str | None
    depth: int


class ProblemOut(Schema):
    row: int | None
    column: str | None
    message: str
    fix: str


class ImportOut(Schema):
    imported: bool
    created: int
    updated: int
    deactivated: int
    problems: list[ProblemOut]


@router.get(
    "/organisation",
    response=OrganisationOut,
    **requires(access.VIEW_RESULTS),
)
def organisation(request: HttpRequest) -> object:
    """The organisation the token's user belongs to."""
    return viewer(request).organisation


@router.get("/units", response=list[UnitOut], **requires(access.VIEW_RESULTS))
def units(request: HttpRequest) -> list[dict[str, object]]:
    """The units whose results the caller may see (a manager: her subtree)."""
    found = viewer(request).units().select_related("parent")
    return [
        {
            "code": u.code,
            "name": u.name,
            "parent": u.parent.code if u.parent else None,
            "depth": u.depth,
        }
        for u in found
    ]


def _report(report: object) -> dict[str, object]:
    problems = list(getattr(report, "problems", []))
    return {
        "imported": not problems,
        "created": getattr(report, "created", 0),
        "updated": getattr(report, "updated", 0),
        "deactivated": getattr(report, "deactivated", 0),
        "problems": [
            {"row": p.row, "column": p.column, "message": p.message, "fix": p.fix} for p in problems
        ],
    }


@router.post(
    "/roster",
    response={200: ImportOut, 400: ImportOut},
    **requires(access.MANAGE_ORGANISATION),
)
def import_roster(request: HttpRequest, file: File[UploadedFile]) -> Status:
    """Import a roster (CSV or XLSX). Nothing is imported unless every row is valid."""
    return _import(request, services.import_roster, file)


@router.post(
    "/units/import",
    response={200: ImportOut, 400: ImportOut},
    **requires(access.MANAGE_ORGANISATION),
)
def import_units(request: HttpRequest, file: File[UploadedFile]) -> Status:
    """Import the unit tree (code, name, parent). Nothing is imported unless all is valid."""
    return _import(request, services.import_units, file)


def _import(request: HttpRequest, service: Any, file: UploadedFile) -> Status:
    report = _report(service(viewer(request).organisation, file.name or "", file.read()))
    return Status(200 if report["imported"] else 400, report)
