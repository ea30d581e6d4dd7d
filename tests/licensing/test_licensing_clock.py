"""The statutory clock as the application view shows it, with the clock advanced over real days:
the National Day holiday of October 2025 and its make-up working weekend days, information
requests and consultation stopping the clock, at-risk and overdue flags, and referral."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import chinese_calendar
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from rarex.auth.roles import Actor, Role
from rarex.clock import FixedClock, authority_date
from rarex.config import Settings
from rarex.licensing import queue, review, views
from rarex.licensing.states import Action
from rarex.models import Application
from tests.factories import approve, filed_and_accepted, make_actor, make_company


def _beijing_morning(day: date) -> datetime:
    """10:00 in Beijing on ``day``."""
    return datetime(day.year, day.month, day.day, 2, 0, tzinfo=UTC)


def _working_days(after: date, until: date, stops: list[tuple[date, date]]) -> int:
    """Independent count: official working days d with after < d <= until outside every stop
    (a stop from S to E covers S < d <= E)."""
    count = 0
    day = after + timedelta(days=1)
    while day <= until:
        stopped = any(start < day <= end for start, end in stops)
        if chinese_calendar.is_workday(day) and not stopped:
            count += 1
        day += timedelta(days=1)
    return count


def _due(accepted: date, stops: list[tuple[date, date]], limit: int) -> date:
    day = accepted
    while _working_days(accepted, day, stops) < limit:
        day += timedelta(days=1)
    return day


class Desk:
    def __init__(self, session: Session, clock: FixedClock, settings: Settings) -> None:
        self.session, self.clock, self.settings = session, clock, settings
        company = make_company(session, clock)
        self.exporter = make_actor(session, clock, Role.EXPORTER, company=company)
        self.officer = make_actor(session, clock, Role.LICENSING_OFFICER)

    def accept_on(self, day: date) -> Application:
        self.clock.set(_beijing_morning(day))
        return filed_and_accepted(
            self.session, self.clock, self.settings, self.exporter, self.officer
        )

    def on(self, day: date) -> None:
        self.clock.set(_beijing_morning(day))

    def step(self, app: Application, action: Action, *, by: Actor | None = None) -> None:
        review.transition(
            self.session,
            actor=by or self.officer,
            clock=self.clock,
            settings=self.settings,
            application_id=app.id,
            action=action,
            reason=f"{action.value} on {authority_date(self.clock.now())}",
        )

    def clock_view(self, app: Application) -> dict[str, Any]:
        view = views.application_view(
            self.session, actor=self.exporter, clock=self.clock, settings=self.settings, key=app.id
        )
        assert view.clock is not None
        return view.clock


@pytest.fixture
def desk(session: Session, clock: FixedClock, settings: Settings) -> Desk:
    return Desk(session, clock, settings)


def test_calendar_facts_this_module_relies_on() -> None:
    # Sunday 28 Sep and Saturday 11 Oct 2025 are make-up working days; 1-8 Oct are holidays.
    assert chinese_calendar.is_workday(date(2025, 9, 28))
    assert chinese_calendar.is_workday(date(2025, 10, 11))
    assert not any(chinese_calendar.is_workday(date(2025, 10, d)) for d in range(1, 9))


def test_clock_counts_official_working_days_across_national_day_with_stops_in_the_ledger(
    desk: Desk,
) -> None:
    accepted = date(2025, 9, 25)  # Thursday
    app = desk.accept_on(accepted)

    # Fri 26, Sun 28 (make-up), Mon 29, Tue 30 September: four working days.
    desk.on(date(2025, 9, 30))
    running = desk.clock_view(app)
    assert running["used"] == 4
    assert running["remaining"] == 41
    assert running["stopped"] is False
    assert running["due_date"] == _due(accepted, [], 45).isoformat()

    info_asked, info_given = date(2025, 9, 30), date(2025, 10, 10)
    desk.step(app, Action.REQUEST_INFORMATION)

    # During the holiday and after it, while the applicant owes information, nothing counts.
    desk.on(date(2025, 10, 9))
    waiting = desk.clock_view(app)
    assert waiting["stopped"] is True
    assert waiting["used"] == 4
    assert waiting["ledger"][-1] == {
        "on": info_asked.isoformat(),
        "event": "stopped",
        "reason": "information_requested",
        "used_so_far": 4,
    }

    desk.on(info_given)
    desk.step(app, Action.SUPPLY_INFORMATION, by=desk.exporter)

    # Sat 11 Oct (make-up) and Mon 13 Oct count again.
    consult_from, consult_to = date(2025, 10, 13), date(2025, 10, 15)
    desk.on(consult_from)
    assert desk.clock_view(app)["used"] == 6
    desk.step(app, Action.START_CONSULTATION)
    desk.on(consult_to)
    assert desk.clock_view(app)["used"] == 6
    desk.step(app, Action.END_CONSULTATION)

    desk.on(date(2025, 10, 16))
    stops = [(info_asked, info_given), (consult_from, consult_to)]
    status = desk.clock_view(app)
    assert status["used"] == 7 == _working_days(accepted, date(2025, 10, 16), stops)
    assert status["remaining"] == 38
    assert status["stopped"] is False
    assert status["due_date"] == _due(accepted, stops, 45).isoformat()
    assert status["accepted_on"] == accepted.isoformat()
    assert status["as_of"] == "2025-10-16"
    assert status["provisional"] is False
    assert [(e["on"], e["event"], e["reason"], e["used_so_far"]) for e in status["ledger"]] == [
        (accepted.isoformat(), "started", "application accepted", 0),
        (info_asked.isoformat(), "stopped", "information_requested", 4),
        (info_given.isoformat(), "restarted", "information_requested", 4),
        (consult_from.isoformat(), "stopped", "consultation", 6),
        (consult_to.isoformat(), "restarted", "consultation", 6),
    ]

    # The denormalised due date the queue sorts by agrees with the view.
    desk.session.expire_all()
    stored = desk.session.scalar(select(Application.due_on).where(Application.id == app.id))
    assert stored is not None
    assert stored.isoformat() == status["due_date"]


def test_consultation_counts_when_the_settings_say_it_does_not_stop_the_clock(
    session: Session, clock: FixedClock, settings: Settings
) -> None:
    counting = settings.model_copy(update={"consultation_stops_clock": False})
    desk = Desk(session, clock, counting)
    app = desk.accept_on(date(2025, 9, 25))
    desk.on(date(2025, 10, 13))
    desk.step(app, Action.START_CONSULTATION)
    desk.on(date(2025, 10, 16))
    status = desk.clock_view(app)
    assert status["stopped"] is False
    assert status["used"] == _working_days(date(2025, 9, 25), date(2025, 10, 16), [])


def test_at_risk_within_five_working_days_then_overdue_after_the_due_date(desk: Desk) -> None:
    accepted = date(2025, 9, 25)
    app = desk.accept_on(accepted)
    due = _due(accepted, [], 45)

    # Six working days left: neither flag.
    day = accepted
    while 45 - _working_days(accepted, day, []) > 6:
        day += timedelta(days=1)
    desk.on(day)
    calm = desk.clock_view(app)
    assert calm["remaining"] == 6
    assert (calm["at_risk"], calm["overdue"]) == (False, False)

    # Five left: at risk.
    while 45 - _working_days(accepted, day, []) > 5:
        day += timedelta(days=1)
    desk.on(day)
    risky = desk.clock_view(app)
    assert risky["remaining"] == 5
    assert (risky["at_risk"], risky["overdue"]) == (True, False)

    # The due day itself: nothing left, still only at risk.
    desk.on(due)
    last_day = desk.clock_view(app)
    assert last_day["remaining"] == 0
    assert (last_day["at_risk"], last_day["overdue"]) == (True, False)

    # The day after: overdue.
    desk.on(due + timedelta(days=1))
    late = desk.clock_view(app)
    assert (late["at_risk"], late["overdue"]) == (False, True)
    assert late["due_date"] == due.isoformat()

    waiting = queue.review_queue(
        desk.session, actor=desk.officer, clock=desk.clock, settings=desk.settings
    ).items
    item = next(i for i in waiting if i.id == app.id)
    assert item.overdue is True
    assert item.due_on == due


def test_referral_takes_the_case_off_the_clock_and_clears_the_flags(desk: Desk) -> None:
    accepted = date(2025, 9, 25)
    app = desk.accept_on(accepted)
    referred = date(2025, 10, 13)
    desk.on(referred)
    desk.step(app, Action.REFER)
    desk.on(_due(accepted, [], 45) + timedelta(days=30))
    status = desk.clock_view(app)
    assert status["off_clock"] is True
    assert status["used"] == _working_days(accepted, referred, [])
    assert status["due_date"] is None
    assert (status["at_risk"], status["overdue"]) == (False, False)
    assert status["ledger"][-1]["event"] == "off_clock"
    waiting = queue.review_queue(
        desk.session, actor=desk.officer, clock=desk.clock, settings=desk.settings
    ).items
    item = next(i for i in waiting if i.id == app.id)
    assert (item.off_clock, item.overdue, item.due_on) == (True, False, None)


def test_decision_freezes_the_clock(desk: Desk, settings: Settings) -> None:
    accepted = date(2025, 9, 25)
    app = desk.accept_on(accepted)
    desk.on(date(2025, 10, 9))
    approve(desk.session, desk.clock, settings, desk.officer, app)
    decided = authority_date(desk.clock.now())
    desk.on(date(2026, 3, 2))
    status = desk.clock_view(app)
    assert status["decided_on"] == decided.isoformat()
    assert status["used"] == _working_days(accepted, decided, [])
    assert (status["at_risk"], status["overdue"], status["decided_late"]) == (False, False, False)
    assert status["ledger"][-1]["event"] == "decided"
    assert status["ledger"][-1]["reason"] == "decision issued"


def test_withdrawal_closes_the_clock_and_the_ledger_says_so(desk: Desk) -> None:
    accepted = date(2025, 9, 25)
    app = desk.accept_on(accepted)
    desk.on(date(2025, 10, 13))
    desk.step(app, Action.WITHDRAW, by=desk.exporter)
    desk.on(date(2025, 12, 1))
    status = desk.clock_view(app)
    assert status["decided_on"] == "2025-10-13"
    assert status["used"] == _working_days(accepted, date(2025, 10, 13), [])
    assert status["ledger"][-1]["reason"] == "withdrawn by the applicant"
    assert status["overdue"] is False
