"""Keeping PostgreSQL from recording the order in which anonymous answers arrived.

PostgreSQL appends each new row to the end of its table (its *heap*) and stamps it with the
id of the transaction that wrote it (``xmin``, which any SELECT can read). A survey's
responses (and a 360's ratings) would therefore lie in the order they were submitted, and
anyone who could read the database, and who knew when a colleague pressed "submit", could
pick out her answers. SQLite needs none of this: those tables are ``WITHOUT ROWID`` (stored
in the order of their random keys) and have no transaction ids.

So on PostgreSQL the latest answers of each survey (or 360 leader) form a *mixing pool*:
every submission, in its own transaction, deletes the pool and writes it back in the order
of the rows' random keys, so the whole pool carries one transaction id and no order. Once
the pool reaches ``2 * k`` rows, a random ``k`` of them leave it for good (settle), written
in key order like the rest. A database read therefore shows settled rows in batches of at
least ``k``, each a random draw from the pool, and the pool itself as an unordered set of at
least ``k`` rows: never one submission on its own. Closing writes everything back in key
order (:func:`settle_all`).

The cost is rewriting up to ``2 * k - 1`` rows per submission, and a per-scope advisory
lock, taken inside the submission's transaction (it leaves no trace in any table), makes
concurrent submissions to one survey take turns at the pool, commit included: about 80
instead of 170 submissions a second to one survey (``docs/reliability.md``, "Tokens and
linkage"). The lock is needed: without it a submission waiting on the pool rows another one
deleted would skip them and rewrite only its own row, alone with its transaction id.
"""

from __future__ import annotations

import hashlib
import random
import uuid

from django.db import connection, models, transaction

_RANDOM = random.SystemRandom()


def mixes() -> bool:
    """Whether this database keeps mixing pools: PostgreSQL only (see above)."""
    return connection.vendor == "postgresql"


def mix_in(model: type[models.Model], scope: str, value: object, new: uuid.UUID, k: int) -> None:
    """Add the row ``new`` of ``model`` to the mixing pool of the rows whose ``scope`` column
    equals ``value``, and rewrite the pool. Call inside the transaction that inserted ``new``.
    Does nothing except on PostgreSQL."""
    if not mixes():
        return
    _lock(model, value)
    pool = list(
        model._default_manager.filter(models.Q(mixing=True) | models.Q(pk=new), **{scope: value})
        .values_list("pk", flat=True)
        .order_by()
    )
    settle = _RANDOM.sample(pool, k) if len(pool) >= 2 * k else []
    _rewrite(model, scope, value, f"(mixing OR {_pk(model)} = %s)", [new], settle)


def settle_all(model: type[models.Model], scope: str, value: object) -> None:
    """Rewrite every row whose ``scope`` is ``value`` in key order, in one transaction of its
    own, and empty the pool (when a survey or cycle closes). PostgreSQL only."""
    if not mixes():
        return
    with transaction.atomic():
        _lock(model, value)
        _rewrite(model, scope, value, "TRUE", [], None)


def _rewrite(
    model: type[models.Model],
    scope: str,
    value: object,
    which: str,
    params: list[object],
    settle: list[object] | None,
) -> None:
    """Delete the chosen rows and insert them again in key order (one statement). ``settle``:
    the keys that leave the pool (``None``: all of them)."""
    quote = connection.ops.quote_name
    fields = model._meta.concrete_fields
    columns = ", ".join(quote(f.column) for f in fields)
    pk = _pk(model)
    mixing = "NULL" if settle is None else f"CASE WHEN {pk} = ANY(%s) THEN NULL ELSE TRUE END"
    values = ", ".join(mixing if f.column == "mixing" else quote(f.column) for f in fields)
    column = quote(model._meta.get_field(scope).column)
    sql = (
        f"WITH moved AS (DELETE FROM {quote(model._meta.db_table)} "
        f"WHERE {column} = %s AND {which} RETURNING *) "
        f"INSERT INTO {quote(model._meta.db_table)} ({columns}) "
        f"SELECT {values} FROM moved ORDER BY {pk}"
    )
    key = model._meta.get_field(scope).get_db_prep_value(value, connection)
    arguments = [key, *params, *([] if settle is None else [list(settle)])]
    with connection.cursor() as cursor:
        cursor.execute(sql, arguments)


def _pk(model: type[models.Model]) -> str:
    return connection.ops.quote_name(model._meta.pk.column)


def _lock(model: type[models.Model], value: object) -> None:
    """Take the pool's lock until the end of the transaction."""
    name = f"{model._meta.db_table}:{value}".encode()
    key = int.from_bytes(hashlib.blake2b(name, digest_size=8).digest(), "big", signed=True)
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [key])
