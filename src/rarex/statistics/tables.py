"""Tables of a series over a range of months, and the catalogue of series and sources."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from rarex.errors import InvalidInput
from rarex.statistics import repository
from rarex.statistics.derivation import ConsistencyPolicy
from rarex.statistics.measures import (
    ReportedComparison,
    display_pct,
    pct_text,
    period_measures,
    reported_beside,
)
from rarex.statistics.monitor import MonitorPolicy, assess
from rarex.statistics.periods import Period
from rarex.statistics.rows import MEASURES, WORLD
from rarex.statistics.series_data import (
    SeriesData,
    load_series,
    monthly_values,
    parse_period,
    relevant_findings,
    reported_rates,
)
from rarex.statistics.series_definitions import series_description
from rarex.statistics.views import dec, finding_dict, reported_dict, source_dict

Rates = dict[str, list[tuple[str, Decimal, str]]]


def table_rows(
    data: SeriesData,
    partner: str,
    *,
    start: Period | None,
    end: Period | None,
    decimals: int,
    monitor_policy: MonitorPolicy | None = None,
    reported: Rates | None = None,
    with_assessments: bool = False,
) -> list[dict[str, Any]]:
    """``reported``: the rates sources printed, by period (``series_data.reported_rates``),
    each shown beside the computed one of its row. ``with_assessments``: each row also holds
    its month's ``Assessment`` (``monitor_assessment``), for a page that says the monitor's
    reason in its own language."""
    derived = data.partner(partner)
    periods = derived.periods()
    if not periods:
        return []
    first = max(start, periods[0]) if start else periods[0]
    last = min(end, periods[-1]) if end else periods[-1]
    rows: list[dict[str, Any]] = []
    values = monthly_values(derived)
    p = first
    while p <= last:
        m = period_measures(derived, p)
        if m.value is not None or m.ytd is not None:
            a = assess(values, p, monitor_policy) if m.value and not m.jan_feb else None
            beside = reported_beside(m, (reported or {}).get(str(p), []))
            rows.append(
                {
                    "period": str(p),
                    "label": f"Jan-Feb {p.year}" if m.jan_feb else p.label(),
                    "jan_feb": m.jan_feb,
                    "value": dec(m.value.value if m.value else None),
                    "value_status": m.value.status if m.value else None,
                    "value_formula": m.value.formula if m.value else None,
                    "ytd": dec(m.ytd.value if m.ytd else None),
                    "ytd_status": m.ytd.status if m.ytd else None,
                    "ytd_formula": m.ytd.formula if m.ytd else None,
                    "mom_pct": pct_text(m.mom.pct),
                    "mom_display": display_pct(m.mom.pct, decimals),
                    "yoy_pct": pct_text(m.yoy.pct),
                    "yoy_display": display_pct(m.yoy.pct, decimals),
                    "ytd_yoy_pct": pct_text(m.ytd_yoy.pct),
                    "ytd_yoy_display": display_pct(m.ytd_yoy.pct, decimals),
                    "sources": sorted(
                        {s for f in (m.value, m.ytd) if f is not None for s in f.sources}
                    ),
                    "monitor": a.status if a else None,
                    "monitor_reason": a.reason if a else None,
                    "reported": _reported_rows(beside, decimals),
                }
            )
            if with_assessments:
                rows[-1]["monitor_assessment"] = a
        p = p.shift(1)
    return rows


def _reported_rows(
    beside: dict[str, list[ReportedComparison]], decimals: int
) -> list[dict[str, Any]]:
    """The row's published rates, measure by measure in a fixed order (the sources' titles
    are filled in by ``series_table``, which reads the sources once for the whole table)."""
    return [
        {"measure": measure, **reported_dict(comparison, decimals)}
        for measure in MEASURES
        for comparison in beside.get(measure, [])
    ]


def series_table(
    session: Session,
    *,
    series: str,
    partner: str = WORLD,
    start: str | None = None,
    end: str | None = None,
    decimals: int = 1,
    policy: ConsistencyPolicy | None = None,
    monitor_policy: MonitorPolicy | None = None,
    with_assessments: bool = False,
) -> dict[str, Any]:
    first = parse_period(start, option="from") if start else None
    last = parse_period(end, option="to") if end else None
    if first and last and last < first:
        raise InvalidInput(f"to {last} is before from {first}", code="stats.bad_period")
    partner = partner.strip().upper()
    data = load_series(session, series=series, policy=policy)
    rows = table_rows(
        data,
        partner,
        start=first,
        end=last,
        decimals=decimals,
        monitor_policy=monitor_policy,
        reported=reported_rates(session, series=series, partner=partner),
        with_assessments=with_assessments,
    )
    shown = {Period.parse(r["period"]) for r in rows}
    findings = relevant_findings(data.partner(partner).findings, shown)
    cited = sorted(
        {s for r in rows for s in r["sources"]} | {x["source"] for r in rows for x in r["reported"]}
    )
    stored = repository.sources_by_id(session, cited)
    for row in rows:
        for rate in row["reported"]:
            found = stored.get(rate["source"])
            rate["source_title"] = found.title if found else None
    return {
        "series": series,
        "description": series_description(series),
        "partner": partner,
        "unit": data.unit,
        "from": rows[0]["period"] if rows else None,
        "to": rows[-1]["period"] if rows else None,
        "decimals": decimals,
        "rows": rows,
        "findings": [finding_dict(f) for f in findings],
        "sources": [source_dict(s, stored.get(s)) for s in cited],
    }


def list_series(session: Session) -> list[dict[str, Any]]:
    grouped: dict[str, dict[str, Any]] = {}
    for series, partner, unit, first, last, count in repository.series_summaries(session):
        entry = grouped.setdefault(
            series,
            {
                "series": series,
                "description": series_description(series),
                "unit": unit,
                "partners": [],
                "first_period": first,
                "last_period": last,
                "published_figures": 0,
            },
        )
        entry["partners"].append(partner)
        entry["first_period"] = min(entry["first_period"], first)
        entry["last_period"] = max(entry["last_period"], last)
        entry["published_figures"] += count
    return list(grouped.values())


def list_sources(session: Session) -> list[dict[str, Any]]:
    return [source_dict(s.id, s) for s in repository.sources_by_id(session).values()]
