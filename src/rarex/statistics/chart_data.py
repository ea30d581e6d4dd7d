"""What a chart of a series shows, as data, before anything is drawn (pure).

Two kinds of chart, each a row of bars over consecutive months:

* ``monthly``: each month's figure. GACC publishes January and February as one figure; it
  becomes one bar over both months at the *monthly average* (the combined total halved), so
  the two months take the area of their total and neither month is claimed alone.
* ``growth`` (``yoy`` is the same chart under its old name): each month's change on the same
  month a year before (or of ``compare_year``), in per cent, and the year-to-date change as a
  line. Where either year has only the combined January-February figure, one bar over both
  months compares the two January-February totals.

A bar or point is derived when any figure beneath it was derived rather than published.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from rarex.errors import InvalidInput
from rarex.statistics.derivation import DerivedSeries, Figure
from rarex.statistics.measures import pct_change
from rarex.statistics.periods import Period, PeriodError, months_between

KINDS = ("monthly", "growth")
# Accepted for compatibility: the chart that used to show two years side by side.
ALIASES = {"yoy": "growth"}
TWO = Decimal(2)
MAX_MONTHS = 120  # ten years: more bars than a page can draw legibly


@dataclass(frozen=True)
class Bar:
    period: Period  # the first month the bar covers
    months: int  # 1, or 2 for January and February published together
    value: Decimal  # the height drawn: a month, the Jan-Feb monthly average, or a % change
    derived: bool
    total: Decimal | None = None  # monthly chart, Jan-Feb: the combined total behind the average

    @property
    def jan_feb(self) -> bool:
        return self.months == 2

    @property
    def last(self) -> Period:
        return self.period.shift(self.months - 1)


@dataclass(frozen=True)
class Point:
    period: Period
    value: Decimal
    derived: bool


@dataclass(frozen=True)
class ChartData:
    kind: str  # monthly | growth
    series: str
    partner: str
    unit: str
    periods: tuple[Period, ...]
    bars: tuple[Bar, ...]
    line: tuple[Point, ...] = ()  # growth: the year-to-date change
    compare_months: int = 12  # growth: the base lies this many months earlier
    released_on: date | None = None  # the latest release date among the published figures

    @property
    def latest(self) -> Bar | None:
        return self.bars[-1] if self.bars else None

    @property
    def has_derived(self) -> bool:
        return any(b.derived for b in self.bars) or any(p.derived for p in self.line)

    @property
    def has_jan_feb(self) -> bool:
        return any(b.jan_feb for b in self.bars)


def canonical_kind(kind: str) -> str:
    chosen = ALIASES.get(kind, kind)
    if chosen not in KINDS:
        known = ", ".join((*KINDS, *ALIASES))
        raise InvalidInput(
            f"unknown chart kind {kind!r}; known: {known}", code="stats.unknown_chart"
        )
    return chosen


def default_span(last: Period) -> tuple[Period, Period]:
    """January of the year before the latest month, to the latest month."""
    return Period(max(last.year - 1, 1900), 1), last


def chart_span(
    series: DerivedSeries,
    *,
    start: Period | None = None,
    end: Period | None = None,
    year: int | None = None,
    compare_months: int | None = None,
) -> tuple[Period, Period]:
    """The months shown: ``year`` (all twelve), or ``start``..``end`` (default: from January
    of the year before the latest month), widened so that a January-February published as one
    figure (in the year, or in the compared year of a growth chart) is never cut in half."""
    known = series.periods()
    if not known:
        raise InvalidInput("the series has no figures to draw", code="stats.no_figure")
    if year is not None:
        if start is not None or end is not None:
            raise InvalidInput("give a year or from/to, not both", code="stats.bad_period")
        try:
            first, last = Period(year, 1), Period(year, 12)
        except PeriodError as exc:
            raise InvalidInput(f"year: {exc}", code="stats.bad_period") from None
    else:
        last = end or known[-1]
        first = start or default_span(last)[0]
    if last < first:
        raise InvalidInput(f"to {last} is before from {first}", code="stats.bad_period")
    if len(months_between(first, last)) > MAX_MONTHS:
        raise InvalidInput(
            f"a chart shows at most {MAX_MONTHS} months; {first} to {last} is more",
            code="stats.bad_period",
        )

    def together(p: Period) -> bool:
        base = earlier(p, compare_months or 0)
        years = {p.year} if base is None else {p.year, base.year}
        return any(series.is_jan_feb(Period(y, 2)) for y in years)

    if first.month == 2 and together(first):
        first = first.shift(-1)
    if last.month == 1 and together(last):
        last = last.shift(1)
    return first, last


def earlier(period: Period, months: int) -> Period | None:
    """``months`` before ``period``, or None before the first year a period may have."""
    try:
        return period.shift(-months)
    except PeriodError:
        return None


def _released(figures: list[Figure | None]) -> date | None:
    dates = [
        f.observation.released_on
        for f in figures
        if f is not None and f.observation is not None and f.observation.released_on is not None
    ]
    return max(dates, default=None)


def monthly_data(
    series: DerivedSeries, *, name: str, partner: str, unit: str, first: Period, last: Period
) -> ChartData:
    periods = months_between(first, last)
    bars: list[Bar] = []
    for p in periods:
        figure = series.month(p)
        if figure is not None:
            bars.append(Bar(p, 1, figure.value, figure.derived))
            continue
        february = Period(p.year, 2)
        if p.month == 1 and series.is_jan_feb(february):
            combined = series.ytd(february)
            assert combined is not None
            bars.append(Bar(p, 2, combined.value / TWO, combined.derived, total=combined.value))
    shown = [series.month(p) for p in periods] + [series.ytd(p) for p in periods]
    return ChartData(
        kind="monthly",
        series=name,
        partner=partner,
        unit=unit,
        periods=tuple(periods),
        bars=tuple(bars),
        released_on=_released(shown),
    )


def _change(now: Figure | None, then: Figure | None) -> tuple[Decimal, bool] | None:
    if now is None or then is None:
        return None
    pct = pct_change(now.value, then.value)
    return None if pct is None else (pct, now.derived or then.derived)


def growth_data(
    series: DerivedSeries,
    *,
    name: str,
    partner: str,
    unit: str,
    first: Period,
    last: Period,
    compare_months: int = 12,
) -> ChartData:
    if compare_months <= 0:
        raise InvalidInput(
            "the compared year must be before the year shown", code="stats.bad_period"
        )
    periods = months_between(first, last)
    bars: list[Bar] = []
    line: list[Point] = []
    shown: list[Figure | None] = []
    for p in periods:
        base = earlier(p, compare_months)
        if base is None:
            continue
        february, base_february = Period(p.year, 2), Period(base.year, 2)
        together = series.is_jan_feb(february) or series.is_jan_feb(base_february)
        if p.month in (1, 2) and together:
            if p.month == 1:
                now, then = series.ytd(february), series.ytd(base_february)
                change = _change(now, then)
                shown += [now, then]
                if change is not None:
                    bars.append(Bar(p, 2, change[0], change[1]))
        else:
            now, then = series.month(p), series.month(base)
            change = _change(now, then)
            shown += [now, then]
            if change is not None:
                bars.append(Bar(p, 1, change[0], change[1]))
        ytd_change = _change(series.ytd(p), series.ytd(base))
        if ytd_change is not None:
            line.append(Point(p, ytd_change[0], ytd_change[1]))
    return ChartData(
        kind="growth",
        series=name,
        partner=partner,
        unit=unit,
        periods=tuple(periods),
        bars=tuple(bars),
        line=tuple(line),
        compare_months=compare_months,
        released_on=_released(shown),
    )
