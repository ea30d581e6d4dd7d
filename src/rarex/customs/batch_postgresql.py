"""The clearing engine's reads and writes on PostgreSQL, with statements compiled once and sent
by psycopg: the reads and the lock in turn, then every write of the batch and the audit head's
lock in one pipeline (one round trip), then the audit events.

The statements are the ones ``batch_repository`` runs on SQLite, compiled once
(``rarex.pipeline``); a file's large chunks still go by ``COPY`` there, which a pipeline cannot
carry. A declaration number that a concurrent transaction commits between the first round
trip and the insert makes the insert do nothing and the lines' foreign key fail: the step is
refused as a duplicate and the caller's unit of work rolls it back.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from decimal import Decimal
from typing import Any, cast

import psycopg
from sqlalchemy import Table
from sqlalchemy.dialects import postgresql
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from rarex.audit.service import queue_head_lock
from rarex.customs import batch_repository as store
from rarex.customs.batch_repository import HeldLicense
from rarex.customs.repository import (
    AggregateKey,
    aggregate_params,
    aggregate_sort_key,
    aggregate_upsert,
)
from rarex.errors import Conflict
from rarex.models.customs import (
    Declaration,
    DeclarationAction,
    DeclarationLine,
    LicenseDrawdown,
)
from rarex.pipeline import RawStatement, compile_statement, insert_statement, pipeline

_DECLARATIONS = cast(Table, Declaration.__table__)
_KNOWN_NUMBERS = compile_statement(store.KNOWN_NUMBERS_ARRAY)
_LOCK_LICENSES = compile_statement(store.LOCK_LICENSES_ARRAY)
_SET_BALANCE = compile_statement(store.SET_BALANCE)
_SET_STATUS = compile_statement(store.SET_STATUS)
_UPSERT_AGGREGATE = compile_statement(aggregate_upsert("postgresql"))
_INSERT_DECLARATIONS: dict[tuple[str, ...], RawStatement] = {}


def _insert_declarations(columns: Sequence[str]) -> RawStatement:
    key = tuple(columns)
    statement = _INSERT_DECLARATIONS.get(key)
    if statement is None:
        statement = _INSERT_DECLARATIONS[key] = compile_statement(
            postgresql.insert(_DECLARATIONS)
            .on_conflict_do_nothing(index_elements=["number"])
            .returning(_DECLARATIONS.c.number),
            column_keys=columns,
        )
    return statement


def read_and_lock(
    session: Session, *, numbers: Iterable[str], license_numbers: Iterable[str]
) -> tuple[dict[str, str], dict[str, HeldLicense]]:
    """The numbers already filed (with their status) and the cited licenses, locked (two
    statements, sent in turn: cheaper than a pipeline for two)."""
    wanted_numbers = sorted(set(numbers))
    wanted_licenses = sorted(set(license_numbers))
    with pipeline(session, pipelined=False) as queued:
        known = queued.execute(_KNOWN_NUMBERS, {"numbers": wanted_numbers})
        held = (
            queued.execute(_LOCK_LICENSES, {"numbers": wanted_licenses})
            if wanted_licenses
            else None
        )
        already = {number: status for number, status in known.fetchall()}
        licenses = store.held_licenses(held.fetchall()) if held is not None else {}
    return already, licenses


def write(
    session: Session,
    *,
    declarations: Sequence[Mapping[str, Any]],
    lines: Sequence[Mapping[str, Any]],
    drawdowns: Sequence[Mapping[str, Any]],
    actions: Sequence[Mapping[str, Any]],
    licenses: Iterable[HeldLicense],
    aggregates: Mapping[AggregateKey, tuple[Decimal, Decimal, int]],
    lock_audit_head: bool,
) -> set[str]:
    """Every row of the batch in one round trip, the audit head locked last (when asked).
    Returns the numbers inserted: a number missing from it was filed meanwhile."""
    if not declarations:
        return set()
    balances, statuses = store.balance_changes(licenses)
    adopt_head: Callable[[], None] | None
    try:
        with pipeline(session) as queued:
            inserted = queued.execute_many(
                _insert_declarations(list(declarations[0])), declarations, returning=True
            )
            for model, rows in (
                (DeclarationLine, lines),
                (LicenseDrawdown, drawdowns),
                (DeclarationAction, actions),
            ):
                if rows:
                    table = cast(Table, model.__table__)
                    queued.execute_many(insert_statement(table, list(rows[0])), rows)
            if balances:
                queued.execute_many(_SET_BALANCE, balances)
            if statuses:
                queued.execute_many(_SET_STATUS, statuses)
            for key in sorted(aggregates, key=aggregate_sort_key):
                kg, value, count = aggregates[key]
                if count or kg or value:
                    queued.execute(
                        _UPSERT_AGGREGATE, aggregate_params(key, kg=kg, value=value, lines=count)
                    )
            adopt_head = queue_head_lock(session, queued) if lock_audit_head else None
            numbers = _returned(inserted)
            if adopt_head is not None:
                adopt_head()
    except IntegrityError as exc:
        if not _lost_declaration(exc):
            raise
        # Our declaration row was not inserted (a concurrent filing of the same number
        # committed first), so its lines or its action had nothing to refer to.
        first = str(declarations[0]["number"])
        raise Conflict(
            f"declaration {first if len(declarations) == 1 else 'of this batch'} was filed "
            "meanwhile by a concurrent request; it is applied once",
            code="customs.duplicate_declaration",
            number=first if len(declarations) == 1 else None,
            numbers=[str(row["number"]) for row in declarations],
        ) from exc
    return numbers


def _lost_declaration(exc: IntegrityError) -> bool:
    """A foreign key to ``declarations`` failed: the row this batch meant to insert is not there."""
    orig = exc.orig
    return isinstance(orig, psycopg.errors.ForeignKeyViolation) and (
        orig.diag.constraint_name or ""
    ).endswith("_declaration_id_declarations")


def _returned(cursor: psycopg.Cursor[Any]) -> set[str]:
    numbers: set[str] = set()
    while True:
        numbers.update(str(row[0]) for row in cursor.fetchall())
        if not cursor.nextset():
            return numbers
