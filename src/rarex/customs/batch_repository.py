"""Set-based reads and writes of the clearing engine (``customs.clearing``).

One statement per table and batch, whether the batch is one declaration from the API or a
thousand from a file: the licenses are locked and read in one join, and every row the batch
produces is written by one multi-row ``INSERT`` (or one executemany ``UPDATE``). The ORM's
unit of work is not used on this path; ``expire_stale`` makes objects the session already held
re-read what was written here.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any, cast

import psycopg
from psycopg import sql
from psycopg.types.json import Json
from sqlalchemy import String, Table, any_, bindparam, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from rarex.customs.facts import LicenseFacts, LicenseLineFacts, Party
from rarex.customs.repository import AggregateKey, add_to_aggregate, aggregate_sort_key
from rarex.errors import Conflict
from rarex.models import Company, ForeignParty, License, LicenseLine
from rarex.models.customs import (
    Declaration,
    DeclarationAction,
    DeclarationLine,
    ExportAggregate,
    LicenseDrawdown,
)


class WriteRace(Conflict):
    """A concurrent transaction wrote a row this batch was about to write (a declaration
    number, say): nothing of the batch is recorded, and filing it again reports which."""

    default_code = "customs.concurrent_filing"


_DECLARATIONS = cast(Table, Declaration.__table__)
_LINES = cast(Table, DeclarationLine.__table__)
_DRAWDOWNS = cast(Table, LicenseDrawdown.__table__)
_ACTIONS = cast(Table, DeclarationAction.__table__)
_LICENSES = cast(Table, License.__table__)
_LICENSE_LINES = cast(Table, LicenseLine.__table__)
_AGGREGATES = cast(Table, ExportAggregate.__table__)


@dataclass
class HeldLine:
    id: uuid.UUID
    line_no: int
    control_code: str
    hs_code: str
    remaining_kg: Decimal
    changed: bool = False


@dataclass
class HeldLicense:
    """A license locked for the rest of the transaction, its balances as they stand now and as
    this batch draws them down."""

    id: uuid.UUID
    number: str
    exporter_id: uuid.UUID
    exporter_uscc: str
    license_type: str
    status: str
    valid_from: date
    valid_until: date
    destination: str
    consignee: Party
    end_user: Party
    lines: list[HeldLine] = field(default_factory=list)
    status_changed: bool = False

    def line_no(self, line_no: int | None) -> HeldLine | None:
        return next((ln for ln in self.lines if ln.line_no == line_no), None)

    def facts(self) -> LicenseFacts:
        return LicenseFacts(
            number=self.number,
            exporter_id=self.exporter_id,
            license_type=self.license_type,
            status=self.status,
            valid_from=self.valid_from,
            valid_until=self.valid_until,
            destination=self.destination,
            consignee=self.consignee,
            end_user=self.end_user,
            lines=tuple(
                LicenseLineFacts(ln.line_no, ln.control_code, ln.hs_code, ln.remaining_kg)
                for ln in self.lines
            ),
        )


_COMPANIES = cast(Table, Company.__table__)
_COMPANY_IDS = select(_COMPANIES.c.uscc, _COMPANIES.c.id).where(
    _COMPANIES.c.uscc.in_(bindparam("usccs", expanding=True))
)


def _one_of(column: Any, *, postgresql_array: bool) -> Any:
    """``column`` is one of the ``numbers`` parameter: an expanding ``IN`` for Core, one array
    parameter (``= ANY``) for statements compiled once for PostgreSQL (``batch_postgresql``)."""
    if postgresql_array:
        return column == any_(bindparam("numbers", type_=postgresql.ARRAY(String)))
    return column.in_(bindparam("numbers", expanding=True))


def _known_numbers(*, postgresql_array: bool = False) -> Any:
    number = _DECLARATIONS.c.number
    return select(number, _DECLARATIONS.c.status).where(
        _one_of(number, postgresql_array=postgresql_array)
    )


_KNOWN_NUMBERS = _known_numbers()


def company_ids(session: Session, usccs: Iterable[str]) -> dict[str, uuid.UUID]:
    wanted = sorted(set(usccs))
    if not wanted:
        return {}
    rows = session.execute(_COMPANY_IDS, {"usccs": wanted})
    return {uscc: company_id for uscc, company_id in rows}


def existing_numbers(session: Session, numbers: Iterable[str]) -> dict[str, str]:
    """Declaration numbers already filed, with their status."""
    wanted = sorted(set(numbers))
    if not wanted:
        return {}
    return {
        number: status for number, status in session.execute(_KNOWN_NUMBERS, {"numbers": wanted})
    }


def _lock_query(*, postgresql_array: bool = False) -> Any:
    # Core columns, not ORM attributes: the statement runs on every clearance, and a Core
    # select skips the ORM's per-execution set-up.
    companies = cast(Table, Company.__table__)
    parties = cast(Table, ForeignParty.__table__)
    consignee = parties.alias("consignee")
    end_user = parties.alias("end_user")
    lic, line = _LICENSES.c, _LICENSE_LINES.c
    return (
        select(
            lic.id,
            lic.number,
            lic.exporter_id,
            companies.c.uscc,
            lic.license_type,
            lic.status,
            lic.valid_from,
            lic.valid_until,
            lic.destination,
            consignee.c.name,
            consignee.c.country,
            end_user.c.name,
            end_user.c.country,
            line.id,
            line.line_no,
            line.control_code,
            line.hs_code,
            line.remaining_kg,
        )
        .select_from(
            _LICENSES.join(_LICENSE_LINES, line.license_id == lic.id)
            .join(companies, companies.c.id == lic.exporter_id)
            .join(consignee, consignee.c.id == lic.consignee_id)
            .join(end_user, end_user.c.id == lic.end_user_id)
        )
        .where(_one_of(lic.number, postgresql_array=postgresql_array))
        .order_by(lic.number, line.line_no)
        .with_for_update(of=[_LICENSES, _LICENSE_LINES])
    )


# Built once: the statement is on every clearance's path, and building it costs more than
# executing its cached compiled form.
_LOCK_LICENSES = _lock_query()
# The same statement with one array parameter, for PostgreSQL's pipeline (``batch_postgresql``).
LOCK_LICENSES_ARRAY = _lock_query(postgresql_array=True)
KNOWN_NUMBERS_ARRAY = _known_numbers(postgresql_array=True)


def lock_licenses(session: Session, numbers: Iterable[str]) -> dict[str, HeldLicense]:
    """The licenses with these numbers and their lines, locked (``FOR UPDATE`` of both on
    PostgreSQL, in number order so two batches never wait for each other crosswise) and read
    in one statement with their consignee and end user. Unknown numbers are simply absent."""
    wanted = sorted(set(numbers))
    if not wanted:
        return {}
    return held_licenses(session.execute(_LOCK_LICENSES, {"numbers": wanted}))


def held_licenses(rows: Iterable[Sequence[Any]]) -> dict[str, HeldLicense]:
    """The licenses of the lock statement's rows (one row per license line)."""
    held: dict[str, HeldLicense] = {}
    for row in rows:
        license_ = held.get(row[1])
        if license_ is None:
            license_ = held[row[1]] = HeldLicense(
                id=row[0],
                number=row[1],
                exporter_id=row[2],
                exporter_uscc=row[3],
                license_type=row[4],
                status=row[5],
                valid_from=row[6],
                valid_until=row[7],
                destination=row[8],
                consignee=Party(row[9], row[10]),
                end_user=Party(row[11], row[12]),
            )
        license_.lines.append(HeldLine(row[13], row[14], row[15], row[16], row[17]))
    return held


_INSERT_DECLARATIONS: dict[str, Any] = {}


def insert_declarations(session: Session, rows: Sequence[Mapping[str, Any]]) -> set[str]:
    """Insert, skipping numbers filed meanwhile by a concurrent transaction (the unique index
    decides; on PostgreSQL the insert waits for that transaction to end). Returns the numbers
    inserted."""
    if not rows:
        return set()
    dialect = session.get_bind().dialect.name
    if len(rows) >= COPY_FROM and dialect == "postgresql":
        # A file's chunk: its numbers were checked just before, so a clash can only come from
        # a concurrent filing, and then COPY fails the chunk (``WriteRace``) instead of skipping.
        _copy(session, _DECLARATIONS, rows)
        return {row["number"] for row in rows}
    statement = _INSERT_DECLARATIONS.get(dialect)
    if statement is None:
        base = postgresql.insert if dialect == "postgresql" else sqlite.insert
        statement = _INSERT_DECLARATIONS[dialect] = (
            base(_DECLARATIONS)
            .on_conflict_do_nothing(index_elements=["number"])
            .returning(_DECLARATIONS.c.number)
        )
    return set(session.execute(statement, list(rows)).scalars())


_INSERTS = {
    DeclarationLine: insert(_LINES),
    LicenseDrawdown: insert(_DRAWDOWNS),
    DeclarationAction: insert(_ACTIONS),
}


# Below this many rows an INSERT costs less than setting a COPY up.
COPY_FROM = 200


def insert_rows(session: Session, model: type[Any], rows: Sequence[Mapping[str, Any]]) -> None:
    """Insert rows that all have the same keys (the columns). Large batches go to PostgreSQL
    by ``COPY``, several times faster than an executemany of single-row inserts."""
    if not rows:
        return
    if len(rows) >= COPY_FROM and session.get_bind().dialect.name == "postgresql":
        _copy(session, cast(Table, model.__table__), rows)
    else:
        session.execute(_INSERTS[model], list(rows))


def _copy(session: Session, table: Table, rows: Sequence[Mapping[str, Any]]) -> None:
    session.flush()
    columns = list(rows[0])
    statement = sql.SQL("COPY {} ({}) FROM STDIN").format(
        sql.Identifier(table.name), sql.SQL(", ").join(map(sql.Identifier, columns))
    )
    raw = session.connection().connection.driver_connection
    assert raw is not None
    try:
        with raw.cursor() as cursor, cursor.copy(statement) as copy:
            for row in rows:
                copy.write_row(
                    [
                        Json(v) if isinstance(v, dict | list) else v
                        for v in (row[c] for c in columns)
                    ]
                )
    except psycopg.errors.IntegrityError as exc:
        # A unique number filed meanwhile, or a constraint the checks should have kept: either
        # way nothing of the chunk is written, and the caller's unit of work rolls back.
        raise WriteRace(str(exc).splitlines()[0]) from exc


SET_BALANCE = (
    update(_LICENSE_LINES)
    .where(_LICENSE_LINES.c.id == bindparam("line_id"))
    .values(remaining_kg=bindparam("remaining", type_=_LICENSE_LINES.c.remaining_kg.type))
)
SET_STATUS = (
    update(_LICENSES)
    .where(_LICENSES.c.id == bindparam("license_id"))
    .values(status=bindparam("new_status"))
)


def store_balances(session: Session, licenses: Iterable[HeldLicense]) -> None:
    """Write the balances and statuses this batch changed (the rows are locked: absolute
    values are safe, and the CHECK constraints still refuse a negative balance)."""
    lines, statuses = balance_changes(licenses)
    if lines:
        session.execute(SET_BALANCE, lines)
    if statuses:
        session.execute(SET_STATUS, statuses)


def balance_changes(
    licenses: Iterable[HeldLicense],
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The parameters of ``SET_BALANCE`` and ``SET_STATUS`` for what this batch changed."""
    lines: list[dict[str, Any]] = []
    statuses: list[dict[str, Any]] = []
    for license_ in licenses:
        lines.extend(
            {"line_id": ln.id, "remaining": ln.remaining_kg} for ln in license_.lines if ln.changed
        )
        if license_.status_changed:
            statuses.append({"license_id": license_.id, "new_status": license_.status})
    return lines, statuses


def add_to_aggregates(
    session: Session, deltas: Mapping[AggregateKey, tuple[Decimal, Decimal, int]]
) -> None:
    """Upsert every touched cell, in key order (so concurrent batches lock cells in one order).

    One statement per cell, not one multi-row upsert: a cell must not appear twice in one
    ``INSERT … ON CONFLICT``, and the rows are few (cells, not lines)."""
    for key in sorted(deltas, key=aggregate_sort_key):
        kg, value, lines = deltas[key]
        if lines or kg or value:
            add_to_aggregate(session, key, kg=kg, value=value, lines=lines)


def expire_stale(session: Session) -> None:
    """Objects the session loaded before this batch wrote past the ORM (licenses, their
    lines, aggregate cells) are expired, so the next access reads what is stored now."""
    for obj in list(session.identity_map.values()):
        if isinstance(obj, License | LicenseLine | ExportAggregate | Declaration):
            session.expire(obj)
