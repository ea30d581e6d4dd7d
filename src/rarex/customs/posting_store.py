"""The one writer of customs postings (``customs.posting``): any number of them, set-based, on
either database, inside the caller's unit of work.

One statement per table and batch, whether the batch is one officer's step or a thousand
declarations of a file: a multi-row ``INSERT`` (``COPY`` on PostgreSQL for a file's chunk),
one executemany ``UPDATE``. The licenses' balances and statuses are written by the licensing
room (``license_store.store``). Locks come in one order everywhere: an existing declaration's
row (taken by the step before it posts), the licenses by number, new declaration numbers (the
unique index), the month's aggregate cells in key order, the audit chain's head last, so they
are held for the fewest statements before the commit.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any, cast

import psycopg
from psycopg import sql
from psycopg.types.json import Json
from sqlalchemy import Integer, Table, bindparam, insert, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from rarex.audit.service import EventDraft, append_events
from rarex.clock import Clock
from rarex.customs.posting import AggregateKey, Delta, Posting
from rarex.db_engine import json_dumps
from rarex.errors import ConcurrentChange
from rarex.licensing import license_store
from rarex.licensing.license_states import HeldLicense
from rarex.models.customs import (
    Declaration,
    DeclarationAction,
    DeclarationLine,
    ExportAggregate,
    LicenseDrawdown,
)

_DECLARATIONS = cast(Table, Declaration.__table__)
_LINES = cast(Table, DeclarationLine.__table__)
_LEDGER = cast(Table, LicenseDrawdown.__table__)
_ACTIONS = cast(Table, DeclarationAction.__table__)
_AGGREGATES = cast(Table, ExportAggregate.__table__)

# Below this many rows an INSERT costs less than setting a COPY up.
COPY_FROM = 200


def write(
    session: Session,
    postings: Sequence[Posting],
    *,
    licenses: Iterable[HeldLicense],
    clock: Clock,
    actor_labels: Sequence[str],
    batch_event: EventDraft | None = None,
) -> None:
    """Apply ``postings``. Each gets its own audit event (``actor_labels``, one per posting),
    unless ``batch_event`` is given: then that one event commits to them all.

    A declaration number that a concurrent transaction filed after the step checked it raises
    ``ConcurrentChange`` naming the numbers, before anything else of the batch is written: the
    caller's unit of work rolls back, and filing again refuses that number as a duplicate.
    """
    if not postings:
        return
    insert_declarations(session, [p.new_declaration for p in postings if p.new_declaration])
    _update(session, _DECLARATIONS, [_declaration_changes(p) for p in postings])
    _update(session, _LINES, [row for p in postings for row in p.lines_changed])
    _insert(session, _LINES, [row for p in postings for row in p.lines_added])
    _insert(session, _LEDGER, [row for p in postings for row in p.ledger])
    _insert(session, _ACTIONS, [p.action for p in postings])
    license_store.store(session, licenses)
    _add_to_aggregates(session, postings)
    if batch_event is not None:
        events = [batch_event]
    else:
        events = [
            EventDraft(
                actor=label,
                action=p.audit_action,
                subject_type="declaration",
                subject_id=str(p.declaration_id),
                payload=p.audit_payload,
            )
            for p, label in zip(postings, actor_labels, strict=True)
        ]
    append_events(session, clock=clock, events=events)
    # Objects the session loaded before (a declaration read for its view) read again.
    for obj in list(session.identity_map.values()):
        if isinstance(obj, Declaration | DeclarationLine | ExportAggregate):
            session.expire(obj)


_INSERT_DECLARATIONS: dict[str, Any] = {}


def insert_declarations(session: Session, rows: Sequence[Mapping[str, Any]]) -> None:
    """Insert, skipping numbers filed meanwhile by a concurrent transaction (the unique index
    decides; on PostgreSQL the insert waits for that transaction to end)."""
    if not rows:
        return
    dialect = session.get_bind().dialect.name
    if len(rows) >= COPY_FROM and dialect == "postgresql":
        # A file's chunk: its numbers were checked just before, so a clash can only come from
        # a concurrent filing, and then COPY fails the chunk instead of skipping.
        _copy(session, _DECLARATIONS, rows)
        return
    statement = _INSERT_DECLARATIONS.get(dialect)
    if statement is None:
        base = postgresql.insert if dialect == "postgresql" else sqlite.insert
        statement = _INSERT_DECLARATIONS[dialect] = (
            base(_DECLARATIONS)
            .on_conflict_do_nothing(index_elements=["number"])
            .returning(_DECLARATIONS.c.number)
        )
    inserted = set(session.execute(statement, list(rows)).scalars())
    raced = [str(row["number"]) for row in rows if row["number"] not in inserted]
    if raced:
        raise ConcurrentChange(
            f"declaration {raced[0]} was filed meanwhile by a concurrent request; "
            "nothing of this step was written, and filing again refuses it as a duplicate",
            numbers=raced,
        )


_INSERTS = {table.name: insert(table) for table in (_LINES, _LEDGER, _ACTIONS)}


def _insert(session: Session, table: Table, rows: Sequence[Mapping[str, Any]]) -> None:
    """Rows that all have the same keys (the columns). Large batches go to PostgreSQL by
    ``COPY``, several times faster than an executemany of single-row inserts."""
    if not rows:
        return
    if len(rows) >= COPY_FROM and session.get_bind().dialect.name == "postgresql":
        _copy(session, table, rows)
    else:
        session.execute(_INSERTS[table.name], list(rows))


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
                        Json(v, dumps=json_dumps) if isinstance(v, dict | list) else v
                        for v in (row[c] for c in columns)
                    ]
                )
    except psycopg.errors.UniqueViolation as exc:
        if exc.diag.table_name != _DECLARATIONS.name:
            raise
        # A number filed meanwhile: nothing of the chunk is written, and the caller's unit of
        # work rolls back. Any other failure (a CHECK the checks should have kept) is a bug
        # and goes up as it is.
        raise ConcurrentChange(
            "a declaration of this chunk was filed meanwhile by a concurrent request; "
            "nothing of the chunk was written",
            constraint=exc.diag.constraint_name,
        ) from exc


_UPDATES: dict[tuple[str, tuple[str, ...]], Any] = {}


def _update(session: Session, table: Table, rows: Sequence[Mapping[str, Any]]) -> None:
    """``UPDATE table SET <the rows' other keys> WHERE id = :id``, one executemany per set of
    columns (each step changes the same columns of every row it touches)."""
    by_columns: dict[tuple[str, ...], list[dict[str, Any]]] = {}
    for row in rows:
        if row:
            columns = tuple(sorted(k for k in row if k != "id"))
            by_columns.setdefault(columns, []).append(
                {"row_id": row["id"], **{f"new_{k}": row[k] for k in columns}}
            )
    for columns, params in by_columns.items():
        key = (table.name, columns)
        statement = _UPDATES.get(key)
        if statement is None:
            statement = _UPDATES[key] = (
                update(table)
                .where(table.c.id == bindparam("row_id"))
                .values({k: bindparam(f"new_{k}", type_=table.c[k].type) for k in columns})
            )
        session.execute(statement, params)


def _declaration_changes(posting: Posting) -> dict[str, Any]:
    if not posting.declaration_changes:
        return {}
    return {"id": posting.declaration_id, **posting.declaration_changes}


_KEY_COLUMNS = ("period", "series", "element", "hs_code", "destination", "currency")
_UPSERTS: dict[str, Any] = {}
_TAKE_OUT = (
    update(_AGGREGATES)
    .where(*(_AGGREGATES.c[name] == bindparam(f"key_{name}") for name in _KEY_COLUMNS))
    .values(
        net_kg=_AGGREGATES.c.net_kg + bindparam("delta_kg", type_=_AGGREGATES.c.net_kg.type),
        fob_value=_AGGREGATES.c.fob_value
        + bindparam("delta_value", type_=_AGGREGATES.c.fob_value.type),
        lines=_AGGREGATES.c.lines + bindparam("delta_lines", type_=Integer()),
    )
)


def _upsert(dialect: str) -> Any:
    statement = _UPSERTS.get(dialect)
    if statement is None:
        base = postgresql.insert if dialect == "postgresql" else sqlite.insert
        insert_ = base(_AGGREGATES)
        statement = _UPSERTS[dialect] = insert_.on_conflict_do_update(
            index_elements=list(_KEY_COLUMNS),
            set_={
                "net_kg": _AGGREGATES.c.net_kg + insert_.excluded.net_kg,
                "fob_value": _AGGREGATES.c.fob_value + insert_.excluded.fob_value,
                "lines": _AGGREGATES.c.lines + insert_.excluded.lines,
            },
        )
    return statement


def _add_to_aggregates(session: Session, postings: Sequence[Posting]) -> None:
    """Every touched cell, in key order (so concurrent writers lock cells in one order).

    A delta that takes something out goes to a cell that exists (it was counted in when the
    line cleared) and is an ``UPDATE``: the CHECK constraints then refuse a cell going
    negative. Any other is an upsert, safe against a concurrent first use of the cell (and
    not usable for negative deltas: the database checks the row it would insert first).
    """
    deltas: dict[AggregateKey, Delta] = {}
    for posting in postings:
        for key, delta in posting.aggregates.items():
            deltas[key] = deltas.get(key, Delta()) + delta
    upsert = _upsert(session.get_bind().dialect.name)
    for key in sorted(deltas, key=AggregateKey.sort_key):
        delta = deltas[key]
        if delta.is_zero:
            continue
        values = dict(zip(_KEY_COLUMNS, key.sort_key(), strict=True))
        if delta.takes_out:
            params: dict[str, Any] = {f"key_{k}": v for k, v in values.items()}
            params.update(
                delta_kg=delta.net_kg, delta_value=delta.fob_value, delta_lines=delta.lines
            )
            result = session.execute(_TAKE_OUT, params)
            if getattr(result, "rowcount", 1) != 1:
                raise RuntimeError(f"aggregate cell {key} is missing: it was never counted in")
        else:
            session.execute(
                upsert,
                {
                    **values,
                    "net_kg": delta.net_kg,
                    "fob_value": delta.fob_value,
                    "lines": delta.lines,
                },
            )
