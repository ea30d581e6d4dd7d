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

from rarex.db import begin_write, session_scope

__all__ = ["begin_write", "write_unit_of_work"]


@contextmanager
def write_unit_of_work(factory: sessionmaker[Session]) -> Iterator[Session]:
    """``session_scope`` whose transaction starts as a writer: commit once, roll back on error."""
    with session_scope(factory) as session:
        begin_write(session)
        yield session
