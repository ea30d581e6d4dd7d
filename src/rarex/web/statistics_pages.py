"""The public statistics pages (no sign-in): the published series, a series month by month,
and a permalink per series and month that says the month in a sentence, in both languages.
Each route calls one service of the statistics room, as the API's routes do."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from fastapi import APIRouter, Request
from sqlalchemy.orm import Session
from starlette.responses import Response

from rarex.api.deps import SessionDep
from rarex.errors import InvalidInput, NotFound
from rarex.statistics import charts, tables
from rarex.statistics.measures import pct_of_display
from rarex.statistics.monitor import Assessment, MonitorPolicy, position_of
from rarex.statistics.service import period_report
from rarex.web import i18n, statistics_charts
from rarex.web.i18n import Language
from rarex.web.pages import LanguageDep, ViewerDep, not_found_page
from rarex.web.templates import render

router = APIRouter(include_in_schema=False)
DOWNLOADS = ("csv", "xlsx", "sdmx")
CHART_KINDS = ("monthly", "growth")
MONITOR = MonitorPolicy()  # the policy of the API's tables, said on the page


def _period_label(period: str, jan_feb: bool, language: Language) -> str:
    """ "May 2025", or January to February as one period, as GACC publishes it."""
    year, month = (int(part) for part in period.split("-"))
    return i18n.ytd_label(year, 2, language) if jan_feb else i18n.month_label(year, month, language)


def _number(text: str | None) -> Decimal | None:
    return Decimal(text) if text is not None else None


def shown_changes(body: dict[str, Any]) -> dict[str, Decimal | None]:
    """The changes of a report or table row as its ``*_display`` rounded them (half up, at
    the answer's ``decimals``): the page formats them in its language and never rounds the
    fixed-scale JSON figures a second time (22.549 is 22.5, not 22.55 and then 22.6)."""
    return {
        "mom": pct_of_display(body["mom_display"]),
        "yoy": pct_of_display(body["yoy_display"]),
        "ytd_yoy": pct_of_display(body["ytd_yoy_display"]),
    }


def _labelled(row: dict[str, Any], language: Language) -> dict[str, Any]:
    """A table row with its period, and why the monitor flags it, said in the page's language
    (Jan-Feb as one period)."""
    year, month = (int(part) for part in row["period"].split("-"))
    label = _period_label(row["period"], row["jan_feb"], language)
    return {
        **row,
        **shown_changes(row),
        "label": label,
        "ytd_label": i18n.ytd_label(year, month, language),
        "monitor_note": _monitor_note(row.get("monitor_assessment"), language),
    }


def _monitor_note(assessed: Assessment | None, language: Language) -> str | None:
    """Why a month is flagged, in the page's language: in English the sentence the monitor
    writes (``Assessment.reason``, which the API and the CLI give), in Chinese the same facts."""
    if assessed is None or not assessed.flagged:
        return None
    centre, low, high, spread = assessed.median, assessed.low, assessed.high, assessed.mad
    if centre is None or low is None or high is None or spread is None:
        return None  # a flagged month always has its history's figures
    _ = i18n.translations(language).gettext

    def figure(value: Decimal) -> str:
        return i18n.number(value, language, places=0 if value == value.to_integral() else 1)

    baseline = _("%(months)s of the trailing %(window)s months: median %(median)s, range "
                 "%(low)s-%(high)s, MAD %(mad)s") % {
        "months": assessed.history_months, "window": MONITOR.window, "median": figure(centre),
        "low": figure(low), "high": figure(high), "mad": figure(spread),
    }  # fmt: skip
    if assessed.robust_z is None:
        return _("%(value)s against a flat history (%(baseline)s): any departure is unusual") % {
            "value": figure(assessed.value), "baseline": baseline,
        }  # fmt: skip
    where = {
        "above": _("above the trailing range"),
        "below": _("below the trailing range"),
        "within": _("within the trailing range"),
    }[position_of(assessed.value, low, high)]
    threshold = i18n.number(MONITOR.threshold, language)
    comparison = (
        _("at or above %(threshold)s") % {"threshold": threshold}
        if assessed.status == "unusually_high"
        else _("at or below -%(threshold)s") % {"threshold": threshold}
    )
    return _("%(value)s is %(where)s; robust z %(z)s is %(comparison)s (%(baseline)s)") % {
        "value": figure(assessed.value), "where": where,
        "z": i18n.number(assessed.robust_z, language, places=2), "comparison": comparison,
        "baseline": baseline,
    }  # fmt: skip


@router.get("/statistics")
def statistics_home(
    request: Request, session: SessionDep, viewer: ViewerDep, language: LanguageDep
) -> Response:
    series = []
    for entry in tables.list_series(session):
        last = str(entry["last_period"])
        # GACC publishes January and February together: a February is January-February
        label = _period_label(last, last.endswith("-02"), language)
        series.append({**entry, "last_label": label})
    return render(
        request, "statistics.html", {"viewer": viewer, "series": series}, language=language
    )


@router.get("/statistics/{series}")
def statistics_series(
    request: Request, series: str, session: SessionDep, viewer: ViewerDep, language: LanguageDep
) -> Response:
    try:
        table = tables.series_table(
            session, series=series[:64], monitor_policy=MONITOR, with_assessments=True
        )
    except (NotFound, InvalidInput) as missing:
        return not_found_page(request, language, viewer, missing.code)
    if not table["rows"]:
        return not_found_page(request, language, viewer, "stats.unknown_series")
    rows = [_labelled(row, language) for row in reversed(table["rows"])]
    return render(
        request, "statistics_series.html",
        {"viewer": viewer, "table": table, "rows": rows, "downloads": DOWNLOADS,
         "charts": _charts(session, table["series"], language)},
        language=language,
    )  # fmt: skip


def _charts(session: Session, series: str, language: Language) -> list[dict[str, str]]:
    """The charts the page shows, by address, title and summary; the page draws none (the
    image's own request does, once per state of the figures)."""
    shown = []
    version = charts.data_version(session, series=series)
    for kind in CHART_KINDS:
        key = statistics_charts.key_of(
            session, series=series, language=language, kind=kind, version=version
        )
        data, text = statistics_charts.chart(session, key)
        if data.bars:
            src = f"/statistics/{series}/charts/{kind}.svg?v={key[1]}"
            shown.append({"src": src, "title": text.title, "alt": text.description})
    return shown


@router.get("/statistics/{series}/charts/{kind}.svg")
def statistics_chart(
    request: Request, series: str, kind: str, session: SessionDep, language: LanguageDep
) -> Response:
    """A chart of the series as an accessible SVG in the page's language (English or
    Chinese by the same choice as the pages). Its address carries the figures' version, so
    a browser may keep it; a new import gives the page a new address."""
    if kind not in CHART_KINDS:
        return not_found_page(request, language, None, "stats.unknown_chart")
    try:
        key = statistics_charts.key_of(session, series=series[:64], language=language, kind=kind)
        tag = statistics_charts.etag(key)
        current = request.query_params.get("v") == key[1]
        headers = {
            "ETag": tag,
            "Cache-Control": f"public, max-age={86400 if current else 300}",
            "Vary": "Accept-Language, Cookie",
            "Content-Language": "zh-Hans" if language == "zh" else "en",
        }
        if tag in request.headers.get("if-none-match", ""):
            return Response(status_code=304, headers=headers)
        content = statistics_charts.svg(session, key)
    except (NotFound, InvalidInput) as missing:
        return not_found_page(request, language, None, missing.code)
    return Response(content, media_type="image/svg+xml", headers=headers)


@router.get("/statistics/{series}/{period}")
def statistics_month(
    request: Request,
    series: str,
    period: str,
    session: SessionDep,
    viewer: ViewerDep,
    language: LanguageDep,
) -> Response:
    """The month in a sentence ("May 2025: 5,864.6 t, +22.6% on April; January to May
    2025: 24,827 t, +2.3% year on year"), its downloads and its sources."""
    try:
        report = period_report(session, series=series[:64], period=period[:16])
    except (NotFound, InvalidInput) as missing:
        return not_found_page(request, language, viewer, missing.code)
    label = _period_label(report["period"], report["jan_feb"], language)
    said = _said(report, label, language)
    return render(
        request, "statistics_month.html",
        {"viewer": viewer, "report": report, "sentence": said, "label": label,
         "downloads": DOWNLOADS, "rates": _rates(report)},
        language=language,
    )  # fmt: skip


def _rates(report: dict[str, Any]) -> list[dict[str, Any]]:
    """Each change of the month, as computed (rounded as displayed) and as the cited sources
    printed it (at their own precision, so "+23%" stays whole), with the source."""
    shown = shown_changes(report)
    sources = {s["id"]: s for s in report["sources"]}
    out = []
    for measure in ("mom", "yoy", "ytd_yoy"):
        change = report["changes"][measure]
        published = [
            {
                **rate,
                "number": pct_of_display(rate["display"]),  # the source's own precision
                "url": sources.get(rate["source"], {}).get("url"),
                "title": rate["source_title"] or rate["source"],
            }
            for rate in change["reported"]
        ]
        if shown[measure] is None and not published:
            continue
        out.append(
            {"measure": measure, "computed": shown[measure], "reason": change["reason"],
             "reported": published}
        )  # fmt: skip
    return out


_UNITS_ZH = {"t": "吨", "USD million": "百万美元"}


def _said(report: dict[str, Any], label: str, language: Language) -> str:
    """The month (``label``) in one sentence, in the page's language, figures as published
    (their own decimals) and changes to one decimal."""
    year, month = (int(part) for part in report["period"].split("-"))
    value, ytd = _number(report["value"]), _number(report["ytd"])
    shown = shown_changes(report)
    mom, ytd_yoy = shown["mom"], shown["ytd_yoy"]
    unit = report["unit"]
    parts: list[str] = []
    if language == "zh":
        unit = _UNITS_ZH.get(unit, unit)

        def change(word: str, pct: Decimal) -> str:
            direction = "增长" if pct >= 0 else "下降"
            return f"{word}{direction}{i18n.percent(abs(pct) / 100, language)}"

        first = f"{i18n.number(value, language)}{unit}" if value is not None else ""
        if value is not None and mom is not None:
            first += i18n.ZH_COMMA + change("环比", mom)
        if first:
            parts.append(first)
        if ytd is not None:
            total = f"{i18n.ytd_label(year, month, language)}累计{i18n.number(ytd, language)}{unit}"
            if ytd_yoy is not None:
                total += i18n.ZH_COMMA + change("同比", ytd_yoy)
            parts.append(total)
        return f"{label}{i18n.ZH_COLON}{i18n.ZH_SEMICOLON.join(parts)}。"
    if value is not None:
        first = f"{i18n.number(value, language)} {unit}"
        if mom is not None and not report["jan_feb"]:
            previous = i18n.month_label(year - (month == 1), (month - 2) % 12 + 1, language)
            first += f", {i18n.signed_percent(mom, language)} on {previous.split(' ')[0]}"
        parts.append(first)
    if ytd is not None:
        total = f"{i18n.ytd_label(year, month, language)}: {i18n.number(ytd, language)} {unit}"
        if ytd_yoy is not None:
            total += f", {i18n.signed_percent(ytd_yoy, language)} year on year"
        parts.append(total)
    return f"{label}: {'; '.join(parts)}."
