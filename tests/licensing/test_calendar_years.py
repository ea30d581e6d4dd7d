"""What the calendar says of a whole year (``WorkingCalendar.year_summary``, pure): where its
days come from, and the days off and make-up days its published schedule lists."""

from __future__ import annotations

from datetime import date, timedelta

import chinese_calendar

from rarex.licensing.calendar import (
    FALLBACK_SOURCE,
    PACKAGE_SOURCE,
    OfficialDay,
    WorkingCalendar,
)

PUBLISHED = max(WorkingCalendar().covered_years)


def _days(year: int) -> list[date]:
    first = date(year, 1, 1)
    return [first + timedelta(i) for i in range((date(year, 12, 31) - first).days + 1)]


def test_a_package_year_counts_what_the_package_publishes() -> None:
    summary = WorkingCalendar().year_summary(PUBLISHED)
    assert (summary.status, summary.official, summary.source) == ("package", True, PACKAGE_SOURCE)
    assert summary.holidays == sum(1 for d in chinese_calendar.holidays if d.year == PUBLISHED)
    assert summary.makeup_days == sum(1 for d in chinese_calendar.workdays if d.year == PUBLISHED)
    assert summary.working_days == sum(chinese_calendar.is_workday(d) for d in _days(PUBLISHED))


def test_a_year_without_a_schedule_is_provisional_monday_to_friday() -> None:
    year = PUBLISHED + 1
    summary = WorkingCalendar().year_summary(year)
    assert (summary.status, summary.official, summary.source) == (
        "provisional", False, FALLBACK_SOURCE,
    )  # fmt: skip
    assert (summary.holidays, summary.makeup_days) == (0, 0)
    assert summary.working_days == sum(d.weekday() < 5 for d in _days(year))
    assert summary.to_dict()["official"] is False


def test_a_loaded_schedule_wins_over_the_package_and_is_counted() -> None:
    year = PUBLISHED
    saturday = next(d for d in _days(year) if d.month == 3 and d.weekday() == 5)
    overrides = {
        date(year, 1, 2): OfficialDay(False, "a day off", "notice"),
        date(year, 1, 3): OfficialDay(False, "a day off", "notice"),
        saturday: OfficialDay(True, "make-up", "notice"),
    }
    summary = WorkingCalendar(overrides).year_summary(year)
    assert (summary.status, summary.source, summary.holidays, summary.makeup_days) == (
        "loaded", "notice", 2, 1,
    )  # fmt: skip
    assert WorkingCalendar(overrides).year_summary(year - 1).status == "package"
