"""The partner channel's outcome chart: applications received, approved and denied, month by
month, as an accessible SVG in the caller's words (the same drawing as the lane chart)."""

from __future__ import annotations

from dataclasses import dataclass

from matplotlib.artist import Artist
from matplotlib.figure import Figure as MplFigure
from matplotlib.patches import Patch
from matplotlib.ticker import MaxNLocator

from rarex.statistics.charts import (
    GREEN_LANE,
    INK,
    ORDINARY_LANE,
    _legend_and_source,
    _plain_axes,
    _style,
    named_svg_of,
)

RECEIVED = "#1f4e79"  # 8.6:1 on white; approved and denied reuse the lanes' green and grey


@dataclass(frozen=True)
class OutcomeBar:
    month: str
    received: int
    approved: int
    denied: int


@dataclass(frozen=True)
class OutcomeChartText:
    lang: str
    title: str
    description: str
    value_axis: str
    received: str
    approved: str
    denied: str
    source: str
    empty: str
    ticks: tuple[str, ...]  # one per month, oldest first


def outcome_chart(months: list[OutcomeBar], text: OutcomeChartText) -> bytes:
    """Three bars a month (received, approved, denied), oldest month first."""
    with _style():
        n = len(months)
        fig = MplFigure(figsize=(min(12.0, max(7.0, 2.4 + 0.8 * n)), 4.6), dpi=100,
                        layout="constrained")  # fmt: skip
        ax = fig.add_subplot()
        width = 0.27
        series = (("received", RECEIVED), ("approved", GREEN_LANE), ("denied", ORDINARY_LANE))
        for k, (name, colour) in enumerate(series):
            xs = [i + (k - 1) * width for i in range(n)]
            ax.bar(xs, [getattr(m, name) for m in months], width=width, color=colour, zorder=2)
        highest = max([m.received for m in months] + [m.approved for m in months] + [0])
        ax.set_ylim(0, max(highest * 1.15, 5.0))
        ax.yaxis.set_major_locator(MaxNLocator(integer=True))
        _plain_axes(ax, text.ticks, text.value_axis, text.title)
        if not months:
            ax.text(0.5, 0.6, text.empty, ha="center", va="center", color=INK,
                    transform=ax.transAxes)  # fmt: skip
        handles: list[Artist] = [
            Patch(facecolor=RECEIVED, label=text.received),
            Patch(facecolor=GREEN_LANE, label=text.approved),
            Patch(facecolor=ORDINARY_LANE, label=text.denied),
        ]
        _legend_and_source(fig, handles, 3, text.source)
        return named_svg_of(fig, lang=text.lang, title=text.title, description=text.description)
