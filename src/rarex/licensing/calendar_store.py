"""The working calendar in force: the package's official calendar plus years loaded by an admin.

Read on every case step, and by ``rarex calendar deadline``, whose start-up counts: this module
reads the loaded years with one typed query and imports neither the ORM models nor the audit
log (``calendar_schedules`` writes them).
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from sqlalchemy import Boolean, Connection, Date, String, text

from rarex.clock import Clock, authority_date
from rarex.config import Settings
from rarex.errors import InvalidInput
from rarex.licensing.calendar import CalendarYear
from rarex.licensing.deadlines import Deadline, OfficialDay, WorkingCalendar, deadline

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

_cache: dict[tuple[tuple[object, ...], ...], WorkingCalendar] = {}

_LOADED_DAYS = text("SELECT day, is_working, name, source FROM calendar_days ORDER BY day").columns(
    day=Date, is_working=Boolean, name=String, source=String
)


def working_calendar(session: Session | Connection) -> WorkingCalendar:
    """Rebuilt only when an administrator has loaded or replaced a year; looked up once per
    transaction, since a case step asks for it several times. A Core connection will do for a
    reader that needs nothing else (``rarex calendar deadline``)."""
    transaction = session.get_transaction()
    held = session.info.get("working_calendar")
    if held is not None and transaction is not None and held[0] is transaction:
        cached: WorkingCalendar = held[1]
        return cached
    rows = session.execute(_LOADED_DAYS).all()
    # The rows themselves are the key: a year replaced by one of the same size still differs.
    key = tuple((row.day, row.is_working, row.name, row.source) for row in rows)
    calendar = _cache.get(key)
    if calendar is None:
        overrides = {
            row.day: OfficialDay(is_working=row.is_working, name=row.name, source=row.source)
            for row in rows
        }
        calendar = WorkingCalendar(overrides)
        _cache.clear()
        _cache[key] = calendar
    session.info["working_calendar"] = (transaction, calendar)
    return calendar


def forget_working_calendar(session: Session) -> None:
    """After a year is loaded or replaced: the transaction's next step reads the calendar anew."""
    session.info.pop("working_calendar", None)


def calendar_years(session: Session | Connection, *, clock: Clock) -> list[CalendarYear]:
    """The years the calendar knows, newest first, each official (the package's or a loaded
    schedule) or provisional (the Monday-Friday rule, until its schedule is loaded): from the
    package's first year to the year after the last official one, the next to load, and to
    next year at least."""
    calendar = working_calendar(session)
    covered = calendar.covered_years
    last = max(max(covered) + 1, authority_date(clock.now()).year + 1)
    return [calendar.year_summary(year) for year in range(last, min(covered) - 1, -1)]


# Beyond these years a date is a typo, not a case: refuse it rather than build calendars for it.
DEADLINE_YEARS = range(2000, 2101)


def statutory_deadline(
    session: Session | Connection,
    *,
    settings: Settings,
    accepted_on: date,
    working_days: int | None = None,
) -> Deadline:
    """The due date N official working days after acceptance (N defaults to the setting)."""
    if accepted_on.year not in DEADLINE_YEARS:
        raise InvalidInput(
            f"acceptance date {accepted_on} is outside {DEADLINE_YEARS.start}-"
            f"{DEADLINE_YEARS.stop - 1}",
            code="calendar.date_out_of_range",
        )
    days = working_days if working_days is not None else settings.decision_working_days
    if not 1 <= days <= 365:
        raise InvalidInput(
            f"working days must be 1-365, got {days}", code="calendar.invalid_working_days"
        )
    return deadline(working_calendar(session), accepted_on, days)
