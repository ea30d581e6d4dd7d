"""The official working-day calendar: package data, provisional years, schedule files."""

from __future__ import annotations

import json
from datetime import date, timedelta
from functools import cache
from importlib.resources import files

import chinese_calendar
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rarex.api.problems import status_for
from rarex.errors import InvalidInput
from rarex.licensing.calendar import (
    FALLBACK_SOURCE,
    InvalidSchedule,
    OfficialDay,
    WorkingCalendar,
    parse_official_schedule,
)

CAL = WorkingCalendar()
EXAMPLE_2027 = (
    files("rarex.licensing").joinpath("data/example-schedule-2027.yaml").read_text(encoding="utf-8")
)


def _days(first: str, last: str) -> list[date]:
    start, end = date.fromisoformat(first), date.fromisoformat(last)
    return [start + timedelta(i) for i in range((end - start).days + 1)]


# --- package data -----------------------------------------------------------------------------

KNOWN = [
    # (day, official working day?, why)
    ("2025-10-11", True, "Saturday, National Day make-up"),
    ("2025-09-28", True, "Sunday, National Day make-up"),
    ("2025-10-18", False, "ordinary Saturday"),
    ("2025-10-09", True, "Thursday after the holiday"),
    ("2024-02-04", True, "Sunday, Spring Festival make-up"),
    ("2024-02-18", True, "Sunday, Spring Festival make-up"),
    ("2026-01-04", True, "Sunday, New Year make-up"),
    ("2026-02-14", True, "Saturday, Spring Festival make-up"),
    ("2026-02-28", True, "Saturday, Spring Festival make-up"),
    ("2025-01-01", False, "New Year's Day, a Wednesday"),
]
KNOWN += [(d.isoformat(), False, "National Day 2025") for d in _days("2025-10-01", "2025-10-08")]
KNOWN += [(d.isoformat(), False, "Spring Festival 2024") for d in _days("2024-02-10", "2024-02-17")]
KNOWN += [(d.isoformat(), False, "Spring Festival 2026") for d in _days("2026-02-15", "2026-02-23")]


@pytest.mark.parametrize(("day", "working", "why"), KNOWN)
def test_known_official_days(day: str, working: bool, why: str) -> None:
    d = date.fromisoformat(day)
    assert chinese_calendar.is_workday(d) is working, why  # the fact itself, from the package
    assert CAL.is_working_day(d) is working, why
    assert not CAL.is_provisional(d)


def test_every_day_2004_to_2026_matches_the_package() -> None:
    for d in _days("2004-01-01", "2026-12-31"):
        assert CAL.is_working_day(d) == chinese_calendar.is_workday(d), d


def test_official_day_explains_make_up_and_holiday() -> None:
    make_up = CAL.official_day(date(2025, 10, 11))
    assert make_up.is_working
    assert make_up.name == "National Day make-up"
    assert make_up.source.startswith("chinese_calendar")
    assert CAL.official_day(date(2025, 10, 1)).name == "National Day"
    assert CAL.official_day(date(2025, 10, 18)) == OfficialDay(False, "weekend", make_up.source)


def test_add_working_days_skips_national_day_and_counts_make_up_weekends() -> None:
    assert CAL.add_working_days(date(2025, 9, 30), 1) == date(2025, 10, 9)
    assert CAL.add_working_days(date(2025, 9, 26), 1) == date(2025, 9, 28)  # Sunday make-up
    assert CAL.add_working_days(date(2025, 10, 10), 1) == date(2025, 10, 11)  # Saturday make-up
    # New Year 2026: 1-3 Jan off, Sunday 4 Jan a make-up working day.
    assert CAL.add_working_days(date(2025, 12, 31), 1) == date(2026, 1, 4)
    # Start on a holiday: day 1 is still the first working day after it.
    assert CAL.add_working_days(date(2025, 10, 3), 1) == date(2025, 10, 9)


def test_working_days_between_is_half_open() -> None:
    # (30 Sep, 12 Oct]: 9, 10 and 11 (Saturday make-up) October.
    assert CAL.working_days_between(date(2025, 9, 30), date(2025, 10, 12)) == 3
    assert CAL.working_days_between(date(2025, 10, 9), date(2025, 10, 9)) == 0
    assert CAL.working_days_between(date(2025, 10, 12), date(2025, 9, 30)) == 0
    assert CAL.working_days_between(date(2025, 10, 8), date(2025, 10, 9)) == 1


@pytest.mark.parametrize("n", [0, -1, -45])
def test_add_working_days_refuses_non_positive_counts(n: int) -> None:
    with pytest.raises(ValueError, match="positive"):
        CAL.add_working_days(date(2025, 1, 1), n)


def test_add_working_days_refuses_to_leave_the_date_range() -> None:
    with pytest.raises(ValueError, match="beyond"):
        CAL.add_working_days(date(9999, 12, 20), 30)


@settings(max_examples=300, deadline=None)
@given(start=st.dates(date(2003, 1, 1), date(2031, 12, 31)), n=st.integers(1, 600))
def test_add_and_between_are_inverse(start: date, n: int) -> None:
    due = CAL.add_working_days(start, n)
    assert CAL.is_working_day(due)
    assert CAL.working_days_between(start, due) == n
    assert CAL.working_days_between(start, due - timedelta(days=1)) == n - 1


@cache  # the package scans its whole table on every call; the answer for a day never changes
def _package_workday(day: date) -> bool:
    return bool(chinese_calendar.is_workday(day))


@settings(max_examples=300, deadline=None)
@given(start=st.dates(date(2024, 1, 1), date(2026, 12, 31)), span=st.integers(0, 800))
def test_between_agrees_with_a_day_by_day_count(start: date, span: int) -> None:
    end = min(start + timedelta(span), date(2026, 12, 31))
    naive = sum(
        1 for i in range(1, (end - start).days + 1) if _package_workday(start + timedelta(i))
    )
    assert CAL.working_days_between(start, end) == naive


# --- years the package does not cover ---------------------------------------------------------


@pytest.mark.parametrize("year", [2027, 2030])
def test_uncovered_year_falls_back_to_weekdays_and_is_provisional(year: int) -> None:
    with pytest.raises(NotImplementedError):
        chinese_calendar.is_workday(date(year, 3, 1))
    for d in _days(f"{year}-01-01", f"{year}-12-31"):
        assert CAL.is_working_day(d) is (d.weekday() < 5)
        assert CAL.is_provisional(d)
    assert CAL.official_day(date(year, 1, 1)).source == FALLBACK_SOURCE
    assert year not in CAL.covered_years


def test_counting_across_into_an_uncovered_year_does_not_crash() -> None:
    # 31 Dec 2026 is a Thursday; 1 Jan 2027 would be New Year's Day but is guessed working.
    assert CAL.add_working_days(date(2026, 12, 31), 1) == date(2027, 1, 1)
    assert CAL.working_days_between(date(2026, 12, 25), date(2027, 1, 8)) == 10
    assert not CAL.has_provisional_days(date(2026, 12, 1), date(2026, 12, 31))
    assert CAL.has_provisional_days(date(2026, 12, 30), date(2027, 1, 1))
    assert {2004, 2024, 2025, 2026} <= CAL.covered_years


# --- schedule files ---------------------------------------------------------------------------


def test_example_schedule_is_labelled_as_an_example() -> None:
    assert "EXAMPLE" in EXAMPLE_2027.splitlines()[0]
    assert "not official" in EXAMPLE_2027


def test_example_schedule_makes_2027_official_and_respected() -> None:
    schedule = parse_official_schedule(EXAMPLE_2027, source="example file")
    assert schedule.year == 2027
    assert schedule.days[date(2027, 2, 8)] == OfficialDay(False, "Spring Festival", "example file")
    assert schedule.days[date(2027, 2, 14)].is_working
    cal = CAL.with_schedule(schedule)
    assert 2027 in cal.covered_years
    assert cal.schedule_years == frozenset({2027})
    assert not cal.is_working_day(date(2027, 1, 1))  # Friday, New Year's Day
    assert not cal.is_working_day(date(2027, 6, 9))  # Wednesday, Dragon Boat
    assert cal.is_working_day(date(2027, 2, 14))  # Sunday make-up
    assert cal.is_working_day(date(2027, 10, 9))  # Saturday make-up
    assert cal.is_working_day(date(2027, 3, 1))  # unlisted Monday
    assert not cal.is_working_day(date(2027, 3, 6))  # unlisted Saturday
    for d in _days("2027-01-01", "2027-12-31"):
        assert not cal.is_provisional(d)
    assert cal.official_day(date(2027, 3, 1)).source == "example file"
    assert cal.is_provisional(date(2028, 1, 3))  # other years stay provisional
    # National Day 2027 (1-7 Oct) off; make-up Sat 9 Oct counts.
    assert cal.add_working_days(date(2027, 9, 30), 1) == date(2027, 10, 8)
    assert cal.add_working_days(date(2027, 10, 8), 1) == date(2027, 10, 9)


def test_calendar_built_from_stored_schedule_days_is_not_provisional() -> None:
    """The calendar store passes the loaded days as plain overrides."""
    schedule = parse_official_schedule(EXAMPLE_2027, source="db")
    cal = WorkingCalendar(schedule.days)
    assert not cal.is_provisional(date(2027, 7, 1))
    assert not cal.is_working_day(date(2027, 10, 4))


def test_with_schedule_replaces_earlier_days_of_that_year() -> None:
    first = WorkingCalendar({date(2027, 3, 1): OfficialDay(False, "closure", "old notice")})
    schedule = parse_official_schedule(EXAMPLE_2027, source="new notice")
    replaced = first.with_schedule(schedule)
    assert replaced.is_working_day(date(2027, 3, 1))
    assert not first.is_working_day(date(2027, 3, 1))  # the original is unchanged


def test_override_in_a_covered_year_wins_over_the_package() -> None:
    closure = OfficialDay(False, "typhoon closure", "MOFCOM notice")
    cal = WorkingCalendar({date(2025, 10, 13): closure})
    assert not cal.is_working_day(date(2025, 10, 13))
    assert cal.is_working_day(date(2025, 10, 14))
    assert cal.official_day(date(2025, 10, 13)) == closure
    assert cal.working_days_between(date(2025, 10, 12), date(2025, 10, 17)) == 4


def test_json_schedule_is_accepted() -> None:
    doc = {
        "year": 2028,
        "holidays": [{"name": "New Year's Day", "from": "2028-01-01", "to": "2028-01-03"}],
        "workdays": [{"name": "make-up", "date": "2028-01-08"}],
    }
    schedule = parse_official_schedule(json.dumps(doc), source="json")
    assert sorted(schedule.days) == [*_days("2028-01-01", "2028-01-03"), date(2028, 1, 8)]
    assert schedule.days[date(2028, 1, 8)].is_working


GOOD_HOLIDAY = '{name: "New Year", from: 2027-01-01, to: 2027-01-03}'

MALFORMED = [
    ("year: [unclosed", "document"),
    ("- 2027", "document"),
    ("holidays: []\nworkdays: []", "year"),
    (f'year: "2027"\nholidays: [{GOOD_HOLIDAY}]', "year"),
    (f"year: true\nholidays: [{GOOD_HOLIDAY}]", "year"),
    (f"year: 2027\nholiday: [{GOOD_HOLIDAY}]", "document"),
    ("year: 2027", "holidays"),
    ("year: 2027\nholidays: []", "holidays"),
    ("year: 2027\nholidays: {name: x}", "holidays"),
    ("year: 2027\nholidays: [2027-01-01]", "holidays[0]"),
    ('year: 2027\nholidays: [{name: "New Year", from: 2027-01-01}]', "holidays[0]"),
    ('year: 2027\nholidays: [{name: "NY", from: 2027-01-01, to: 2027-01-01, x: 1}]', "holidays[0]"),
    ('year: 2027\nholidays: [{name: " ", from: 2027-01-01, to: 2027-01-01}]', "holidays[0].name"),
    ("year: 2027\nholidays: [{name: No, from: 2027-01-01, to: 2027-01-01}]", "holidays[0].name"),
    ("year: 2027\nholidays: [{name: NY, from: 2026-12-31, to: 2027-01-01}]", "holidays[0].from"),
    ("year: 2027\nholidays: [{name: NY, from: 2027-12-31, to: 2028-01-01}]", "holidays[0].to"),
    ("year: 2027\nholidays: [{name: NY, from: 2027-01-03, to: 2027-01-01}]", "holidays[0].to"),
    ('year: 2027\nholidays: [{name: NY, from: "1 Jan", to: 2027-01-01}]', "holidays[0].from"),
    (
        "year: 2027\nholidays: [{name: NY, from: 2027-01-01 09:00:00, to: 2027-01-01}]",
        "holidays[0].from",
    ),
    ("year: 2027\nholidays: [{name: NY, from: 20270101, to: 2027-01-01}]", "holidays[0].from"),
    (
        f"year: 2027\nholidays: [{GOOD_HOLIDAY}, {{name: X, from: 2027-01-03, to: 2027-01-04}}]",
        "holidays[1]",
    ),
    (f"year: 2027\nholidays: [{GOOD_HOLIDAY}]\nworkdays: 2027-01-09", "workdays"),
    (f"year: 2027\nholidays: [{GOOD_HOLIDAY}]\nworkdays: [{{date: 2027-01-09}}]", "workdays[0]"),
    (  # a Monday cannot be a make-up day
        f"year: 2027\nholidays: [{GOOD_HOLIDAY}]\nworkdays: [{{name: M, date: 2027-01-04}}]",
        "workdays[0].date",
    ),
    (  # both holiday and workday
        f"year: 2027\nholidays: [{GOOD_HOLIDAY}]\nworkdays: [{{name: M, date: 2027-01-02}}]",
        "workdays[0].date",
    ),
    (
        f"year: 2027\nholidays: [{GOOD_HOLIDAY}]\nworkdays: [{{name: M, date: 2028-01-08}}]",
        "workdays[0].date",
    ),
    (
        f"year: 2027\nholidays: [{GOOD_HOLIDAY}]\n"
        "workdays: [{name: M, date: 2027-01-09}, {name: M, date: 2027-01-09}]",
        "workdays[1].date",
    ),
]


@pytest.mark.parametrize(("text", "field"), MALFORMED)
def test_malformed_schedule_is_refused_naming_the_field(text: str, field: str) -> None:
    with pytest.raises(InvalidSchedule) as caught:
        parse_official_schedule(text, source="upload.yaml")
    error = caught.value
    assert isinstance(error, InvalidInput)
    assert error.code == "calendar.invalid_schedule"
    assert status_for(error) == 422
    assert error.message.startswith(f"{field}: ")
    assert error.to_dict()["details"] == {"field": field, "source": "upload.yaml"}
