"""The partner channel: inquiries with their threads, and priority lists with their items.

A partner authority is known by its jurisdiction (``partner_key``: the canonical form of its
countries and groups), so colleagues of one partner desk share its inquiries and lists."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Integer, String, Text, UniqueConstraint, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from rarex.db import Base, UTCDateTime
from rarex.models._types import Timestamp, UUIDPk


class Inquiry(Base):
    """A partner's question about one application, or a general one, and whose turn it is."""

    __tablename__ = "inquiries"
    __table_args__ = (
        CheckConstraint(
            "state IN ('awaiting_authority', 'awaiting_partner', 'closed')", name="state"
        ),
    )

    id: Mapped[UUIDPk]
    number: Mapped[str] = mapped_column(String(24), unique=True)
    partner_key: Mapped[str] = mapped_column(String(400), index=True)
    opened_by_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("users.id"))
    application_id: Mapped[uuid.UUID | None] = mapped_column(
        Uuid, ForeignKey("applications.id"), index=True
    )
    subject: Mapped[str] = mapped_column(String(300))
    state: Mapped[str] = mapped_column(String(24), index=True)
    opened_at: Mapped[Timestamp]
    # Since when the authority owes a reply (the partner's first unanswered message); None
    # while the partner's turn or closed. The reply target counts from its day.
    awaiting_since: Mapped[datetime | None] = mapped_column(UTCDateTime())
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    closed_by_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("users.id"))
    # The ``awaiting_since`` whose lapse was announced as overdue: one reminder per wait.
    overdue_notice_for: Mapped[datetime | None] = mapped_column(UTCDateTime())


class InquiryMessage(Base):
    __tablename__ = "inquiry_messages"
    __table_args__ = (
        UniqueConstraint("inquiry_id", "seq"),
        CheckConstraint("side IN ('partner', 'authority')", name="side"),
    )

    id: Mapped[UUIDPk]
    inquiry_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("inquiries.id"), index=True)
    seq: Mapped[int] = mapped_column(Integer)
    side: Mapped[str] = mapped_column(String(12))
    author_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("users.id"))
    body: Mapped[str] = mapped_column(Text)
    at: Mapped[Timestamp]


class PriorityRequest(Base):
    """A partner's list of applications it asks to have examined first."""

    __tablename__ = "priority_requests"

    id: Mapped[UUIDPk]
    number: Mapped[str] = mapped_column(String(24), unique=True)
    partner_key: Mapped[str] = mapped_column(String(400), index=True)
    submitted_by_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("users.id"))
    submitted_at: Mapped[Timestamp]
    note: Mapped[str] = mapped_column(Text, default="")


class PriorityItem(Base):
    """One application of a priority list, with the partner's reason and the officer's answer.
    Priority orders the work; it never touches the legal clock or a rule's result."""

    __tablename__ = "priority_items"
    __table_args__ = (
        UniqueConstraint("request_id", "application_id"),
        CheckConstraint("status IN ('pending', 'accepted', 'declined')", name="status"),
    )

    id: Mapped[UUIDPk]
    request_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("priority_requests.id"), index=True
    )
    application_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("applications.id"), index=True
    )
    position: Mapped[int] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(12), default="pending", index=True)
    decided_by_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("users.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    decision_reason: Mapped[str] = mapped_column(Text, default="")
