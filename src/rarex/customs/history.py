"""A declaration's history row and audit event, written together for every step; and its
audit trail read back."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from rarex.audit.service import events_for, record_event
from rarex.auth.roles import Actor
from rarex.clock import Clock
from rarex.customs import repository
from rarex.models import AuditEvent
from rarex.models.customs import Declaration, DeclarationAction


def record(
    session: Session,
    *,
    declaration: Declaration,
    actor: Actor,
    clock: Clock,
    now: datetime,
    action: str,
    reason: str = "",
    line_no: int | None = None,
    details: dict[str, Any] | None = None,
    seq: int | None = None,
) -> None:
    """Append to the declaration's history and to the audit chain.

    Called last in every step: the audit chain is one lock for all writers, so it is taken
    after the license locks, once everything else is flushed, and held only until the commit
    that follows. ``seq`` may be given when known (1 for a filing), saving a query.
    """
    details = details or {}
    session.add(
        DeclarationAction(
            declaration_id=declaration.id,
            seq=seq if seq is not None else repository.last_action_seq(session, declaration.id) + 1,
            action=action,
            line_no=line_no,
            revision=declaration.revision,
            actor_id=actor.user_id,
            at=now,
            reason=reason,
            details=jsonable(details),
        )
    )
    session.flush()
    record_event(
        session,
        clock=clock,
        actor=actor.label,
        action=f"customs.declaration_{action}",
        subject_type="declaration",
        subject_id=str(declaration.id),
        payload={
            "number": declaration.number,
            "revision": declaration.revision,
            "status": declaration.status,
            "line_no": line_no,
            "reason": reason,
            **jsonable(details),
        },
    )


def audit_trail(session: Session, declaration: Declaration) -> list[AuditEvent]:
    """The audit events that commit to this declaration, oldest first (the caller has checked
    that the asker may see it).

    A declaration filed on its own, and every later step, has events of its own. One filed by
    a file import has none for its filing: the chunk's ``customs.declarations_imported`` event
    names it, and its ``filed`` action names that event's subject as ``audit_batch``.
    """
    batches = {
        str(action.details["audit_batch"])
        for action in repository.actions_for(session, declaration.id)
        if action.details.get("audit_batch")
    }
    events = {e.seq: e for e in events_for(session, subject_id=str(declaration.id))}
    for subject in sorted(batches):
        events.update((e.seq, e) for e in events_for(session, subject_id=subject))
    return [events[seq] for seq in sorted(events)]


def jsonable(value: Any) -> Any:
    """Decimals and dates as strings, the way every ``--json`` shape shows them."""
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    if value is None or isinstance(value, bool | int | str):
        return value
    return str(value)
