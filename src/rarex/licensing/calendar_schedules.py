"""Loading a year's official holiday schedule, as the State Council publishes it."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy.orm import Session

from rarex.audit.service import record_event
from rarex.auth.roles import Actor, Role, require_role
from rarex.clock import Clock
from rarex.errors import Conflict, InvalidInput
from rarex.licensing import repository
from rarex.licensing.calendar_store import forget_working_calendar
from rarex.licensing.deadlines import OfficialSchedule, WorkingCalendar, parse_official_schedule
from rarex.models import CalendarDay

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
    forget_working_calendar(session)
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
