"""Input errors that name the file, the place in it and the fix.

Every importer and loader in Ethos raises :class:`InputError` for bad input. Its message is
meant for the person who made the file: where the problem is, what is wrong and what to do.
The command line prints it without a traceback and exits with status 2.
"""

from __future__ import annotations


class InputError(ValueError):
    """Bad input, located precisely.

    Parameters
    ----------
    source:
        The file (or other named input) that holds the problem.
    problem:
        What is wrong, in plain words.
    fix:
        What the person should do about it.
    row:
        1-based line number in the file, counting the header as row 1, when known.
    column:
        The column (CSV, XLSX or Parquet) at fault, when known.
    field:
        The field path (YAML), such as ``items[3].scale``, when known.
    """

    def __init__(
        self,
        source: str,
        problem: str,
        fix: str = "",
        *,
        row: int | None = None,
        column: str | None = None,
        field: str | None = None,
    ) -> None:
        self.source = source
        self.problem = problem
        self.fix = fix
        self.row = row
        self.column = column
        self.field = field
        super().__init__(self.message)

    @property
    def message(self) -> str:
        where = [self.source]
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.column is not None:
            where.append(f"column '{self.column}'")
        if self.field is not None:
            where.append(f"field '{self.field}'")
        text = f"{', '.join(where)}: {self.problem}"
        if self.fix:
            text += f" Fix: {self.fix}"
        return text
