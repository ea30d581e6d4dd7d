"""Sessions, units of work, keyset pages and the column types shared by every model (the
engine itself is made in ``db_engine``, which commands that need no ORM import alone)."""

from __future__ import annotations

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
    func,
    literal,
    select,
    tuple_,
)
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.types import TypeDecorator

from rarex.db_engine import SQLITE_BEGIN

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
