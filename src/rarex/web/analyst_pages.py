"""The analyst's page: a month of exports computed from cleared declarations (the authority's
own data, so signed in), beside the published figure of the same month. The page calls the
service the API's ``GET /statistics/declarations`` and ``rarex stats report --source
declarations`` call."""

from __future__ import annotations

from typing import Annotated, Any, Final

from fastapi import APIRouter, Query, Request
from starlette.responses import Response

from rarex.api.deps import ClockDep, SessionDep
from rarex.clock import authority_date
from rarex.customs.access import MONTHLY_REPORT_ROLES
from rarex.customs.series import PUBLISHED_SERIES
from rarex.errors import InvalidInput, NotFound
from rarex.statistics.declarations import declarations_report
from rarex.statistics.measures import pct_of_display
from rarex.statistics.rows import WORLD
from rarex.web import i18n
from rarex.web.pages import LanguageDep, Problem, Room, ViewerDep
from rarex.web.statistics_pages import shown_changes
from rarex.web.templates import render

router = APIRouter(include_in_schema=False)

ANALYSTS: Final = Room(
    frozenset(MONTHLY_REPORT_ROLES), "web.analysts_only", "declared exports are the authority's"
)
SERIES: Final = tuple(PUBLISHED_SERIES.values())
_FIELD_OF: Final = {
    "stats.no_declarations_series": "series",
    "stats.bad_period": "period",
}


@router.get("/analyst")
def declared_exports(
    request: Request,
    session: SessionDep,
    clock: ClockDep,
    viewer: ViewerDep,
    language: LanguageDep,
    series: Annotated[str, Query(max_length=64)] = SERIES[0],
    period: Annotated[str, Query(max_length=16)] = "",
    partner: Annotated[str, Query(max_length=8)] = WORLD,
) -> Response:
    """A month's cleared exports of a series (this month unless asked), with MoM, YoY, the
    year to date, the destinations and the published figure beside them."""
    analyst = ANALYSTS.admit(request, viewer, language)
    if isinstance(analyst, Response):
        return analyst
    asked = {
        "series": series.strip(),
        "period": period.strip() or authority_date(clock.now()).strftime("%Y-%m"),
        "partner": partner.strip().upper() or WORLD,
    }
    errors: dict[str, Problem] = {}
    report: dict[str, Any] | None = None
    try:
        report = declarations_report(
            session, actor=analyst.actor, series=asked["series"], period=asked["period"],
            partner=asked["partner"],
        )  # fmt: skip
    except (InvalidInput, NotFound) as refused:
        errors[_FIELD_OF.get(refused.code, "period")] = Problem(refused.code, refused.message)
    label = ""
    shown: dict[str, Any] = {}
    if report is not None:
        year, month = (int(part) for part in report["period"].split("-"))
        label = i18n.month_label(year, month, language)
        published = report["published"] or {}
        shown = {
            **shown_changes(report),
            "coverage": pct_of_display(published.get("coverage_display")),
        }
    return render(
        request, "analyst.html",
        {"viewer": analyst, "asked": asked, "series_names": SERIES, "report": report,
         "label": label, "errors": errors, "shown": shown},
        language=language, status_code=422 if errors else 200,
    )  # fmt: skip
