"""Changes of state for workforce data, and reading it back for the analyses.

:func:`import_workforce_file` is the one way a workforce file gets in: it checks the whole
file (every row, and every reference to the units and the year's other files) and saves it
only when there is no problem at all, replacing the year's previous file of that kind.
"""

from __future__ import annotations

import io
from datetime import date
from functools import lru_cache

import polars as pl
from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from ethos.organisations.audit import record
from ethos.organisations.models import Organisation, Unit
from ethos.organisations.tables import ImportReport, Problem
from ethos.workforce import files
from ethos.workforce.models import WorkforceFile
from ethos.workforce.schema import KINDS

FIRST_YEAR, LAST_YEAR = 2000, 2100


def import_workforce_file(
    organisation: Organisation,
    year: int,
    kind: str,
    filename: str,
    data: bytes,
    user: object | None = None,
) -> ImportReport:
    """Check and save one workforce file, or save nothing and report every problem."""
    if kind not in KINDS:
        fix = _("Choose one of: %(kinds)s.") % {"kinds": ", ".join(KINDS)}
        return ImportReport(problems=[Problem(None, None, _("Unknown kind of file."), fix)])
    if not FIRST_YEAR <= year <= LAST_YEAR:
        message = _("%(year)s is not a reporting year Ethos accepts.") % {"year": year}
        fix = _("Give the year the reporting period ends, such as 2026 for 2025/26.")
        return ImportReport(problems=[Problem(None, None, message, fix)])
    frame, problems = files.parse(kind, filename, data, settings.ETHOS_MAX_UPLOAD_MB)
    if problems:
        return ImportReport(problems=problems)
    context = _context(organisation, year, kind)
    problems = files.check_references(kind, frame, context) + files.dependants(kind, frame, context)
    if problems:
        return ImportReport(problems=problems)
    report = _save(organisation, year, kind, filename, frame.drop(files.ROW), user)
    record(organisation, user, "import workforce file", f"{kind} {year}", detail=filename[:200])
    return report


def _context(organisation: Organisation, year: int, kind: str) -> files.Context:
    units = set(Unit.objects.filter(organisation=organisation).values_list("code", flat=True))
    indicators: set[str] = set()
    if kind == "outcomes":
        from ethos.instruments.outcomes import load_outcome_catalogue

        indicators = {i.id for i in load_outcome_catalogue().indicators}
    return files.Context(year, units, workforce_frames(organisation, year), indicators)


@transaction.atomic
def _save(
    organisation: Organisation,
    year: int,
    kind: str,
    filename: str,
    frame: pl.DataFrame,
    user: object | None,
) -> ImportReport:
    buffer = io.BytesIO()
    frame.write_parquet(buffer)
    defaults = {
        "filename": filename[:255],
        "rows": frame.height,
        "frame": buffer.getvalue(),
        "imported_by": user if getattr(user, "is_authenticated", False) else None,
    }
    _, created = WorkforceFile.objects.update_or_create(
        organisation=organisation, year=year, kind=kind, defaults=defaults
    )
    return ImportReport(created=frame.height) if created else ImportReport(updated=frame.height)


def workforce_frames(organisation: Organisation, year: int) -> dict[str, pl.DataFrame]:
    """Every imported file of ``year`` as its typed frame, by kind."""
    stored = WorkforceFile.objects.filter(organisation=organisation, year=year)
    return {
        f.kind: _decoded(f.pk, f.imported.isoformat())
        for f in stored.only("pk", "kind", "imported")
    }


@lru_cache(maxsize=64)
def _decoded(pk: int, imported: str) -> pl.DataFrame:
    data = WorkforceFile.objects.values_list("frame", flat=True).get(pk=pk)
    return pl.read_parquet(io.BytesIO(bytes(data)))


def reporting_year(day: date) -> int:
    """The reporting year a day falls in: 1 April 2025 to 31 March 2026 is 2026."""
    return day.year + 1 if day.month >= 4 else day.year


def year_label(year: int) -> str:
    """``2026`` -> ``"2025/26"``: the reporting year as the NHS writes it."""
    return f"{year - 1}/{year % 100:02d}"


def workforce_years(organisation: Organisation) -> list[int]:
    """Reporting years with at least one imported file, newest first."""
    years = WorkforceFile.objects.filter(organisation=organisation).values_list("year", flat=True)
    return sorted(set(years), reverse=True)


def workforce_files(organisation: Organisation) -> list[WorkforceFile]:
    return list(WorkforceFile.objects.filter(organisation=organisation).defer("frame"))
