"""China's official working-day calendar (pure: no database, no web framework).

A day's status is decided, first match wins, by:

1. an override: a day of a loaded :class:`OfficialSchedule` (the State Council's annual
   notice, loaded by an administrator), passed to :class:`WorkingCalendar`;
2. the ``chinese_calendar`` package (public holidays off, 调休 make-up weekend days on);
3. the Monday-Friday rule. In a year with neither package data nor any override the day is
   *provisional*: a best guess that must be shown as such, never a crash.

Day tables are built once per year and cached with cumulative counts, so counting and adding
working days cost a bisection and a few subtractions, not a day-by-day loop.
"""

from __future__ import annotations

from bisect import bisect_left
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import lru_cache
from typing import Any, Literal

import chinese_calendar
import yaml

from rarex.errors import InvalidInput

PACKAGE_SOURCE = f"chinese_calendar {chinese_calendar.__version__}"
FALLBACK_SOURCE = "Monday-Friday rule (provisional: no official schedule loaded)"


class InvalidSchedule(InvalidInput):
    default_code = "calendar.invalid_schedule"


@dataclass(frozen=True, slots=True)
class OfficialDay:
    is_working: bool
    name: str
    source: str


@dataclass(frozen=True)
class OfficialSchedule:
    """The exceptional days of one year as published: holidays off, make-up weekend days on."""

    year: int
    days: dict[date, OfficialDay] = field(hash=False)
    source: str


YearStatus = Literal["package", "loaded", "provisional"]


@dataclass(frozen=True, slots=True)
class CalendarYear:
    """Where a year's working days come from: the package's published data, a schedule an
    administrator loaded (it wins over the package), or the provisional Monday-Friday rule.
    ``holidays`` and ``makeup_days`` count the days off and the make-up working days the
    published schedule lists (none for a provisional year)."""

    year: int
    status: YearStatus
    source: str
    working_days: int
    holidays: int
    makeup_days: int

    @property
    def official(self) -> bool:
        return self.status != "provisional"

    def to_dict(self) -> dict[str, Any]:
        return {
            "year": self.year,
            "status": self.status,
            "official": self.official,
            "source": self.source,
            "working_days": self.working_days,
            "holidays": self.holidays,
            "makeup_days": self.makeup_days,
        }


# --- schedule files ---------------------------------------------------------------------------

_TOP_KEYS = {"year", "holidays", "workdays", "note", "reference"}


def _fail(where: str, problem: str, source: str) -> InvalidSchedule:
    return InvalidSchedule(f"{where}: {problem}", field=where, source=source)


def _as_date(value: Any, where: str, year: int, source: str) -> date:
    # YAML turns 2027-02-05 into a date, JSON leaves a string: accept both, nothing else.
    if isinstance(value, datetime):
        raise _fail(where, f"expected a date, got a timestamp {value.isoformat()}", source)
    if isinstance(value, str):
        try:
            value = date.fromisoformat(value)
        except ValueError:
            raise _fail(where, f"{value!r} is not an ISO date (YYYY-MM-DD)", source) from None
    if not isinstance(value, date):
        raise _fail(where, f"expected a date, got {type(value).__name__}", source)
    if value.year != year:
        raise _fail(where, f"{value.isoformat()} is outside year {year}", source)
    return value


def _entry(raw: Any, where: str, keys: set[str], source: str) -> dict[str, Any]:
    if not isinstance(raw, dict):
        raise _fail(where, "expected a mapping", source)
    missing = sorted(keys - raw.keys())
    unknown = sorted(str(k) for k in raw.keys() - keys)
    if missing:
        raise _fail(where, f"missing {', '.join(missing)}", source)
    if unknown:
        raise _fail(where, f"unknown key(s) {', '.join(unknown)}", source)
    name = raw["name"]
    if not isinstance(name, str) or not name.strip():
        raise _fail(f"{where}.name", "expected a non-empty string", source)
    return raw


def _entries(doc: dict[str, Any], key: str, source: str, *, required: bool) -> list[Any]:
    raw = doc.get(key)
    if raw is None:
        if required:
            raise _fail(key, "missing: an official schedule lists at least one holiday", source)
        return []
    if not isinstance(raw, list):
        raise _fail(key, "expected a list", source)
    if required and not raw:
        raise _fail(key, "empty: an official schedule lists at least one holiday", source)
    return raw


def parse_official_schedule(text: str, *, source: str) -> OfficialSchedule:
    """Validate a published year schedule (YAML or JSON) or raise :class:`InvalidSchedule`.

    The error message starts with the path of the faulty field (``holidays[2].to``) so an
    administrator can fix the file without reading code.
    """
    try:
        doc = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise _fail("document", f"not valid YAML/JSON ({exc})", source) from None
    if not isinstance(doc, dict):
        raise _fail("document", "expected a mapping with year, holidays, workdays", source)
    unknown = sorted(str(k) for k in doc.keys() - _TOP_KEYS)
    if unknown:
        raise _fail("document", f"unknown key(s) {', '.join(unknown)}", source)
    year = doc.get("year")
    if isinstance(year, bool) or not isinstance(year, int) or not 1 <= year <= 9999:
        raise _fail("year", f"expected a year such as 2027, got {year!r}", source)

    days: dict[date, OfficialDay] = {}
    where_of: dict[date, str] = {}
    for i, raw in enumerate(_entries(doc, "holidays", source, required=True)):
        where = f"holidays[{i}]"
        entry = _entry(raw, where, {"name", "from", "to"}, source)
        first = _as_date(entry["from"], f"{where}.from", year, source)
        last = _as_date(entry["to"], f"{where}.to", year, source)
        if last < first:
            raise _fail(f"{where}.to", f"{last.isoformat()} is before {first.isoformat()}", source)
        day = first
        while day <= last:
            if day in days:
                raise _fail(where, f"{day.isoformat()} already listed in {where_of[day]}", source)
            days[day] = OfficialDay(is_working=False, name=entry["name"].strip(), source=source)
            where_of[day] = where
            day += timedelta(days=1)
    for i, raw in enumerate(_entries(doc, "workdays", source, required=False)):
        where = f"workdays[{i}]"
        entry = _entry(raw, where, {"name", "date"}, source)
        day = _as_date(entry["date"], f"{where}.date", year, source)
        if day in days:
            problem = f"{day.isoformat()} is also listed in {where_of[day]}"
            raise _fail(f"{where}.date", problem, source)
        if day.weekday() < 5:
            problem = f"{day.isoformat()} is a {day:%A}; make-up working days are weekend days"
            raise _fail(f"{where}.date", problem, source)
        days[day] = OfficialDay(is_working=True, name=entry["name"].strip(), source=source)
        where_of[day] = where
    return OfficialSchedule(year=year, days=dict(sorted(days.items())), source=source)


# --- the calendar -----------------------------------------------------------------------------


@lru_cache(maxsize=64)
def _package_year(year: int) -> tuple[bool, ...] | None:
    """The package's working flags for a year, or None when it has no data for that year."""
    first = date(year, 1, 1)
    try:
        chinese_calendar.is_workday(first)
    except NotImplementedError:
        return None
    size = (date(year, 12, 31) - first).days + 1
    return tuple(bool(chinese_calendar.is_workday(first + timedelta(i))) for i in range(size))


@lru_cache(maxsize=1)
def _package_listed() -> tuple[Counter[int], Counter[int]]:
    """The package's listed days off and make-up working days, counted by year."""
    return (
        Counter(d.year for d in chinese_calendar.holidays),
        Counter(d.year for d in chinese_calendar.workdays),
    )


@dataclass(frozen=True, slots=True)
class _YearTable:
    origin: int  # ordinal of 1 January
    working: bytes  # 1 = working day, indexed by day of year (0-based)
    cum: list[int]  # cum[i] = working days among the first i days
    provisional_cum: list[int] | None  # same for provisional days; None if there are none

    @property
    def total(self) -> int:
        return self.cum[-1]


class WorkingCalendar:
    """Immutable view of the official calendar; share one instance, it caches per year.

    ``overrides`` are the days of loaded official schedules (see :func:`parse_official_schedule`).
    A year with at least one override counts as published: it is not provisional, and its
    unlisted days follow the Monday-Friday rule (or the package, for a year it covers).
    """

    def __init__(self, overrides: Mapping[date, OfficialDay] | None = None) -> None:
        self._overrides: dict[date, OfficialDay] = dict(overrides or {})
        self._sources: dict[int, str] = {}
        for day in sorted(self._overrides):
            self._sources.setdefault(day.year, self._overrides[day].source)
        self._tables: dict[int, _YearTable] = {}

    def with_schedule(self, schedule: OfficialSchedule) -> WorkingCalendar:
        """A new calendar with ``schedule`` loaded; it replaces earlier overrides of that year."""
        kept = {d: o for d, o in self._overrides.items() if d.year != schedule.year}
        return WorkingCalendar({**kept, **schedule.days})

    @property
    def schedule_years(self) -> frozenset[int]:
        """Years given official days by a loaded schedule (overrides); never provisional."""
        return frozenset(self._sources)

    @property
    def covered_years(self) -> frozenset[int]:
        """Years with official data (package or loaded schedule): their days are not provisional."""
        years = {d.year for d in chinese_calendar.holidays}
        package = {y for y in range(min(years), max(years) + 1) if _package_year(y) is not None}
        return frozenset(package | self._sources.keys())

    def year_summary(self, year: int) -> CalendarYear:
        """What this calendar knows of ``year`` (2..9999): its source and its counts."""
        working = self.working_days_between(date(year - 1, 12, 31), date(year, 12, 31))
        if year in self._sources:
            listed = [o.is_working for d, o in self._overrides.items() if d.year == year]
            return CalendarYear(
                year, "loaded", self._sources[year], working,
                holidays=listed.count(False), makeup_days=listed.count(True),
            )  # fmt: skip
        if _package_year(year) is not None:
            off, on = _package_listed()
            return CalendarYear(year, "package", PACKAGE_SOURCE, working, off[year], on[year])
        return CalendarYear(year, "provisional", FALLBACK_SOURCE, working, 0, 0)

    def _table(self, year: int) -> _YearTable:
        table = self._tables.get(year)
        if table is None:
            # Racing threads may both build it; the results are equal, so last write wins.
            table = self._build(year)
            self._tables[year] = table
        return table

    def _build(self, year: int) -> _YearTable:
        origin = date(year, 1, 1).toordinal()
        size = (date(year, 12, 31).toordinal() - origin) + 1
        package = _package_year(year)
        if package is not None:
            working = bytearray(package)
        else:
            # 1 Jan 0001 is a Monday, so ordinals % 7 in 1..5 are Monday to Friday.
            working = bytearray((origin + i) % 7 in (1, 2, 3, 4, 5) for i in range(size))
        for day, info in self._overrides.items():
            if day.year == year:
                working[day.toordinal() - origin] = info.is_working
        provisional = package is None and year not in self._sources
        return _YearTable(
            origin=origin,
            working=bytes(working),
            cum=_cumulate(working),
            provisional_cum=_cumulate(b"\x01" * size) if provisional else None,
        )

    def is_working_day(self, d: date) -> bool:
        table = self._table(d.year)
        return table.working[d.toordinal() - table.origin] == 1

    def is_provisional(self, d: date) -> bool:
        """True when the day's status is the Monday-Friday guess, not published data."""
        table = self._table(d.year)
        if table.provisional_cum is None:
            return False
        i = d.toordinal() - table.origin
        return table.provisional_cum[i + 1] > table.provisional_cum[i]

    def official_day(self, d: date) -> OfficialDay:
        """Explain a day's status and where it comes from (for screens and audit notes)."""
        if d in self._overrides:
            return self._overrides[d]
        weekday = "working day" if d.weekday() < 5 else "weekend"
        if _package_year(d.year) is not None:
            is_holiday, name = chinese_calendar.get_holiday_detail(d)
            if name and not is_holiday:
                name = f"{name} make-up"
            return OfficialDay(not is_holiday, str(name) if name else weekday, PACKAGE_SOURCE)
        return OfficialDay(d.weekday() < 5, weekday, self._sources.get(d.year, FALLBACK_SOURCE))

    def working_days_between(self, start: date, end: date) -> int:
        """Count working days d with start < d <= end (0 when end <= start)."""
        return self._count(start, end, provisional=False)

    def has_provisional_days(self, start: date, end: date) -> bool:
        """True when any day d with start < d <= end is provisional."""
        return self._count(start, end, provisional=True) > 0

    def _count(self, start: date, end: date, *, provisional: bool) -> int:
        if end <= start:
            return 0
        total = 0
        for year in range(start.year, end.year + 1):
            table = self._table(year)
            cum = table.provisional_cum if provisional else table.cum
            if cum is None:
                continue
            lo = start.toordinal() - table.origin + 1 if year == start.year else 0
            hi = end.toordinal() - table.origin + 1 if year == end.year else len(cum) - 1
            total += cum[hi] - cum[lo]
        return total

    def add_working_days(self, start: date, n: int) -> date:
        """The n-th working day strictly after ``start`` (n >= 1)."""
        if isinstance(n, bool) or not isinstance(n, int) or n <= 0:
            raise ValueError(f"n must be a positive number of working days, got {n!r}")
        year = start.year
        table = self._table(year)
        target = table.cum[start.toordinal() - table.origin + 1] + n
        while target > table.total:
            target -= table.total
            year += 1
            if year > 9999:
                raise ValueError(f"{n} working days after {start} is beyond the calendar range")
            table = self._table(year)
        # cum is non-decreasing; the first index reaching target is one past the target day.
        return date.fromordinal(table.origin + bisect_left(table.cum, target) - 1)


def _cumulate(flags: bytes | bytearray) -> list[int]:
    cum = [0] * (len(flags) + 1)
    running = 0
    for i, flag in enumerate(flags):
        running += flag
        cum[i + 1] = running
    return cum
