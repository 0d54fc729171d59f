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


def xids(table: str) -> set[str]:
    """The id of the transaction that wrote each visible row (PostgreSQL's ``xmin``): any
    SELECT can read it (a plain dump does not), and CLUSTER keeps it."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT xmin::text FROM {connection.ops.quote_name(table)}")
        return {row[0] for row in cursor}


def sharing_a_transaction(model) -> dict[str, int]:
    """Tables with rows written by the same transaction as some row of ``model``, and how
    many such transactions each shares (PostgreSQL only)."""
    table = model._meta.db_table
    written = xids(table)
    shared = {t: len(xids(t) & written) for t in connection.introspection.table_names()}
    return {t: n for t, n in shared.items() if n and t != table}
