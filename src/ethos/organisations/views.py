"""Organisation pages: the unit tree, and importing the unit tree and the staff roster."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from ethos.organisations import access, services
from ethos.organisations.models import AuditEvent, Organisation, StaffMember, Unit
from ethos.organisations.roster import DEMOGRAPHIC_COLUMNS, ImportReport, Problem

PROBLEMS_SHOWN = 200


@access.requires(access.MANAGE_ORGANISATION)
def units(request: HttpRequest) -> HttpResponse:
    viewer = request.viewer  # type: ignore[attr-defined]
    tree = (
        Unit.objects.filter(organisation=viewer.organisation)
        .annotate(staff_count=Count("staff", filter=Q(staff__active=True)))
        .order_by("path")
    )
    staff = StaffMember.objects.filter(organisation=viewer.organisation)
    return render(
        request,
        "organisations/units.jinja",
        {
            "title": _("Organisation"),
            "organisation": viewer.organisation,
            "units": list(tree),
            "active_staff": staff.filter(active=True).count(),
            "leavers": staff.filter(active=False).count(),
        },
    )


@access.requires(access.MANAGE_ORGANISATION)
@require_http_methods(["GET", "POST"])
def import_units(request: HttpRequest) -> HttpResponse:
    return _import_page(request, "units", services.import_units)


@access.requires(access.MANAGE_ORGANISATION)
@require_http_methods(["GET", "POST"])
def import_roster(request: HttpRequest) -> HttpResponse:
    return _import_page(request, "roster", services.import_roster)


Importer = Callable[[Organisation, str, bytes], ImportReport]


def _import_page(request: HttpRequest, kind: str, importer: Importer) -> HttpResponse:
    """The upload form; after a POST, the import's report (every problem, or the counts)."""
    context: dict[str, Any] = {
        "kind": kind,
        "title": _("Import the unit tree") if kind == "units" else _("Import the staff roster"),
        "max_mb": settings.ETHOS_MAX_UPLOAD_MB,
        "demographics": DEMOGRAPHIC_COLUMNS,
        "errors": [],
        "report": None,
    }
    if request.method == "POST":
        upload = request.FILES.get("file")
        if upload is None:
            context["errors"] = [{"text": _("Choose a file to upload."), "href": "#file"}]
            context["file_error"] = context["errors"][0]["text"]
        else:
            report = _run_import(request, upload, importer)
            context.update(_report_context(report))
    return render(request, "organisations/import.jinja", context)


def _run_import(request: HttpRequest, upload: Any, importer: Importer) -> ImportReport:
    limit = settings.ETHOS_MAX_UPLOAD_MB
    if upload.size > limit * 1024 * 1024:
        message = _("The file is larger than %(mb)s MB.") % {"mb": limit}
        fix = _("Split the file, or remove columns Ethos does not use.")
        return ImportReport(problems=[Problem(None, None, message, fix)])
    viewer = request.viewer  # type: ignore[attr-defined]
    return importer(viewer.organisation, upload.name or "", upload.read())


def _report_context(report: ImportReport) -> dict[str, Any]:
    if report.ok:
        return {"report": report}
    shown = report.problems[:PROBLEMS_SHOWN]
    return {
        "report": report,
        "errors": [{"text": str(p), "href": "#file"} for p in shown],
        "file_error": _("The file has problems. Nothing was imported."),
        "problem_count": len(report.problems),
        "more_problems": len(report.problems) - len(shown),
    }


AUDIT_SHOWN = 500


@access.requires(access.MANAGE_ORGANISATION)
def audit(request: HttpRequest) -> HttpResponse:
    """The latest audit events: staff actions, and every refused attempt to identify anyone."""
    viewer = request.viewer  # type: ignore[attr-defined]
    events = AuditEvent.objects.filter(organisation=viewer.organisation).select_related("actor")
    return render(
        request,
        "organisations/audit.jinja",
        {"title": _("Audit log"), "events": list(events[:AUDIT_SHOWN]), "shown": AUDIT_SHOWN},
    )
