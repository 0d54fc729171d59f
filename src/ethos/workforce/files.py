"""Reading and checking workforce files (CSV or XLSX) before anything is saved.

:func:`parse` turns one uploaded file of a given kind (``staff``, ``posts``, ``successors``,
``recruitment``, ``cases``, ``training``, ``board``, ``outcomes``) into a typed polars frame
with the columns of :data:`ethos.workforce.schema.FRAMES`, or into the list of every
:class:`Problem` in it: each names the row (the header is row 1), the column, what is wrong
and the fix. :func:`check_references` then checks the frame against the organisation's units
and the other files of the same reporting year (a case must name a member of staff in the
staff file, a successor a post in the posts file...). Nothing here writes to the database.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import polars as pl
from django.utils.translation import gettext as _

from ethos.organisations.tables import FileProblem, Problem, header_problems, read_table
from ethos.workforce import columns as c
from ethos.workforce import schema

ROW = "__row"

SPECS: dict[str, tuple[c.Column, ...]] = {
    "staff": (
        c.text("staff_id", max_length=60),
        c.text("unit_code", max_length=60),
        c.choice("pay_band", schema.PAY_BANDS, c.PAY_BAND_ALIASES),
        c.yes_no("clinical"),
        c.text("staff_group", required=False),
        c.ethnicity(),
        c.disability(),
        c.choice("age_band", schema.AGE_BANDS, {"65+": "66+", "66 and over": "66+"}),
        c.iso_date("start_date"),
        c.iso_date("leaving_date", required=False),
        c.choice("leaving_reason", schema.LEAVING_REASONS, required=False),
    ),
    "posts": (
        c.text("post_id", max_length=60),
        c.text("unit_code", max_length=60),
        c.choice("level", schema.LEADERSHIP_LEVELS),
        c.text("holder", required=False, max_length=60),
        c.choice("cover", schema.COVER_TYPES, required=False),
    ),
    "successors": (
        c.text("post_id", max_length=60),
        c.text("staff_id", max_length=60),
        c.choice(
            "readiness",
            schema.READINESS,
            {
                "now": "Ready now",
                "1-2 years": "Ready in 1-2 years",
                "3+ years": "Ready in 3+ years",
            },
        ),
    ),
    "recruitment": (
        c.text("applicant_id", max_length=60),
        c.text("vacancy_id", max_length=60),
        c.ethnicity(),
        c.disability(),
        c.yes_no("shortlisted"),
        c.yes_no("appointed"),
    ),
    "cases": (
        c.text("case_id", max_length=60),
        c.text("staff_id", max_length=60),
        c.choice("case_type", schema.CASE_TYPES),
        c.choice("grounds", schema.CAPABILITY_GROUNDS, required=False),
        c.iso_date("start_date"),
    ),
    "training": (
        c.text("staff_id", max_length=60),
        c.text("activity"),
        c.iso_date("date"),
    ),
    "board": (
        c.text("member_id", max_length=60),
        c.yes_no("voting"),
        c.yes_no("executive"),
        c.ethnicity(),
        c.disability(),
    ),
    "outcomes": (
        c.text("unit_code", max_length=60),
        c.month("month"),
        c.text("indicator", max_length=60),
        c.number("value"),
    ),
}
KEYS = {
    "staff": ("staff_id",),
    "posts": ("post_id",),
    "successors": ("post_id", "staff_id"),
    "recruitment": ("applicant_id", "vacancy_id"),
    "cases": ("case_id",),
    "board": ("member_id",),
    "outcomes": ("unit_code", "month", "indicator"),
}
DTYPES = {"bool": pl.Boolean, "date": pl.Date, "float": pl.Float64}
MAY_BE_EMPTY = ("successors", "recruitment", "cases", "training")  # a year can have none


@dataclass
class Context:
    """What a file is checked against: the organisation's units and the year's other files."""

    year: int
    unit_codes: set[str]
    frames: Mapping[str, pl.DataFrame] = field(default_factory=dict)
    indicators: set[str] = field(default_factory=set)


def parse(kind: str, filename: str, data: bytes, max_mb: int) -> tuple[pl.DataFrame, list]:
    """The file as a typed frame (with its spreadsheet row numbers in ``__row``), or problems."""
    spec = SPECS[kind]
    names = tuple(col.name for col in spec)
    required = tuple(col.name for col in spec if col.required)
    try:
        table = read_table(filename, data, max_mb)
    except FileProblem as exc:
        return pl.DataFrame(), [exc.problem]
    problems = header_problems(table.header, required, names)
    if not problems and not table.rows and kind not in MAY_BE_EMPTY:
        problems.append(
            Problem(None, None, _("The file has a header but no rows."), _("Add the rows."))
        )
    if problems:
        return pl.DataFrame(), problems
    records, first = [], {}
    for number, values in table.rows:
        record, found = _row(spec, number, values)
        found += _row_rules(kind, number, record) if not found else []
        found += _duplicate(kind, number, record, first)
        problems.extend(found)
        records.append(record)
    if problems:
        return pl.DataFrame(), problems
    return _frame(kind, records), []


def _row(spec: tuple[c.Column, ...], number: int, values: dict[str, str]) -> tuple[dict, list]:
    record: dict[str, Any] = {ROW: number}
    problems = []
    for column in spec:
        record[column.name], found = column.value(number, values.get(column.name, ""))
        if found:
            problems.append(found)
    if values.get("__extra__"):
        problems.append(
            Problem(
                number,
                None,
                _("This row has values beyond the last named column."),
                _("Give those columns a header, or delete the values."),
            )
        )
    return record, problems


def _duplicate(kind: str, number: int, record: dict, first: dict) -> list[Problem]:
    key = tuple(record[k] for k in KEYS.get(kind, ()))
    if not key or None in key:
        return []
    earlier = first.setdefault(key, number)
    if earlier == number:
        return []
    names = " + ".join(KEYS[kind])
    return [
        Problem(
            number,
            KEYS[kind][0],
            _("The same %(names)s is also on row %(row)s.") % {"names": names, "row": earlier},
            _("Give each row its own %(names)s, or delete the repeat.") % {"names": names},
        )
    ]


def _frame(kind: str, records: list[dict]) -> pl.DataFrame:
    schema_ = {ROW: pl.Int64}
    for name, kind_of in schema.FRAMES[kind]:
        base = kind_of.split()[0].rstrip(":,")
        schema_[name] = DTYPES.get(base, pl.Utf8)
    if kind == "outcomes":
        schema_["month"] = pl.Date
    return pl.DataFrame(records, schema=schema_, orient="row")


# --- rules within one row ------------------------------------------------------------------


def _row_rules(kind: str, number: int, record: dict) -> list[Problem]:
    rules = {"staff": _staff_rules, "posts": _post_rules, "cases": _case_rules}
    rule = rules.get(kind)
    if kind == "recruitment" and record["appointed"] and not record["shortlisted"]:
        return [
            Problem(
                number,
                "appointed",
                _("This applicant was appointed but not shortlisted."),
                _("Set shortlisted to yes, or appointed to no."),
            )
        ]
    return rule(number, record) if rule else []


def _staff_rules(number: int, record: dict) -> list[Problem]:
    left, reason = record["leaving_date"], record["leaving_reason"]
    if left is not None and reason is None:
        return [
            Problem(
                number,
                "leaving_reason",
                _("There is a leaving date but no leaving reason."),
                _("Give one of: %(v)s.") % {"v": ", ".join(schema.LEAVING_REASONS)},
            )
        ]
    if left is None and reason is not None:
        return [
            Problem(
                number,
                "leaving_date",
                _("There is a leaving reason but no leaving date."),
                _("Give the last day of service as YYYY-MM-DD, or clear the reason."),
            )
        ]
    if left is not None and left < record["start_date"]:
        return [
            Problem(
                number,
                "leaving_date",
                _("The leaving date is before the start date."),
                _("Check both dates."),
            )
        ]
    return []


def _post_rules(number: int, record: dict) -> list[Problem]:
    if record["holder"] and not record["cover"]:
        record["cover"] = "Substantive"
    if not record["holder"] and record["cover"]:
        return [
            Problem(
                number,
                "cover",
                _("A vacant post (no holder) cannot have cover."),
                _("Name the holder, or clear the cover."),
            )
        ]
    return []


def _case_rules(number: int, record: dict) -> list[Problem]:
    capability = record["case_type"] == "Capability"
    if capability and record["grounds"] is None:
        return [
            Problem(
                number,
                "grounds",
                _("A capability case needs its grounds."),
                _("Write Performance or Ill health."),
            )
        ]
    if not capability and record["grounds"] is not None:
        return [
            Problem(
                number,
                "grounds",
                _("Only capability cases have grounds."),
                _("Clear the grounds for a disciplinary case."),
            )
        ]
    return []


# --- rules across files --------------------------------------------------------------------

REFERENCES: dict[str, tuple[tuple[str, str, str], ...]] = {
    "posts": (("holder", "staff", "staff_id"),),
    "successors": (("post_id", "posts", "post_id"), ("staff_id", "staff", "staff_id")),
    "cases": (("staff_id", "staff", "staff_id"),),
    "training": (("staff_id", "staff", "staff_id"),),
}
IN_YEAR = {"cases": "start_date", "training": "date", "outcomes": "month"}
WITH_UNITS = ("staff", "posts", "outcomes")


def check_references(kind: str, frame: pl.DataFrame, context: Context) -> list[Problem]:
    """Problems with ``frame`` against the units, the year and the year's other files."""
    problems = []
    if kind in WITH_UNITS:
        problems += _unknown_values(frame, "unit_code", context.unit_codes, _unit_fix)
    if kind == "outcomes":
        problems += _unknown_values(frame, "indicator", context.indicators, _indicator_fix)
    if kind in IN_YEAR:
        problems += _outside_year(frame, IN_YEAR[kind], context.year)
    if kind == "staff":
        problems += _staff_in_year(frame, context.year)
    for column, other, key in REFERENCES.get(kind, ()):
        target = context.frames.get(other)
        if target is None:
            return [_import_first(kind, other, context.year)]
        known = set(target[key].to_list())
        problems += _unknown_values(frame, column, known, _reference_fix(other))
    return problems


def dependants(kind: str, frame: pl.DataFrame, context: Context) -> list[Problem]:
    """Problems that replacing the ``kind`` file with ``frame`` would cause in other files."""
    problems = []
    for other, references in REFERENCES.items():
        stored = context.frames.get(other)
        if stored is None:
            continue
        for column, target, key in references:
            if target != kind:
                continue
            missing = set(stored[column].drop_nulls().to_list()) - set(frame[key].to_list())
            if missing:
                sample = ", ".join(sorted(missing)[:5])
                problems.append(
                    Problem(
                        None,
                        key,
                        _(
                            "The %(other)s file for %(year)s refers to %(n)s %(key)s values "
                            "this file does not have (%(sample)s)."
                        )
                        % {
                            "other": other,
                            "year": context.year,
                            "n": len(missing),
                            "key": key,
                            "sample": sample,
                        },
                        _("Keep those rows, or first import a corrected %(other)s file.")
                        % {"other": other},
                    )
                )
    return problems


def _unknown_values(frame: pl.DataFrame, column: str, known: set[str], fix: Any) -> list[Problem]:
    bad = frame.filter(pl.col(column).is_not_null() & ~pl.col(column).is_in(list(known)))
    return [
        Problem(number, column, *fix(value, known))
        for number, value in zip(bad[ROW], bad[column], strict=True)
    ]


def _did_you_mean(value: str, known: set[str], otherwise: str) -> str:
    close = difflib.get_close_matches(value, list(known), n=1, cutoff=0.6)
    return _("Did you mean '%(m)s'?") % {"m": close[0]} if close else otherwise


def _unit_fix(value: str, known: set[str]) -> tuple[str, str]:
    return (
        _("There is no unit with the code '%(value)s'.") % {"value": value},
        _did_you_mean(value, known, _("Use a code from the organisation's units page.")),
    )


def _indicator_fix(value: str, known: set[str]) -> tuple[str, str]:
    return (
        _("'%(value)s' is not in the outcome catalogue.") % {"value": value},
        _did_you_mean(value, known, _("Use an indicator id from the outcomes page.")),
    )


def _reference_fix(other: str) -> Any:
    def fix(value: str, known: set[str]) -> tuple[str, str]:
        message = _("'%(value)s' is not in this year's %(other)s file.") % {
            "value": value,
            "other": other,
        }
        return message, _("Correct it, or add it to the %(other)s file first.") % {"other": other}

    return fix


def _import_first(kind: str, other: str, year: int) -> Problem:
    return Problem(
        None,
        None,
        _("There is no %(other)s file for %(year)s yet, and the %(kind)s file refers to it.")
        % {"other": other, "year": year, "kind": kind},
        _("Import the %(other)s file for %(year)s first.") % {"other": other, "year": year},
    )


def _outside_year(frame: pl.DataFrame, column: str, year: int) -> list[Problem]:
    first, last = schema.year_bounds(year)
    bad = frame.filter((pl.col(column) < first) | (pl.col(column) > last))
    fix = _("Only include %(first)s to %(last)s (reporting year %(year)s), or change the year.") % {
        "first": first.isoformat(),
        "last": last.isoformat(),
        "year": year,
    }
    message = _("This date is outside the reporting year.")
    return [Problem(number, column, message, fix) for number in bad[ROW]]


def _staff_in_year(frame: pl.DataFrame, year: int) -> list[Problem]:
    first, last = schema.year_bounds(year)
    problems = []
    for number in frame.filter(pl.col("start_date") > last)[ROW]:
        problems.append(
            Problem(
                number,
                "start_date",
                _("This person started after the reporting year ended."),
                _("Leave them out of the %(year)s file.") % {"year": year},
            )
        )
    left = pl.col("leaving_date")
    for number in frame.filter(left.is_not_null() & ((left < first) | (left > last)))[ROW]:
        problems.append(
            Problem(
                number,
                "leaving_date",
                _("This leaving date is outside the reporting year."),
                _(
                    "Leave out people who left before %(first)s; leave the date blank for people "
                    "still in post on %(last)s."
                )
                % {"first": first.isoformat(), "last": last.isoformat()},
            )
        )
    return problems
