"""Where "now" comes from. Services take a clock so tests and the demo can move time."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

AUTHORITY_TZ = ZoneInfo("Asia/Shanghai")


class Clock(Protocol):
    def now(self) -> datetime: ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class FixedClock:
    """A clock that only moves when told to; used by tests and by the demo to simulate weeks."""

    def __init__(self, start: datetime) -> None:
        if start.tzinfo is None:
            raise ValueError("FixedClock needs a timezone-aware datetime")
        self._now = start

    def now(self) -> datetime:
        return self._now

    def advance(self, delta: timedelta) -> None:
        self._now += delta

    def set(self, when: datetime) -> None:
        if when.tzinfo is None:
            raise ValueError("FixedClock needs a timezone-aware datetime")
        self._now = when


def authority_date(moment: datetime, tz: ZoneInfo = AUTHORITY_TZ) -> date:
    """The legal date of a moment: deadlines are counted in the authority's time zone."""
    return moment.astimezone(tz).date()


def clock_for(frozen_time: datetime | None) -> Clock:
    """The system clock, unless the settings freeze time (demos only)."""
    return SystemClock() if frozen_time is None else FixedClock(frozen_time)


def end_of_authority_day(day: date) -> datetime:
    """The first moment after ``day`` in Beijing: something "valid until the 31st" is valid
    all of the 31st there."""
    return datetime.combine(day + timedelta(days=1), time(0), tzinfo=AUTHORITY_TZ)
