"""Published statistical observations with their vintages (issue 3).

An observation is one published figure: a series (``rare_earth_exports_t``), a partner (``WLD``
or an ISO alpha-2 destination), a basis (the month alone, or the year to date) and a period
(``YYYY-MM``). Each time a source publishes a different figure for the same key, a new
*vintage* is stored beside the old one; exactly one vintage per key is current. Derived figures
are never stored: they are recomputed from the current vintages, so they cannot go stale.
"""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
    Uuid,
)
from sqlalchemy.orm import Mapped, mapped_column

from rarex.db import Base, ExactDecimal
from rarex.models._types import Timestamp, UUIDPk

# Tonnes, kilograms and USD millions as published: six decimal places leaves room for any
# press precision (1238.47 t), and ``decimals`` keeps the precision the source actually used.
STAT_VALUE = ExactDecimal(scale=6, precision=24)


class StatImport(Base):
    """One file that changed something; a re-import that changes nothing leaves no row."""

    __tablename__ = "stat_imports"
    __table_args__ = (
        CheckConstraint("kind in ('observations', 'sources', 'reported')", name="kind"),
    )

    id: Mapped[UUIDPk]
    kind: Mapped[str] = mapped_column(String(16))
    filename: Mapped[str] = mapped_column(String(255))
    sha256: Mapped[str] = mapped_column(String(64))
    rows: Mapped[int] = mapped_column(Integer)
    added: Mapped[int] = mapped_column(Integer)
    revised: Mapped[int] = mapped_column(Integer)
    unchanged: Mapped[int] = mapped_column(Integer)
    imported_at: Mapped[Timestamp]
    imported_by: Mapped[str] = mapped_column(String(120))


class StatSource(Base):
    """A citable report (press article, customs release) that published figures."""

    __tablename__ = "stat_sources"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    title: Mapped[str] = mapped_column(String(500))
    url: Mapped[str] = mapped_column(String(1000))
    import_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("stat_imports.id"))


class StatObservation(Base):
    """One vintage of one published figure."""

    __tablename__ = "stat_observations"
    __table_args__ = (
        UniqueConstraint("series", "partner", "basis", "period", "vintage"),
        CheckConstraint("basis in ('month', 'ytd')", name="basis"),
        CheckConstraint("value >= 0", name="value_not_negative"),
        CheckConstraint("decimals >= 0 AND decimals <= 6", name="decimals_range"),
        CheckConstraint("vintage >= 1", name="vintage_positive"),
        Index("ix_stat_observations_series_partner", "series", "partner"),
    )

    id: Mapped[UUIDPk]
    series: Mapped[str] = mapped_column(String(64))
    partner: Mapped[str] = mapped_column(String(3))
    basis: Mapped[str] = mapped_column(String(8))
    period: Mapped[str] = mapped_column(String(7))
    vintage: Mapped[int] = mapped_column(Integer)
    value: Mapped[Decimal] = mapped_column(STAT_VALUE)
    # Decimal places as published: 5864.6 stays "5864.6", 4785 stays "4785".
    decimals: Mapped[int] = mapped_column(Integer)
    unit: Mapped[str] = mapped_column(String(16))
    source: Mapped[str] = mapped_column(String(32))
    released_on: Mapped[date | None] = mapped_column(Date)
    is_current: Mapped[bool] = mapped_column(Boolean)
    import_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("stat_imports.id"))


class StatReportedChange(Base):
    """A percentage change as a source reported it ("+23% on April"), kept beside our own."""

    __tablename__ = "stat_reported"
    __table_args__ = (
        UniqueConstraint("series", "partner", "period", "measure", "source"),
        CheckConstraint("measure in ('mom_pct', 'yoy_pct', 'ytd_yoy_pct')", name="measure"),
        CheckConstraint("decimals >= 0 AND decimals <= 6", name="decimals_range"),
    )

    id: Mapped[UUIDPk]
    series: Mapped[str] = mapped_column(String(64))
    partner: Mapped[str] = mapped_column(String(3))
    period: Mapped[str] = mapped_column(String(7))
    measure: Mapped[str] = mapped_column(String(16))
    source: Mapped[str] = mapped_column(String(32))
    value: Mapped[Decimal] = mapped_column(STAT_VALUE)
    decimals: Mapped[int] = mapped_column(Integer)
    import_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("stat_imports.id"))
