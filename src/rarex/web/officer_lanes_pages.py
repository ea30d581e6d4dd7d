"""Lane performance at the licensing desk: is the green channel faster? Each month's decisions
by lane over ``licensing.queue.lane_performance_by_month``, as a table and as a chart drawn by
``statistics.charts.lane_chart`` in the page's language."""

from __future__ import annotations

from decimal import Decimal

from fastapi import APIRouter, Request
from starlette.responses import Response

from rarex.api.deps import ClockDep, SessionDep, SettingsDep
from rarex.licensing.queue import lane_performance_by_month
from rarex.statistics import charts
from rarex.web import i18n
from rarex.web.i18n import Language
from rarex.web.officer_pages import desk_only
from rarex.web.pages import LanguageDep, ViewerDep
from rarex.web.templates import render

router = APIRouter(include_in_schema=False)


@router.get("/officer/lanes")
def officer_lanes(
    request: Request,
    session: SessionDep,
    clock: ClockDep,
    settings: SettingsDep,
    viewer: ViewerDep,
    language: LanguageDep,
) -> Response:
    """Is the green channel faster? Each month's decisions by lane: median and 90th
    percentile of working days from acceptance to decision, against the green lane's target."""
    officer = desk_only(request, viewer, language)
    if isinstance(officer, Response):
        return officer
    months = lane_performance_by_month(session, actor=officer.actor, clock=clock, settings=settings)
    return render(
        request, "officer_lanes.html",
        {"viewer": officer, "months": months,
         "chart": _lane_text(charts.lane_bars(months), language)},
        language=language,
    )  # fmt: skip


@router.get("/officer/lanes.svg")
def officer_lanes_chart(
    request: Request,
    session: SessionDep,
    clock: ClockDep,
    settings: SettingsDep,
    viewer: ViewerDep,
    language: LanguageDep,
) -> Response:
    """The lane performance page's chart: the median of each lane, month by month, against
    the green lane's target (the desk's own figures: never cached by a shared cache)."""
    officer = desk_only(request, viewer, language)
    if isinstance(officer, Response):
        return officer
    bars = charts.lane_bars(
        lane_performance_by_month(session, actor=officer.actor, clock=clock, settings=settings)
    )
    return Response(
        charts.lane_chart(bars, _lane_text(bars, language)), media_type="image/svg+xml",
        headers={"Cache-Control": "private, no-cache", "Vary": "Accept-Language, Cookie"},
    )  # fmt: skip


def _lane_text(bars: list[charts.LaneBar], language: Language) -> charts.LaneChartText:
    """The chart's words in the page's language; its description says the latest month."""
    _ = i18n.translations(language).gettext

    def month(period: str) -> str:
        year, number = (int(part) for part in period.split("-"))
        return i18n.month_label(year, number, language)

    def days(value: Decimal | None) -> str:
        return "—" if value is None else i18n.number(value, language, 1)

    description = _("No decision yet.")
    if bars:
        latest = bars[-1]
        description = _(
            "%(first)s to %(last)s. In %(last)s the green channel took a median of %(green)s "
            "working days (target %(target)s), the ordinary lane %(ordinary)s."
        ) % {
            "first": month(bars[0].period), "last": month(latest.period),
            "green": days(latest.green), "ordinary": days(latest.ordinary),
            "target": "—" if latest.target is None else latest.target,
        }  # fmt: skip
    return charts.LaneChartText(
        lang="zh-Hans" if language == "zh" else "en",
        title=_("Median working days to decision, by lane"),
        description=description,
        value_axis=_("Working days (median)"),
        green=_("Green channel"),
        ordinary=_("Ordinary lane"),
        target=_("Green channel target"),
        source=_("Source: decisions recorded in Rarex; working days on the official calendar."),
        empty=_("No decision yet."),
        ticks=tuple(month(bar.period) for bar in bars),
    )
