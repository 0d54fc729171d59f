"""The two statements of a submission, compiled by Django once per database connection.

Every submission reads its survey and inserts its response. Through the QuerySet API each
call compiles its SQL again, and on a submission that was most of the ORM's cost:
``Survey.objects.get(pk=...)`` took 0.73 ms of CPU where executing the same SELECT and
building the instance takes 0.17 ms, and ``Response.objects.create`` about 0.3 ms more than
its INSERT (see benchmarks/README.md, "Web: submissions").

Here Django still compiles each statement (its SQL, quoting, parameter adaptation and value
conversion are the ORM's own for the database in use) but only once per connection; each
call then only executes it. What the ORM would do on top is deliberately left out: no
``pre_save``/``post_save`` signals are sent for a response (Ethos connects none to it), and
the survey is read with ``from_db`` exactly as a QuerySet builds it.
"""

from __future__ import annotations

import datetime as dt
import uuid
import weakref
from dataclasses import dataclass
from typing import Any

from django.db import connections, router
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import sql
from django.db.models.sql.compiler import SQLCompiler

from ethos.surveys.models import Response, Survey


@dataclass(frozen=True)
class _Select:
    sql: str
    compiler: SQLCompiler
    converters: dict[int, Any]
    names: list[str]


_SELECTS: weakref.WeakKeyDictionary[BaseDatabaseWrapper, _Select] = weakref.WeakKeyDictionary()
_INSERTS: weakref.WeakKeyDictionary[BaseDatabaseWrapper, str] = weakref.WeakKeyDictionary()
_RESPONSE_FIELDS = Response._meta.concrete_fields
_UNIT = [f.attname for f in _RESPONSE_FIELDS].index("unit_id")


def survey(pk: uuid.UUID) -> Survey | None:
    """``Survey.objects.filter(pk=pk).first()``, without compiling the query each time."""
    connection = connections[router.db_for_read(Survey)]
    select = _SELECTS.get(connection) or _compile_select(connection)
    with connection.cursor() as cursor:
        cursor.execute(select.sql, [Survey._meta.pk.get_db_prep_value(pk, connection)])
        row = cursor.fetchone()
    if row is None:
        return None
    values = next(select.compiler.apply_converters([row], select.converters))
    return Survey.from_db(connection.alias, select.names, values)


def _compile_select(connection: BaseDatabaseWrapper) -> _Select:
    query = Survey.objects.filter(pk=uuid.UUID(int=0)).order_by().query
    compiler = query.get_compiler(connection=connection)
    text, params = compiler.as_sql()
    if len(params) != 1:
        raise AssertionError(f"expected one parameter, the key: {params!r}")
    columns = [col for col, _, _ in compiler.select]
    select = _Select(
        text,
        compiler,
        compiler.get_converters(columns),
        [col.target.attname for col in columns],
    )
    _SELECTS[connection] = select
    return select


@dataclass(frozen=True)
class NewResponse:
    """A response's INSERT, its values prepared for the database (the answers JSON-encoded)
    before the transaction that stores it; only the unit is left to fill in there."""

    id: uuid.UUID
    params: tuple[Any, ...]  # in _RESPONSE_FIELDS order, with None for the unit


def prepare_response(
    *,
    survey_id: uuid.UUID,
    submitted_on: dt.date,
    answers: dict[str, int | str],
    submission_key: uuid.UUID,
) -> NewResponse:
    """The values of a new response, prepared by each field's ``get_db_prep_save`` as
    ``create()`` prepares them. Needs no transaction: call it before the one that stores it,
    so that the write lock is held for less time."""
    connection = connections[router.db_for_write(Response)]
    response_id = uuid.uuid4()
    values = {
        "id": response_id,
        "survey_id": survey_id,
        "unit_id": None,  # set by insert_prepared, inside the transaction
        "submitted_on": submitted_on,
        "answers": answers,
        "submission_key": submission_key,
        "mixing": None,  # PostgreSQL's mixing pool (ethos.web.heap) takes it in by its id
    }
    params = tuple(f.get_db_prep_save(values[f.attname], connection) for f in _RESPONSE_FIELDS)
    return NewResponse(response_id, params)


def insert_prepared(new: NewResponse, unit_id: int) -> uuid.UUID:
    """Insert a prepared response for ``unit_id``; returns its id.

    Raises Django's ``IntegrityError`` for a submission key already stored, as ``create``
    does. Run it inside the caller's transaction.
    """
    connection = connections[router.db_for_write(Response)]
    text = _INSERTS.get(connection) or _compile_insert(connection)
    params = list(new.params)
    params[_UNIT] = _RESPONSE_FIELDS[_UNIT].get_db_prep_save(unit_id, connection)
    with connection.cursor() as cursor:
        cursor.execute(text, params)
    return new.id


def insert_response(
    *,
    survey_id: uuid.UUID,
    unit_id: int,
    submitted_on: dt.date,
    answers: dict[str, int | str],
    submission_key: uuid.UUID,
) -> uuid.UUID:
    """``Response.objects.create(...)`` as one prepared INSERT; returns the new response's id.

    Raises Django's ``IntegrityError`` for a submission key already stored, as ``create``
    does. Run it inside the caller's transaction.
    """
    new = prepare_response(
        survey_id=survey_id,
        submitted_on=submitted_on,
        answers=answers,
        submission_key=submission_key,
    )
    return insert_prepared(new, unit_id)


def _compile_insert(connection: BaseDatabaseWrapper) -> str:
    query = sql.InsertQuery(Response)
    example = Response(
        survey_id=uuid.UUID(int=0),
        unit_id=0,
        submitted_on=dt.date(2000, 1, 1),
        answers={},
        submission_key=uuid.UUID(int=0),
    )
    query.insert_values(_RESPONSE_FIELDS, [example])
    statements = query.get_compiler(connection=connection).as_sql()
    if len(statements) != 1 or len(statements[0][1]) != len(_RESPONSE_FIELDS):
        raise AssertionError(f"expected one INSERT of every field: {statements!r}")
    _INSERTS[connection] = statements[0][0]
    return statements[0][0]
