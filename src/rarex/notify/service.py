"""The outbox and the page: notifications written with their event, read by their recipient.

``notify`` is the one writer. It renders each notification in its recipient's language when it
is written (the row keeps subject and body, so a later template never rewrites what was said)
and adds it to the caller's transaction: the event and its notifications are kept together or
not at all, and nothing here commits. Delivery is the sender's (``rarex.notify.sender``).
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterable, Mapping
from datetime import datetime
from email.utils import parseaddr
from typing import Final

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from rarex.auth.roles import Actor, Role
from rarex.clock import Clock
from rarex.config import Settings
from rarex.db import keyset_page
from rarex.errors import NotFound
from rarex.models import Follow, Notification, User
from rarex.notify.kinds import Facts, Kind
from rarex.notify.mail import write
from rarex.notify.wording import MailLanguage
from rarex.pagination import Page, page_of, page_request

log = logging.getLogger(__name__)

NOTIFICATIONS_ORDER: Final = "created_at desc, id desc"
PAGE_PATH: Final = "/notifications"
# Where a recipient reads a case, by role; the other roles see their notifications page.
_CASE_PAGES: Final[dict[Role, str]] = {
    Role.EXPORTER: "/exporter/applications/{reference}",
    Role.LICENSING_OFFICER: "/officer/applications/{reference}",
    Role.ADMINISTRATOR: "/officer/applications/{reference}",
    Role.PARTNER_AUTHORITY: "/partner/applications/{reference}",
}


def notify(
    session: Session,
    *,
    clock: Clock,
    settings: Settings,
    recipients: Iterable[uuid.UUID],
    kind: Kind,
    facts: Facts,
    link: str | Mapping[Role, str] | None = None,
) -> list[Notification]:
    """Write ``kind`` about ``facts`` to each distinct, active recipient, in the transaction of
    the event (the caller's; nothing is committed here).

    ``link`` is the page to follow, a path of this site: one for all, one per role, or None for
    the case's page as each role reads it (``facts.reference``), else the notifications page.
    A recipient without an e-mail address gets the notification on the page only
    (``no_address``); the others' wait for the sender (``pending``), due at once."""
    wanted = list(dict.fromkeys(recipients))
    if not wanted:
        return []
    users = session.scalars(
        select(User).where(User.id.in_(wanted), User.active.is_(True)).order_by(User.username)
    ).all()
    now = clock.now()
    base = settings.public_url.rstrip("/")
    domain = message_id_domain(settings.mail_from)
    rows: list[Notification] = []
    for user in users:
        language: MailLanguage = "zh" if user.language == "zh" else "en"
        path = _path_for(Role(user.role), link, facts)
        written = write(
            kind, facts, language=language, url=base + path, notifications_url=base + PAGE_PATH
        )
        row_id = uuid.uuid4()
        row = Notification(
            id=row_id,
            user_id=user.id,
            kind=kind.value,
            language=language,
            to_address=user.email,
            subject=written.subject,
            body=written.body,
            link=path,
            message_id=f"<{row_id.hex}@{domain}>",
            created_at=now,
            state="pending" if user.email else "no_address",
            attempts=0,
            next_attempt_at=now if user.email else None,
        )
        session.add(row)
        rows.append(row)
    session.flush()
    log.info(
        "notify.written",
        extra={"kind": kind.value, "reference": facts.reference, "notifications": len(rows)},
    )
    return rows


def _path_for(role: Role, link: str | Mapping[Role, str] | None, facts: Facts) -> str:
    if isinstance(link, str):
        return link
    if link is not None and role in link:
        return link[role]
    page = _CASE_PAGES.get(role)
    if page is not None and facts.reference:
        return page.format(reference=facts.reference)
    return PAGE_PATH


def message_id_domain(mail_from: str) -> str:
    """The right-hand side of every Message-ID: the sender address's domain, else ``rarex``."""
    _, address = parseaddr(mail_from)
    domain = address.rpartition("@")[2].strip().lower()
    return domain if domain and all(c.isalnum() or c in ".-" for c in domain) else "rarex"


def follow(
    session: Session, *, clock: Clock, user_id: uuid.UUID, application_id: uuid.UUID
) -> bool:
    """``user_id`` hears of the application's state changes and decision from now on. True if
    this added a follow, False if it was there already (following twice is following)."""
    exists = session.scalar(
        select(Follow.id).where(Follow.user_id == user_id, Follow.application_id == application_id)
    )
    if exists is not None:
        return False
    with session.begin_nested():  # a concurrent follow of the same pair: the unique key decides
        session.add(Follow(user_id=user_id, application_id=application_id, created_at=clock.now()))
        session.flush()
    return True


def unfollow(session: Session, *, user_id: uuid.UUID, application_id: uuid.UUID) -> bool:
    """True if a follow was removed."""
    row = session.scalar(
        select(Follow).where(Follow.user_id == user_id, Follow.application_id == application_id)
    )
    if row is None:
        return False
    session.delete(row)
    session.flush()
    return True


def followers_of(session: Session, *, application_id: uuid.UUID) -> list[uuid.UUID]:
    return list(
        session.scalars(
            select(Follow.user_id)
            .where(Follow.application_id == application_id)
            .order_by(Follow.created_at, Follow.user_id)
        )
    )


def notifications_of(
    session: Session, *, actor: Actor, limit: int | None = None, page_token: str | None = None
) -> Page[Notification]:
    """The asker's own notifications, newest first, a page at a time (nobody reads another's:
    not even an administrator, who sees the outbox's delivery state instead)."""
    request = page_request(limit, page_token, order=NOTIFICATIONS_ORDER)
    rows, total = keyset_page(
        session,
        Notification,
        conditions=[Notification.user_id == actor.user_id],
        order=[Notification.created_at.expression, Notification.id.expression],
        after=(datetime.fromisoformat(str(request.after[0])), uuid.UUID(str(request.after[1])))
        if request.after is not None
        else None,
        limit=request.limit + 1,
        descending=True,
    )
    return page_of(rows, request, key=lambda n: (n.created_at.isoformat(), str(n.id)), total=total)


def unread_count(session: Session, *, actor: Actor) -> int:
    return int(
        session.scalar(
            select(func.count())
            .select_from(Notification)
            .where(Notification.user_id == actor.user_id, Notification.read_at.is_(None))
        )
        or 0
    )


def mark_read(
    session: Session, *, clock: Clock, actor: Actor, notification_id: uuid.UUID | None = None
) -> int:
    """Mark one of the asker's notifications read (another's is not found, as one that does
    not exist), or all of them with ``notification_id`` None. Returns how many changed."""
    conditions = [Notification.user_id == actor.user_id, Notification.read_at.is_(None)]
    if notification_id is not None:
        mine = session.scalar(
            select(Notification.id).where(
                Notification.id == notification_id, Notification.user_id == actor.user_id
            )
        )
        if mine is None:
            raise NotFound("no such notification", code="notify.not_found")
        conditions.append(Notification.id == notification_id)
    done = session.execute(update(Notification).where(*conditions).values(read_at=clock.now()))
    return int(done.rowcount)  # type: ignore[attr-defined]
