"""Queries of the customs room, and the monthly aggregates the statistics room reads.

``monthly_totals`` and ``series_totals`` answer from ``export_aggregates`` (kept up to date in
the same transaction as every clearance), never from the declarations themselves.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any, Literal

from sqlalchemy import ColumnElement, Executable, func, select
from sqlalchemy.orm import Session

from rarex.auth.service import usernames as auth_usernames
from rarex.customs.posting import StoredDeclaration, StoredLine
from rarex.customs.states import DeclarationStatus, LineStatus
from rarex.db import keyset_page
from rarex.errors import InvalidInput
from rarex.models import License, LicenseLine
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


def stored_declaration(session: Session, number: str) -> StoredDeclaration | None:
    """The declaration with its current lines and last history step, locked (``FOR UPDATE``
    on PostgreSQL) so two steps on one declaration take turns: the first lock of every step on
    a declaration, before its licenses."""
    declaration = session.scalar(
        select(Declaration)
        .where(Declaration.number == number)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if declaration is None:
        return None
    # Read after the lock, in a statement of its own: a statement that waited for the lock
    # sees the locked row as it is now, but other tables as they were when it started.
    last_seq = session.scalar(
        select(func.coalesce(func.max(DeclarationAction.seq), 0)).where(
            DeclarationAction.declaration_id == declaration.id
        )
    )
    lines = session.scalars(
        select(DeclarationLine)
        .where(
            DeclarationLine.declaration_id == declaration.id,
            DeclarationLine.revision == declaration.revision,
        )
        .order_by(DeclarationLine.line_no)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    return StoredDeclaration(
        id=declaration.id,
        number=declaration.number,
        exporter_id=declaration.exporter_id,
        license_number=declaration.license_number,
        license_id=declaration.license_id,
        destination=declaration.destination,
        consignee_name=declaration.consignee_name,
        consignee_country=declaration.consignee_country,
        port=declaration.port,
        declared_date=declaration.declared_date,
        clearance_date=declaration.clearance_date,
        status=DeclarationStatus(declaration.status),
        revision=declaration.revision,
        last_seq=int(last_seq or 0),
        lines=tuple(
            StoredLine(
                id=ln.id,
                line_no=ln.line_no,
                hs_code=ln.hs_code,
                control_code=ln.control_code,
                description=ln.description,
                net_kg=ln.net_kg,
                fob_value=ln.fob_value,
                currency=ln.currency,
                series=ln.series,
                element=ln.element,
                controlled=ln.controlled,
                outcome=LineStatus(ln.outcome),
                status=LineStatus(ln.status),
                reasons=tuple(ln.reasons),
                license_line_id=ln.license_line_id,
                drawn_kg=ln.drawn_kg,
                cleared_on=ln.cleared_on,
            )
            for ln in lines
        ),
    )


DECLARATIONS_ORDER = "declared_date desc, number desc"


def declarations_page(
    session: Session,
    *,
    exporter_id: uuid.UUID | None = None,
    status: str | None = None,
    license_id: uuid.UUID | None = None,
    after: tuple[str | int, ...] | None,
    limit: int,
) -> tuple[list[Declaration], int]:
    """Latest declared first (``DECLARATIONS_ORDER``), and how many match in all."""
    conditions: list[ColumnElement[bool]] = []
    if exporter_id is not None:
        conditions.append(Declaration.exporter_id == exporter_id)
    if status is not None:
        conditions.append(Declaration.status == status)
    if license_id is not None:
        conditions.append(Declaration.license_id == license_id)
    return keyset_page(
        session,
        Declaration,
        conditions=conditions,
        order=[Declaration.declared_date.expression, Declaration.number.expression],
        after=(date.fromisoformat(str(after[0])), after[1]) if after is not None else None,
        limit=limit,
        descending=True,
    )


def declaration_key(declaration: Declaration) -> tuple[str | int, ...]:
    return (declaration.declared_date.isoformat(), declaration.number)


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
            cleared + (kg if status == LineStatus.CLEARED else Decimal(0)),
        )
    return totals


def usernames(session: Session, user_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, str]:
    return auth_usernames(session, user_ids)


# Licenses, as customs sees and locks them.


def license_by_number(session: Session, number: str) -> License | None:
    return session.scalar(select(License).where(License.number == number))


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


def held_declaration_count(session: Session) -> int:
    """Declarations with a line held for an officer (held, or partly cleared)."""
    return int(
        session.scalar(
            select(func.count(Declaration.id)).where(
                Declaration.status.in_(
                    (DeclarationStatus.HELD.value, DeclarationStatus.PARTIALLY_CLEARED.value)
                )
            )
        )
        or 0
    )
