"""The statutory decision clock: a decision is due within 45 official working days of acceptance.

Pure module (no database, no web framework); the working-day calendar lives in
:mod:`rarex.licensing.calendar` and is re-exported here.

Semantics of :func:`compute_clock`
----------------------------------
* **As of today.** The status is what was knowable on ``today``: a stop, restart, decision or
  referral dated after ``today`` is ignored (a stop ending after ``today`` is still open), so
  the same records answer "what did the clock say on date X" for any past X.
* **End.** The clock runs until ``end`` = ``decided_on`` when decided, else ``today``. Events
  after ``end`` are ignored too.
* **Used days.** Day 1 is the first official working day strictly after ``accepted_on``. A
  working day d is used iff ``accepted_on < d <= end``, d is inside no stop, and, when the case
  was referred, ``d <= off_clock_since``.
* **Stops.** A stop requested on S and ended on E covers ``S < d <= E``: the request day still
  counts and counting resumes on the first working day after E. An open stop covers every day
  after S. Stops must not start before acceptance, must end on or after they start, and must
  be ordered and non-overlapping (``next.started_on >= previous.ended_on``; only the last may
  be open); otherwise :class:`ValueError`.
* **Referral** to the State Council (``off_clock_since`` = O) takes the case off the ordinary
  clock: days after O are not counted, there is no due date, and it is neither at risk nor
  overdue.
* **Due date.** The day on which ``used`` reaches ``limit`` if no further stop happens; while a
  stop is in progress, as if it ended on ``end`` (counting resumes the next working day). Once
  the limit has been reached, it is the past day on which that happened.
* **Overdue**: not decided, not referred, and ``today > due_date`` (a deadline on a Friday is
  overdue on the Saturday although no working day has passed). **Decided late**: decided and
  ``decided_on > due_date``.
* **At risk**: not decided, not referred, not overdue, running or stopped, and
  ``remaining <= at_risk_threshold``; so the due day itself (remaining 0) is at risk.
* **Provisional**: some day in ``accepted_on < d <= max(end, due_date)`` (``end`` capped at the
  referral) has no published calendar data, so the figures are a Monday-Friday guess.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, Literal

from rarex.licensing.calendar import (
    InvalidSchedule,
    OfficialDay,
    OfficialSchedule,
    WorkingCalendar,
    parse_official_schedule,
)

__all__ = [
    "STATUTORY_WORKING_DAYS",
    "ClockStatus",
    "ClockStop",
    "Deadline",
    "InvalidSchedule",
    "LedgerEntry",
    "LedgerEvent",
    "OfficialDay",
    "OfficialSchedule",
    "WorkingCalendar",
    "compute_clock",
    "deadline",
    "parse_official_schedule",
]

# Decree 792 (DOMAIN.md section 2). A default only: callers pass the limit in force on the case.
STATUTORY_WORKING_DAYS = 45

LedgerEvent = Literal["started", "stopped", "restarted", "decided", "off_clock"]


def _iso(d: date | None) -> str | None:
    return d.isoformat() if d is not None else None


@dataclass(frozen=True, slots=True)
class ClockStop:
    """A period waiting for the applicant or a consultation; ``ended_on`` None while open."""

    started_on: date
    ended_on: date | None
    reason: str


@dataclass(frozen=True, slots=True)
class LedgerEntry:
    on: date
    event: LedgerEvent
    reason: str
    used_so_far: int

    def to_dict(self) -> dict[str, Any]:
        return {
            "on": self.on.isoformat(),
            "event": self.event,
            "reason": self.reason,
            "used_so_far": self.used_so_far,
        }


@dataclass(frozen=True, slots=True)
class ClockStatus:
    accepted_on: date
    as_of: date
    limit: int
    used: int
    remaining: int
    due_date: date | None
    stopped: bool
    at_risk: bool
    overdue: bool
    decided_on: date | None
    decided_late: bool
    off_clock: bool
    provisional: bool
    ledger: tuple[LedgerEntry, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "accepted_on": self.accepted_on.isoformat(),
            "as_of": self.as_of.isoformat(),
            "limit": self.limit,
            "used": self.used,
            "remaining": self.remaining,
            "due_date": _iso(self.due_date),
            "stopped": self.stopped,
            "at_risk": self.at_risk,
            "overdue": self.overdue,
            "decided_on": _iso(self.decided_on),
            "decided_late": self.decided_late,
            "off_clock": self.off_clock,
            "provisional": self.provisional,
            "ledger": [entry.to_dict() for entry in self.ledger],
        }


@dataclass(frozen=True, slots=True)
class Deadline:
    accepted_on: date
    working_days: int
    due_date: date
    provisional: bool

    def to_dict(self) -> dict[str, Any]:
        return {
            "accepted_on": self.accepted_on.isoformat(),
            "working_days": self.working_days,
            "due_date": self.due_date.isoformat(),
            "provisional": self.provisional,
        }


def deadline(
    calendar: WorkingCalendar, accepted_on: date, working_days: int = STATUTORY_WORKING_DAYS
) -> Deadline:
    """The due date of an uninterrupted clock: the ``working_days``-th working day after
    acceptance. Raises ValueError when ``working_days`` < 1."""
    due = calendar.add_working_days(accepted_on, working_days)
    provisional = calendar.has_provisional_days(accepted_on, due)
    return Deadline(accepted_on, working_days, due, provisional)


def _validate(
    *,
    accepted_on: date,
    stops: Sequence[ClockStop],
    today: date,
    limit: int,
    at_risk_threshold: int,
    decided_on: date | None,
    off_clock_since: date | None,
) -> None:
    if limit < 1:
        raise ValueError(f"limit must be at least 1 working day, got {limit}")
    if at_risk_threshold < 0:
        raise ValueError(f"at_risk_threshold must not be negative, got {at_risk_threshold}")
    if today < accepted_on:
        raise ValueError(f"today {today} is before acceptance on {accepted_on}")
    if decided_on is not None and decided_on < accepted_on:
        raise ValueError(f"decided_on {decided_on} is before acceptance on {accepted_on}")
    if off_clock_since is not None and off_clock_since < accepted_on:
        raise ValueError(f"off_clock_since {off_clock_since} is before acceptance on {accepted_on}")
    previous: ClockStop | None = None
    for i, stop in enumerate(stops):
        if stop.started_on < accepted_on:
            raise ValueError(f"stop {i} starts {stop.started_on}, before acceptance {accepted_on}")
        if stop.ended_on is not None and stop.ended_on < stop.started_on:
            raise ValueError(f"stop {i} ends {stop.ended_on}, before it starts {stop.started_on}")
        if previous is not None:
            if previous.ended_on is None:
                raise ValueError(f"stop {i - 1} is open, so no stop can follow it")
            if stop.started_on < previous.ended_on:
                raise ValueError(
                    f"stop {i} starts {stop.started_on}, before stop {i - 1} ends "
                    f"{previous.ended_on}: stops must be ordered and must not overlap"
                )
        previous = stop


def compute_clock(
    calendar: WorkingCalendar,
    *,
    accepted_on: date,
    stops: Sequence[ClockStop],
    today: date,
    limit: int = STATUTORY_WORKING_DAYS,
    at_risk_threshold: int = 5,
    decided_on: date | None = None,
    off_clock_since: date | None = None,
    closed_reason: str = "decision issued",
) -> ClockStatus:
    """The clock of one application as of ``today``; semantics in the module docstring.

    ``closed_reason`` names what ended the clock on ``decided_on`` in the ledger (a decision,
    or a withdrawal by the applicant).
    """
    _validate(
        accepted_on=accepted_on,
        stops=stops,
        today=today,
        limit=limit,
        at_risk_threshold=at_risk_threshold,
        decided_on=decided_on,
        off_clock_since=off_clock_since,
    )
    decided = decided_on if decided_on is not None and decided_on <= today else None
    end = decided if decided is not None else today
    referred = off_clock_since if off_clock_since is not None and off_clock_since <= end else None
    cutoff = referred if referred is not None else end

    # Stops known at `end`, each with the last day it covers; an open one covers up to `end`.
    known: list[tuple[ClockStop, date | None]] = []
    cover: list[tuple[date, date]] = []
    for stop in stops:
        if stop.started_on > end:
            break
        ended = stop.ended_on if stop.ended_on is not None and stop.ended_on <= end else None
        known.append((stop, ended))
        cover.append((stop.started_on, ended if ended is not None else end))

    def used_until(x: date) -> int:
        x = min(x, cutoff)
        used = calendar.working_days_between(accepted_on, x)
        for started, last in cover:
            if started >= x:
                break
            used -= calendar.working_days_between(started, min(last, x))
        return used

    used = used_until(end)
    due = None if referred is not None else _predict_due(calendar, accepted_on, cover, limit)
    remaining = max(limit - used, 0)
    running_case = decided is None and referred is None
    overdue = running_case and due is not None and today > due
    at_risk = running_case and not overdue and remaining <= at_risk_threshold
    stopped = running_case and bool(known) and known[-1][1] is None
    decided_late = decided is not None and due is not None and decided > due
    horizon = cutoff if due is None else max(cutoff, due)

    ledger = [LedgerEntry(accepted_on, "started", "application accepted", 0)]
    for stop, ended in known:
        ledger.append(
            LedgerEntry(stop.started_on, "stopped", stop.reason, used_until(stop.started_on))
        )
        if ended is not None:
            ledger.append(LedgerEntry(ended, "restarted", stop.reason, used_until(ended)))
    if referred is not None:
        reason = "referred to the State Council"
        ledger.append(LedgerEntry(referred, "off_clock", reason, used_until(referred)))
    if decided is not None:
        ledger.append(LedgerEntry(decided, "decided", closed_reason, used))
    ledger.sort(key=lambda entry: entry.on)  # stable: same-day entries keep causal order

    return ClockStatus(
        accepted_on=accepted_on,
        as_of=today,
        limit=limit,
        used=used,
        remaining=remaining,
        due_date=due,
        stopped=stopped,
        at_risk=at_risk,
        overdue=overdue,
        decided_on=decided,
        decided_late=decided_late,
        off_clock=referred is not None,
        provisional=calendar.has_provisional_days(accepted_on, horizon),
        ledger=tuple(ledger),
    )


def _predict_due(
    calendar: WorkingCalendar, accepted_on: date, cover: list[tuple[date, date]], limit: int
) -> date:
    """Walk the counting segments between stops; after the last one nothing stops the clock."""
    counted = 0
    resume = accepted_on
    for started, last in cover:
        segment = calendar.working_days_between(resume, started)
        if counted + segment >= limit:
            return calendar.add_working_days(resume, limit - counted)
        counted += segment
        resume = last
    return calendar.add_working_days(resume, limit - counted)
