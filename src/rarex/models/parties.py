"""Exporters (domestic applicants) and foreign parties (consignees, end users)."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Date,
    ForeignKey,
    String,
    Text,
    UniqueConstraint,
    Uuid,
)
from sqlalchemy.orm import Mapped, mapped_column

from rarex.db import Base, UTCDateTime
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
    # [{"scheme": "lei"|"vat"|"eori"|"register", "value": canonical}], as the exporter gave them
    identifiers: Mapped[list[dict[str, str]]] = mapped_column(
        JSON, default=list, server_default="[]"
    )
    created_at: Mapped[Timestamp]


class TrustedParty(Base):
    """A company abroad that a partner authority vouches for as an end user (its audited
    compliance programme, say), and the licensing authority's answer. An approved one counts
    for the green channel's known-end-user rule until it is withdrawn or its review date has
    passed (lapsed: derived on the day asked, never stored)."""

    __tablename__ = "trusted_parties"
    __table_args__ = (
        CheckConstraint("length(country) = 2", name="country_alpha2"),
        CheckConstraint(
            "status IN ('proposed', 'approved', 'rejected', 'withdrawn')", name="status"
        ),
    )

    id: Mapped[UUIDPk]
    number: Mapped[str] = mapped_column(String(24), unique=True)
    partner_key: Mapped[str] = mapped_column(String(400), index=True)
    name: Mapped[str] = mapped_column(String(300))
    name_zh: Mapped[str | None] = mapped_column(String(300))
    name_key: Mapped[str] = mapped_column(String(300), index=True)
    country: Mapped[str] = mapped_column(String(2), index=True)
    identifiers: Mapped[list[dict[str, str]]] = mapped_column(JSON, default=list)
    address: Mapped[str | None] = mapped_column(Text)
    basis: Mapped[str] = mapped_column(Text)
    review_on: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(12), index=True)
    proposed_by_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("users.id"))
    proposed_at: Mapped[Timestamp]
    decided_by_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("users.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    decision_reason: Mapped[str] = mapped_column(Text, default="")
    withdrawn_by_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("users.id"))
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    withdrawal_reason: Mapped[str] = mapped_column(Text, default="")
