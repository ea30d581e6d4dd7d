"""What a database error means to the client: a race (try again, you will see the other's
result), a busy or unreachable database (try again later), or a bug (nothing to retry).

Read from the driver's own codes (PostgreSQL SQLSTATE, SQLite's extended result names), so a
CHECK or NOT NULL violation, which the checks before the write should have prevented, is never
reported as a race that a retry could fix.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from rarex.errors import ConcurrentChange

# unique, foreign key, exclusion; serialization failure, deadlock
_PG_RACE = frozenset({"23505", "23503", "23P01", "40001", "40P01"})
# lock_timeout, statement_timeout, too many connections
_PG_BUSY = frozenset({"55P03", "57014", "53300"})
# admin shutdown, crash shutdown, cannot connect now (class 08 is connection exceptions)
_PG_GONE = frozenset({"57P01", "57P02", "57P03"})
_SQLITE_RACE = frozenset(
    {"SQLITE_CONSTRAINT_UNIQUE", "SQLITE_CONSTRAINT_PRIMARYKEY", "SQLITE_CONSTRAINT_FOREIGNKEY"}
)
_SQLITE_RACE_TEXT = ("UNIQUE constraint failed", "FOREIGN KEY constraint failed")


@dataclass(frozen=True, slots=True)
class Unavailable:
    """The database cannot answer now; nothing was written and a retry may succeed."""

    code: str
    message: str
    retry_after_s: int


def race(exc: DBAPIError) -> ConcurrentChange | None:
    """The race error when another transaction wrote the same unique row first, removed a row
    this one refers to, or lost a serialization or deadlock contest; None for anything else."""
    orig = exc.orig
    sqlstate = getattr(orig, "sqlstate", None)
    errorname = getattr(orig, "sqlite_errorname", None)
    if (
        sqlstate in _PG_RACE
        or errorname in _SQLITE_RACE
        or (errorname is None and sqlstate is None and str(orig).startswith(_SQLITE_RACE_TEXT))
    ):
        return ConcurrentChange(
            "a concurrent change conflicted with this one; nothing was written, retry"
        )
    return None


def unavailable(exc: DBAPIError | PoolTimeout) -> Unavailable | None:
    """Busy (a lock or the pool waited too long) or unreachable; None for anything else."""
    if isinstance(exc, PoolTimeout):
        return Unavailable("db.busy", "every database connection is in use; retry shortly", 1)
    orig = exc.orig
    sqlstate = getattr(orig, "sqlstate", None) or ""
    errorname = getattr(orig, "sqlite_errorname", None) or ""
    text = str(orig).lower()
    if (
        sqlstate in _PG_BUSY
        or errorname.startswith(("SQLITE_BUSY", "SQLITE_LOCKED"))
        or "database is locked" in text
    ):
        return Unavailable("db.busy", "the database is busy; retry shortly", 1)
    if (
        exc.connection_invalidated
        or sqlstate.startswith("08")
        or sqlstate in _PG_GONE
        or errorname == "SQLITE_CANTOPEN"
        or (not sqlstate and "connection" in text and ("refused" in text or "failed" in text))
    ):
        return Unavailable("db.unavailable", "the database cannot be reached; retry later", 5)
    return None
