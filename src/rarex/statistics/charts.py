"""Charts of a series, drawn on the server with matplotlib's object API (no pyplot, no global
backend, no network): one module for the web pages, the API and the command line's files.

``load`` says what a chart shows (``chart_data``), ``describe`` what it says in a language
(``chart_text``), and ``render`` draws the two as SVG, PNG (at a chosen resolution, recorded in
the file) or PDF, one figure for all three. The SVG is an accessible image:
``role="img"`` with a ``<title>`` (the plain title) and a ``<desc>`` (what it shows and the
latest value), its text kept as text (``svg.fonttype: none``) so it can be read, searched and
set in the reader's fonts, Chinese included. Same data and words, same bytes: fixed SVG ids,
no dates (the PDF carries no creation date either).

What the reader sees: a plain title; the value axis with its unit and thousands separators;
published bars solid, derived ones light and hatched; January-February, which GACC publishes
as one figure, one cross-hatched bar over both months at the monthly average; the legend and
the source line below the plot, never over it.
"""

from __future__ import annotations

import io
import logging
import re
import threading
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from xml.sax.saxutils import escape, quoteattr

import matplotlib
from matplotlib import font_manager
from matplotlib.artist import Artist
from matplotlib.axes import Axes
from matplotlib.figure import Figure as MplFigure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.ticker import FuncFormatter, MaxNLocator
from sqlalchemy.orm import Session

from rarex.errors import InvalidInput
from rarex.licensing.queue import LaneMonth
from rarex.statistics import repository
from rarex.statistics.chart_data import (
    ALIASES,
    ChartData,
    canonical_kind,
    chart_span,
    growth_data,
    monthly_data,
)
from rarex.statistics.chart_text import ENGLISH, ChartText, Wording, describe
from rarex.statistics.periods import Period
from rarex.statistics.series_data import load_series, parse_period

FORMATS = {"svg": "image/svg+xml", "png": "image/png", "pdf": "application/pdf"}
# PNG resolution in dots per inch: 150 is sharp on a screen at 100 % zoom and on a laser
# printer's draft; 72 (one pixel per point) is the least that keeps 8.5-point text legible, and
# 600 (a print shop's resolution) is where the figure, 12 by 4.6 inches at most, reaches about
# 7200 by 2800 pixels, already 60 MB of raw pixels to draw per request.
DEFAULT_DPI, MIN_DPI, MAX_DPI = 150, 72, 600
KINDS = ("monthly", "growth", *ALIASES)
TITLE_ID, DESC_ID = "chart-title", "chart-desc"

# Colours on white: ink and the published blue pass 4.5:1 as text, the line's orange 4.5:1;
# a derived bar's light fill is outlined and hatched in the published blue (3:1 and more).
INK, MUTED, GRID = "#1b1b1b", "#454545", "#d0d4da"
PUBLISHED, DERIVED, LINE = "#1f5f8b", "#d6e6f2", "#a64b00"
# Latin from DejaVu (shipped with matplotlib), Han from the first CJK font installed; the SVG
# names them with a generic fallback, so a browser without them uses its own.
_CJK_FONTS = ("Noto Sans CJK SC", "Source Han Sans SC", "WenQuanYi Zen Hei", "Droid Sans Fallback")

# rcParams are process-wide and matplotlib is not thread-safe: one chart is drawn at a time.
_RENDER_LOCK = threading.RLock()


@cache
def _font_families() -> tuple[str, ...]:
    installed = {f.name for f in font_manager.fontManager.ttflist}
    return ("DejaVu Sans", *(name for name in _CJK_FONTS if name in installed))


@contextmanager
def _style() -> Iterator[None]:
    """Fonts, text kept as text, fixed SVG ids; a missing CJK glyph or weight is no news."""
    quiet = logging.getLogger("matplotlib.font_manager")
    with (
        _RENDER_LOCK,
        warnings.catch_warnings(),
        matplotlib.rc_context(
            {
                "svg.hashsalt": "rarex",
                "svg.fonttype": "none",
                "font.family": list(_font_families()),
                "hatch.linewidth": 0.9,
            }
        ),
    ):
        warnings.filterwarnings("ignore", message="Glyph .* missing from")
        level = quiet.level
        quiet.setLevel(logging.ERROR)
        try:
            yield
        finally:
            quiet.setLevel(level)


def load(
    session: Session,
    *,
    series: str,
    kind: str = "monthly",
    partner: str = "WLD",
    start: str | None = None,
    end: str | None = None,
    year: int | None = None,
    compare_year: int | None = None,
) -> ChartData:
    """What the chart shows: ``year`` (twelve months), or ``start``..``end`` (default: from
    January of the year before the latest month). A growth chart compares with the same month
    of ``compare_year`` (with ``year`` only; default the year before)."""
    chosen = canonical_kind(kind)
    data = load_series(session, series=series)
    code = partner.strip().upper()
    derived = data.partner(code)
    months = 12
    if compare_year is not None:
        if year is None or chosen != "growth":
            raise InvalidInput(
                "compare_year goes with year, on a growth chart", code="stats.bad_period"
            )
        if not 1900 <= compare_year < year:
            raise InvalidInput(
                f"compare_year {compare_year} must be before year {year}",
                code="stats.bad_period",
            )
        months = 12 * (year - compare_year)
    first, last = chart_span(
        derived,
        start=parse_period(start, option="from") if start else None,
        end=parse_period(end, option="to") if end else None,
        year=year,
        compare_months=months if chosen == "growth" else None,
    )
    if chosen == "monthly":
        return monthly_data(
            derived, name=series, partner=code, unit=data.unit, first=first, last=last
        )
    return growth_data(
        derived,
        name=series,
        partner=code,
        unit=data.unit,
        first=first,
        last=last,
        compare_months=months,
    )


def data_version(session: Session, *, series: str) -> str:
    """Changes whenever the figures of ``series`` change (a key for caching its charts)."""
    return repository.series_version(session, series=series)


def _index(data: ChartData) -> dict[Period, int]:
    return {p: i for i, p in enumerate(data.periods)}


def _bars(ax: Axes, data: ChartData) -> None:
    index = _index(data)
    for bar in data.bars:
        # Jan-Feb: one bar over both months' places, with the usual gap at either end.
        x = index[bar.period] + (bar.months - 1) / 2
        hatch = "xx" if bar.jan_feb else "///" if bar.derived else None
        tags = ["jan-feb"] if bar.jan_feb else []
        tags += ["derived"] if bar.derived else ["published"]
        ax.bar(
            x,
            float(bar.value),
            width=bar.months - 0.22,
            color=DERIVED if bar.derived else PUBLISHED,
            edgecolor=PUBLISHED,
            hatch=hatch,
            hatchcolor="white" if bar.jan_feb and not bar.derived else PUBLISHED,
            linewidth=0.8,
            gid=f"bar-{bar.period}-{'-'.join(tags)}",
            zorder=2,
        )


def _line(ax: Axes, data: ChartData) -> None:
    """The year-to-date change, one stretch per year (January starts a new total)."""
    index = _index(data)
    for year in sorted({p.period.year for p in data.line}):
        points = [p for p in data.line if p.period.year == year]
        xs = [index[p.period] for p in points]
        ax.plot(xs, [float(p.value) for p in points], color=LINE, linewidth=1.8, zorder=3)
        for p, x in zip(points, xs, strict=True):
            ax.plot(
                x,
                float(p.value),
                marker="o",
                markersize=5.5,
                markeredgewidth=1.4,
                markeredgecolor=LINE,
                markerfacecolor="white" if p.derived else LINE,
                linestyle="none",
                gid=f"ytd-{p.period}-{'derived' if p.derived else 'published'}",
                zorder=4,
            )


def _missing(ax: Axes, data: ChartData, text: ChartText) -> None:
    """Say "n/a" where a month has no bar, so that a gap never reads as a zero."""
    if not data.bars:
        return
    index = _index(data)
    covered = {index[b.period] + n for b in data.bars for n in range(b.months)}
    for i in sorted(set(range(len(data.periods))) - covered):
        ax.text(i, 0, text.missing, ha="center", va="bottom", fontsize=8, color=MUTED)


def _legend(data: ChartData, text: ChartText) -> list[Artist]:
    handles: list[Artist] = []
    if any(not b.derived and not b.jan_feb for b in data.bars):
        handles.append(Patch(facecolor=PUBLISHED, edgecolor=PUBLISHED, label=text.published))
    if any(b.derived for b in data.bars):
        handles.append(
            Patch(facecolor=DERIVED, edgecolor=PUBLISHED, hatch="///", label=text.derived)
        )
    if data.has_jan_feb:
        handles.append(
            Patch(
                facecolor=PUBLISHED,
                edgecolor=PUBLISHED,
                hatch="xx",
                hatchcolor="white",
                label=text.jan_feb,
            )
        )
    if data.line:
        handles.append(
            Line2D([], [], color=LINE, linewidth=1.8, marker="o", markersize=5.5, label=text.line)
        )
    if any(p.derived for p in data.line):
        handles.append(
            Line2D(
                [],
                [],
                color=LINE,
                linestyle="none",
                marker="o",
                markersize=5.5,
                markerfacecolor="white",
                label=text.line_derived,
            )
        )
    return handles


def _limits(ax: Axes, data: ChartData) -> None:
    """From zero up for quantities; around a zero line for changes, whatever their sign."""
    values = [float(b.value) for b in data.bars] + [float(p.value) for p in data.line]
    low, high = min([0.0, *values]), max([0.0, *values])
    if data.kind != "growth":
        ax.set_ylim(0, high * 1.1 or 1.0)
        return
    ax.axhline(0, color=INK, linewidth=1.0, zorder=3)
    ax.spines["bottom"].set_visible(False)
    if low == high:  # nothing to compare: an empty axis either side of zero
        ax.set_ylim(-10, 10)
        return
    pad = (high - low) * 0.12
    ax.set_ylim(low - pad if low < 0 else 0, high + pad if high > 0 else 0)


def _plain_axes(ax: Axes, ticks: tuple[str, ...], value_axis: str, title: str) -> None:
    """One tick per period, the value axis named and gridded, no box, the title on the left."""
    n = len(ticks)
    ax.set_xlim(-0.6, max(n, 1) - 0.4)
    ax.set_xticks(range(n), labels=list(ticks), fontsize=9, color=INK)
    ax.tick_params(axis="x", length=0, pad=5)
    ax.tick_params(axis="y", labelsize=9, labelcolor=INK, color=GRID)
    ax.set_ylabel(value_axis, fontsize=10, color=INK)
    ax.grid(axis="y", color=GRID, linewidth=0.8)
    ax.set_axisbelow(True)
    for side in ("top", "right", "left"):
        ax.spines[side].set_visible(False)
    ax.spines["bottom"].set_color(INK)
    ax.set_title(title, loc="left", fontsize=13, fontweight="bold", color=INK, pad=12)


def _frame(ax: Axes, data: ChartData, text: ChartText) -> None:
    """Title, month labels, the value axis with its unit and grid; no box around the plot."""
    _plain_axes(ax, text.ticks, text.value_axis, text.title)
    ax.yaxis.set_major_formatter(FuncFormatter(lambda x, _pos: text.value_tick(x)))
    if not data.bars:
        ax.text(
            0.5, 0.75, text.empty, ha="center", va="center", color=INK,
            transform=ax.transAxes, bbox={"facecolor": "white", "edgecolor": "none"},
        )  # fmt: skip


def figure(data: ChartData, text: ChartText) -> MplFigure:
    """The chart as a matplotlib figure, laid out (``render`` saves it as a file)."""
    with _style():
        width = min(12.0, max(7.0, 2.4 + 0.45 * len(data.periods)))
        fig = MplFigure(figsize=(width, 4.6), dpi=100, layout="constrained")
        ax = fig.add_subplot()
        _bars(ax, data)
        _line(ax, data)
        _missing(ax, data, text)
        _limits(ax, data)
        _frame(ax, data, text)
        handles = _legend(data, text)
        _legend_and_source(fig, handles, 2 if len(handles) > 1 else 1, text.source)
        return fig


def _legend_and_source(fig: MplFigure, handles: list[Artist], ncols: int, source: str) -> None:
    """The legend under the plot, never over it, and the source line under the legend."""
    legend = None
    if handles:
        legend = fig.legend(
            handles=handles,
            loc="outside lower left",
            ncols=ncols,
            frameon=False,
            fontsize=9,
            labelcolor=INK,
            handlelength=1.6,
            columnspacing=1.6,
        )
    # Lay out once and keep it: the source line goes under the legend, outside the figure
    # as laid out, and savefig's tight box takes it in without laying out again.
    fig.draw_without_rendering()
    fig.set_layout_engine("none")
    if legend is not None:
        # Pinned where the layout put it, in figure coordinates (a figure legend otherwise
        # follows the figure's edge, which the tight box moves down onto the source line).
        box = legend.get_window_extent().transformed(fig.transFigure.inverted())
        legend.set_loc("lower left")
        legend.set_bbox_to_anchor((box.x0, box.y0), transform=fig.transFigure)
        legend.borderaxespad = 0
    fig.text(0.01, 0.0, source, ha="left", va="top", fontsize=8.5, color=MUTED, wrap=True)


_FONT_FAMILY = re.compile(r"font-family: ([^;\"]+)")


def _accessible_svg(svg: bytes, text: ChartText) -> bytes:
    return _named_svg(svg, text.lang, text.title, text.description)


def _named_svg(svg: bytes, lang: str, title: str, description: str) -> bytes:
    """Name and describe the image on its root element, and let a browser that has neither
    named font fall back on its own sans-serif."""
    out = svg.decode("utf-8")
    out = _FONT_FAMILY.sub(lambda m: f"font-family: {m.group(1)}, sans-serif", out)
    start = out.index("<svg ")
    end = out.index(">", start)
    root = (
        f'<svg role="img" aria-labelledby="{TITLE_ID}" aria-describedby="{DESC_ID}" '
        f"xml:lang={quoteattr(lang)} " + out[start + len("<svg ") : end] + ">"
    )
    named = (
        f'\n <title id="{TITLE_ID}">{escape(title)}</title>'
        f'\n <desc id="{DESC_ID}">{escape(description)}</desc>'
    )
    return (out[:start] + root + named + out[end + 1 :]).encode("utf-8")


def render(data: ChartData, text: ChartText, fmt: str = "svg", dpi: int = DEFAULT_DPI) -> bytes:
    """The chart as a file: ``svg`` (accessible, text as text), ``png`` at ``dpi`` dots per
    inch (its pHYs chunk says so, so a document sets it at its true size), or ``pdf`` (vector:
    ``dpi`` changes nothing in it)."""
    check_output(fmt, dpi)
    buffer = io.BytesIO()
    with _style():
        fig = figure(data, text)
        if fmt == "svg":
            metadata: dict[str, str | None] = {
                "Date": None,
                "Creator": "Rarex",
                "Title": text.title,
                "Description": text.description,
            }
            fig.savefig(buffer, format="svg", metadata=metadata, bbox_inches="tight")
            return _accessible_svg(buffer.getvalue(), text)
        if fmt == "pdf":
            pdf_metadata: dict[str, str | None] = {
                "CreationDate": None,
                "Creator": "Rarex",
                "Title": text.title,
                "Subject": text.description,
            }
            fig.savefig(buffer, format="pdf", metadata=pdf_metadata, bbox_inches="tight")
            return buffer.getvalue()
        png_metadata = {"Software": "Rarex", "Title": text.title, "Description": text.description}
        fig.savefig(buffer, format="png", dpi=dpi, metadata=png_metadata, bbox_inches="tight")
        return buffer.getvalue()


def chart(
    session: Session,
    *,
    series: str,
    kind: str = "monthly",
    fmt: str = "svg",
    partner: str = "WLD",
    start: str | None = None,
    end: str | None = None,
    year: int | None = None,
    compare_year: int | None = None,
    wording: Wording = ENGLISH,
    dpi: int = DEFAULT_DPI,
) -> bytes:
    """A chart of ``series`` as SVG, PNG or PDF, in English unless ``wording`` says otherwise."""
    check_output(fmt, dpi)
    data = load(
        session,
        series=series,
        kind=kind,
        partner=partner,
        start=start,
        end=end,
        year=year,
        compare_year=compare_year,
    )
    return render(data, describe(data, wording), fmt, dpi)


def check_output(fmt: str, dpi: int = DEFAULT_DPI) -> None:
    """Refuse an unknown format or a resolution out of bounds, before anything is loaded."""
    if fmt not in FORMATS:
        raise InvalidInput(
            f"unknown chart format {fmt!r}; known: {', '.join(FORMATS)}",
            code="stats.unknown_format",
        )
    if isinstance(dpi, bool) or not MIN_DPI <= dpi <= MAX_DPI:
        raise InvalidInput(
            f"dpi must be a whole number from {MIN_DPI} to {MAX_DPI}, got {dpi!r}",
            code="stats.bad_dpi",
            minimum=MIN_DPI,
            maximum=MAX_DPI,
        )


GREEN_LANE, ORDINARY_LANE = "#2e6b30", "#5f6b7a"  # 6.6:1 and 5.4:1 on white


@dataclass(frozen=True)
class LaneChartText:
    """What the lane-performance chart says, in one language (the caller's words)."""

    lang: str
    title: str
    description: str
    value_axis: str
    green: str
    ordinary: str
    target: str
    source: str
    empty: str
    ticks: tuple[str, ...]  # one per month, oldest first


@dataclass(frozen=True)
class LaneBar:
    period: str
    green: Decimal | None  # median working days of the month's decisions in each lane
    ordinary: Decimal | None
    target: int | None  # the green lane's target that month


def lane_chart(months: list[LaneBar], text: LaneChartText) -> bytes:
    """The median working days to decision, month by month (oldest first), the two lanes
    side by side and the green lane's target as a dashed line, as an accessible SVG."""
    with _style():
        n = len(months)
        fig = MplFigure(figsize=(min(12.0, max(7.0, 2.4 + 0.7 * n)), 4.6), dpi=100,
                        layout="constrained")  # fmt: skip
        ax = fig.add_subplot()
        width = 0.38
        for offset, lane, colour in ((-width / 2, "green", GREEN_LANE),
                                     (width / 2, "ordinary", ORDINARY_LANE)):  # fmt: skip
            xs = [i + offset for i, m in enumerate(months) if getattr(m, lane) is not None]
            ys = [float(getattr(m, lane)) for m in months if getattr(m, lane) is not None]
            ax.bar(xs, ys, width=width, color=colour, zorder=2)
        targets = [(i, m.target) for i, m in enumerate(months) if m.target is not None]
        for i, target in targets:
            ax.hlines(target, i - 0.5, i + 0.5, colors=LINE, linestyles="dashed", linewidth=1.6,
                      zorder=3)  # fmt: skip
        highest = max(
            [float(v) for m in months for v in (m.green, m.ordinary) if v is not None]
            + [float(t) for _, t in targets] + [0.0]
        )  # fmt: skip
        ax.set_ylim(0, max(highest * 1.15, 5.0))  # whole working days: a few at least
        ax.yaxis.set_major_locator(MaxNLocator(integer=True))
        _plain_axes(ax, text.ticks, text.value_axis, text.title)
        if not months:
            ax.text(0.5, 0.6, text.empty, ha="center", va="center", color=INK,
                    transform=ax.transAxes)  # fmt: skip
        handles: list[Artist] = [
            Patch(facecolor=GREEN_LANE, label=text.green),
            Patch(facecolor=ORDINARY_LANE, label=text.ordinary),
            Line2D([], [], color=LINE, linestyle="dashed", linewidth=1.6, label=text.target),
        ]
        _legend_and_source(fig, handles, 3, text.source)
        return named_svg_of(fig, lang=text.lang, title=text.title, description=text.description)


def named_svg_of(fig: MplFigure, *, lang: str, title: str, description: str) -> bytes:
    """A finished figure as an accessible SVG: its title and description in the file's
    metadata and as the SVG's own title and desc, in ``lang``; no date, so the same figure
    gives the same bytes."""
    buffer = io.BytesIO()
    metadata: dict[str, str | None] = {
        "Date": None, "Creator": "Rarex", "Title": title, "Description": description,
    }  # fmt: skip
    fig.savefig(buffer, format="svg", metadata=metadata, bbox_inches="tight")
    return _named_svg(buffer.getvalue(), lang, title, description)


def lane_bars(months: list[LaneMonth], *, last: int = 12) -> list[LaneBar]:
    """Lane performance (latest first, a row per month and lane) as the chart's bars: the
    last ``last`` months with a decision, oldest first."""
    by_period: dict[str, dict[str, LaneMonth]] = {}
    for row in months:
        by_period.setdefault(row.period, {})[row.lane] = row
    bars = []
    for period in sorted(by_period)[-last:]:
        lanes = by_period[period]
        green, ordinary = lanes.get("green"), lanes.get("ordinary")
        bars.append(
            LaneBar(
                period=period,
                green=green.median_working_days if green else None,
                ordinary=ordinary.median_working_days if ordinary else None,
                target=green.target_working_days if green else None,
            )
        )
    return bars
