"""Official calendar days loaded by an administrator for years the package does not cover."""

from __future__ import annotations

from datetime import date

from sqlalchemy import Boolean, Date, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from rarex.db import Base
from rarex.models._types import Timestamp


class CalendarDay(Base):
    __tablename__ = "calendar_days"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    year: Mapped[int] = mapped_column(Integer, index=True)
    is_working: Mapped[bool] = mapped_column(Boolean)
    name: Mapped[str] = mapped_column(String(120))
    source: Mapped[str] = mapped_column(String(300))
    loaded_at: Mapped[Timestamp]
