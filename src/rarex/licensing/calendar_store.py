"""The working calendar in force: the package's official calendar plus years loaded by an admin."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy.orm import Session

from rarex.audit.service import record_event
from rarex.auth.roles import Actor, Role, require_role
from rarex.clock import Clock
from rarex.config import Settings
from rarex.errors import Conflict, InvalidInput
from rarex.licensing import repository
from rarex.licensing.deadlines import (
    Deadline,
    OfficialDay,
    OfficialSchedule,
    WorkingCalendar,
    deadline,
    parse_official_schedule,
)
from rarex.models import CalendarDay

_cache: dict[tuple[tuple[object, ...], ...], WorkingCalendar] = {}


def working_calendar(session: Session) -> WorkingCalendar:
    """Rebuilt only when an administrator has loaded or replaced a year; looked up once per
    transaction, since a case step asks for it several times."""
    transaction = session.get_transaction()
    held = session.info.get("working_calendar")
    if held is not None and transaction is not None and held[0] is transaction:
        cached: WorkingCalendar = held[1]
        return cached
    rows = repository.calendar_days(session)
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


# China has about 245-251 official working days a year; far outside this the file is wrong.
PLAUSIBLE_WORKING_DAYS = range(235, 262)


def load_schedule(
    session: Session,
    *,
    actor: Actor,
    clock: Clock,
    text: str,
    source: str,
    force: bool = False,
) -> OfficialSchedule:
    """Replace one year's official schedule with the file's content (all or nothing).

    A year the package already covers is refused unless forced: replacing it rewrites the
    clocks of cases already decided.
    """
    require_role(actor, Role.ADMINISTRATOR, action="load an official calendar")
    schedule = parse_official_schedule(text, source=source)
    if schedule.year in WorkingCalendar().covered_years and not force:
        raise Conflict(
            f"{schedule.year} is already in the package's official calendar; "
            "pass force to replace it",
            code="calendar.year_covered",
        )
    trial = WorkingCalendar(schedule.days)
    first, last = date(schedule.year, 1, 1), date(schedule.year, 12, 31)
    working = trial.working_days_between(first - timedelta(days=1), last)
    if working not in PLAUSIBLE_WORKING_DAYS:
        raise InvalidInput(
            f"{source} gives {working} working days in {schedule.year}; an official year has "
            f"{PLAUSIBLE_WORKING_DAYS.start}-{PLAUSIBLE_WORKING_DAYS.stop - 1}",
            code="calendar.implausible_schedule",
        )
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
    record_event(
        session,
        clock=clock,
        actor=actor.label,
        action="calendar.schedule_loaded",
        subject_type="calendar",
        subject_id=str(schedule.year),
        payload={
            "year": schedule.year,
            "source": source,
            "days": len(schedule.days),
            "working_days": working,
            "forced": force,
        },
    )
    return schedule


# Beyond these years a date is a typo, not a case: refuse it rather than build calendars for it.
DEADLINE_YEARS = range(2000, 2101)


def statutory_deadline(
    session: Session, *, settings: Settings, accepted_on: date, working_days: int | None = None
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
