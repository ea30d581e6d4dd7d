"""The engine: one per database URL, with SQLite set up to behave as the application needs.

Kept apart from ``db`` (sessions, models' column types) so that a command reading one table,
such as ``rarex calendar deadline``, starts without importing SQLAlchemy's ORM.
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import Engine, create_engine, event

from rarex.config import Settings


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # Foreign keys are off by default in SQLite; WAL lets readers work during a write.
    # pysqlite's own transaction handling breaks SAVEPOINT; SQLAlchemy emits BEGIN itself.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


# Execution option choosing how SQLite opens a transaction. The default ("deferred") takes no
# lock until the first write, so readers run alongside. "immediate" takes the write lock at
# BEGIN: a transaction that reads before it writes (a license drawdown) then waits its turn
# (busy_timeout) instead of failing when it upgrades to a writer after another one committed.
# Set it on the connection before the transaction starts, e.g.
# ``session.connection(execution_options={SQLITE_BEGIN: "immediate"})`` on a fresh session.
SQLITE_BEGIN = "rarex_sqlite_begin"
_SQLITE_BEGIN_MODES = {"deferred": "BEGIN", "immediate": "BEGIN IMMEDIATE"}


def _sqlite_begin(connection: Any) -> None:
    mode = connection.get_execution_options().get(SQLITE_BEGIN, "deferred")
    if mode not in _SQLITE_BEGIN_MODES:
        raise ValueError(
            f"{SQLITE_BEGIN} must be one of {sorted(_SQLITE_BEGIN_MODES)}, not {mode!r}"
        )
    connection.exec_driver_sql(_SQLITE_BEGIN_MODES[mode])


def make_engine(settings: Settings | str, **kwargs: Any) -> Engine:
    url = settings if isinstance(settings, str) else settings.database_url
    if url.startswith("sqlite"):
        engine = create_engine(
            url, json_serializer=json_dumps, connect_args={"check_same_thread": False}, **kwargs
        )
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    return create_engine(url, json_serializer=json_dumps, pool_pre_ping=True, **kwargs)


def json_dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, default=str)
