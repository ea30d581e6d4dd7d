"""The outbox as its operators read it: every notification's delivery (state, attempts, the
last error, when it is tried next), counts by state, and failed ones put back in line. Never
shown to other users: a notification is its recipient's (``service.notifications_of``)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, Final

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from rarex.auth.roles import Actor, Role, require_role
from rarex.clock import Clock
from rarex.db import keyset_page
from rarex.errors import InvalidInput, NotFound
from rarex.models import Notification, User
from rarex.pagination import Page, page_of, page_request

OUTBOX_ORDER: Final = "created_at desc, id desc (outbox)"
STATES: Final = ("pending", "sent", "no_address", "failed")


def _operator(actor: Actor | None) -> None:
    """``actor`` None is the operator's own command line; over the pages, administrators."""
    if actor is not None:
        require_role(actor, Role.ADMINISTRATOR, action="read the outbox")


def outbox_page(
    session: Session,
    *,
    actor: Actor | None,
    state: str | None = None,
    limit: int | None = None,
    page_token: str | None = None,
) -> Page[dict[str, Any]]:
    """Newest first, with each recipient's username; subject and body are left out (they are
    the recipient's to read)."""
    _operator(actor)
    if state is not None and state not in STATES:
        raise InvalidInput(
            f"unknown state {state!r}; known: {', '.join(STATES)}",
            code="notify.unknown_state", field="state",
        )  # fmt: skip
    request = page_request(limit, page_token, order=OUTBOX_ORDER)
    conditions = [Notification.state == state] if state is not None else []
    rows, total = keyset_page(
        session,
        Notification,
        conditions=conditions,
        order=[Notification.created_at.expression, Notification.id.expression],
        after=(datetime.fromisoformat(str(request.after[0])), uuid.UUID(str(request.after[1])))
        if request.after is not None
        else None,
        limit=request.limit + 1,
        descending=True,
    )
    page = page_of(rows, request, key=lambda n: (n.created_at.isoformat(), str(n.id)), total=total)
    names: dict[uuid.UUID, str] = {
        user_id: username
        for user_id, username in session.execute(
            select(User.id, User.username).where(User.id.in_({n.user_id for n in page.items}))
        ).all()
    }
    return page.map(lambda n: delivery_row(n, names.get(n.user_id, "?")))


def delivery_row(n: Notification, username: str) -> dict[str, Any]:
    """One notification's delivery, as ``rarex notify list --json`` prints it."""
    return {
        "id": str(n.id),
        "recipient": username,
        "kind": n.kind,
        "language": n.language,
        "state": n.state,
        "message_id": n.message_id,
        "created_at": n.created_at.isoformat(),
        "attempts": n.attempts,
        "next_attempt_at": n.next_attempt_at.isoformat() if n.next_attempt_at else None,
        "last_error": n.last_error,
        "sent_at": n.sent_at.isoformat() if n.sent_at else None,
        "read_at": n.read_at.isoformat() if n.read_at else None,
    }


def pending_count(session: Session) -> int:
    """Notifications waiting to be mailed (the outbox's backlog)."""
    return int(session.scalar(select(func.count()).where(Notification.state == "pending")) or 0)


def outbox_status(session: Session, *, actor: Actor | None, now: datetime) -> dict[str, Any]:
    """Counts by state; how many are due now and held back by a failure; the oldest waiting."""
    _operator(actor)
    counts = dict.fromkeys(STATES, 0)
    for state, count in session.execute(
        select(Notification.state, func.count()).group_by(Notification.state)
    ).all():
        counts[state] = int(count)
    pending = Notification.state == "pending"
    due = session.scalar(select(func.count()).where(pending, Notification.next_attempt_at <= now))
    retrying = session.scalar(select(func.count()).where(pending, Notification.attempts > 0))
    oldest = session.scalar(select(func.min(Notification.created_at)).where(pending))
    return {
        "counts": counts,
        "due": int(due or 0),
        "retrying": int(retrying or 0),
        "oldest_pending_at": oldest.isoformat() if oldest else None,
    }


def retry_failed(
    session: Session, *, clock: Clock, actor: Actor | None, notification_id: uuid.UUID | None
) -> int:
    """Put failed notifications (one, or all with ``notification_id`` None) back in line, due
    now, their attempts kept. Returns how many."""
    _operator(actor)
    conditions = [Notification.state == "failed"]
    if notification_id is not None:
        if session.get(Notification, notification_id) is None:
            raise NotFound("no such notification", code="notify.not_found")
        conditions.append(Notification.id == notification_id)
    done = session.execute(
        update(Notification)
        .where(*conditions)
        .values(state="pending", next_attempt_at=clock.now())
        .execution_options(synchronize_session=False)
    )
    return int(done.rowcount)  # type: ignore[attr-defined]
