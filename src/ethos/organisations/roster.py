"""Reading and checking roster and unit-tree files (CSV or XLSX) before anything is saved.

Nothing here writes to the database: :func:`parse_roster` and :func:`parse_units` turn an
uploaded file into clean rows or a list of every :class:`Problem` found, each naming the row
(counted as a spreadsheet counts them: the header is row 1) and the column. The services in
:mod:`ethos.organisations.services` save the rows only when there is no problem at all.

Cell values are kept as text exactly as given: a name such as ``=HYPERLINK(...)`` is stored as
text, escaped on every page and neutralised in every export.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext as _

from ethos.organisations.tables import (
    FileProblem,
    ImportReport,
    Problem,
    Table,
    header_problems,
    problem,
    read_table,
    row_problems,
)

__all__ = ["ImportReport", "Problem", "RosterEntry", "parse_roster", "parse_units"]

ROSTER_COLUMNS = ("staff_id", "name", "email", "unit_code", "staff_group", "pay_band")
ROSTER_COLUMNS += ("line_manager",)
ROSTER_REQUIRED = ("staff_id", "name", "email", "unit_code")
DEMOGRAPHIC_COLUMNS = ("ethnicity", "disability", "sex", "age_band", "sexual_orientation")
DEMOGRAPHIC_COLUMNS += ("religion",)
UNIT_COLUMNS = ("code", "name", "parent")
YES = {"yes", "y", "true", "1"}
NO = {"no", "n", "false", "0", ""}


@dataclass(frozen=True, slots=True)
class RosterEntry:
    staff_id: str
    name: str
    email: str
    unit_code: str
    staff_group: str
    pay_band: str
    line_manager: bool
    demographics: dict[str, str]


def _checked_table(
    filename: str, data: bytes, max_mb: int, required: tuple[str, ...], allowed: tuple[str, ...]
) -> tuple[Table | None, list[Problem]]:
    """The file's table if it can be read and its header is right, else the problems."""
    try:
        table = read_table(filename, data, max_mb)
    except FileProblem as exc:
        return None, [exc.problem]
    problems = header_problems(table.header, required, allowed)
    if not problems and not table.rows:
        message = _("The file has a header but no rows.")
        problems.append(Problem(None, None, message, _("Add the rows below the header.")))
    return (None, problems) if problems else (table, [])


def _duplicate(number: int, column: str, value: str, first: dict[str, int]) -> list[Problem]:
    """A problem if ``value`` was already on an earlier row (and remember where it was)."""
    if not value:
        return []
    earlier = first.setdefault(value, number)
    if earlier == number:
        return []
    message = _("'%(v)s' is also on row %(other)s.") % {"v": value, "other": earlier}
    fix = _("Give each row its own %(column)s.") % {"column": column}
    return [Problem(number, column, message, fix)]


def parse_roster(
    filename: str, data: bytes, unit_codes: set[str], max_mb: int
) -> tuple[list[RosterEntry], list[Problem]]:
    """Every roster row as a :class:`RosterEntry`, or every problem in the file."""
    allowed = ROSTER_COLUMNS + DEMOGRAPHIC_COLUMNS
    table, problems = _checked_table(filename, data, max_mb, ROSTER_COLUMNS, allowed)
    if table is None:
        return [], problems
    entries, first = [], {}
    for number, values in table.rows:
        found = row_problems(number, values, ROSTER_REQUIRED)
        found += _roster_checks(number, values, unit_codes)
        found += _duplicate(number, "staff_id", values["staff_id"], first)
        problems.extend(found)
        if not found:
            entries.append(_entry(values))
    return ([], problems) if problems else (entries, [])


def _roster_checks(number: int, values: dict[str, str], unit_codes: set[str]) -> list[Problem]:
    problems = []
    email = values["email"]
    if email:
        try:
            validate_email(email)
        except ValidationError:
            problems.append(
                Problem(
                    number,
                    "email",
                    _("'%(value)s' is not an email address.") % {"value": email},
                    _("Correct it to a full address such as name@nhs.net."),
                )
            )
    code = values["unit_code"]
    if code and code not in unit_codes:
        problems.append(Problem(number, "unit_code", *_unknown_unit(code, unit_codes)))
    flag = values["line_manager"].lower()
    if flag not in YES | NO:
        problems.append(
            Problem(
                number,
                "line_manager",
                _("'%(value)s' is not yes or no.") % {"value": values["line_manager"]},
                _("Write yes, no, true, false, 1 or 0, or leave it blank for no."),
            )
        )
    return problems


def _unknown_unit(code: str, unit_codes: set[str]) -> tuple[str, str]:
    message = _("There is no unit with the code '%(code)s'.") % {"code": code}
    same_case = [c for c in unit_codes if c.lower() == code.lower()]
    close = same_case or difflib.get_close_matches(code, unit_codes, n=1, cutoff=0.75)
    if close:
        return message, _("Did you mean '%(match)s'?") % {"match": close[0]}
    return message, _("Use a code from the units page, or import the unit tree first.")


def _entry(values: dict[str, str]) -> RosterEntry:
    return RosterEntry(
        staff_id=values["staff_id"],
        name=values["name"],
        email=values["email"],
        unit_code=values["unit_code"],
        staff_group=values["staff_group"],
        pay_band=values["pay_band"],
        line_manager=values["line_manager"].lower() in YES,
        demographics={k: values[k] for k in DEMOGRAPHIC_COLUMNS if values.get(k)},
    )


def parse_units(
    filename: str, data: bytes, existing: dict[str, str | None], max_mb: int
) -> tuple[list[tuple[str, str, str | None]], list[Problem]]:
    """``(code, name, parent code)`` rows of a unit-tree file, or every problem in it.

    ``existing`` maps the organisation's unit codes to their parent codes: a file may add to
    or rearrange the tree it already has, and the result must still be one tree.
    """
    table, problems = _checked_table(filename, data, max_mb, UNIT_COLUMNS, UNIT_COLUMNS)
    if table is None:
        return [], problems
    rows, at, first = [], {}, {}
    for number, values in table.rows:
        found = row_problems(number, values, ("code", "name"))
        found += _duplicate(number, "code", values["code"], first)
        problems.extend(found)
        if not found:
            at[values["code"]] = number
            rows.append((values["code"], values["name"], values["parent"] or None))
    tree = dict(existing) | {code: parent for code, _name, parent in rows}
    problems += _parent_problems(rows, tree, at) + _root_problems(tree, at)
    problems += _cycle_problems(tree, at)
    return ([], problems) if problems else (rows, [])


def _parent_problems(rows: list, tree: dict[str, str | None], at: dict[str, int]) -> list:
    problems = []
    for code, _name, parent in rows:
        if parent and parent not in tree:
            close = difflib.get_close_matches(parent, list(tree), n=1, cutoff=0.75)
            fix = (
                _("Did you mean '%(match)s'?") % {"match": close[0]}
                if close
                else _("Add a row for unit '%(v)s', or correct the parent code.") % {"v": parent}
            )
            message = _("There is no unit with the code '%(v)s'.") % {"v": parent}
            problems.append(Problem(at[code], "parent", message, fix))
    return problems


def _root_problems(tree: dict[str, str | None], at: dict[str, int]) -> list[Problem]:
    roots = sorted(code for code, parent in tree.items() if not parent)
    if len(roots) <= 1:
        return []
    problems = []
    for code in roots:
        if code in at:
            others = ", ".join(f"'{c}'" for c in roots if c != code)
            problems.append(
                problem(
                    at[code],
                    "parent",
                    _("'%(v)s' has no parent, and neither has %(others)s."),
                    _(
                        "Leave the parent blank only for the one top unit (the whole "
                        "organisation); give every other unit its parent's code."
                    ),
                    v=code,
                    others=others,
                )
            )
    return problems


def _cycle_problems(tree: dict[str, str | None], at: dict[str, int]) -> list[Problem]:
    found: list[list[str]] = []
    for start in at:
        path, code = [start], tree.get(start)
        while code and code in tree and code not in path:
            path.append(code)
            code = tree.get(code)
        if code and code in path:
            cycle = path[path.index(code) :]
            if not any(set(cycle) == set(c) for c in found):
                found.append(cycle)
    problems = []
    for cycle in found:
        shown = " → ".join([*cycle, cycle[0]])
        row = min(at[c] for c in cycle if c in at)
        problems.append(
            problem(
                row,
                "parent",
                _("These units are their own ancestors: %(v)s."),
                _("Correct the parent codes so that the units form a tree."),
                v=shown,
            )
        )
    return problems
