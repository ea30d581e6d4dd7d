"""Statements sent to PostgreSQL in pipeline mode, inside a session's transaction.

The hot write paths (a clearance, an audit append) send several statements whose parameters
are all known in advance. Through the ORM session each one is a round trip to the server and
a pass through SQLAlchemy's execution machinery; here the statements are compiled once by
SQLAlchemy (so table and column names, and the way every parameter is bound, stay the
models'), then sent by psycopg in one pipeline: one round trip for the lot, and only the
binding of parameters in Python. PostgreSQL only; callers keep their Core path for SQLite.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, cast

import psycopg
from sqlalchemy import Table, insert
from sqlalchemy.dialects.postgresql import psycopg as pg_psycopg
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session
from sqlalchemy.sql import ClauseElement
from sqlalchemy.sql.compiler import SQLCompiler

_DIALECT = pg_psycopg.dialect()  # type: ignore[no-untyped-call]


@dataclass(frozen=True)
class RawStatement:
    """A statement compiled for psycopg (``%(name)s`` parameters) with the bind processors
    SQLAlchemy would apply to each parameter (exact decimals, UTC instants, JSON)."""

    sql: str
    processors: Mapping[str, Callable[[Any], Any]]
    # Values the statement carries itself (``WHERE id = 1``), bound unless a caller's differ.
    constants: Mapping[str, Any]

    def bind(self, params: Mapping[str, Any]) -> dict[str, Any]:
        processors = self.processors
        merged = {**self.constants, **params} if self.constants else params
        return {
            name: (processors[name](value) if name in processors else value)
            for name, value in merged.items()
        }


def compile_statement(statement: ClauseElement, *, column_keys: Sequence[str] = ()) -> RawStatement:
    compiled = cast(
        SQLCompiler,
        statement.compile(dialect=_DIALECT, column_keys=list(column_keys) if column_keys else None),
    )
    processors: dict[str, Callable[[Any], Any]] = {}
    constants: dict[str, Any] = {}
    for bind, name in compiled.bind_names.items():
        processor = bind.type.dialect_impl(_DIALECT).bind_processor(_DIALECT)
        if processor is not None:
            processors[name] = processor
        if bind.value is not None and not bind.required:
            constants[name] = bind.value
    return RawStatement(str(compiled), processors, constants)


_INSERTS: dict[tuple[str, tuple[str, ...]], RawStatement] = {}


def insert_statement(table: Table, columns: Sequence[str]) -> RawStatement:
    """``INSERT INTO table (columns) VALUES (...)``, compiled once per table and column set."""
    key = (table.name, tuple(columns))
    statement = _INSERTS.get(key)
    if statement is None:
        statement = _INSERTS[key] = compile_statement(insert(table), column_keys=columns)
    return statement


def is_postgresql(session: Session) -> bool:
    """PostgreSQL through psycopg 3, the driver this module speaks to."""
    dialect = session.get_bind().dialect
    return dialect.name == "postgresql" and dialect.driver == "psycopg"


class Pipeline:
    """Statements queued on one connection; results are read when a cursor is fetched."""

    def __init__(self, connection: psycopg.Connection[Any]) -> None:
        self._connection = connection
        self._cursors: list[psycopg.Cursor[Any]] = []

    def execute(self, statement: RawStatement, params: Mapping[str, Any]) -> psycopg.Cursor[Any]:
        cursor = self._connection.cursor()
        self._cursors.append(cursor)
        cursor.execute(statement.sql, statement.bind(params))
        return cursor

    def execute_many(
        self, statement: RawStatement, rows: Sequence[Mapping[str, Any]], *, returning: bool = False
    ) -> psycopg.Cursor[Any]:
        if len(rows) == 1:  # psycopg's executemany costs a pipeline of its own
            return self.execute(statement, rows[0])
        cursor = self._connection.cursor()
        self._cursors.append(cursor)
        cursor.executemany(
            statement.sql, [statement.bind(row) for row in rows], returning=returning
        )
        return cursor

    def close(self) -> None:
        for cursor in self._cursors:
            cursor.close()


@contextmanager
def pipeline(session: Session, *, pipelined: bool = True) -> Iterator[Pipeline]:
    """A pipeline on the session's connection, in its current transaction (begun if needed).

    Leaving the block sends whatever is queued and waits for every result, so an error in any
    statement is raised here (as psycopg's exception) and the transaction is then aborted:
    the caller's unit of work rolls it back. With ``pipelined=False`` each statement is sent
    and answered in turn: for two or three statements on a nearby server that costs less
    client time than setting a pipeline up and syncing it.
    """
    session.flush()
    raw = session.connection().connection.driver_connection
    assert isinstance(raw, psycopg.Connection)
    queued = Pipeline(raw)
    try:
        if pipelined:
            with raw.pipeline():
                yield queued
        else:
            yield queued
    except psycopg.Error as exc:
        # As SQLAlchemy would raise it (``IntegrityError`` for a constraint), so the API's and
        # the CLI's handlers answer the same on PostgreSQL as on SQLite.
        raise DBAPIError.instance(
            "(pipelined statements)", None, exc, psycopg.Error, dialect=session.get_bind().dialect
        ) from exc
    finally:
        queued.close()
