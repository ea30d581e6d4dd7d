"""The working calendar in force: the package's official calendar plus years loaded by an admin."""

from __future__ import annotations

from sqlalchemy.orm import Session

from rarex.auth.roles import Actor, Role, require_role
from rarex.clock import Clock
from rarex.licensing import repository
from rarex.licensing.deadlines import (
    OfficialDay,
    OfficialSchedule,
    WorkingCalendar,
    parse_official_schedule,
)
from rarex.models import CalendarDay

_cache: dict[tuple[int, object], WorkingCalendar] = {}


def working_calendar(session: Session) -> WorkingCalendar:
    """Rebuilt only when an administrator has loaded or replaced a year; looked up once per
    transaction, since a case step asks for it several times."""
    transaction = session.get_transaction()
    held = session.info.get("working_calendar")
    if held is not None and transaction is not None and held[0] is transaction:
        cached: WorkingCalendar = held[1]
        return cached
    key = repository.calendar_fingerprint(session)
    calendar = _cache.get(key)
    if calendar is None:
        overrides = {
            row.day: OfficialDay(is_working=row.is_working, name=row.name, source=row.source)
            for row in repository.calendar_days(session)
        }
        calendar = WorkingCalendar(overrides)
        _cache.clear()
        _cache[key] = calendar
    session.info["working_calendar"] = (transaction, calendar)
    return calendar


def load_schedule(
    session: Session, *, actor: Actor, clock: Clock, text: str, source: str
) -> OfficialSchedule:
    """Replace one year's official schedule with the file's content (all or nothing)."""
    require_role(actor, Role.ADMINISTRATOR, action="load an official calendar")
    schedule = parse_official_schedule(text, source=source)
    repository.delete_calendar_year(session, schedule.year)
    now = clock.now()
    for day, official in sorted(schedule.days.items()):
        session.add(
            CalendarDay(
                day=day,
                year=schedule.year,
                is_working=official.is_working,
                name=official.name,
                source=official.source,
                loaded_at=now,
            )
        )
    session.flush()
    session.info.pop("working_calendar", None)
    return schedule
