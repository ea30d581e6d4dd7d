"""Export-license applications, their lines, documents, state history and assessments."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Date,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    Uuid,
)
from sqlalchemy.orm import Mapped, mapped_column

from rarex.db import Base, UTCDateTime
from rarex.models._types import KILOGRAMS, MONEY, Timestamp, UUIDPk


class Application(Base):
    __tablename__ = "applications"
    __table_args__ = (
        CheckConstraint("license_type in ('single', 'general')", name="license_type"),
        CheckConstraint("lane in ('ordinary', 'green')", name="lane"),
    )

    id: Mapped[UUIDPk]
    reference: Mapped[str] = mapped_column(String(32), unique=True)
    exporter_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("companies.id"), index=True)
    filed_by_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("users.id"))
    state: Mapped[str] = mapped_column(String(32), index=True)
    license_type: Mapped[str] = mapped_column(String(16))
    lane: Mapped[str] = mapped_column(String(16), default="ordinary")
    consignee_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("foreign_parties.id"))
    end_user_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("foreign_parties.id"), index=True
    )
    destination: Mapped[str] = mapped_column(String(2))
    end_use_category: Mapped[str] = mapped_column(String(40))
    end_use_statement: Mapped[str] = mapped_column(Text)
    contract_reference: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[Timestamp]
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # The latest acceptance: a resubmission after return starts a new clock from here.
    accepted_on: Mapped[date | None] = mapped_column(Date)
    decided_on: Mapped[date | None] = mapped_column(Date)
    # Denormalised from the clock so the review queue can sort without recomputing it.
    due_on: Mapped[date | None] = mapped_column(Date, index=True)
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012 - SQLAlchemy's declarative API


class ApplicationLine(Base):
    __tablename__ = "application_lines"
    __table_args__ = (
        UniqueConstraint("application_id", "line_no"),
        CheckConstraint("quantity_kg > 0", name="quantity_positive"),
        CheckConstraint("value_amount >= 0", name="value_not_negative"),
        CheckConstraint(
            "granted_kg IS NULL OR (granted_kg >= 0 AND granted_kg <= quantity_kg)",
            name="granted_within_requested",
        ),
    )

    id: Mapped[UUIDPk]
    application_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("applications.id"))
    line_no: Mapped[int] = mapped_column(Integer)
    control_code: Mapped[str] = mapped_column(String(16))
    hs_code: Mapped[str] = mapped_column(String(10))
    description: Mapped[str] = mapped_column(Text)
    quantity_kg: Mapped[Decimal] = mapped_column(KILOGRAMS)
    value_amount: Mapped[Decimal] = mapped_column(MONEY)
    currency: Mapped[str] = mapped_column(String(3))
    granted_kg: Mapped[Decimal | None] = mapped_column(KILOGRAMS)


class Document(Base):
    """A supporting document; the SHA-256 lets anyone prove later what was filed."""

    __tablename__ = "documents"

    id: Mapped[UUIDPk]
    application_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("applications.id"), index=True
    )
    kind: Mapped[str] = mapped_column(String(40))
    filename: Mapped[str] = mapped_column(String(255))
    media_type: Mapped[str] = mapped_column(String(100))
    size_bytes: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    # Never read with the metadata (a case page lists documents; a download asks for the bytes
    # with ``undefer``); reading it by accident raises instead of loading megabytes lazily.
    content: Mapped[bytes] = mapped_column(LargeBinary, deferred=True, deferred_raiseload=True)
    uploaded_by_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("users.id"))
    uploaded_at: Mapped[Timestamp]


class StateChange(Base):
    """One transition of an application; the clock ledger is derived from these rows."""

    __tablename__ = "state_changes"

    id: Mapped[UUIDPk]
    application_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("applications.id"), index=True
    )
    seq: Mapped[int] = mapped_column(Integer)
    action: Mapped[str] = mapped_column(String(40))
    from_state: Mapped[str | None] = mapped_column(String(32))
    to_state: Mapped[str] = mapped_column(String(32))
    actor_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("users.id"))
    at: Mapped[Timestamp]
    on_date: Mapped[date] = mapped_column(Date)
    reason: Mapped[str] = mapped_column(Text)
    legal_basis: Mapped[str] = mapped_column(String(300))
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    __table_args__ = (UniqueConstraint("application_id", "seq"),)


class GreenChannelCheck(Base):
    """The rule-by-rule green-channel assessment made when an application is accepted."""

    __tablename__ = "green_channel_checks"
    __table_args__ = (UniqueConstraint("application_id", "seq"),)

    id: Mapped[UUIDPk]
    application_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("applications.id"), index=True
    )
    # Ordered per application: a frozen clock can give two assessments the same instant.
    seq: Mapped[int] = mapped_column(Integer)
    evaluated_at: Mapped[Timestamp]
    eligible: Mapped[bool]
    policy_version: Mapped[str] = mapped_column(String(40))
    results: Mapped[list[dict[str, Any]]] = mapped_column(JSON)


class Decision(Base):
    __tablename__ = "decisions"
    __table_args__ = (CheckConstraint("outcome in ('approved', 'denied')", name="outcome"),)

    id: Mapped[UUIDPk]
    application_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("applications.id"), unique=True
    )
    outcome: Mapped[str] = mapped_column(String(16))
    officer_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("users.id"))
    decided_at: Mapped[Timestamp]
    reason_codes: Mapped[list[str]] = mapped_column(JSON, default=list)
    reason: Mapped[str] = mapped_column(Text)
    conditions: Mapped[list[str]] = mapped_column(JSON, default=list)
    legal_basis: Mapped[str] = mapped_column(String(300))
