"""Reading uploaded CSV and XLSX files into checked rows, with every problem located.

A :class:`Problem` names the row (counted as a spreadsheet counts them: the header is row 1),
the column, what is wrong and the fix. Nothing here touches the database.
"""

from __future__ import annotations

import csv
import difflib
import io
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from django.utils.translation import gettext as _

ZIP_MAGIC = b"PK\x03\x04"
MAX_LENGTHS = {
    "staff_id": 60,
    "name": 200,
    "email": 254,
    "unit_code": 60,
    "staff_group": 100,
    "pay_band": 40,
    "code": 60,
    "parent": 60,
}


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with an uploaded file, where it is, and what to do about it."""

    row: int | None
    column: str | None
    message: str
    fix: str = ""

    def __str__(self) -> str:
        if self.row is not None and self.column is not None:
            where = _("Row %(row)s, column %(column)s: ") % {"row": self.row, "column": self.column}
        elif self.row is not None:
            where = _("Row %(row)s: ") % {"row": self.row}
        elif self.column is not None:
            where = _("Column %(column)s: ") % {"column": self.column}
        else:
            where = ""
        fix = " " + _("Fix: %(fix)s") % {"fix": self.fix} if self.fix else ""
        return f"{where}{self.message}{fix}"


@dataclass
class ImportReport:
    """What an import did, or, when ``problems`` is not empty, why it did nothing."""

    created: int = 0
    updated: int = 0
    deactivated: int = 0
    unchanged: int = 0
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


@dataclass
class Table:
    """A file's header (normalised names) and its data rows with spreadsheet row numbers."""

    header: list[str]
    rows: list[tuple[int, dict[str, str]]]


class FileProblem(Exception):
    """The file as a whole cannot be read; carries the one :class:`Problem`."""

    def __init__(self, problem: Problem) -> None:
        super().__init__(str(problem))
        self.problem = problem


def _file_problem(message: str, fix: str) -> FileProblem:
    return FileProblem(Problem(None, None, message, fix))


def normalise_header(name: str) -> str:
    return "_".join(name.strip().lower().replace("-", " ").split())


def read_table(filename: str, data: bytes, max_mb: int) -> Table:
    """Read a CSV or XLSX upload into a :class:`Table`, or raise :class:`FileProblem`."""
    if len(data) > max_mb * 1024 * 1024:
        raise _file_problem(
            _("The file is larger than %(mb)s MB.") % {"mb": max_mb},
            _("Split the file, or remove columns Ethos does not use."),
        )
    if not data.strip():
        raise _file_problem(_("The file is empty."), _("Choose the file that holds your data."))
    suffix = filename.lower().rsplit(".", 1)[-1] if "." in filename else ""
    is_zip = data.startswith(ZIP_MAGIC)
    if suffix == "xlsx" and is_zip:
        return _table(_xlsx_rows(data))
    if suffix == "csv" and not is_zip:
        return _table(_csv_rows(data))
    if is_zip:
        raise _file_problem(
            _("'%(name)s' is a workbook or other zip file, not a CSV file.") % {"name": filename},
            _("Upload it with its own .xlsx name, or save it from Excel as 'CSV UTF-8'."),
        )
    if suffix == "xlsx":
        raise _file_problem(
            _("'%(name)s' is named .xlsx but is not an Excel workbook.") % {"name": filename},
            _("Open it in Excel and save it as an Excel workbook (.xlsx) or as 'CSV UTF-8'."),
        )
    raise _file_problem(
        _("'%(name)s' is not a CSV or XLSX file.") % {"name": filename},
        _("Save the file as 'CSV UTF-8' (.csv) or as an Excel workbook (.xlsx)."),
    )


def _csv_rows(data: bytes) -> list[list[str]]:
    if b"\x00" in data[:4096]:
        raise _file_problem(
            _("The file is not a text file."), _("Save the file as 'CSV UTF-8' (.csv).")
        )
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise _file_problem(
            _("The file is not UTF-8 text (the first bad byte is at position %(at)s).")
            % {"at": exc.start},
            _("In Excel choose File, Save As, 'CSV UTF-8 (Comma delimited)' and upload again."),
        ) from None
    first_line = text.split("\n", 1)[0]
    if ";" in first_line and "," not in first_line:
        raise _file_problem(
            _("The columns are separated by semicolons, not commas."),
            _("In Excel choose File, Save As, 'CSV UTF-8 (Comma delimited)' and upload again."),
        )
    try:
        return [row for row in csv.reader(io.StringIO(text, newline=""))]
    except csv.Error as exc:
        raise _file_problem(
            _("The file is not valid CSV: %(error)s.") % {"error": exc},
            _("Save the file again from your spreadsheet as 'CSV UTF-8'."),
        ) from None


def _xlsx_rows(data: bytes) -> list[list[str]]:
    import openpyxl

    try:
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        try:
            sheet = book.worksheets[0]
            return [[_cell_text(v) for v in row] for row in sheet.iter_rows(values_only=True)]
        finally:
            book.close()
    except Exception as exc:
        # from openpyxl, zipfile or the XML parser (fuzzing found EOFError, ParseError,
        # NotImplementedError...); every one means the same to the user: unreadable file.
        raise _file_problem(
            _("The file is not an Excel workbook Ethos can read (%(error)s).") % {"error": exc},
            _("Open it in Excel and save it as an Excel workbook (.xlsx) or as 'CSV UTF-8'."),
        ) from None


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value)


def _table(raw: list[list[str]]) -> Table:
    while raw and not any(c.strip() for c in raw[-1]):
        raw.pop()
    if not raw:
        raise _file_problem(_("The file is empty."), _("Choose the file that holds your data."))
    original = list(raw[0])
    while original and not original[-1].strip():
        original.pop()
    header = [normalise_header(h) for h in original]
    rows = []
    for number, cells in enumerate(raw[1:], start=2):
        if not any(c.strip() for c in cells):
            continue
        values = {h: (cells[i].strip() if i < len(cells) else "") for i, h in enumerate(header)}
        extra = [c for c in cells[len(header) :] if c.strip()]
        values["__extra__"] = str(len(extra)) if extra else ""
        rows.append((number, values))
    return Table(header, rows)


def header_problems(header: list[str], required: tuple[str, ...], allowed: tuple[str, ...]) -> list:
    """Missing, duplicate, blank and unknown column names (with a did-you-mean)."""
    problems = []
    seen: set[str] = set()
    for position, name in enumerate(header, start=1):
        if not name:
            problems.append(
                Problem(1, str(position), _("This column has no name."), _("Name it or delete it."))
            )
        elif name in seen:
            problems.append(
                Problem(
                    1,
                    name,
                    _("Two columns are named '%(name)s'.") % {"name": name},
                    _("Rename or delete one of them."),
                )
            )
        elif name not in allowed:
            problems.append(Problem(1, name, *_unknown_column(name, allowed)))
        seen.add(name)
    for name in required:
        if name not in seen:
            problems.append(
                Problem(
                    1,
                    name,
                    _("The column '%(name)s' is missing.") % {"name": name},
                    _("Add a column headed '%(name)s'.") % {"name": name},
                )
            )
    return problems


def _unknown_column(name: str, allowed: tuple[str, ...]) -> tuple[str, str]:
    message = _("'%(name)s' is not a column Ethos knows.") % {"name": name}
    close = difflib.get_close_matches(name, allowed, n=1, cutoff=0.6)
    if close:
        return message, _("Did you mean '%(match)s'? Rename the column.") % {"match": close[0]}
    return message, _("Use only these columns: %(columns)s.") % {"columns": ", ".join(allowed)}


def row_problems(number: int, values: dict[str, str], required: tuple[str, ...]) -> list:
    """Blank required fields, overlong values and cells beyond the last named column."""
    problems = []
    for name in required:
        if not values.get(name):
            problems.append(
                Problem(
                    number,
                    name,
                    _("This is blank."),
                    _("Fill in the %(name)s, or delete the row.") % {"name": name},
                )
            )
    for name, limit in MAX_LENGTHS.items():
        if len(values.get(name, "")) > limit:
            problems.append(
                Problem(
                    number,
                    name,
                    _("This is longer than %(n)s characters.") % {"n": limit},
                    _("Shorten it."),
                )
            )
    if values.get("__extra__"):
        problems.append(
            Problem(
                number,
                None,
                _("This row has values beyond the last named column."),
                _("Give those columns a header, or delete the values."),
            )
        )
    return problems


def problem(row: int | None, column: str | None, message: str, fix: str, **values: Any) -> Problem:
    return Problem(row, column, message % values, fix % values if values else fix)
