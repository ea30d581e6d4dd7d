"""The words of a chart (pure): its plain title, the summary a screen reader reads, the axis
label with its unit, the legend, the source line and the month labels.

The sentences are English and pass through ``Wording.gettext``, so the web, which holds the
message catalogs, passes its Chinese catalog's ``gettext`` and Babel's number and date formats
and gets the same chart in Simplified Chinese; the API and the command line take the English
default. Every message here is in the web's catalog (``rarex.web.catalog`` reads this file).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from rarex.statistics.chart_data import Bar, ChartData
from rarex.statistics.derivation import plain
from rarex.statistics.measures import round_half_up
from rarex.statistics.periods import MONTH_NAMES, Period

EN_DASH = "\u2013"
MINUS = "\u2212"
FULL_STOP = "\u3002"  # Chinese

# Short English names of the series, for titles; the web names them from its own catalog.
SERIES_TITLES = {
    "rare_earth_exports_t": "Rare-earth exports",
    "rare_earth_imports_t": "Rare-earth imports",
    "rare_earth_exports_value_musd": "Rare-earth exports by value",
    "magnet_exports_t": "Rare-earth permanent magnet exports",
    "magnet_and_alloy_exports_t": "Magnet and alloy exports (a wider aggregate)",
}
UNIT_NAMES = {"t": "tonnes", "musd": "USD million"}  # the units of data/series.csv


def _same(message: str) -> str:
    return message


def _english_number(value: Decimal) -> str:
    return f"{value:,}"


def _english_percent(value: Decimal, places: int) -> str:
    """Unsigned: the sign is the chart's to add."""
    return f"{round_half_up(value, places)}%"


def _english_month_label(year: int, month: int) -> str:
    return f"{MONTH_NAMES[month - 1]} {year}"


def _english_ytd_label(year: int, month: int) -> str:
    if month == 1:
        return _english_month_label(year, 1)
    return f"January{EN_DASH}{MONTH_NAMES[month - 1]} {year}"


@dataclass(frozen=True)
class Wording:
    """How one language says a chart's words. The defaults are English."""

    lang: str = "en"  # the language's tag, on the SVG (xml:lang)
    gettext: Callable[[str], str] = _same
    # 24827 → "24,827"; 5864.6 → "5,864.6" (as many decimals as the value has)
    number: Callable[[Decimal], str] = _english_number
    # (22.567, 1) → "22.6%", never signed: the chart puts "+" or a true minus before it
    percent: Callable[[Decimal, int], str] = _english_percent
    month_abbr: Callable[[int], str] = lambda month: MONTH_NAMES[month - 1][:3]
    year: Callable[[int], str] = str
    month_label: Callable[[int, int], str] = _english_month_label  # (year, month)
    ytd_label: Callable[[int, int], str] = _english_ytd_label  # January to (year, month)
    day: Callable[[date], str] = date.isoformat
    series_name: Callable[[str], str] = lambda code: SERIES_TITLES.get(code, code)
    unit_name: Callable[[str], str] = lambda code: UNIT_NAMES.get(code, code)


ENGLISH = Wording()


@dataclass(frozen=True)
class ChartText:
    """Everything a chart says, in one language, as the renderer draws it."""

    lang: str
    title: str
    description: str
    value_axis: str
    ticks: tuple[str, ...]  # one per month shown
    published: str
    derived: str
    jan_feb: str
    line: str
    line_derived: str
    source: str
    empty: str  # said in place of bars when no month has a figure
    missing: str  # under a month that has none
    value_tick: Callable[[float], str] = field(compare=False)


def _signed(wording: Wording, value: Decimal, places: int = 1) -> str:
    # Rounded here, half up as every percentage Rarex shows: a language's formatter (Babel
    # rounds half even) then only writes the digits.
    rounded = round_half_up(value, places)
    text = wording.percent(abs(rounded), places)
    return text if rounded == 0 else ("+" if rounded > 0 else MINUS) + text


def _tick_value(x: float) -> Decimal:
    return plain(Decimal(str(round(x, 6))))


def _bar_period(wording: Wording, bar: Bar) -> str:
    if bar.jan_feb:
        return wording.ytd_label(bar.period.year, 2)
    return wording.month_label(bar.period.year, bar.period.month)


def _ticks(wording: Wording, periods: tuple[Period, ...]) -> tuple[str, ...]:
    return tuple(
        wording.month_abbr(p.month)
        + (f"\n{wording.year(p.year)}" if p.month == 1 or i == 0 else "")
        for i, p in enumerate(periods)
    )


def _years(wording: Wording, first: Period, last: Period) -> str:
    _ = wording.gettext
    if first.year == last.year:
        return wording.year(first.year)
    return _("%(first)s\u2013%(last)s") % {
        "first": wording.year(first.year),
        "last": wording.year(last.year),
    }


def sentences(parts: list[str]) -> str:
    """Sentences run on: after a space in English, straight after "。" in Chinese."""
    out = ""
    for part in parts:
        out += part if not out or out.endswith(FULL_STOP) else " " + part
    return out


_Words = tuple[str, list[str], str, Callable[[float], str]]  # title, summary, axis, ticks


def _monthly(data: ChartData, wording: Wording, span: dict[str, str]) -> _Words:
    _ = wording.gettext
    summary = [_("%(series)s per month, %(first)s to %(last)s, in %(unit)s.") % span]
    latest = data.latest
    if latest is not None and latest.total is not None:
        said = _(
            "Latest: %(period)s, %(total)s %(unit)s together, "
            "%(value)s %(unit)s a month on average."
        )
        summary.append(
            said
            % {
                "period": _bar_period(wording, latest),
                "total": wording.number(latest.total),
                "value": wording.number(plain(latest.value)),
                "unit": span["unit"],
            }
        )
    elif latest is not None:
        said = _("Latest: %(period)s, %(value)s %(unit)s.")
        summary.append(
            said
            % {
                "period": _bar_period(wording, latest),
                "value": wording.number(latest.value),
                "unit": span["unit"],
            }
        )

    def value_tick(x: float) -> str:
        return wording.number(_tick_value(x))

    return (
        _("%(series)s, monthly, %(years)s") % span,
        summary,
        _("Per month, in %(unit)s") % span,
        value_tick,
    )


def _growth(data: ChartData, wording: Wording, span: dict[str, str]) -> _Words:
    _ = wording.gettext
    if data.compare_months == 12:
        title = _("%(series)s, change on a year before, %(years)s") % span
        summary = [
            _("%(series)s, change on the same month a year before, %(first)s to %(last)s.") % span
        ]
        value_axis = _("Change on a year before, %")
    else:
        base = data.periods[0].shift(-data.compare_months)
        compared = {**span, "year": wording.year(base.year)}
        title = _("%(series)s, %(years)s, change on %(year)s") % compared
        summary = [
            _("%(series)s, change on the same month of %(year)s, %(first)s to %(last)s.") % compared
        ]
        value_axis = _("Change on %(year)s, %%") % compared
    latest = data.latest
    if latest is not None:
        summary.append(
            _("Latest: %(period)s, %(change)s.")
            % {"period": _bar_period(wording, latest), "change": _signed(wording, latest.value)}
        )
    if data.line:
        point = data.line[-1]
        summary.append(
            _("Year to date, %(period)s: %(change)s.")
            % {
                "period": wording.ytd_label(point.period.year, point.period.month),
                "change": _signed(wording, point.value),
            }
        )

    def value_tick(x: float) -> str:
        value = _tick_value(x)
        exponent = value.as_tuple().exponent
        assert isinstance(exponent, int)
        return _signed(wording, value, max(0, -exponent))

    return title, summary, value_axis, value_tick


def describe(data: ChartData, wording: Wording = ENGLISH) -> ChartText:
    """The chart's words in the language of ``wording``."""
    _ = wording.gettext
    first, last = data.periods[0], data.periods[-1]
    span = {
        "series": wording.series_name(data.series),
        "years": _years(wording, first, last),
        "first": wording.month_label(first.year, first.month),
        "last": wording.month_label(last.year, last.month),
        "unit": wording.unit_name(data.unit),
    }
    words = _monthly if data.kind == "monthly" else _growth
    title, summary, value_axis, value_tick = words(data, wording, span)
    empty = _("No figures to show for these months.")
    if not data.bars:
        summary.append(empty)
    if data.has_derived:
        summary.append(
            _("Light, diagonally hatched bars are derived by Rarex from published figures.")
        )
    if data.has_jan_feb:
        summary.append(_("January and February are published as one figure and drawn as one bar."))
    source = [_("Source: General Administration of Customs of China (GACC), as published.")]
    if data.has_derived:
        source.append(_("Derived figures computed by Rarex from the published ones."))
    if data.released_on is not None:
        source.append(_("Latest release: %(day)s.") % {"day": wording.day(data.released_on)})
    return ChartText(
        lang=wording.lang,
        title=title,
        description=sentences(summary),
        value_axis=value_axis,
        ticks=_ticks(wording, data.periods),
        published=_("Published"),
        derived=_("Derived by Rarex from published figures"),
        jan_feb=(
            _("January\u2013February: combined total shown as a monthly average")
            if data.kind == "monthly"
            else _("January\u2013February: the two months together")
        ),
        line=(
            _("Year to date, on a year before")
            if data.compare_months == 12
            else _("Year to date, on %(year)s")
            % {"year": wording.year(data.periods[0].shift(-data.compare_months).year)}
        ),
        line_derived=_("Year to date, derived"),
        source=sentences(source),
        empty=empty,
        missing=_("n/a"),
        value_tick=value_tick,
    )
