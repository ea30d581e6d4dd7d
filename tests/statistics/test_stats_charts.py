"""The charts of a series (one module for the web, the API and the command line), on GACC's
published rare-earth exports: what is plotted is checked against figures worked out here from
the raw CSV, what is drawn through matplotlib's own objects, and the SVG as XML."""

from __future__ import annotations

import csv
import io
import struct
import xml.etree.ElementTree as ET
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from matplotlib.figure import Figure as MplFigure
from matplotlib.patches import Rectangle
from sqlalchemy.orm import Session

from rarex.clock import FixedClock
from rarex.errors import InvalidInput
from rarex.licensing.queue import LaneMonth
from rarex.statistics import charts
from rarex.statistics.chart_data import (
    ChartData,
    canonical_kind,
    chart_span,
    growth_data,
    monthly_data,
)
from rarex.statistics.chart_text import ChartText, Wording, describe
from rarex.statistics.derivation import DerivedSeries, Observation, derive
from rarex.statistics.periods import Basis, Key, Period
from rarex.statistics.published import published_files
from tests.statistics.conftest import Importer

SERIES = "rare_earth_exports_t"
SVG = "{http://www.w3.org/2000/svg}"
Raw = dict[tuple[str, str], Decimal]


def _raw() -> Raw:
    """The series' published world figures: (basis, "YYYY-MM") → value."""
    name, content = published_files()[0]
    assert name.endswith("trade.csv")
    rows = csv.DictReader(io.StringIO(content.decode("utf-8")))
    return {
        (r["basis"], r["period"]): Decimal(r["value"])
        for r in rows
        if r["series"] == SERIES and r["partner"] == "WLD"
    }


RAW = _raw()


def _series() -> DerivedSeries:
    return derive(
        Observation(Key(Basis(basis), Period.parse(period)), value, "S")
        for (basis, period), value in RAW.items()
    )


# Worked out here, apart from the derivation: M(m) = YTD(m) - YTD(m-1); YTD(m) = YTD(m+1) -
# M(m+1), or YTD(m-1) + M(m); January's month is its year to date. Where published figures
# disagree (press rounding) the chains give different values, and the chart takes one of them.
def _ytd(p: Period, depth: int = 0, came_from: int = 0) -> set[Decimal]:
    if ("ytd", str(p)) in RAW:
        return {RAW[("ytd", str(p))]}
    if p.month == 1 and ("month", str(p)) in RAW:
        return {RAW[("month", str(p))]}
    found: set[Decimal] = set()
    if depth > 12:
        return found
    later_month = RAW.get(("month", str(p.shift(1))))
    if p.month < 12 and later_month is not None and came_from != 1:
        found |= {v - later_month for v in _ytd(p.shift(1), depth + 1, -1)}
    month = RAW.get(("month", str(p)))
    if p.month > 1 and month is not None and came_from != -1:
        found |= {v + month for v in _ytd(p.shift(-1), depth + 1, 1)}
    return found


def _month(p: Period) -> set[Decimal]:
    if ("month", str(p)) in RAW:
        return {RAW[("month", str(p))]}
    if p.month == 1:
        return _ytd(p)
    return {now - before for now in _ytd(p) for before in _ytd(p.shift(-1))}


def _pct(now: set[Decimal], then: set[Decimal]) -> set[Decimal]:
    return {(a - b) * 100 / b for a in now for b in then}


def _one_of(value: Decimal, expected: set[Decimal]) -> bool:
    return any(abs(value - e) < Decimal("1e-20") for e in expected)


def _together(year: int) -> bool:
    """GACC published January and February of ``year`` as one figure only."""
    return ("ytd", f"{year}-02") in RAW and not {
        ("month", f"{year}-01"),
        ("month", f"{year}-02"),
    } & RAW.keys()


@pytest.fixture(scope="module")
def monthly() -> ChartData:
    series = _series()
    first, last = chart_span(series)
    return monthly_data(series, name=SERIES, partner="WLD", unit="t", first=first, last=last)


@pytest.fixture(scope="module")
def growth() -> ChartData:
    series = _series()
    first, last = chart_span(series, compare_months=12)
    return growth_data(series, name=SERIES, partner="WLD", unit="t", first=first, last=last)


@pytest.fixture(scope="module")
def monthly_figure(monthly: ChartData) -> MplFigure:
    return charts.figure(monthly, describe(monthly))


@pytest.fixture(scope="module")
def monthly_svg(monthly: ChartData) -> bytes:
    return charts.render(monthly, describe(monthly))


def _bars(fig: MplFigure) -> dict[str, Rectangle]:
    found = {
        patch.get_gid(): patch
        for patch in fig.axes[0].patches
        if isinstance(patch, Rectangle) and str(patch.get_gid()).startswith("bar-")
    }
    return {str(gid): patch for gid, patch in found.items()}


def test_the_default_span_is_from_january_of_the_year_before_the_latest_month(
    monthly: ChartData,
) -> None:
    latest = max(Period.parse(period) for _, period in RAW)
    assert monthly.periods[0] == Period(latest.year - 1, 1)
    assert monthly.periods[-1] == latest
    assert len(monthly.periods) == 12 + latest.month


def test_january_february_is_one_bar_at_half_the_combined_total(
    monthly: ChartData, monthly_figure: MplFigure
) -> None:
    combined = {p for (basis, p) in RAW if basis == "ytd" and p.endswith("-02")}
    shown = {str(p) for p in monthly.periods}
    jan_feb = [b for b in monthly.bars if b.jan_feb]
    assert {str(b.last) for b in jan_feb} == combined & shown != set()
    drawn = _bars(monthly_figure)
    for bar in jan_feb:
        total = RAW[("ytd", str(bar.last))]
        assert bar.value == total / 2
        assert bar.total == total
        # nothing is drawn for January or February alone
        assert not any(b.period == bar.last for b in monthly.bars)
        (patch,) = [p for gid, p in drawn.items() if gid.startswith(f"bar-{bar.period}-jan-feb")]
        assert patch.get_height() == pytest.approx(float(total / 2))
        assert patch.get_width() > 1.5  # over both months' places
        assert patch.get_hatch() == "xx"


def test_every_other_bar_is_its_month_published_or_derived(
    monthly: ChartData, monthly_figure: MplFigure
) -> None:
    drawn = _bars(monthly_figure)
    singles = [b for b in monthly.bars if not b.jan_feb]
    assert len(singles) >= 10
    for bar in singles:
        assert _month(bar.period) == {bar.value}, bar.period
        assert bar.derived == (("month", str(bar.period)) not in RAW)
        tag = "derived" if bar.derived else "published"
        patch = drawn[f"bar-{bar.period}-{tag}"]
        assert patch.get_height() == pytest.approx(float(bar.value))
    assert len(drawn) == len(monthly.bars)


def test_derived_bars_are_drawn_apart_from_published_ones(growth: ChartData) -> None:
    fig = charts.figure(growth, describe(growth))
    drawn = _bars(fig)
    derived = [p for gid, p in drawn.items() if gid.endswith("-derived")]
    published = [p for gid, p in drawn.items() if gid.endswith("-published") and "jan" not in gid]
    assert derived
    assert published
    assert {p.get_hatch() for p in derived} == {"///"}
    assert {p.get_hatch() for p in published} == {None}
    assert {p.get_facecolor() for p in derived}.isdisjoint({p.get_facecolor() for p in published})
    labels = [t.get_text() for t in fig.legends[0].get_texts()]
    assert "Derived by Rarex from published figures" in labels


def test_the_growth_chart_shows_each_months_change_on_a_year_before(growth: ChartData) -> None:
    assert growth.kind == "growth"
    expected = {}
    for p in growth.periods:
        base = p.shift(-12)
        if p.month in (1, 2) and (_together(p.year) or _together(base.year)):
            if p.month == 2:
                continue  # one bar for both months, at January's place
            change = _pct(_ytd(Period(p.year, 2)), _ytd(Period(base.year, 2)))
        else:
            change = _pct(_month(p), _month(base))
        if change:
            expected[p] = change
    assert len(expected) >= 10
    got = {b.period: b.value for b in growth.bars}
    assert got.keys() == expected.keys()
    for period, changes in expected.items():
        assert _one_of(got[period], changes), (period, got[period], changes)
    # May 2025 as the press put it: 5,864.6 t against 6,217 t a year before, -5.7%
    assert round(got[Period(2025, 5)], 1) == Decimal("-5.7")
    assert any(b.value < 0 for b in growth.bars)
    assert any(b.value > 0 for b in growth.bars)
    assert len(growth.line) >= 10
    for point in growth.line:
        ytd_changes = _pct(_ytd(point.period), _ytd(point.period.shift(-12)))
        assert _one_of(point.value, ytd_changes), (point, ytd_changes)
    may = next(p for p in growth.line if p.period == Period(2025, 5))
    assert round(may.value, 1) == Decimal("2.3")  # "+2.3% year on year", January to May


def test_the_growth_axis_is_in_signed_per_cent_around_a_zero_line(growth: ChartData) -> None:
    text = describe(growth)
    assert text.value_tick(20.0) == "+20%"
    assert text.value_tick(-10.0) == "\u221210%"
    assert text.value_tick(0.0) == "0%"
    fig = charts.figure(growth, text)
    ax = fig.axes[0]
    low, high = ax.get_ylim()
    assert low < 0 < high
    assert any(list(line.get_ydata()) == [0, 0] for line in ax.get_lines())
    assert "%" in ax.get_ylabel()


def test_the_legend_and_the_source_line_stay_outside_the_plot(
    monthly_figure: MplFigure, growth: ChartData
) -> None:
    for fig in (monthly_figure, charts.figure(growth, describe(growth))):
        plot = fig.axes[0].get_window_extent()
        (legend,) = fig.legends
        box = legend.get_window_extent()
        assert not box.overlaps(plot)
        assert box.y1 < plot.y0
        (source,) = fig.texts
        assert source.get_text().startswith("Source: General Administration of Customs")
        assert source.get_window_extent().y1 <= box.y0


def test_the_svg_is_an_accessible_image_with_its_words_as_text(
    monthly: ChartData, monthly_svg: bytes
) -> None:
    root = ET.fromstring(monthly_svg)
    assert root.tag == f"{SVG}svg"
    assert root.get("role") == "img"
    title = root.find(f"{SVG}title")
    desc = root.find(f"{SVG}desc")
    assert title is not None
    assert desc is not None
    assert root.get("aria-labelledby") == title.get("id")
    assert root.get("aria-describedby") == desc.get("id")
    assert title.text == "Rare-earth exports, monthly, 2025\u20132026"
    latest = monthly.bars[-1]
    assert latest.total is not None
    assert desc.text is not None
    assert f"{latest.total:,} tonnes together" in desc.text
    words = {t.text for t in root.iter(f"{SVG}text")}
    assert "Per month, in tonnes" in words
    assert "8,000" in words  # thousands separated
    assert "January\u2013February: combined total shown as a monthly average" in words
    assert any(w and w.startswith("Source: General Administration of Customs") for w in words)
    # text is text (svg.fonttype none), not glyphs drawn as paths
    assert b'id="DejaVuSans-' not in monthly_svg
    assert len(words) > 20


def test_the_same_data_draws_the_same_bytes(monthly: ChartData, monthly_svg: bytes) -> None:
    assert charts.render(monthly, describe(monthly)) == monthly_svg
    assert b"<dc:date>" not in monthly_svg


def test_the_words_come_from_the_caller(monthly: ChartData) -> None:
    marked = Wording(
        lang="x-marked", gettext=lambda message: f"<{message}>", series_name=lambda code: "S"
    )
    text: ChartText = describe(monthly, marked)
    assert text.title == "<S, monthly, <2025\u20132026>>"
    assert text.value_axis == "<Per month, in tonnes>"
    assert text.lang == "x-marked"
    drawn = ET.fromstring(charts.render(monthly, text))
    assert drawn.get("{http://www.w3.org/XML/1998/namespace}lang") == "x-marked"
    title = drawn.find(f"{SVG}title")
    assert title is not None
    assert title.text == text.title  # escaped in the file, the same words once read


def test_kinds_and_spans_are_checked() -> None:
    assert canonical_kind("yoy") == "growth"
    with pytest.raises(InvalidInput) as refused:
        canonical_kind("pie")
    assert refused.value.code == "stats.unknown_chart"
    series = _series()
    # a span that starts at a combined February is widened to its January
    first, last = chart_span(series, start=Period(2025, 2), end=Period(2025, 6))
    assert (first, last) == (Period(2025, 1), Period(2025, 6))
    assert chart_span(series, year=2024) == (Period(2024, 1), Period(2024, 12))
    for refused in (
        {"start": Period(2025, 6), "end": Period(2025, 1)},
        {"start": Period(1900, 1), "end": Period(2025, 1)},  # more than ten years of bars
        {"year": 3000},
        {"year": 2025, "start": Period(2025, 1)},
    ):
        with pytest.raises(InvalidInput) as bad:
            chart_span(series, **refused)  # type: ignore[arg-type]
        assert bad.value.code == "stats.bad_period"


def test_the_data_version_changes_when_an_import_changes_the_series(
    session: Session, do_import: Importer, clock: FixedClock
) -> None:
    clock.set(datetime(2025, 8, 1, tzinfo=UTC))  # after the revision's release
    do_import(*published_files())
    before = charts.data_version(session, series=SERIES)
    do_import(*published_files())  # the same files again change nothing
    assert charts.data_version(session, series=SERIES) == before
    revised = "period,series,partner,basis,value,unit,source,release\n"
    revised += "2025-05,{},WLD,month,5900,t,S1,2025-07-09\n"
    do_import(("revised.csv", revised.format(SERIES).encode()))
    assert charts.data_version(session, series=SERIES) != before


def _lane_month(period: str, lane: str, median: str) -> LaneMonth:
    return LaneMonth(
        period=period, lane=lane, decided=3, median_working_days=Decimal(median),
        p90_working_days=Decimal(median) + 2, target_working_days=10 if lane == "green" else None,
    )  # fmt: skip


def test_lane_bars_pair_the_lanes_of_a_month_oldest_first_and_keep_the_last_months() -> None:
    rows = [_lane_month("2025-05", "ordinary", "30"), _lane_month("2025-05", "green", "8.5")]
    rows += [_lane_month(f"2024-{m:02d}", "ordinary", str(m)) for m in range(12, 0, -1)]
    bars = charts.lane_bars(rows)
    assert len(bars) == 12
    assert [b.period for b in bars][:2] == ["2024-02", "2024-03"]  # 2024-01 falls off
    assert bars[-1] == charts.LaneBar("2025-05", Decimal("8.5"), Decimal("30"), 10)
    assert bars[0].green is None
    assert bars[0].target is None


def test_the_lane_chart_is_an_accessible_svg_with_both_lanes_and_the_target() -> None:
    bars = charts.lane_bars([_lane_month("2025-05", "ordinary", "30"),
                             _lane_month("2025-05", "green", "8.5")])  # fmt: skip
    words = charts.LaneChartText(
        lang="en", title="Median working days", description="May 2025: green 8.5, target 10.",
        value_axis="Working days", green="Green channel", ordinary="Ordinary lane",
        target="Target", source="Source: test", empty="None", ticks=("May 2025",),
    )  # fmt: skip
    svg = charts.lane_chart(bars, words).decode()
    assert svg.count('role="img"') == 1
    assert '<desc id="chart-desc">May 2025: green 8.5, target 10.</desc>' in svg
    for text in ("Green channel", "Ordinary lane", "Target", "May 2025", "Working days"):
        assert text in svg  # kept as text, not paths
    assert charts.lane_chart(bars, words).decode() == svg  # same figures, same bytes


def _png_facts(png: bytes) -> tuple[int, int, int]:
    """(width, height, dots per inch) from a PNG's IHDR and pHYs chunks."""
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", png[16:24])
    at = png.index(b"pHYs")
    per_x, per_y, unit = struct.unpack(">IIB", png[at + 4 : at + 13])
    assert (per_x, unit) == (per_y, 1)  # square pixels, counted per metre
    return width, height, round(per_x * 0.0254)


def test_a_png_records_its_resolution_and_its_pixels_follow_it(monthly: ChartData) -> None:
    text = describe(monthly)
    low = _png_facts(charts.render(monthly, text, "png", dpi=72))
    default = _png_facts(charts.render(monthly, text, "png"))
    high = _png_facts(charts.render(monthly, text, "png", dpi=288))
    assert (low[2], default[2], high[2]) == (72, charts.DEFAULT_DPI, 288)
    # The same figure in inches: four times the dots per inch, four times the pixels (a pixel
    # or two apart where the tight bounding box rounds).
    assert abs(high[0] - 4 * low[0]) <= 4
    assert abs(high[1] - 4 * low[1]) <= 4


def test_a_pdf_is_a_reproducible_vector_file(monthly: ChartData) -> None:
    text = describe(monthly)
    pdf = charts.render(monthly, text, "pdf")
    assert pdf.startswith(b"%PDF-")
    assert pdf.rstrip().endswith(b"%%EOF")
    assert b"/CreationDate" not in pdf  # no date: the same figures give the same file
    assert pdf == charts.render(monthly, text, "pdf", dpi=300)  # vector: dpi changes nothing


@pytest.mark.parametrize(("fmt", "dpi", "code"), [
    ("gif", 150, "stats.unknown_format"),
    ("png", 71, "stats.bad_dpi"),
    ("png", 601, "stats.bad_dpi"),
    ("svg", 0, "stats.bad_dpi"),
])  # fmt: skip
def test_a_bad_format_or_resolution_is_refused_with_its_code(
    monthly: ChartData, fmt: str, dpi: int, code: str
) -> None:
    with pytest.raises(InvalidInput) as caught:
        charts.render(monthly, describe(monthly), fmt, dpi=dpi)
    assert caught.value.code == code


def test_the_pages_the_api_and_files_draw_with_the_one_chart_module(
    session: Session, do_import: Importer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every drawing, the web page's SVG as much as the API's PNG and PDF, goes through
    ``charts.render``: one figure, three file formats."""
    from rarex.web import statistics_charts

    do_import(*published_files())
    drawn: list[str] = []
    render = charts.render

    def spy(data: ChartData, text: ChartText, fmt: str = "svg", dpi: int = 150) -> bytes:
        drawn.append(fmt)
        return render(data, text, fmt, dpi)

    monkeypatch.setattr(charts, "render", spy)
    key = statistics_charts.key_of(session, series=SERIES, language="en", kind="monthly")
    page_svg = statistics_charts.svg(session, key)
    for fmt in ("svg", "png", "pdf"):
        charts.chart(session, series=SERIES, fmt=fmt)
    assert drawn == ["svg", "svg", "png", "pdf"]
    # The page's English SVG and the API's are the same drawing of the same data.
    data, text = statistics_charts.chart(session, key)
    assert data == charts.load(session, series=SERIES)
    assert page_svg == render(data, text, "svg")
