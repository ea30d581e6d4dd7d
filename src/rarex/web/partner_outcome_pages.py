"""Outcome figures of a partner's jurisdiction (issue 13): the partner's own, or any desk's
for the licensing authority and analysts, by month and lane, as a table, a chart in the page's
language (``statistics.outcome_chart``) and CSV or XLSX downloads, all over
``partners.outcomes.outcome_figures``."""

from __future__ import annotations

from typing import Annotated, Final

from fastapi import APIRouter, Query, Request
from starlette.responses import Response

from rarex.api.deps import ClockDep, SessionDep, SettingsDep
from rarex.auth.roles import Role
from rarex.errors import Forbidden, InvalidInput
from rarex.partners import outcomes
from rarex.statistics.outcome_chart import OutcomeChartText, outcome_chart
from rarex.web import i18n
from rarex.web.i18n import Language
from rarex.web.pages import LanguageDep, Problem, Room, ViewerDep, refused_page
from rarex.web.templates import render

router = APIRouter(include_in_schema=False)

READERS: Final = Room(
    frozenset({Role.PARTNER_AUTHORITY, Role.LICENSING_OFFICER, Role.ADMINISTRATOR, Role.ANALYST}),
    "web.outcomes_readers_only",
    "the outcome figures are the partner desks', the authority's and the analysts'",
)
Desk = Annotated[str | None, Query(max_length=120)]
Format = Annotated[str, Query(alias="format", max_length=10)]


@router.get("/partner/outcomes")
def partner_outcomes(
    request: Request,
    session: SessionDep,
    clock: ClockDep,
    settings: SettingsDep,
    viewer: ViewerDep,
    language: LanguageDep,
    partner: Desk = None,
) -> Response:
    """The figures by month and lane with the totals; the authority chooses the desk."""
    reader = READERS.admit(request, viewer, language)
    if isinstance(reader, Response):
        return reader
    own = reader.actor.role is Role.PARTNER_AUTHORITY
    desks = [] if own else outcomes.partner_desks(session)
    chosen = None if own else (partner or (desks[0] if desks else None))
    try:
        report = outcomes.outcome_figures(
            session, actor=reader.actor, clock=clock, settings=settings, partner=chosen
        )
    except Forbidden as refused:
        return refused_page(request, language, refused)
    except InvalidInput as bad:
        return render(
            request, "partner_outcomes.html",
            {"viewer": reader, "report": None, "desks": desks, "chosen": partner or "",
             "errors": {"partner": Problem(bad.code, bad.message)}},
            language=language, status_code=422,
        )  # fmt: skip
    query = "" if own else f"?partner={report.partner}"
    return render(
        request, "partner_outcomes.html",
        {"viewer": reader, "report": report, "desks": desks, "chosen": report.partner,
         "query": query, "errors": {}, "chart": _chart_text(report, language)},
        language=language,
    )  # fmt: skip


@router.get("/partner/outcomes.svg")
def partner_outcomes_chart(
    request: Request,
    session: SessionDep,
    clock: ClockDep,
    settings: SettingsDep,
    viewer: ViewerDep,
    language: LanguageDep,
    partner: Desk = None,
) -> Response:
    reader = READERS.admit(request, viewer, language)
    if isinstance(reader, Response):
        return reader
    try:
        report = outcomes.outcome_figures(
            session, actor=reader.actor, clock=clock, settings=settings, partner=partner
        )
    except Forbidden as refused:
        return refused_page(request, language, refused)
    return Response(
        outcome_chart(outcomes.chart_bars(report), _chart_text(report, language)),
        media_type="image/svg+xml",
        headers={"Cache-Control": "private, no-cache", "Vary": "Accept-Language, Cookie"},
    )


@router.get("/partner/outcomes/download")
def partner_outcomes_download(
    request: Request,
    session: SessionDep,
    clock: ClockDep,
    settings: SettingsDep,
    viewer: ViewerDep,
    language: LanguageDep,
    partner: Desk = None,
    fmt: Format = "csv",
) -> Response:
    reader = READERS.admit(request, viewer, language)
    if isinstance(reader, Response):
        return reader
    try:
        report = outcomes.outcome_figures(
            session, actor=reader.actor, clock=clock, settings=settings, partner=partner
        )
        content, media_type, name = outcomes.outcome_download(report, fmt)
    except Forbidden as refused:
        return refused_page(request, language, refused)
    return Response(
        content, media_type=media_type,
        headers={"Content-Disposition": f'attachment; filename="{name}"',
                 "Cache-Control": "private, no-cache"},
    )  # fmt: skip


def _chart_text(report: outcomes.OutcomeReport, language: Language) -> OutcomeChartText:
    _ = i18n.translations(language).gettext
    bars = outcomes.chart_bars(report)
    total = next(t for t in report.totals if t.lane == outcomes.ALL_MONTHS)

    def month(period: str) -> str:
        year, number = (int(part) for part in period.split("-"))
        return i18n.month_label(year, number, language)

    return OutcomeChartText(
        lang="zh-Hans" if language == "zh" else "en",
        title=_("Applications of %(partner)s: received and decided, by month")
        % {"partner": report.partner},
        description=_("%(received)s received, %(approved)s approved, %(denied)s denied.")
        % {"received": total.received, "approved": total.approved, "denied": total.denied},
        value_axis=_("Applications"),
        received=_("Received"),
        approved=_("Approved"),
        denied=_("Denied"),
        source=_("Source: applications recorded in Rarex."),
        empty=_("No application yet."),
        ticks=tuple(month(bar.month) for bar in bars),
    )
