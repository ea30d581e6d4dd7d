"""Exporters (domestic applicants) and foreign parties (consignees, end users)."""

from __future__ import annotations

import uuid
from datetime import date

from sqlalchemy import CheckConstraint, Date, ForeignKey, String, Text, UniqueConstraint, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from rarex.db import Base
from rarex.models._types import Timestamp, UUIDPk


class Company(Base):
    """A domestic exporter, identified by its unified social credit code."""

    __tablename__ = "companies"

    id: Mapped[UUIDPk]
    uscc: Mapped[str] = mapped_column(String(18), unique=True)
    name: Mapped[str] = mapped_column(String(300))
    name_zh: Mapped[str | None] = mapped_column(String(300))
    address: Mapped[str | None] = mapped_column(Text)
    compliance_programme_on: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[Timestamp]


class Violation(Base):
    """An established breach of export-control law, part of an exporter's record."""

    __tablename__ = "violations"

    id: Mapped[UUIDPk]
    company_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("companies.id"), index=True)
    occurred_on: Mapped[date] = mapped_column(Date)
    description: Mapped[str] = mapped_column(Text)
    penalty_reference: Mapped[str | None] = mapped_column(String(120))


class ForeignParty(Base):
    """A consignee or end user abroad, as one exporter knows it; it can play both roles.

    Kept per exporter: one applicant's typed details (address) are never shown to another,
    and "end user approved before for this exporter" compares records of that exporter only.
    """

    __tablename__ = "foreign_parties"
    __table_args__ = (
        CheckConstraint("length(country) = 2", name="country_alpha2"),
        UniqueConstraint("exporter_id", "name_key", "country"),
    )

    id: Mapped[UUIDPk]
    exporter_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("companies.id"))
    name: Mapped[str] = mapped_column(String(300))
    # Case- and space-folded name: the identity the unique constraint holds.
    name_key: Mapped[str] = mapped_column(String(300))
    country: Mapped[str] = mapped_column(String(2), index=True)
    address: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[Timestamp]
