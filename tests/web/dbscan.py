"""Every row of every table, as text: what a full database dump would show."""

from __future__ import annotations

from django.db import connection


def table_text() -> dict[str, str]:
    """Table name -> the text of all its rows (every column, whatever its type)."""
    out = {}
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            cursor.execute(f"SELECT * FROM {quote(table)}")
            out[table] = "\n".join(" | ".join(_text(v) for v in row) for row in cursor)
    return out


def _text(value: object) -> str:
    if isinstance(value, memoryview | bytes):
        return bytes(value).hex() + " " + bytes(value).decode("latin-1")
    return str(value)


def tables_containing(needle: str) -> list[str]:
    return [table for table, text in table_text().items() if needle in text]
