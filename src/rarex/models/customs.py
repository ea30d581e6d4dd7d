"""Export declarations, their lines, license drawdowns and monthly export aggregates (issue 3)."""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
    Uuid,
)
from sqlalchemy.orm import Mapped, mapped_column

from rarex.db import Base
from rarex.models._types import KILOGRAMS, MONEY, Timestamp, UUIDPk

_DECLARATION_STATUSES = "('cleared', 'held', 'refused', 'partially_cleared', 'cancelled')"
_LINE_OUTCOMES = "('cleared', 'held', 'refused')"
_LINE_STATUSES = "('cleared', 'held', 'refused', 'cancelled')"


class Declaration(Base):
    """An export declaration as lodged with customs; its number is the idempotency key."""

    __tablename__ = "declarations"
    __table_args__ = (
        CheckConstraint(f"status in {_DECLARATION_STATUSES}", name="status"),
        CheckConstraint(
            "clearance_date IS NULL OR clearance_date >= declared_date", name="clearance_after"
        ),
        CheckConstraint("revision >= 1", name="revision_positive"),
    )

    id: Mapped[UUIDPk]
    number: Mapped[str] = mapped_column(String(40), unique=True)
    exporter_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("companies.id"), index=True)
    # As declared, even when no license has that number (the refusal says so).
    license_number: Mapped[str | None] = mapped_column(String(40))
    license_id: Mapped[uuid.UUID | None] = mapped_column(
        Uuid, ForeignKey("licenses.id"), index=True
    )
    destination: Mapped[str] = mapped_column(String(2))
    consignee_name: Mapped[str] = mapped_column(String(300))
    consignee_country: Mapped[str] = mapped_column(String(2))
    port: Mapped[str] = mapped_column(String(80))
    declared_date: Mapped[date] = mapped_column(Date, index=True)
    # Given by an import of declarations cleared elsewhere, or set when a line first clears.
    clearance_date: Mapped[date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(20), index=True)
    # Bumped by each amendment; the current lines carry the same revision.
    revision: Mapped[int] = mapped_column(Integer, default=1)
    filed_by_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("users.id"))
    filed_at: Mapped[Timestamp]
    # The SHA-256 of the declaration as filed, in canonical form: the same number sent again
    # with the same content is a replay (the original outcome), with other content a conflict.
    # None for declarations filed before it was kept.
    content_sha256: Mapped[str | None] = mapped_column(String(64))


class DeclarationLine(Base):
    """One item of a declaration with its clearance outcome and what it drew from a license.

    ``outcome`` and ``reasons`` are the check made when the line was declared and never change;
    ``status`` is where the line stands now (an officer may release, hold or refuse it).
    """

    __tablename__ = "declaration_lines"
    __table_args__ = (
        UniqueConstraint("declaration_id", "revision", "line_no"),
        CheckConstraint("net_kg > 0", name="net_kg_positive"),
        CheckConstraint("fob_value >= 0", name="fob_value_not_negative"),
        CheckConstraint("drawn_kg >= 0 AND drawn_kg <= net_kg", name="drawn_within_net"),
        CheckConstraint(f"outcome in {_LINE_OUTCOMES}", name="outcome"),
        CheckConstraint(f"status in {_LINE_STATUSES}", name="status"),
    )

    id: Mapped[UUIDPk]
    declaration_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("declarations.id"), index=True
    )
    revision: Mapped[int] = mapped_column(Integer)
    line_no: Mapped[int] = mapped_column(Integer)
    hs_code: Mapped[str] = mapped_column(String(10))
    control_code: Mapped[str | None] = mapped_column(String(16))
    description: Mapped[str] = mapped_column(Text)
    net_kg: Mapped[Decimal] = mapped_column(KILOGRAMS)
    fob_value: Mapped[Decimal] = mapped_column(MONEY)
    currency: Mapped[str] = mapped_column(String(3))
    series: Mapped[str] = mapped_column(String(24))
    element: Mapped[str | None] = mapped_column(String(4))
    controlled: Mapped[bool] = mapped_column(Boolean)
    outcome: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16))
    reasons: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    license_line_id: Mapped[uuid.UUID | None] = mapped_column(
        Uuid, ForeignKey("license_lines.id"), index=True
    )
    drawn_kg: Mapped[Decimal] = mapped_column(KILOGRAMS, default=Decimal(0))
    # The day the line cleared: its month is the statistical period it counts in.
    cleared_on: Mapped[date | None] = mapped_column(Date, index=True)


class DeclarationAction(Base):
    """What happened to a declaration, in order: filing, officer actions, amendments."""

    __tablename__ = "declaration_actions"
    __table_args__ = (UniqueConstraint("declaration_id", "seq"),)

    id: Mapped[UUIDPk]
    declaration_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("declarations.id"), index=True
    )
    seq: Mapped[int] = mapped_column(Integer)
    action: Mapped[str] = mapped_column(String(24))
    line_no: Mapped[int | None] = mapped_column(Integer)
    revision: Mapped[int] = mapped_column(Integer)
    actor_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("users.id"))
    at: Mapped[Timestamp]
    reason: Mapped[str] = mapped_column(Text)
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class LicenseDrawdown(Base):
    """The ledger of a license line's balance: a draw is positive, a restoration negative.

    For every license line, granted minus remaining equals the sum of its ledger; the
    reconciliation report checks exactly that.
    """

    __tablename__ = "license_drawdowns"
    __table_args__ = (
        CheckConstraint("kg <> 0", name="kg_not_zero"),
        CheckConstraint("kind in ('draw', 'restore')", name="kind"),
    )

    id: Mapped[UUIDPk]
    license_line_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("license_lines.id"), index=True
    )
    declaration_line_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("declaration_lines.id"), index=True
    )
    kind: Mapped[str] = mapped_column(String(8))
    kg: Mapped[Decimal] = mapped_column(KILOGRAMS)
    at: Mapped[Timestamp]
    actor: Mapped[str] = mapped_column(String(120))


class ExportAggregate(Base):
    """Cleared exports per month at the finest grain reports need, kept up to date in the
    same transaction as every clearance, hold and cancellation, so a monthly report reads a
    few hundred rows instead of scanning declarations.

    ``element`` is the empty string when the goods name no single element.
    """

    __tablename__ = "export_aggregates"
    __table_args__ = (
        CheckConstraint("net_kg >= 0", name="net_kg_not_negative"),
        CheckConstraint("fob_value >= 0", name="fob_value_not_negative"),
        CheckConstraint("lines >= 0", name="lines_not_negative"),
    )

    period: Mapped[str] = mapped_column(String(7), primary_key=True)
    series: Mapped[str] = mapped_column(String(24), primary_key=True)
    element: Mapped[str] = mapped_column(String(4), primary_key=True)
    hs_code: Mapped[str] = mapped_column(String(10), primary_key=True)
    destination: Mapped[str] = mapped_column(String(2), primary_key=True)
    currency: Mapped[str] = mapped_column(String(3), primary_key=True)
    net_kg: Mapped[Decimal] = mapped_column(KILOGRAMS)
    fob_value: Mapped[Decimal] = mapped_column(MONEY)
    lines: Mapped[int] = mapped_column(Integer)
