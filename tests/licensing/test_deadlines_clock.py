"""The statutory 45-working-day clock with clock stops, referral and decisions."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache
from importlib.resources import files

import chinese_calendar
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rarex.licensing.deadlines import (
    ClockStatus,
    ClockStop,
    WorkingCalendar,
    compute_clock,
    deadline,
    parse_official_schedule,
)

CAL = WorkingCalendar()
MON = date(2025, 9, 1)  # a Monday; 45 working days later is Friday 7 Nov 2025 (see below)


def clock(
    *,
    today: date,
    stops: tuple[ClockStop, ...] = (),
    accepted_on: date = MON,
    **kwargs: object,
) -> ClockStatus:
    return compute_clock(CAL, accepted_on=accepted_on, stops=stops, today=today, **kwargs)  # type: ignore[arg-type]


# --- the independent day-by-day count ----------------------------------------------------------


@cache  # the package scans its whole table on every call; the answer for a day never changes
def naive_workday(d: date) -> tuple[bool, bool]:
    """(working, provisional), straight from the package, Monday-Friday where it has no data."""
    try:
        return bool(chinese_calendar.is_workday(d)), False
    except NotImplementedError:
        return d.weekday() < 5, True


@dataclass
class Naive:
    used: int
    due: date | None
    stopped: bool
    overdue: bool
    at_risk: bool
    decided_late: bool
    provisional: bool


def naive_clock(
    accepted: date,
    stops: list[ClockStop],
    today: date,
    limit: int,
    threshold: int,
    decided_on: date | None,
    off_clock_since: date | None,
) -> Naive:
    decided = decided_on if decided_on is not None and decided_on <= today else None
    end = decided or today
    referred = off_clock_since if off_clock_since is not None and off_clock_since <= end else None

    def in_stop(d: date) -> bool:
        return any(s.started_on < d and (s.ended_on is None or d <= s.ended_on) for s in stops)

    def counted(d: date) -> bool:
        # After `end` no stop is assumed (an ongoing one is taken to end on `end`).
        return naive_workday(d)[0] and (d > end or not in_stop(d))

    last = referred or end
    days = [accepted + timedelta(i) for i in range(1, (last - accepted).days + 1)]
    used = sum(1 for d in days if counted(d))
    due: date | None = None
    if referred is None:
        n, d = 0, accepted
        while n < limit:
            d += timedelta(days=1)
            n += counted(d)
        due = d
    horizon = max(last, due) if due else last
    span = [accepted + timedelta(i) for i in range(1, (horizon - accepted).days + 1)]
    live = decided is None and referred is None
    overdue = live and due is not None and today > due
    return Naive(
        used=used,
        due=due,
        stopped=live
        and any(
            s.started_on <= today and (s.ended_on is None or s.ended_on > today) for s in stops
        ),
        overdue=overdue,
        at_risk=live and not overdue and max(limit - used, 0) <= threshold,
        decided_late=decided is not None and due is not None and decided > due,
        provisional=any(naive_workday(d)[1] for d in span),
    )


LAST = date(2026, 12, 31)


def _day(draw: st.DrawFn, base: date, max_days: int) -> date:
    return min(base + timedelta(draw(st.integers(0, max_days))), LAST)


@st.composite
def clock_cases(draw: st.DrawFn) -> dict[str, object]:
    """Random acceptance, ordered stops, today, decision and referral, all within 2024-2026."""
    accepted = draw(st.dates(date(2024, 1, 1), date(2026, 10, 31)))
    stops: list[ClockStop] = []
    cursor = accepted
    for i in range(draw(st.integers(0, 4))):
        started = _day(draw, cursor, 30)
        if draw(st.integers(0, 4)) == 0:
            stops.append(ClockStop(started, None, f"stop {i}"))
            break
        cursor = _day(draw, started, 25)
        stops.append(ClockStop(started, cursor, f"stop {i}"))
    return {
        "accepted": accepted,
        "stops": stops,
        "today": _day(draw, accepted, 160),
        # Often move today next to the due date, where at-risk and overdue flip.
        "nudge": draw(st.none() | st.integers(-1, 1)),
        "limit": draw(st.sampled_from([45, 45, 45, 1, 5, 20, 60])),
        "threshold": draw(st.integers(0, 10)),
        "decided_on": draw(
            st.none() | st.builds(lambda k: min(accepted + timedelta(k), LAST), st.integers(0, 160))
        ),
        "off_clock_since": draw(
            st.none()
            | st.none()
            | st.builds(lambda k: min(accepted + timedelta(k), LAST), st.integers(0, 100))
        ),
    }


@pytest.mark.slow
@settings(max_examples=400, deadline=None)
@given(case=clock_cases())
def test_clock_agrees_with_an_independent_day_by_day_count(case: dict[str, object]) -> None:
    accepted, stops, today = case["accepted"], case["stops"], case["today"]
    assert isinstance(accepted, date)
    assert isinstance(today, date)
    assert isinstance(stops, list)
    limit, threshold = case["limit"], case["threshold"]
    assert isinstance(limit, int)
    assert isinstance(threshold, int)
    decided_on, off_clock_since = case["decided_on"], case["off_clock_since"]
    assert decided_on is None or isinstance(decided_on, date)
    assert off_clock_since is None or isinstance(off_clock_since, date)

    nudge = case["nudge"]
    if isinstance(nudge, int):
        due = naive_clock(accepted, stops, today, limit, threshold, None, None).due
        assert due is not None
        today = max(accepted, min(due + timedelta(days=nudge), LAST))

    status = compute_clock(
        CAL,
        accepted_on=accepted,
        stops=stops,
        today=today,
        limit=limit,
        at_risk_threshold=threshold,
        decided_on=decided_on,
        off_clock_since=off_clock_since,
    )
    expected = naive_clock(accepted, stops, today, limit, threshold, decided_on, off_clock_since)
    assert status.used == expected.used
    assert status.remaining == max(limit - expected.used, 0)
    assert status.due_date == expected.due
    assert status.stopped == expected.stopped
    assert status.overdue == expected.overdue
    assert status.at_risk == expected.at_risk
    assert status.decided_late == expected.decided_late
    assert status.provisional == expected.provisional
    assert status.off_clock == (status.due_date is None)

    ledger = status.ledger
    assert ledger[0].event == "started"
    assert [e.on for e in ledger] == sorted(e.on for e in ledger)
    assert all(0 <= e.used_so_far <= status.used for e in ledger)
    if status.decided_on is not None:
        assert ledger[-1].event == "decided"
        assert ledger[-1].used_so_far == status.used
    json.dumps(status.to_dict())


@settings(max_examples=150, deadline=None)
@given(case=clock_cases(), back=st.integers(0, 120))
def test_an_earlier_today_ignores_later_events(case: dict[str, object], back: int) -> None:
    """Time travel: the clock as of a past day equals the clock built from what was known then."""
    accepted, stops, today = case["accepted"], case["stops"], case["today"]
    assert isinstance(accepted, date)
    assert isinstance(today, date)
    assert isinstance(stops, list)
    past = max(accepted, today - timedelta(back))
    known = [
        ClockStop(s.started_on, s.ended_on if s.ended_on and s.ended_on <= past else None, s.reason)
        for s in stops
        if s.started_on <= past
    ]
    everything = compute_clock(CAL, accepted_on=accepted, stops=stops, today=past)
    then = compute_clock(CAL, accepted_on=accepted, stops=known, today=past)
    assert everything == then


# --- hand-checked dates ---------------------------------------------------------------------------


def test_45_working_days_from_1_september_2025_counted_by_hand() -> None:
    # Accepted Mon 1 Sep 2025. September: 2-5 (4), 8-12 (9), 15-19 (14), 22-26 (19),
    # Sun 28 make-up (20), 29-30 (22). 1-8 Oct National Day/Mid-autumn off. October: 9-10 (24),
    # Sat 11 make-up (25), 13-17 (30), 20-24 (35), 27-31 (40). November: 3-7 (45) -> Fri 7 Nov.
    result = deadline(CAL, MON)
    assert result.due_date == date(2025, 11, 7)
    assert not result.provisional
    assert result.to_dict() == {
        "accepted_on": "2025-09-01",
        "working_days": 45,
        "due_date": "2025-11-07",
        "provisional": False,
    }


def test_45_working_days_across_spring_festival_2026_counted_by_hand() -> None:
    # Accepted Fri 30 Jan 2026. February: 2-6 (5), 9-13 (10), Sat 14 make-up (11), 15-23 off,
    # 24-27 (15), Sat 28 make-up (16). March: 2-6 (21), 9-13 (26), 16-20 (31), 23-27 (36),
    # 30-31 (38). April: 1-3 (41), 4-6 Tomb-sweeping off, 7-10 (45) -> Fri 10 Apr.
    assert deadline(CAL, date(2026, 1, 30)).due_date == date(2026, 4, 10)


def test_deadline_into_an_uncovered_year_is_provisional_until_a_schedule_is_loaded() -> None:
    guessed = deadline(CAL, date(2026, 11, 20))
    assert guessed.provisional
    text = files("rarex.licensing").joinpath("data/example-schedule-2027.yaml").read_text("utf-8")
    official = CAL.with_schedule(parse_official_schedule(text, source="example"))
    loaded = deadline(official, date(2026, 11, 20))
    assert not loaded.provisional
    assert loaded.due_date == guessed.due_date + timedelta(days=3)  # New Year 2027 off
    assert clock(accepted_on=date(2026, 11, 20), today=date(2026, 12, 1)).provisional
    status = compute_clock(
        official, accepted_on=date(2026, 11, 20), stops=(), today=date(2026, 12, 1)
    )
    assert not status.provisional


def test_deadline_refuses_zero_working_days() -> None:
    with pytest.raises(ValueError, match="positive"):
        deadline(CAL, MON, 0)


# --- stops ------------------------------------------------------------------------------------


def test_stop_day_counts_and_counting_resumes_after_the_end_day() -> None:
    # Stop requested Wed 10 Sep (counts: day 7), ended Fri 26 Sep (not counted); the next
    # counted day is the make-up Sunday 28 Sep.
    stop = ClockStop(date(2025, 9, 10), date(2025, 9, 26), "supplementary information")
    assert clock(today=date(2025, 9, 10), stops=(stop,)).used == 7
    assert clock(today=date(2025, 9, 26), stops=(stop,)).used == 7
    status = clock(today=date(2025, 9, 28), stops=(stop,))
    assert status.used == 8
    assert not status.stopped
    assert [(e.on, e.event, e.used_so_far) for e in status.ledger] == [
        (MON, "started", 0),
        (date(2025, 9, 10), "stopped", 7),
        (date(2025, 9, 26), "restarted", 7),
    ]
    assert status.ledger[1].reason == "supplementary information"


def test_open_stop_predicts_as_if_restarted_today() -> None:
    stop = ClockStop(date(2025, 9, 10), None, "expert consultation")
    first = clock(today=date(2025, 9, 15), stops=(stop,))
    later = clock(today=date(2025, 9, 22), stops=(stop,))
    assert first.stopped
    assert later.stopped
    assert first.used == later.used == 7
    # 38 more working days from the day after today; a week later it has slid by 5 working days.
    assert first.due_date == CAL.add_working_days(date(2025, 9, 15), 38)
    assert later.due_date == CAL.add_working_days(date(2025, 9, 22), 38)
    assert CAL.working_days_between(first.due_date, later.due_date) == 5
    assert [e.event for e in later.ledger] == ["started", "stopped"]


def test_stop_requested_today_stops_the_clock_but_today_counts() -> None:
    status = clock(today=date(2025, 9, 10), stops=(ClockStop(date(2025, 9, 10), None, "info"),))
    assert status.stopped
    assert status.used == 7


def test_contiguous_stops_are_allowed() -> None:
    stops = (
        ClockStop(date(2025, 9, 10), date(2025, 9, 17), "information"),
        ClockStop(date(2025, 9, 17), date(2025, 9, 24), "consultation"),
    )
    assert clock(today=date(2025, 9, 30), stops=stops).used == 7 + 5  # 25, 26, 28 (Sun), 29, 30


@pytest.mark.parametrize(
    ("stops", "message"),
    [
        ((ClockStop(date(2025, 8, 29), date(2025, 9, 5), "x"),), "before acceptance"),
        ((ClockStop(date(2025, 9, 10), date(2025, 9, 9), "x"),), "before it starts"),
        (
            (
                ClockStop(date(2025, 9, 10), date(2025, 9, 20), "x"),
                ClockStop(date(2025, 9, 15), date(2025, 9, 25), "y"),
            ),
            "must not overlap",
        ),
        (
            (
                ClockStop(date(2025, 9, 20), date(2025, 9, 25), "x"),
                ClockStop(date(2025, 9, 5), date(2025, 9, 8), "y"),
            ),
            "ordered",
        ),
        (
            (ClockStop(date(2025, 9, 10), None, "x"), ClockStop(date(2025, 9, 20), None, "y")),
            "is open",
        ),
    ],
)
def test_invalid_stops_are_refused(stops: tuple[ClockStop, ...], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        clock(today=date(2025, 10, 20), stops=stops)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"today": date(2025, 8, 31)}, "before acceptance"),
        ({"today": date(2025, 9, 5), "decided_on": date(2025, 8, 1)}, "decided_on"),
        ({"today": date(2025, 9, 5), "off_clock_since": date(2025, 8, 1)}, "off_clock_since"),
        ({"today": date(2025, 9, 5), "limit": 0}, "limit"),
        ({"today": date(2025, 9, 5), "at_risk_threshold": -1}, "at_risk_threshold"),
    ],
)
def test_inconsistent_arguments_are_refused(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        compute_clock(CAL, accepted_on=MON, stops=(), **kwargs)  # type: ignore[arg-type]


# --- at risk, overdue, decided, referred ------------------------------------------------------


def test_at_risk_starts_at_exactly_five_remaining() -> None:
    six = clock(today=date(2025, 10, 30))
    five = clock(today=date(2025, 10, 31))
    assert (six.used, six.remaining, six.at_risk) == (39, 6, False)
    assert (five.used, five.remaining, five.at_risk) == (40, 5, True)
    assert five.due_date == date(2025, 11, 7)
    assert not five.overdue


def test_due_day_is_at_risk_and_the_day_after_is_overdue() -> None:
    due_day = clock(today=date(2025, 11, 7))
    assert (due_day.remaining, due_day.at_risk, due_day.overdue) == (0, True, False)
    saturday = clock(today=date(2025, 11, 8))  # no working day passed, but the deadline has
    assert (saturday.used, saturday.at_risk, saturday.overdue) == (45, False, True)
    monday = clock(today=date(2025, 11, 10))
    assert (monday.used, monday.remaining, monday.overdue) == (46, 0, True)
    assert monday.due_date == date(2025, 11, 7)


def test_stopped_case_can_be_at_risk() -> None:
    status = clock(today=date(2025, 11, 3), stops=(ClockStop(date(2025, 10, 31), None, "info"),))
    assert status.stopped
    assert status.remaining == 5
    assert status.at_risk


def test_stop_after_the_deadline_does_not_rescue_it() -> None:
    status = clock(today=date(2025, 11, 20), stops=(ClockStop(date(2025, 11, 12), None, "late"),))
    assert status.due_date == date(2025, 11, 7)
    assert status.overdue


def test_decided_case_is_neither_at_risk_nor_overdue() -> None:
    on_time = clock(today=date(2025, 12, 1), decided_on=date(2025, 11, 7))
    assert (on_time.used, on_time.decided_late, on_time.overdue, on_time.at_risk) == (
        45,
        False,
        False,
        False,
    )
    assert on_time.ledger[-1].event == "decided"
    late = clock(today=date(2025, 12, 1), decided_on=date(2025, 11, 10))
    assert late.decided_late
    assert not late.overdue
    assert late.used == 46


def test_decision_dated_after_today_is_not_yet_known() -> None:
    status = clock(today=date(2025, 10, 20), decided_on=date(2025, 11, 3))
    assert status.decided_on is None
    assert [e.event for e in status.ledger] == ["started"]


def test_referral_takes_the_case_off_the_clock() -> None:
    stops = (ClockStop(date(2025, 9, 10), date(2025, 9, 26), "info"),)
    status = clock(today=date(2026, 3, 1), stops=stops, off_clock_since=date(2025, 10, 10))
    assert status.off_clock
    assert status.due_date is None
    assert (status.overdue, status.at_risk, status.stopped) == (False, False, False)
    # 2-10 Sep (7, the stop day included); 28-30 Sep (3); 9-10 Oct (2); nothing after referral.
    assert status.used == 7 + 3 + 2
    assert status.ledger[-1].event == "off_clock"
    assert status.ledger[-1].used_so_far == status.used
    assert status.to_dict()["due_date"] is None


def test_to_dict_shape_is_json_ready() -> None:
    stop = ClockStop(date(2025, 9, 10), date(2025, 9, 26), "info")
    body = clock(today=date(2025, 10, 20), stops=(stop,)).to_dict()
    assert json.loads(json.dumps(body)) == body
    assert body == {
        "accepted_on": "2025-09-01",
        "as_of": "2025-10-20",
        "limit": 45,
        "used": 19,  # 7 + 28-30 Sep (3) + 9-11 Oct (3) + 13-17 Oct (5) + 20 Oct (1)
        "remaining": 26,
        "due_date": "2025-11-25",
        "stopped": False,
        "at_risk": False,
        "overdue": False,
        "decided_on": None,
        "decided_late": False,
        "off_clock": False,
        "provisional": False,
        "ledger": [
            {
                "on": "2025-09-01",
                "event": "started",
                "reason": "application accepted",
                "used_so_far": 0,
            },
            {"on": "2025-09-10", "event": "stopped", "reason": "info", "used_so_far": 7},
            {"on": "2025-09-26", "event": "restarted", "reason": "info", "used_so_far": 7},
        ],
    }
