"""The shape of workforce data: the files an organisation imports and the frames analysed.

This module is pure data (no Django, no I/O), shared by the importer
(:mod:`ethos.workforce.files`), the statistics core (:mod:`ethos.stats.equality`,
:mod:`ethos.stats.leadership`, :mod:`ethos.stats.outcomes`), the synthetic generator
(:mod:`ethos.synth.workforce`) and the command line.

Every file belongs to a *reporting year*: ``year=2026`` is the year from 1 April 2025 to
31 March 2026, the period the national WRES and WDES returns use. After import each file is a
polars frame whose columns are the :data:`FRAMES` entry for its kind, in that order, with
the types noted there. Categorical values are the canonical spellings below.
"""

from __future__ import annotations

from datetime import date

PAY_BANDS: tuple[str, ...] = (
    "Band 1",
    "Band 2",
    "Band 3",
    "Band 4",
    "Band 5",
    "Band 6",
    "Band 7",
    "Band 8a",
    "Band 8b",
    "Band 8c",
    "Band 8d",
    "Band 9",
    "VSM",
    "Medical consultant",
    "Medical non-consultant career grade",
    "Medical trainee",
    "Other",
)
"""Agenda for Change bands, very senior managers, the medical and dental groups, and other."""

MEDICAL_BANDS = frozenset(b for b in PAY_BANDS if b.startswith("Medical"))

# Bands of ethnicity and disability used by WRES and WDES (and by the culture survey's bands).
WHITE, BME, UNKNOWN = "White", "Black and minority ethnic", "Not stated"
ETHNICITY_BANDS: tuple[str, ...] = (WHITE, BME, UNKNOWN)
DISABLED, NON_DISABLED = "Disabled", "Non-disabled"
DISABILITY_BANDS: tuple[str, ...] = (DISABLED, NON_DISABLED, UNKNOWN)

AGE_BANDS: tuple[str, ...] = (
    "16-20",
    "21-25",
    "26-30",
    "31-35",
    "36-40",
    "41-45",
    "46-50",
    "51-55",
    "56-60",
    "61-65",
    "66+",
)
RETIREMENT_AGE_BANDS = frozenset({"56-60", "61-65", "66+"})
"""Age bands within about five years of the usual NHS pension age."""

LEAVING_REASONS: tuple[str, ...] = (
    "Retirement",
    "Resignation",
    "End of fixed term",
    "Dismissal",
    "Death in service",
    "Other",
)

LEADERSHIP_LEVELS: tuple[str, ...] = ("Team", "Department", "Directorate", "Executive")
"""Levels of a leadership post, from first-line leaders to the executive team."""

COVER_TYPES: tuple[str, ...] = ("Substantive", "Acting", "Interim")
READINESS: tuple[str, ...] = ("Ready now", "Ready in 1-2 years", "Ready in 3+ years")
CASE_TYPES: tuple[str, ...] = ("Disciplinary", "Capability")
CAPABILITY_GROUNDS: tuple[str, ...] = ("Performance", "Ill health")

FRAMES: dict[str, tuple[tuple[str, str], ...]] = {
    # One row per person employed at any time in the reporting year.
    "staff": (
        ("staff_id", "str"),
        ("unit_code", "str"),
        ("pay_band", "str: PAY_BANDS"),
        ("clinical", "bool"),
        ("staff_group", "str, may be empty"),
        ("ethnicity", "str: ETHNICITY_BANDS"),
        ("disability", "str: DISABILITY_BANDS"),
        ("age_band", "str: AGE_BANDS"),
        ("start_date", "date"),
        ("leaving_date", "date or null (null: still in post on 31 March)"),
        ("leaving_reason", "str: LEAVING_REASONS, or null when leaving_date is null"),
    ),
    # One row per leadership post; a post with no holder is vacant.
    "posts": (
        ("post_id", "str"),
        ("unit_code", "str"),
        ("level", "str: LEADERSHIP_LEVELS"),
        ("holder", "str staff_id, or null when vacant"),
        ("cover", "str: COVER_TYPES, or null when vacant"),
    ),
    # Named successors for posts.
    "successors": (
        ("post_id", "str"),
        ("staff_id", "str"),
        ("readiness", "str: READINESS"),
    ),
    # One row per application to a vacancy.
    "recruitment": (
        ("applicant_id", "str"),
        ("vacancy_id", "str"),
        ("ethnicity", "str: ETHNICITY_BANDS"),
        ("disability", "str: DISABILITY_BANDS"),
        ("shortlisted", "bool"),
        ("appointed", "bool (appointed implies shortlisted)"),
    ),
    # Formal disciplinary investigations and capability cases opened in the year.
    "cases": (
        ("case_id", "str"),
        ("staff_id", "str"),
        ("case_type", "str: CASE_TYPES"),
        ("grounds", "str: CAPABILITY_GROUNDS for capability cases, else null"),
        ("start_date", "date"),
    ),
    # Non-mandatory training and continuing professional development taken in the year.
    "training": (
        ("staff_id", "str"),
        ("activity", "str"),
        ("date", "date"),
    ),
    # The board on 31 March.
    "board": (
        ("member_id", "str"),
        ("voting", "bool"),
        ("executive", "bool"),
        ("ethnicity", "str: ETHNICITY_BANDS"),
        ("disability", "str: DISABILITY_BANDS"),
    ),
    # Outcome indicators by unit and month (see the outcome catalogue).
    "outcomes": (
        ("unit_code", "str"),
        ("month", "date (first day of the month)"),
        ("indicator", "str: an id from the outcome catalogue"),
        ("value", "float"),
    ),
}

KINDS: tuple[str, ...] = tuple(FRAMES)


def year_bounds(year: int) -> tuple[date, date]:
    """First and last day of reporting ``year`` (1 April of ``year - 1`` to 31 March)."""
    return date(year - 1, 4, 1), date(year, 3, 31)
