"""Issued licenses and their per-line balances that customs draws down."""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal

from sqlalchemy import JSON, CheckConstraint, Date, ForeignKey, Integer, String, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from rarex.db import Base
from rarex.models._types import KILOGRAMS, Timestamp, UUIDPk


class License(Base):
    __tablename__ = "licenses"
    __table_args__ = (
        CheckConstraint("license_type in ('single', 'general')", name="license_type"),
        # Expired is read off the validity date, never stored (``licensing.license_states``).
        CheckConstraint("status in ('active', 'exhausted', 'suspended', 'revoked')", name="status"),
        CheckConstraint("valid_until >= valid_from", name="validity_window"),
    )

    id: Mapped[UUIDPk]
    number: Mapped[str] = mapped_column(String(40), unique=True)
    application_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("applications.id"), unique=True
    )
    exporter_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("companies.id"), index=True)
    license_type: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16))
    consignee_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("foreign_parties.id"))
    end_user_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("foreign_parties.id"))
    destination: Mapped[str] = mapped_column(String(2))
    valid_from: Mapped[date] = mapped_column(Date)
    valid_until: Mapped[date] = mapped_column(Date)
    conditions: Mapped[list[str]] = mapped_column(JSON, default=list)
    supervision_code: Mapped[str] = mapped_column(String(4), default="3")
    issued_at: Mapped[Timestamp]


class LicenseLine(Base):
    """Granted quantity and what remains; the database refuses a negative balance."""

    __tablename__ = "license_lines"
    __table_args__ = (
        CheckConstraint("granted_kg > 0", name="granted_positive"),
        CheckConstraint("remaining_kg >= 0", name="remaining_not_negative"),
        CheckConstraint("remaining_kg <= granted_kg", name="remaining_within_granted"),
    )

    id: Mapped[UUIDPk]
    license_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("licenses.id"), index=True)
    line_no: Mapped[int] = mapped_column(Integer)
    control_code: Mapped[str] = mapped_column(String(16))
    hs_code: Mapped[str] = mapped_column(String(10))
    granted_kg: Mapped[Decimal] = mapped_column(KILOGRAMS)
    remaining_kg: Mapped[Decimal] = mapped_column(KILOGRAMS)
