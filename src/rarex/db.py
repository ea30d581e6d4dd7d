"""Engine, sessions and the column types shared by every model."""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any, TypeVar

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    DateTime,
    Dialect,
    Engine,
    MetaData,
    Numeric,
    create_engine,
    event,
    func,
    literal,
    select,
    tuple_,
)
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.types import TypeDecorator

from rarex.config import Settings

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class ExactDecimal(TypeDecorator[Decimal]):
    """A fixed-scale decimal that stays exact on every backend.

    PostgreSQL stores ``NUMERIC(precision, scale)``. SQLite has no exact decimal type (it would
    keep a binary float), so there the value is stored as a scaled integer (grams for kilograms,
    cents for money); CHECK constraints and sums stay exact because both sides share the scale.
    """

    impl = Numeric
    cache_ok = True

    def __init__(self, scale: int = 3, precision: int = 18) -> None:
        super().__init__()
        self.scale = scale
        self.precision = precision
        self._quantum = Decimal(1).scaleb(-scale)
        self._factor = Decimal(10) ** scale

    def load_dialect_impl(self, dialect: Dialect) -> Any:
        if dialect.name == "sqlite":
            return dialect.type_descriptor(BigInteger())
        return dialect.type_descriptor(Numeric(self.precision, self.scale, asdecimal=True))

    def process_bind_param(self, value: Any, dialect: Dialect) -> Any:
        if value is None:
            return None
        exact = Decimal(value).quantize(self._quantum, rounding=ROUND_HALF_EVEN)
        if dialect.name == "sqlite":
            return int(exact * self._factor)
        return exact

    def process_result_value(self, value: Any, dialect: Dialect) -> Decimal | None:
        if value is None:
            return None
        if dialect.name == "sqlite":
            return (Decimal(int(value)) / self._factor).quantize(self._quantum)
        return Decimal(value).quantize(self._quantum)

    def __repr__(self) -> str:
        return f"ExactDecimal(scale={self.scale}, precision={self.precision})"


class UTCDateTime(TypeDecorator[datetime]):
    """A timezone-aware instant on every backend (SQLite would otherwise drop the offset)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> Any:
        if value is None:
            return None
        if not isinstance(value, datetime) or value.tzinfo is None:
            raise ValueError("timestamps must be timezone-aware datetimes")
        return value.astimezone(UTC)

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        assert isinstance(value, datetime)
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)

    def __repr__(self) -> str:
        return "UTCDateTime()"


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


def make_sessionmaker(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(bind=engine, expire_on_commit=False)


@contextmanager
def session_scope(factory: sessionmaker[Session]) -> Iterator[Session]:
    """One unit of work: commit once at the end, roll back everything on any error."""
    session = factory()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def begin_write(session: Session) -> None:
    """Open the session's transaction as a writer (``BEGIN IMMEDIATE`` on SQLite).

    Must come before the session's first statement; a session already in a transaction
    (a test's savepoint, a caller that read first) is left as it is.
    """
    if not session.in_transaction():
        session.connection(execution_options={SQLITE_BEGIN: "immediate"})


class ChunkCheckpoint:
    """What a chunked import (``customs.bulk``) calls after each filed chunk: commit it and
    open the next transaction as a writer, as the first was opened. Counts the chunks, so an
    error can say how many stay recorded. Made by the request or the command that owns the
    session; services never commit."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.chunks = 0

    def __call__(self) -> None:
        self.session.commit()
        self.chunks += 1
        begin_write(self.session)


def keyset_after(
    columns: Sequence[ColumnElement[Any]], key: Sequence[Any], *, descending: bool
) -> ColumnElement[bool]:
    """Rows after ``key`` in the order of ``columns`` (all ascending or all descending): the
    next page of a list (``rarex.pagination``), by row-value comparison on both databases."""
    bound = [literal(value, type_=column.type) for column, value in zip(columns, key, strict=True)]
    if descending:
        return tuple_(*columns) < tuple_(*bound)
    return tuple_(*columns) > tuple_(*bound)


E = TypeVar("E")


def keyset_page(
    session: Session,
    entity: type[E],
    *,
    conditions: Sequence[ColumnElement[bool]],
    order: Sequence[ColumnElement[Any]],
    after: Sequence[Any] | None,
    limit: int,
    descending: bool = False,
) -> tuple[list[E], int]:
    """One page of a list (``rarex.pagination``): ``limit`` rows of ``entity`` matching
    ``conditions`` after the ``after`` key in ``order`` (all ascending or all descending), and
    how many match in all. Two statements, whatever the page or the list's length."""
    total = session.scalar(select(func.count()).select_from(entity).where(*conditions)) or 0
    query = select(entity).where(*conditions)
    if after is not None:
        query = query.where(keyset_after(order, after, descending=descending))
    ordering = [column.desc() if descending else column.asc() for column in order]
    return list(session.scalars(query.order_by(*ordering).limit(limit))), int(total)
