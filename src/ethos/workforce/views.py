"""Workforce pages: the files imported per year, importing a file, and the analyses."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from ethos.organisations import access
from ethos.organisations.audit import record
from ethos.organisations.tables import ImportReport
from ethos.results import charts
from ethos.results.exports import FORMATS, export_bytes
from ethos.stats.leadership import Assumptions
from ethos.workforce import dashboard, services, standards
from ethos.workforce import leadership as lead
from ethos.workforce.files import SPECS
from ethos.workforce.schema import KINDS

PROBLEMS_SHOWN = 200
KIND_TITLES = {
    "staff": "Staff records",
    "posts": "Leadership posts",
    "successors": "Successors",
    "recruitment": "Recruitment",
    "cases": "Disciplinary and capability cases",
    "training": "Non-mandatory training and CPD",
    "board": "Board membership",
    "outcomes": "Outcome indicators",
}


def kind_title(kind: str) -> str:
    return _(KIND_TITLES[kind])


@access.requires(access.VIEW_WORKFORCE)
def index(request: HttpRequest) -> HttpResponse:
    viewer = request.viewer  # type: ignore[attr-defined]
    stored = services.workforce_files(viewer.organisation)
    years = sorted({f.year for f in stored}, reverse=True)
    return render(
        request,
        "workforce/index.jinja",
        {
            "title": _("Workforce"),
            "years": [(services.year_label(y), [f for f in stored if f.year == y]) for y in years],
            "kind_title": kind_title,
            "can_import": viewer.can(access.MANAGE_WORKFORCE),
        },
    )


@access.requires(access.MANAGE_WORKFORCE)
@require_http_methods(["GET", "POST"])
def import_file(request: HttpRequest) -> HttpResponse:
    viewer = request.viewer  # type: ignore[attr-defined]
    values = {"kind": request.POST.get("kind", ""), "year": request.POST.get("year", "")}
    errors: dict[str, str] = {}
    context: dict[str, Any] = {"report": None}
    if request.method == "POST":
        year = _year(values["year"], errors)
        if values["kind"] not in KINDS:
            errors["kind"] = _("Choose what the file holds.")
        upload = request.FILES.get("file")
        if upload is None:
            errors["file"] = _("Choose a file to upload.")
        if not errors:
            report = _run(request, viewer.organisation, year, values["kind"], upload)
            context.update(_report_context(report))
    context.update(
        title=_("Import a workforce file"),
        values=values,
        field_errors=errors,
        errors=context.get("errors") or [{"text": t, "href": f"#{k}"} for k, t in errors.items()],
        kinds=[(k, kind_title(k), SPECS[k]) for k in KINDS],
        kind_items=[{"value": k, "text": kind_title(k)} for k in KINDS],
        max_mb=settings.ETHOS_MAX_UPLOAD_MB,
    )
    return render(request, "workforce/import.jinja", context)


def _year(text: str, errors: dict[str, str]) -> int:
    try:
        year = int(text.strip())
    except ValueError:
        year = 0
    if not services.FIRST_YEAR <= year <= services.LAST_YEAR:
        errors["year"] = _("Enter the year the reporting period ends, such as 2026 for 2025/26.")
    return year


def _run(request: HttpRequest, organisation: Any, year: int, kind: str, upload: Any) -> Any:
    limit = settings.ETHOS_MAX_UPLOAD_MB
    if upload.size > limit * 1024 * 1024:
        message = _("The file is larger than %(mb)s MB.") % {"mb": limit}
        return ImportReport(problems=[services.Problem(None, None, message, _("Split the file."))])
    return services.import_workforce_file(
        organisation, year, kind, upload.name or "", upload.read(), request.user
    )


def _report_context(report: ImportReport) -> dict[str, Any]:
    if report.ok:
        return {"report": report}
    shown = report.problems[:PROBLEMS_SHOWN]
    return {
        "report": report,
        "errors": [{"text": str(p), "href": "#file"} for p in shown],
        "problem_count": len(report.problems),
        "more_problems": len(report.problems) - len(shown),
    }


def _chosen_year(request: HttpRequest, organisation: Any) -> tuple[int | None, list[int]]:
    years = services.workforce_years(organisation)
    try:
        wanted = int(request.GET.get("year", ""))
    except ValueError:
        wanted = None
    return (wanted if wanted in years else (years[0] if years else None)), years


def _year_items(years: list[int], chosen: int | None) -> list[dict[str, Any]]:
    return [{"value": y, "text": services.year_label(y), "selected": y == chosen} for y in years]


@access.requires(access.VIEW_WORKFORCE)
def outcomes(request: HttpRequest) -> HttpResponse:
    viewer = request.viewer  # type: ignore[attr-defined]
    year, years = _chosen_year(request, viewer.organisation)
    board = None
    if year is not None:
        board = dashboard.dashboard(
            viewer.organisation,
            year,
            request.GET.get("indicator", ""),
            request.GET.get("measure", ""),
        )
    return render(
        request,
        "workforce/outcomes.jinja",
        {
            "title": _("Culture and outcomes"),
            "board": board,
            "years": _year_items(years, year),
            "chart": _scatter(board),
            "indicator_options": [(i.id, i.name) for i in board.indicators] if board else [],
        },
    )


def _scatter(board: dashboard.Dashboard | None) -> dict[str, str]:
    if board is None or board.indicator is None:
        return {}
    measure = dict(board.measures).get(board.measure, board.measure)
    points = [
        charts.XY(r.name, r.score, r.outcome)
        for r in board.rows
        if r.score is not None and r.outcome is not None
    ]
    description = _(
        "Scatter plot of %(n)s units: %(measure)s across, %(indicator)s up, with a straight "
        "line fitted through them. The table below lists the same figures."
    ) % {"n": len(points), "measure": measure, "indicator": board.indicator.name}
    svg = charts.scatter_chart(points, measure, board.indicator.name, description)
    return {"svg": svg, "description": description}


ASSUMPTION_FIELDS = (
    ("leaver_rate", 100, "Leaders leaving each year for reasons other than retirement (%)"),
    ("retirement_rate", 100, "Leaders retiring each year (%)"),
    ("post_growth", 100, "Growth in leadership posts each year (%)"),
    ("pipeline", 1, "Newly ready leaders each year (people)"),
)


@access.requires(access.VIEW_WORKFORCE)
def leadership(request: HttpRequest) -> HttpResponse:
    viewer = request.viewer  # type: ignore[attr-defined]
    year, years = _chosen_year(request, viewer.organisation)
    context: dict[str, Any] = {
        "title": _("Leadership workforce"),
        "years": _year_items(years, year),
    }
    missing = lead.missing_files(viewer.organisation, year) if year else list(lead.NEEDED)
    if missing:
        context["missing"] = [kind_title(k) for k in missing]
        return render(request, "workforce/leadership.jinja", context)
    report = lead.leadership_report(viewer.organisation, year)
    chosen, errors = _assumptions(request, report.observed)
    if chosen is not None and chosen != report.observed:
        report = lead.leadership_report(viewer.organisation, year, chosen)
    context.update(
        report=report,
        cliff_names=[report.names.get(c, c) for c in report.cliffs],
        errors=[{"text": t, "href": f"#{k}"} for k, t in errors.items()],
        field_errors=errors,
        assumption_fields=_assumption_fields(request, report.observed),
        projection_chart=_projection_chart(report),
    )
    return render(request, "workforce/leadership.jinja", context)


def _assumption_fields(request: HttpRequest, observed: Assumptions) -> list[tuple]:
    """``(name, label, value shown)``: what was asked for, or the observed default."""
    return [
        (name, _(label), request.GET.get(name, _plain(getattr(observed, name) * scale)))
        for name, scale, label in ASSUMPTION_FIELDS
    ]


def _plain(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")


def _assumptions(request: HttpRequest, observed: Assumptions) -> tuple[Assumptions | None, dict]:
    if not any(name in request.GET for name, _s, _l in ASSUMPTION_FIELDS):
        return observed, {}
    values, errors = {}, {}
    for name, scale, _label in ASSUMPTION_FIELDS:
        text = request.GET.get(name, "").strip().rstrip("%")
        try:
            values[name] = float(text) / scale
        except ValueError:
            errors[name] = _("Enter a number, such as 5 or 2.5.")
    if errors:
        return None, errors
    try:
        return Assumptions(**values), {}
    except ValueError as exc:
        return None, {"leaver_rate": str(exc)}


def _projection_chart(report: lead.LeadershipReport) -> dict[str, str]:
    p = report.projection
    first = report.year
    steps = [
        charts.Step(first + int(t), series, float(value))
        for series, values in ((_("Posts needed"), p.need), (_("Leaders available"), p.supply))
        for t, value in zip(p.year, values, strict=True)
    ]
    description = _(
        "Line chart of leadership posts needed and leaders available over the next %(n)s "
        "years. The table below gives the same figures."
    ) % {"n": len(p.year) - 1}
    return {
        "svg": charts.line_chart(steps, _("Leaders"), description),
        "description": description,
    }


def _standard_year(request: HttpRequest, standard: str) -> tuple[Any, int | None, list[int]]:
    if standard not in standards.STANDARDS:
        raise Http404("No such standard.")
    viewer = request.viewer  # type: ignore[attr-defined]
    year, years = _chosen_year(request, viewer.organisation)
    return viewer.organisation, year, years


@access.requires(access.VIEW_WORKFORCE)
def standard(request: HttpRequest, standard: str) -> HttpResponse:
    """WRES or WDES for a reporting year, in the standard's own numbering, with the trend."""
    organisation, year, years = _standard_year(request, standard)
    context: dict[str, Any] = {
        "title": standards.STANDARDS[standard][0],
        "standard": standard,
        "years": _year_items(years, year),
        "report": None,
    }
    if year is not None:
        context["report"] = standards.standard_report(organisation, year, standard)
        context["trend"] = standards.trend(organisation, standard)
        context["year_label"] = services.year_label
        context["can_export"] = request.viewer.can(access.EXPORT_RESULTS)  # type: ignore[attr-defined]
    return render(request, "workforce/standard.jinja", context)


@access.requires(access.EXPORT_RESULTS)
def standard_export(request: HttpRequest, standard: str, fmt: str) -> HttpResponse:
    """The year's published figures in the shape of the national return (CSV or XLSX)."""
    organisation, year, _years = _standard_year(request, standard)
    if year is None or fmt not in ("csv", "xlsx"):
        raise Http404("Nothing to export.")
    frame = standards.return_frame(standards.standard_report(organisation, year, standard))
    response = HttpResponse(export_bytes(frame, fmt), content_type=FORMATS[fmt])
    record(organisation, request.user, f"export {standard.upper()} return", str(year), detail=fmt)
    name = f"{standard}-{year}.{fmt}"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
