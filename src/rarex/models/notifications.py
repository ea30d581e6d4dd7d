"""The outbox of notifications, who follows which application, and the sender's lease."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import (
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    Uuid,
)
from sqlalchemy.orm import Mapped, mapped_column

from rarex.db import Base, UTCDateTime
from rarex.models._types import Timestamp, UUIDPk


class Notification(Base):
    """One notification to one user, written in the transaction of the event it tells of.

    Subject and body are rendered when the row is written, in the recipient's language of
    that moment, so a later change of a template never rewrites what was said. The Message-ID
    is fixed at insert: a message sent twice (a sender killed between the server's answer and
    its own record of it) carries the same one, so the recipient's mail client shows it once.
    ``state``: pending (to send), sent, no_address (shown on the page only), failed (a
    permanent refusal, given up after ``notify_give_up_after`` attempts; `rarex notify retry`).
    """

    __tablename__ = "notifications"
    __table_args__ = (
        CheckConstraint("state in ('pending', 'sent', 'no_address', 'failed')", name="state"),
        CheckConstraint("language in ('en', 'zh')", name="language"),
        CheckConstraint("attempts >= 0", name="attempts_not_negative"),
        # the sender's question: what is due now
        Index("ix_notifications_due", "state", "next_attempt_at"),
        # the page's: a user's newest first
        Index("ix_notifications_user_created", "user_id", "created_at"),
    )

    id: Mapped[UUIDPk]
    user_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("users.id"))
    kind: Mapped[str] = mapped_column(String(32))
    language: Mapped[str] = mapped_column(String(8))
    # the address at the time of writing; None: the user had none (state no_address)
    to_address: Mapped[str | None] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    # the page the notification points to, a path of this site
    link: Mapped[str] = mapped_column(String(500))
    message_id: Mapped[str] = mapped_column(String(200), unique=True)
    created_at: Mapped[Timestamp]
    state: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # a sender's claim: nobody else sends the row before ``claimed_until``
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    claimed_by: Mapped[str | None] = mapped_column(String(100))
    last_error: Mapped[str | None] = mapped_column(String(500))
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class Follow(Base):
    """A user who asked to hear of an application's state changes and decision (a partner
    authority who inquired about it or put it on a priority list)."""

    __tablename__ = "follows"
    __table_args__ = (UniqueConstraint("user_id", "application_id"),)

    id: Mapped[UUIDPk]
    user_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("users.id"))
    application_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("applications.id"), index=True
    )
    created_at: Mapped[Timestamp]


class SenderLease(Base):
    """Who sends mail now, among the processes of ``rarex serve`` and ``rarex notify run``:
    the holder renews ``expires_at`` every poll; another takes the lease once it lapsed."""

    __tablename__ = "sender_leases"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    holder: Mapped[str] = mapped_column(String(100))
    expires_at: Mapped[Timestamp]
