"""Queries of the customs room, and the monthly aggregates the statistics room reads.

``monthly_totals`` and ``series_totals`` answer from ``export_aggregates`` (kept up to date in
the same transaction as every clearance), never from the declarations themselves.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Literal, cast

from sqlalchemy import Executable, Integer, Table, bindparam, func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from rarex.errors import InvalidInput
from rarex.models import License, LicenseLine, User
from rarex.models.customs import (
    Declaration,
    DeclarationAction,
    DeclarationLine,
    ExportAggregate,
)

Dimension = Literal["series", "element", "hs_code", "destination"]
DIMENSIONS: tuple[Dimension, ...] = ("series", "element", "hs_code", "destination")
_PERIOD = re.compile(r"^[0-9]{4}-(0[1-9]|1[0-2])$")


def declaration_by_number(
    session: Session, number: str, *, lock: bool = False
) -> Declaration | None:
    """With ``lock``, hold the row so two officers cannot act on one declaration at once."""
    query = select(Declaration).where(Declaration.number == number)
    if lock:
        query = query.with_for_update().execution_options(populate_existing=True)
    return session.scalar(query)


def current_lines(
    session: Session, declaration: Declaration, *, lock: bool = False
) -> list[DeclarationLine]:
    query = (
        select(DeclarationLine)
        .where(
            DeclarationLine.declaration_id == declaration.id,
            DeclarationLine.revision == declaration.revision,
        )
        .order_by(DeclarationLine.line_no)
    )
    if lock:
        query = query.with_for_update().execution_options(populate_existing=True)
    return list(session.scalars(query))


def actions_for(session: Session, declaration_id: uuid.UUID) -> list[DeclarationAction]:
    return list(
        session.scalars(
            select(DeclarationAction)
            .where(DeclarationAction.declaration_id == declaration_id)
            .order_by(DeclarationAction.seq)
        )
    )


def last_action_seq(session: Session, declaration_id: uuid.UUID) -> int:
    seq = session.scalar(
        select(func.max(DeclarationAction.seq)).where(
            DeclarationAction.declaration_id == declaration_id
        )
    )
    return int(seq or 0)


def list_declarations(
    session: Session,
    *,
    exporter_id: uuid.UUID | None = None,
    status: str | None = None,
    license_id: uuid.UUID | None = None,
    limit: int = 500,
) -> list[Declaration]:
    query = select(Declaration).order_by(Declaration.declared_date.desc(), Declaration.number)
    if exporter_id is not None:
        query = query.where(Declaration.exporter_id == exporter_id)
    if status is not None:
        query = query.where(Declaration.status == status)
    if license_id is not None:
        query = query.where(Declaration.license_id == license_id)
    return list(session.scalars(query.limit(limit)))


def line_totals(
    session: Session, declarations: Sequence[Declaration]
) -> dict[uuid.UUID, tuple[int, Decimal, Decimal]]:
    """Per declaration: current line count, net kg, and kg cleared."""
    if not declarations:
        return {}
    revisions = {d.id: d.revision for d in declarations}
    rows = session.execute(
        select(
            DeclarationLine.declaration_id,
            DeclarationLine.revision,
            DeclarationLine.status,
            func.count(DeclarationLine.id),
            func.sum(DeclarationLine.net_kg),
        )
        .where(DeclarationLine.declaration_id.in_(list(revisions)))
        .group_by(DeclarationLine.declaration_id, DeclarationLine.revision, DeclarationLine.status)
    )
    totals: dict[uuid.UUID, tuple[int, Decimal, Decimal]] = {}
    for declaration_id, revision, status, count, kg in rows:
        if revisions[declaration_id] != revision:
            continue
        lines, net, cleared = totals.get(declaration_id, (0, Decimal(0), Decimal(0)))
        kg = Decimal(kg or 0)
        totals[declaration_id] = (
            lines + int(count),
            net + kg,
            cleared + (kg if status == "cleared" else Decimal(0)),
        )
    return totals


def usernames(session: Session, user_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, str]:
    ids = list(set(user_ids))
    if not ids:
        return {}
    rows = session.execute(select(User.id, User.username).where(User.id.in_(ids)))
    return {row[0]: row[1] for row in rows}


# Licenses, as customs sees and locks them.


def license_by_number(session: Session, number: str, *, lock: bool = False) -> License | None:
    """With ``lock``, hold the license row: every drawdown on it waits its turn, and the row is
    re-read after the wait so its status is the one the previous drawdown left."""
    query = select(License).where(License.number == number)
    if lock:
        query = query.with_for_update().execution_options(populate_existing=True)
    return session.scalar(query)


def license_by_id(session: Session, license_id: uuid.UUID, *, lock: bool = False) -> License:
    query = select(License).where(License.id == license_id)
    if lock:
        query = query.with_for_update().execution_options(populate_existing=True)
    return session.scalars(query).one()


def license_lines(
    session: Session, license_id: uuid.UUID, *, lock: bool = False
) -> list[LicenseLine]:
    """The balances; with ``lock`` they are locked and re-read, never taken from the session's
    memory, so a balance another transaction just drew down is seen as it is now."""
    query = (
        select(LicenseLine)
        .where(LicenseLine.license_id == license_id)
        .order_by(LicenseLine.line_no)
    )
    if lock:
        query = query.with_for_update().execution_options(populate_existing=True)
    return list(session.scalars(query))


def license_line_numbers(session: Session, ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, int]:
    wanted = list(set(ids))
    if not wanted:
        return {}
    rows = session.execute(
        select(LicenseLine.id, LicenseLine.line_no).where(LicenseLine.id.in_(wanted))
    )
    return {row[0]: row[1] for row in rows}


# Monthly aggregates.


@dataclass(frozen=True, slots=True)
class AggregateKey:
    period: str
    series: str
    element: str
    hs_code: str
    destination: str
    currency: str


_AGGREGATES = cast(Table, ExportAggregate.__table__)
_KEY_COLUMNS = ("period", "series", "element", "hs_code", "destination", "currency")
_UPSERTS: dict[str, Any] = {}


def aggregate_upsert(dialect: str) -> Any:
    """The upsert statement, built once per dialect and executed with parameters, so
    SQLAlchemy compiles it once (a drawdown is on every clearance's path)."""
    statement = _UPSERTS.get(dialect)
    if statement is None:
        insert = (
            postgresql.insert(_AGGREGATES)
            if dialect == "postgresql"
            else sqlite.insert(_AGGREGATES)
        )
        statement = insert.on_conflict_do_update(
            index_elements=list(_KEY_COLUMNS),
            set_={
                "net_kg": _AGGREGATES.c.net_kg + insert.excluded.net_kg,
                "fob_value": _AGGREGATES.c.fob_value + insert.excluded.fob_value,
                "lines": _AGGREGATES.c.lines + insert.excluded.lines,
            },
        )
        _UPSERTS[dialect] = statement
    return statement


_ADJUST = (
    update(_AGGREGATES)
    .where(*(_AGGREGATES.c[name] == bindparam(f"key_{name}") for name in _KEY_COLUMNS))
    .values(
        net_kg=_AGGREGATES.c.net_kg + bindparam("delta_kg", type_=_AGGREGATES.c.net_kg.type),
        fob_value=_AGGREGATES.c.fob_value
        + bindparam("delta_value", type_=_AGGREGATES.c.fob_value.type),
        lines=_AGGREGATES.c.lines + bindparam("delta_lines", type_=Integer()),
    )
)


def add_to_aggregate(
    session: Session, key: AggregateKey, *, kg: Decimal, value: Decimal, lines: int
) -> None:
    """Add to a cell, creating it on first use (an upsert, safe against a concurrent first use)."""
    statement = aggregate_upsert(session.get_bind().dialect.name)
    session.execute(statement, aggregate_params(key, kg=kg, value=value, lines=lines))


def aggregate_params(
    key: AggregateKey, *, kg: Decimal, value: Decimal, lines: int
) -> dict[str, Any]:
    return {**_key_values(key), "net_kg": kg, "fob_value": value, "lines": lines}


def adjust_aggregate(
    session: Session, key: AggregateKey, *, kg: Decimal, value: Decimal, lines: int
) -> None:
    """Change a cell that exists by signed deltas; the CHECK constraints refuse a cell going
    negative, so a restoration can never take out more than went in."""
    params: dict[str, Any] = {f"key_{k}": v for k, v in _key_values(key).items()}
    params.update(delta_kg=kg, delta_value=value, delta_lines=lines)
    result = session.execute(_ADJUST, params)
    if getattr(result, "rowcount", 1) != 1:
        raise RuntimeError(f"aggregate cell {key} is missing: it was never counted in")


@dataclass(frozen=True, slots=True)
class MonthlyTotal:
    """Cleared exports of one period under one key of a dimension (kg; FOB by currency)."""

    period: str
    dimension: str
    key: str
    net_kg: Decimal
    lines: int
    fob_value: dict[str, Decimal] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "period": self.period,
            "dimension": self.dimension,
            "key": self.key,
            "net_kg": str(self.net_kg),
            "lines": self.lines,
            "fob_value": {currency: str(v) for currency, v in sorted(self.fob_value.items())},
        }


def check_period(period: str) -> str:
    if not _PERIOD.fullmatch(period):
        raise InvalidInput(
            f"period must be YYYY-MM, got {period!r}", code="customs.invalid_period", value=period
        )
    return period


def monthly_totals(
    session: Session, *, period: str, by: str, series: str | None = None
) -> list[MonthlyTotal]:
    """Cleared exports in ``period`` (YYYY-MM, the month of clearance) grouped by one of
    ``series``, ``element`` (symbol; "" when the goods name none), ``hs_code`` or
    ``destination``; optionally within one series. Largest first; empty keys never dropped."""
    check_period(period)
    column = _dimension(by)
    query = (
        select(
            column,
            ExportAggregate.currency,
            func.sum(ExportAggregate.net_kg),
            func.sum(ExportAggregate.fob_value),
            func.sum(ExportAggregate.lines),
        )
        .where(ExportAggregate.period == period)
        .group_by(column, ExportAggregate.currency)
    )
    if series is not None:
        query = query.where(ExportAggregate.series == series)
    return _fold(query, session, dimension=by, period_of=lambda _key: period)


def series_totals(
    session: Session, *, series: str | None, start: str, end: str
) -> list[MonthlyTotal]:
    """One total per month from ``start`` to ``end`` inclusive (YYYY-MM), for one series or
    (None) for every series together; months without cleared exports are left out."""
    check_period(start)
    check_period(end)
    query = (
        select(
            ExportAggregate.period,
            ExportAggregate.currency,
            func.sum(ExportAggregate.net_kg),
            func.sum(ExportAggregate.fob_value),
            func.sum(ExportAggregate.lines),
        )
        .where(ExportAggregate.period >= start, ExportAggregate.period <= end)
        .group_by(ExportAggregate.period, ExportAggregate.currency)
    )
    if series is not None:
        query = query.where(ExportAggregate.series == series)
    rows = _fold(query, session, dimension="period", period_of=lambda key: key)
    return sorted(rows, key=lambda row: row.period)


def _fold(
    query: Executable, session: Session, *, dimension: str, period_of: Any
) -> list[MonthlyTotal]:
    cells: dict[str, tuple[Decimal, int, dict[str, Decimal]]] = {}
    for key, currency, kg, value, lines in session.execute(query):
        total_kg, total_lines, values = cells.get(key, (Decimal(0), 0, {}))
        if int(lines or 0) == 0:
            continue
        values[currency] = values.get(currency, Decimal(0)) + Decimal(value or 0)
        cells[key] = (total_kg + Decimal(kg or 0), total_lines + int(lines), values)
    totals = [
        MonthlyTotal(
            period=period_of(key),
            dimension=dimension,
            key=key,
            net_kg=kg,
            lines=lines,
            fob_value=values,
        )
        for key, (kg, lines, values) in cells.items()
    ]
    return sorted(totals, key=lambda t: (-t.net_kg, t.key))


def _dimension(by: str) -> Any:
    if by not in DIMENSIONS:
        raise InvalidInput(
            f"unknown dimension {by!r}; known: {', '.join(DIMENSIONS)}",
            code="customs.unknown_dimension",
        )
    return getattr(ExportAggregate, by)


def _key_values(key: AggregateKey) -> dict[str, str]:
    return {
        "period": key.period,
        "series": key.series,
        "element": key.element,
        "hs_code": key.hs_code,
        "destination": key.destination,
        "currency": key.currency,
    }


def aggregate_sort_key(key: AggregateKey) -> tuple[str, ...]:
    return tuple(_key_values(key).values())
