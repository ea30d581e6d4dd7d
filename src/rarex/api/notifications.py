"""A user's own notifications: read them a page at a time, mark them read. Nobody reads
another's (an id of another user's is 404, as one that does not exist)."""

from __future__ import annotations

import uuid
from datetime import datetime

from fastapi import APIRouter
from pydantic import ConfigDict

from rarex.api.deps import ActorDep, ClockDep, SessionDep
from rarex.api.idempotency import IdempotentRoute
from rarex.api.paging import Limit, PageOut, PageTokenParam
from rarex.api.schemas import Out
from rarex.notify.service import mark_read, notifications_of, unread_count

router = APIRouter(route_class=IdempotentRoute, tags=["notifications"])


class NotificationRead(Out):
    model_config = ConfigDict(extra="forbid", from_attributes=True)

    id: uuid.UUID
    kind: str
    language: str
    subject: str
    body: str
    link: str
    created_at: datetime
    read_at: datetime | None
    # pending, sent, no_address (the page only) or failed: the mail's, not the page's
    state: str


class NotificationsRead(Out):
    marked: int
    unread: int


@router.get("/notifications")
def my_notifications(
    session: SessionDep, actor: ActorDep, limit: Limit = None, page_token: PageTokenParam = None
) -> PageOut[NotificationRead]:
    """The caller's notifications, newest first (``{"items", "next_page_token", "total",
    "order"}``)."""
    page = notifications_of(session, actor=actor, limit=limit, page_token=page_token)
    return PageOut[NotificationRead].of(page.map(NotificationRead.model_validate))


@router.post("/notifications/{notification_id}/read")
def read_one(
    notification_id: uuid.UUID, session: SessionDep, actor: ActorDep, clock: ClockDep
) -> NotificationsRead:
    """Mark one of the caller's notifications read (another's: 404 ``notify.not_found``)."""
    marked = mark_read(session, clock=clock, actor=actor, notification_id=notification_id)
    return NotificationsRead(marked=marked, unread=unread_count(session, actor=actor))


@router.post("/notifications/read")
def read_all(session: SessionDep, actor: ActorDep, clock: ClockDep) -> NotificationsRead:
    """Mark every notification of the caller read."""
    marked = mark_read(session, clock=clock, actor=actor)
    return NotificationsRead(marked=marked, unread=0)
