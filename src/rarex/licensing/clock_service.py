"""The statutory clock of one application, derived from its state history.

Nothing about the clock is stored except the denormalised due date for queue sorting: the
ledger of stops and restarts is read back from the transitions, so it can never disagree
with them.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy.orm import Session

from rarex.config import Settings
from rarex.licensing import repository
from rarex.licensing.calendar_store import working_calendar
from rarex.licensing.deadlines import ClockStatus, ClockStop, WorkingCalendar, compute_clock
from rarex.licensing.states import TERMINAL, Action, State, clock_stop_reason
from rarex.models import Application, StateChange


@dataclass(frozen=True)
class ClockInputs:
    accepted_on: date
    stops: tuple[ClockStop, ...]
    decided_on: date | None
    off_clock_since: date | None
    closed_reason: str = "decision issued"


def clock_inputs(
    changes: Sequence[StateChange], *, consultation_stops_clock: bool
) -> ClockInputs | None:
    """Read the clock events after the latest acceptance (a resubmission restarts the clock)."""
    accepts = [i for i, ch in enumerate(changes) if ch.action == Action.ACCEPT.value]
    if not accepts:
        return None
    start = accepts[-1]
    stops: list[ClockStop] = []
    open_stop: tuple[date, str] | None = None
    decided_on: date | None = None
    off_clock_since: date | None = None
    closed_reason = "decision issued"
    for change in changes[start + 1 :]:
        leaving = clock_stop_reason(
            State(change.from_state or State.DRAFT.value),
            consultation_stops_clock=consultation_stops_clock,
        )
        entering = clock_stop_reason(
            State(change.to_state), consultation_stops_clock=consultation_stops_clock
        )
        if leaving is not None and open_stop is not None:
            stops.append(
                ClockStop(started_on=open_stop[0], ended_on=change.on_date, reason=open_stop[1])
            )
            open_stop = None
        if entering is not None:
            open_stop = (change.on_date, entering)
        if change.to_state == State.REFERRED.value:
            off_clock_since = change.on_date
        if State(change.to_state) in TERMINAL:
            decided_on = change.on_date
            closed_reason = (
                "withdrawn by the applicant"
                if change.to_state == State.WITHDRAWN.value
                else "decision issued"
            )
    if open_stop is not None:
        stops.append(ClockStop(started_on=open_stop[0], ended_on=None, reason=open_stop[1]))
    return ClockInputs(
        accepted_on=changes[start].on_date,
        stops=tuple(stops),
        decided_on=decided_on,
        off_clock_since=off_clock_since,
        closed_reason=closed_reason,
    )


def status_from_changes(
    calendar: WorkingCalendar,
    changes: Sequence[StateChange],
    *,
    today: date,
    settings: Settings,
    limit: int | None = None,
) -> ClockStatus | None:
    inputs = clock_inputs(changes, consultation_stops_clock=settings.consultation_stops_clock)
    if inputs is None:
        return None
    return compute_clock(
        calendar,
        accepted_on=inputs.accepted_on,
        stops=inputs.stops,
        today=max(today, inputs.accepted_on),
        limit=limit or settings.decision_working_days,
        at_risk_threshold=settings.at_risk_working_days,
        decided_on=inputs.decided_on,
        off_clock_since=inputs.off_clock_since,
        closed_reason=inputs.closed_reason,
    )


@dataclass(frozen=True)
class CaseClocks:
    """A case's legal clock and, in the green lane, the lane's own shorter target."""

    legal: ClockStatus | None
    lane_target: ClockStatus | None


def clocks_from_changes(
    calendar: WorkingCalendar,
    application: Application,
    changes: Sequence[StateChange],
    *,
    today: date,
    settings: Settings,
) -> CaseClocks:
    """The green lane's target is counted with the same stops as the legal clock."""
    legal = status_from_changes(calendar, changes, today=today, settings=settings)
    target = None
    if application.lane == "green":
        target = status_from_changes(
            calendar,
            changes,
            today=today,
            settings=settings,
            limit=settings.green_channel_target_working_days,
        )
    return CaseClocks(legal, target)


def clocks_for(
    session: Session, applications: Sequence[Application], *, today: date, settings: Settings
) -> dict[uuid.UUID, CaseClocks]:
    """The clocks of several cases (a page of a list) from one query of their histories."""
    calendar = working_calendar(session)
    histories = repository.changes_for_many(session, [a.id for a in applications])
    return {
        a.id: clocks_from_changes(calendar, a, histories[a.id], today=today, settings=settings)
        for a in applications
    }


def application_clock(
    session: Session, application: Application, *, today: date, settings: Settings
) -> ClockStatus | None:
    return clocks_for(session, [application], today=today, settings=settings)[application.id].legal
