"""Charts of a series as SVG or PNG, drawn with matplotlib's object API (no pyplot, no global
backend, no network): monthly bars with the year-to-date line, and a year-on-year comparison.

Published months are solid, derived months hatched; a January-February total is one bar
spanning both months, because GACC never publishes them apart and we never split them.
"""

from __future__ import annotations

import io
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal

import matplotlib
from matplotlib.axes import Axes
from matplotlib.figure import Figure as MplFigure
from matplotlib.patches import Patch
from sqlalchemy.orm import Session

from rarex.errors import InvalidInput
from rarex.statistics.derivation import DerivedSeries
from rarex.statistics.measures import display_pct, pct_change
from rarex.statistics.periods import MONTH_NAMES, Period, months_between
from rarex.statistics.series_data import load_series, parse_period

FORMATS = {"svg": "image/svg+xml", "png": "image/png"}
KINDS = ("monthly", "yoy")
_PUBLISHED, _DERIVED, _LINE, _OTHER = "#1f5f8b", "#7fb3d5", "#c0392b", "#b0b0b0"


# rcParams are process-wide and matplotlib is not thread-safe: API workers render one at a time.
_RENDER_LOCK = threading.Lock()


@contextmanager
def _reproducible() -> Iterator[None]:
    """Same data, same bytes: fixed SVG ids, no timestamps."""
    with (
        _RENDER_LOCK,
        matplotlib.rc_context({"svg.hashsalt": "rarex", "svg.fonttype": "path"}),
    ):
        yield


def _render(figure: MplFigure, fmt: str) -> bytes:
    buffer = io.BytesIO()
    metadata: dict[str, str | None] = (
        {"Date": None, "Creator": "Rarex"} if fmt == "svg" else {"Software": "Rarex"}
    )
    with _reproducible():
        figure.savefig(buffer, format=fmt, metadata=metadata, bbox_inches="tight")
    return buffer.getvalue()


def _bar(
    ax: Axes,
    x: float,
    value: Decimal,
    *,
    width: float,
    derived: bool,
    color: str,
    offset: float,
    combined: bool = False,
) -> None:
    hatch = "xx" if combined else "//" if derived else None
    ax.bar(
        x + offset,
        float(value),
        width=width,
        color=_DERIVED if derived else color,
        hatch=hatch,
        edgecolor=color if hatch else "white",
        linewidth=0.5,
        alpha=0.6 if combined else 1.0,
    )


def _month_bars(
    ax: Axes,
    series: DerivedSeries,
    periods: list[Period],
    *,
    width: float = 0.8,
    offset: float = 0.0,
    color: str = _PUBLISHED,
) -> None:
    index = {p: i for i, p in enumerate(periods)}
    for p in periods:
        figure = series.month(p)
        if figure is not None:
            _bar(
                ax,
                index[p],
                figure.value,
                width=width,
                derived=figure.derived,
                color=color,
                offset=offset,
            )
        elif series.is_jan_feb(p) and p.shift(-1) in index:
            combined = series.ytd(p)
            assert combined is not None
            # One bar across January and February: the combined total, never split.
            _bar(
                ax,
                index[p] - 0.5,
                combined.value,
                width=1 + width,
                derived=combined.derived,
                color=color,
                offset=offset,
                combined=True,
            )


def _labels(ax: Axes, periods: list[Period]) -> None:
    ax.set_xticks(range(len(periods)))
    ax.set_xticklabels(
        [
            MONTH_NAMES[p.month - 1][:3] + (f"\n{p.year}" if p.month == 1 or i == 0 else "")
            for i, p in enumerate(periods)
        ],
        fontsize=7,
    )


def monthly_chart(
    session: Session,
    *,
    series: str,
    fmt: str = "svg",
    partner: str = "WLD",
    start: str | None = None,
    end: str | None = None,
) -> bytes:
    """Monthly bars with the year-to-date total as a line on a second axis."""
    _check_format(fmt)
    data = load_series(session, series=series)
    derived = data.partner(partner.strip().upper())
    known = derived.periods()
    last = parse_period(end, option="to") if end else known[-1]
    first = parse_period(start, option="from") if start else Period(last.year - 1, 1)
    if last < first:
        raise InvalidInput(f"to {last} is before from {first}", code="stats.bad_period")
    periods = months_between(first, last)
    figure = MplFigure(figsize=(max(6.0, len(periods) * 0.35), 4.0), dpi=100)
    ax = figure.add_subplot()
    _month_bars(ax, derived, periods)
    ax.set_ylabel(f"month ({data.unit})")
    line = ax.twinx()
    for year in sorted({p.year for p in periods}):
        points = [(i, derived.ytd(p)) for i, p in enumerate(periods) if p.year == year]
        xs = [i for i, f in points if f is not None]
        ys = [float(f.value) for _, f in points if f is not None]
        if xs:
            line.plot(xs, ys, color=_LINE, marker="o", markersize=3, linewidth=1.2)
    line.set_ylabel(f"year to date ({data.unit})", color=_LINE)
    line.set_ylim(bottom=0)
    ax.set_ylim(bottom=0)
    _labels(ax, periods)
    ax.set_title(f"{series} — {partner.upper()} — {first} to {last}", fontsize=9)
    ax.legend(
        handles=[
            Patch(color=_PUBLISHED, label="published month"),
            Patch(facecolor=_DERIVED, hatch="//", edgecolor=_PUBLISHED, label="derived month"),
            Patch(facecolor=_PUBLISHED, alpha=0.6, hatch="xx", label="Jan-Feb combined"),
            Patch(color=_LINE, label="year to date"),
        ],
        fontsize=7,
        loc="upper left",
    )
    return _render(figure, fmt)


def yoy_chart(
    session: Session,
    *,
    series: str,
    fmt: str = "svg",
    partner: str = "WLD",
    year: int | None = None,
    compare_year: int | None = None,
) -> bytes:
    """Each month of a year beside the same month of another (by default the year before)."""
    _check_format(fmt)
    data = load_series(session, series=series)
    derived = data.partner(partner.strip().upper())
    this_year = year or derived.periods()[-1].year
    other = compare_year or this_year - 1
    figure = MplFigure(figsize=(8.0, 4.0), dpi=100)
    ax = figure.add_subplot()
    for y, offset, color in ((other, -0.2, _OTHER), (this_year, 0.2, _PUBLISHED)):
        _month_bars(
            ax,
            derived,
            months_between(Period(y, 1), Period(y, 12)),
            width=0.4,
            offset=offset,
            color=color,
        )
    periods = months_between(Period(this_year, 1), Period(this_year, 12))
    ax.set_xticks(range(12))
    ax.set_xticklabels([name[:3] for name in MONTH_NAMES], fontsize=8)
    ax.set_ylabel(data.unit)
    ax.set_ylim(bottom=0)
    latest = max(
        (p for p in periods if derived.ytd(p) and derived.ytd(Period(other, p.month))),
        default=None,
    )
    subtitle = ""
    if latest is not None:
        now, then = derived.ytd(latest), derived.ytd(Period(other, latest.month))
        if now is not None and then is not None:
            subtitle = f"; {latest.ytd_label()} {display_pct(pct_change(now.value, then.value))}"
    ax.set_title(f"{series} — {partner.upper()} — {this_year} vs {other}{subtitle}", fontsize=9)
    ax.legend(
        handles=[
            Patch(color=_OTHER, label=str(other)),
            Patch(color=_PUBLISHED, label=str(this_year)),
            Patch(facecolor=_DERIVED, hatch="//", edgecolor=_PUBLISHED, label="derived"),
            Patch(facecolor=_PUBLISHED, alpha=0.6, hatch="xx", label="Jan-Feb combined"),
        ],
        fontsize=7,
    )
    return _render(figure, fmt)


def _check_format(fmt: str) -> None:
    if fmt not in FORMATS:
        raise InvalidInput(
            f"unknown chart format {fmt!r}; known: {', '.join(FORMATS)}",
            code="stats.unknown_format",
        )
