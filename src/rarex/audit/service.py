"""Append to and verify the hash-chained audit log stored in the database."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import Table, bindparam, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from rarex.audit.chain import (
    GENESIS_HASH,
    AuditRecord,
    ChainVerification,
    record_after,
    verify_chain,
)
from rarex.auth.roles import Actor, Role, require_role
from rarex.clock import Clock
from rarex.logs import current_request_id
from rarex.models import AuditEvent, AuditHead

_HEAD_ID = 1
_HEAD = cast(Table, AuditHead.__table__)
_EVENTS = cast(Table, AuditEvent.__table__)
_INSERT_EVENTS = insert(_EVENTS)


_SELECT_HEAD = (
    select(_HEAD.c.last_seq, _HEAD.c.last_hash).where(_HEAD.c.id == _HEAD_ID).with_for_update()
)
_UPDATE_HEAD = (
    update(_HEAD)
    .where(_HEAD.c.id == _HEAD_ID)
    .values(last_seq=bindparam("seq"), last_hash=bindparam("hash"))
)


@dataclass
class _Head:
    """The chain's head as this transaction holds it (locked) and moves it."""

    seq: int
    hash: str


def _lock_head(session: Session) -> _Head:
    """Serialise writers: each event's hash depends on the one before it.

    The head row's lock is the chain's lock (a row of this schema, so one schema's long import
    never blocks another's audited writes). It is taken once per transaction (a case step
    writes several events, and each extra lock would be a round trip that changes nothing) and
    once more in each savepoint, whose rollback could take the stored head back.
    """
    transaction = session.get_nested_transaction() or session.get_transaction()
    held = session.info.get("audit_head")
    if held is not None and held[0] is transaction and transaction is not None:
        cached: _Head = held[1]
        return cached
    row = session.execute(_SELECT_HEAD).first()
    if row is None:
        # The chain's first event: create the head. Two first writers meet on the primary key;
        # the second's insert does nothing and both then lock the one row.
        dialect = session.get_bind().dialect.name
        base = postgresql.insert(_HEAD) if dialect == "postgresql" else sqlite.insert(_HEAD)
        session.execute(
            base.values(id=_HEAD_ID, last_seq=0, last_hash=GENESIS_HASH).on_conflict_do_nothing(
                index_elements=["id"]
            )
        )
        row = session.execute(_SELECT_HEAD).one()
    return _hold(session, row[0], row[1])


def _hold(session: Session, seq: int, hash_: str) -> _Head:
    transaction = session.get_nested_transaction() or session.get_transaction()
    head = _Head(seq, hash_)
    session.info["audit_head"] = (transaction, head)
    return head


def record_event(
    session: Session,
    *,
    clock: Clock,
    actor: str,
    action: str,
    subject_type: str,
    subject_id: str,
    payload: Mapping[str, Any],
) -> AuditEvent:
    head = _lock_head(session)
    record = record_after(
        (head.seq, head.hash),
        at=clock.now(),
        actor=actor,
        action=action,
        subject_type=subject_type,
        subject_id=subject_id,
        payload=payload,
        request_id=current_request_id(),
    )
    event = AuditEvent(
        seq=record.seq,
        at=record.at,
        actor=record.actor,
        action=record.action,
        subject_type=record.subject_type,
        subject_id=record.subject_id,
        payload_json=record.payload_json,
        prev_hash=record.prev_hash,
        hash=record.hash,
        request_id=record.request_id,
    )
    session.add(event)
    # Written at once, event and head together: a savepoint rolled back later must find both
    # in the database as they were, or the head held here would run ahead of the stored chain.
    session.flush()
    session.execute(_UPDATE_HEAD, {"seq": record.seq, "hash": record.hash})
    head.seq, head.hash = record.seq, record.hash
    return event


@dataclass(frozen=True, slots=True)
class EventDraft:
    actor: str
    action: str
    subject_type: str
    subject_id: str
    payload: Mapping[str, Any]


def append_events(session: Session, *, clock: Clock, events: Sequence[EventDraft]) -> int:
    """Append several events in one multi-row insert (a batch of declarations); returns the
    sequence number of the last. Same chain, same lock and same hashes as ``record_event``."""
    if not events:
        return 0
    head = _lock_head(session)
    at = clock.now()
    last = (head.seq, head.hash)
    request_id = current_request_id()
    rows: list[dict[str, Any]] = []
    for draft in events:
        record = record_after(
            last,
            at=at,
            actor=draft.actor,
            action=draft.action,
            subject_type=draft.subject_type,
            subject_id=draft.subject_id,
            payload=draft.payload,
            request_id=request_id,
        )
        rows.append(
            {
                "seq": record.seq,
                "at": record.at,
                "actor": record.actor,
                "action": record.action,
                "subject_type": record.subject_type,
                "subject_id": record.subject_id,
                "payload_json": record.payload_json,
                "prev_hash": record.prev_hash,
                "hash": record.hash,
                "request_id": record.request_id,
            }
        )
        last = (record.seq, record.hash)
    session.execute(_INSERT_EVENTS, rows)
    session.execute(_UPDATE_HEAD, {"seq": last[0], "hash": last[1]})
    head.seq, head.hash = last
    return last[0]


def stream_records(
    session: Session, *, from_seq: int = 1, batch: int = 5000
) -> Iterator[AuditRecord]:
    """The stored events from ``from_seq`` on, by sequence, as plain records (streamed)."""
    # Plain rows, not ORM objects: verification must see what is stored, not an object the
    # session still holds from an earlier read or write.
    columns = (
        AuditEvent.seq,
        AuditEvent.at,
        AuditEvent.actor,
        AuditEvent.action,
        AuditEvent.subject_type,
        AuditEvent.subject_id,
        AuditEvent.payload_json,
        AuditEvent.prev_hash,
        AuditEvent.hash,
        AuditEvent.request_id,
    )
    query = (
        select(*columns)
        .where(AuditEvent.seq >= from_seq)
        .order_by(AuditEvent.seq)
        .execution_options(yield_per=batch)
    )
    for row in session.execute(query):
        yield AuditRecord(**row._mapping)


def verify(session: Session, *, actor: Actor | None = None) -> ChainVerification:
    """Check every event's hash and link, and that nothing after the recorded head is missing.

    ``actor`` is None only for the operator's own CLI on the authority's machine.
    """
    if actor is not None:
        require_role(
            actor, Role.ADMINISTRATOR, Role.LICENSING_OFFICER, action="verify the audit log"
        )
    return verify_chain(stream_records(session), expected_head=stored_head(session))


def stored_head(session: Session) -> tuple[int, str]:
    """The head row's (count, last hash), or the empty chain's when no event was written."""
    head = session.execute(
        select(AuditHead.last_seq, AuditHead.last_hash).where(AuditHead.id == _HEAD_ID)
    ).first()
    return (head[0], head[1]) if head is not None else (0, GENESIS_HASH)


def events_for(session: Session, *, subject_id: str) -> list[AuditEvent]:
    """Every audit event about one subject, oldest first (a case's or declaration's trail)."""
    return list(
        session.scalars(
            select(AuditEvent).where(AuditEvent.subject_id == subject_id).order_by(AuditEvent.seq)
        )
    )
