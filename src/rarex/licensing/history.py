"""A case's history: each state change recorded with its legal basis, and its audit event.

The clock's ledger of stops and restarts is read back from these rows
(``clock_service.clock_inputs``), so it can never disagree with them.

A change is written in two steps, around what the step itself does: ``record_change`` (the
row and its audit event), then, once the step has done everything (the green-channel
assessment may have moved the case to another lane), ``settle_change``: the due date refreshed
from the new ledger, and the followers notified of the case as it now stands.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from rarex.audit.service import record_event
from rarex.auth.roles import Actor
from rarex.clock import Clock, authority_date
from rarex.config import Settings
from rarex.licensing import repository
from rarex.licensing.clock_service import application_clock
from rarex.licensing.notices import announce_change
from rarex.licensing.states import LEGAL_BASIS, Action, State
from rarex.models import Application, StateChange


def record_change(
    session: Session,
    *,
    application: Application,
    actor: Actor,
    clock: Clock,
    action: Action,
    from_state: State,
    to_state: State,
    reason: str,
    details: dict[str, Any] | None = None,
) -> StateChange:
    now = clock.now()
    change = StateChange(
        application_id=application.id,
        seq=repository.last_change_seq(session, application.id) + 1,
        action=action.value,
        from_state=from_state.value,
        to_state=to_state.value,
        actor_id=actor.user_id,
        at=now,
        on_date=authority_date(now),
        reason=reason,
        legal_basis=LEGAL_BASIS[action],
        details=details or {},
    )
    session.add(change)
    session.flush()
    record_event(
        session,
        clock=clock,
        actor=actor.label,
        action=f"application.{action.value}",
        subject_type="application",
        subject_id=str(application.id),
        payload={
            "reference": application.reference,
            "from": from_state.value,
            "to": to_state.value,
            "reason": reason,
            "legal_basis": change.legal_basis,
            **({"details": details} if details else {}),
        },
    )
    return change


def refresh_due_date(
    session: Session, application: Application, *, clock: Clock, settings: Settings
) -> None:
    status = application_clock(
        session, application, today=authority_date(clock.now()), settings=settings
    )
    application.due_on = status.due_date if status is not None else None


def settle_change(
    session: Session,
    *,
    application: Application,
    actor: Actor,
    clock: Clock,
    settings: Settings,
) -> None:
    """The end of every state change (``review.transition``, ``decisions.decide``): the due
    date from the ledger that now includes it, and the notifications of it, in its transaction."""
    refresh_due_date(session, application, clock=clock, settings=settings)
    session.flush()
    announce_change(session, application=application, actor=actor, clock=clock, settings=settings)
