"""Append to and verify the hash-chained audit log stored in the database."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from sqlalchemy import select, text
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
from rarex.models import AuditEvent, AuditHead

_HEAD_ID = 1
# Advisory locks are database-wide: the key names the schema, so each Rarex schema (tests,
# benchmarks, tenants) has its own chain lock and one schema's long import never blocks another.
_PG_ADVISORY_LOCK = text(
    "SELECT pg_advisory_xact_lock(hashtext('rarex.audit:' || current_schema()))"
)


def _lock_head(session: Session) -> AuditHead:
    """Serialise writers: each event's hash depends on the one before it.

    The lock is taken once per transaction: a case step writes several events, and each
    extra lock would be a round trip that changes nothing.
    """
    transaction = session.get_nested_transaction() or session.get_transaction()
    held = session.info.get("audit_head")
    if held is not None and held[0] is transaction and transaction is not None:
        cached: AuditHead = held[1]
        return cached
    if session.get_bind().dialect.name == "postgresql":
        session.execute(_PG_ADVISORY_LOCK)
    head = session.scalar(select(AuditHead).where(AuditHead.id == _HEAD_ID).with_for_update())
    if head is None:
        head = AuditHead(id=_HEAD_ID, last_seq=0, last_hash=GENESIS_HASH)
        session.add(head)
        session.flush()
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
        (head.last_seq, head.last_hash),
        at=clock.now(),
        actor=actor,
        action=action,
        subject_type=subject_type,
        subject_id=subject_id,
        payload=payload,
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
    )
    session.add(event)
    head.last_seq = record.seq
    head.last_hash = record.hash
    # Flushed at once: a savepoint rolled back later must find the head and its events in the
    # database together, or the in-memory head would run ahead of the stored chain.
    session.flush()
    return event


def _stream(session: Session, batch: int = 5000) -> Iterator[AuditRecord]:
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
    )
    query = select(*columns).order_by(AuditEvent.seq).execution_options(yield_per=batch)
    for row in session.execute(query):
        yield AuditRecord(*row)


def verify(session: Session, *, actor: Actor | None = None) -> ChainVerification:
    """Check every event's hash and link, and that nothing after the recorded head is missing.

    ``actor`` is None only for the operator's own CLI on the authority's machine.
    """
    if actor is not None:
        require_role(
            actor, Role.ADMINISTRATOR, Role.LICENSING_OFFICER, action="verify the audit log"
        )
    head = session.execute(
        select(AuditHead.last_seq, AuditHead.last_hash).where(AuditHead.id == _HEAD_ID)
    ).first()
    expected = (head[0], head[1]) if head is not None else (0, GENESIS_HASH)
    return verify_chain(_stream(session), expected_head=expected)


def events_for(session: Session, *, subject_id: str) -> list[AuditEvent]:
    """Every audit event about one subject, oldest first (a case's or declaration's trail)."""
    return list(
        session.scalars(
            select(AuditEvent).where(AuditEvent.subject_id == subject_id).order_by(AuditEvent.seq)
        )
    )
