"""The unit of work for customs writes: one transaction that starts as a writer.

A drawdown reads balances, then writes. On PostgreSQL the row locks make that safe in any
transaction. On SQLite a transaction that starts as a reader and later writes fails outright
("database is locked") when another writer committed in between; opening it with
``BEGIN IMMEDIATE`` makes it wait its turn instead. The API (writing requests, ``api.deps``)
and the CLI (``CliContext.unit_of_work``) open their transactions that way already; other
callers of the customs services (workers, scripts, threaded tests) use ``write_unit_of_work``.
Services still never commit.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy.orm import Session, sessionmaker

from rarex.db import SQLITE_BEGIN, session_scope


def begin_write(session: Session) -> None:
    """Open the session's transaction as a writer (``BEGIN IMMEDIATE`` on SQLite).

    Must come before the session's first statement; a session already in a transaction
    (a test's savepoint, a caller that read first) is left as it is.
    """
    if not session.in_transaction():
        session.connection(execution_options={SQLITE_BEGIN: "immediate"})


@contextmanager
def write_unit_of_work(factory: sessionmaker[Session]) -> Iterator[Session]:
    """``session_scope`` whose transaction starts as a writer: commit once, roll back on error."""
    with session_scope(factory) as session:
        begin_write(session)
        yield session
