"""Reports and tables of the published series: figures, derivations, measures, flags, sources.

Reads only. Derived figures are recomputed from the current vintages on every request (the
series are a few hundred figures), so a new vintage changes every figure that rests on it.
Published statistics are public data: these functions take no actor.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from rarex.errors import InvalidInput, NotFound
from rarex.statistics import repository
from rarex.statistics.derivation import (
    ConsistencyPolicy,
    DerivedSeries,
    Figure,
    Finding,
)
from rarex.statistics.measures import (
    Change,
    PeriodMeasures,
    ReportedComparison,
    display_pct,
    display_quantity,
    display_share,
    pct_text,
    period_measures,
    reported_beside,
    share_pct,
)
from rarex.statistics.monitor import Assessment, MonitorPolicy, assess
from rarex.statistics.periods import Key, Period
from rarex.statistics.rows import WORLD
from rarex.statistics.series_data import (
    SeriesData,
    load_series,
    monthly_values,
    parse_period,
    relevant_findings,
    reported_rates,
)
from rarex.statistics.series_definitions import series_description
from rarex.statistics.views import (
    assessment_dict,
    change_dict,
    dec,
    derivation_dict,
    figure_dict,
    finding_dict,
    source_dict,
)


def _assessment(
    series: DerivedSeries, measures: PeriodMeasures, policy: MonitorPolicy | None
) -> Assessment | None:
    if measures.jan_feb or measures.value is None:
        return None
    return assess(monthly_values(series), measures.period, policy)


def _reported(
    session: Session, data: SeriesData, partner: str, period: Period, measures: PeriodMeasures
) -> dict[str, list[ReportedComparison]]:
    rates = reported_rates(session, series=data.series, partner=partner, periods=[str(period)])
    return reported_beside(measures, rates.get(str(period), []))


def _flags(
    measures: PeriodMeasures,
    findings: list[Finding],
    assessment: Assessment | None,
    reported: dict[str, list[ReportedComparison]],
) -> list[dict[str, Any]]:
    flags: list[dict[str, Any]] = [
        {"code": f.code, "severity": f.severity, "message": f.message} for f in findings
    ]
    for name, change in (("month", measures.value), ("ytd", measures.ytd)):
        if change is not None and change.derived:
            flags.append(
                {
                    "code": "figure.derived",
                    "severity": "info",
                    "message": f"the {name} figure {change.key} is derived: "
                    f"{change.key} = {change.formula}",
                }
            )
    bases = (("month-on-month", measures.mom), ("year-on-year", measures.yoy))
    for label, c in (*bases, ("year-to-date year-on-year", measures.ytd_yoy)):
        if c.base is not None and c.base.derived:
            flags.append(
                {
                    "code": "base.derived",
                    "severity": "info",
                    "message": f"the {label} base {c.base.key} is derived: "
                    f"{c.base.key} = {c.base.formula}",
                }
            )
    if assessment is not None and assessment.flagged:
        flags.append(
            {
                "code": f"monitor.{assessment.status}",
                "severity": "warning",
                "message": assessment.reason,
            }
        )
    for measure, comparisons in reported.items():
        for r in comparisons:
            if r.consistent_with_rounding is False:
                flags.append(
                    {
                        "code": "reported.differs",
                        "severity": "warning",
                        "message": f"{r.source} reported {measure} {r.reported}%, which the "
                        f"figures do not round to (computed {display_pct(r.computed, 2)})",
                    }
                )
    return flags


def _destinations(
    data: SeriesData, period: Period, total: Figure | None, places: int
) -> list[dict[str, Any]]:
    out = []
    for partner in sorted(data.by_partner):
        if partner == WORLD:
            continue
        m = period_measures(data.by_partner[partner], period)
        if m.value is None:
            continue
        share = share_pct(m.value.value, total.value) if total is not None else None
        out.append(
            {
                "partner": partner,
                "value": str(m.value.value),
                "display": display_quantity(m.value.value, data.unit),
                "status": m.value.status,
                "share_pct": pct_text(share),
                "share_display": display_share(share, places),
            }
        )
    return out


def period_report(
    session: Session,
    *,
    series: str,
    period: str,
    partner: str = WORLD,
    decimals: int = 1,
    policy: ConsistencyPolicy | None = None,
    monitor_policy: MonitorPolicy | None = None,
) -> dict[str, Any]:
    """Month value, MoM, YoY, YTD, YTD YoY, shares, monitor, flags, derivations and sources."""
    wanted = parse_period(period)
    if not 0 <= decimals <= 6:
        raise InvalidInput("decimals must be 0 to 6", code="stats.bad_decimals")
    partner = partner.strip().upper()
    data = load_series(session, series=series, policy=policy)
    derived = data.partner(partner)
    m = period_measures(derived, wanted)
    if m.value is None and m.ytd is None:
        hint = ""
        if wanted.month == 1 and derived.ytd(wanted.shift(1)) is not None:
            hint = (
                f"; GACC publishes January and February together: ask for {wanted.shift(1)} "
                "(January-February)"
            )
        raise NotFound(
            f"{series} {partner} has no published or derivable figure for {wanted}{hint}",
            code="stats.no_figure",
        )
    previous = None if m.jan_feb else derived.month(wanted.shift(-1))
    last_year = wanted.shift(-12)
    ly_value = derived.ytd(last_year) if m.jan_feb else derived.month(last_year)
    used = [f for f in (m.value, previous, ly_value, m.ytd, derived.ytd(last_year)) if f]
    assessment = _assessment(derived, m, monitor_policy)
    reported = _reported(session, data, partner, wanted, m)
    findings = relevant_findings(derived.findings, {f.key.period for f in used})
    trail: dict[Key, Figure] = {}
    for figure in used:
        for step in derived.trail(figure.key):
            trail.setdefault(step.key, step)
    cited = sorted(
        {s for f in used for s in f.sources} | {r.source for v in reported.values() for r in v}
    )
    stored_sources = repository.sources_by_id(session, cited)
    world = data.by_partner.get(WORLD)
    world_value = period_measures(world, wanted).value if world and partner != WORLD else None
    share = share_pct(m.value.value, world_value.value) if m.value and world_value else None

    def fig(figure: Figure | None) -> dict[str, Any] | None:
        return figure_dict(figure, data.unit, data.history(partner, figure))

    titles = {s.id: s.title for s in stored_sources.values()}

    def change(c: Change, measure: str) -> dict[str, Any]:
        return change_dict(c, decimals, reported.get(measure), titles)

    return {
        "series": series,
        "description": series_description(series),
        "partner": partner,
        "period": str(wanted),
        "label": f"January-February {wanted.year}" if m.jan_feb else wanted.label(),
        "jan_feb": m.jan_feb,
        "unit": data.unit,
        "decimals": decimals,
        "value": dec(m.value.value if m.value else None),
        "value_display": display_quantity(m.value.value, data.unit) if m.value else None,
        "value_status": m.value.status if m.value else None,
        "mom_pct": pct_text(m.mom.pct),
        "mom_display": display_pct(m.mom.pct, decimals),
        "yoy_pct": pct_text(m.yoy.pct),
        "yoy_display": display_pct(m.yoy.pct, decimals),
        "ytd": dec(m.ytd.value if m.ytd else None),
        "ytd_display": display_quantity(m.ytd.value, data.unit) if m.ytd else None,
        "ytd_status": m.ytd.status if m.ytd else None,
        "ytd_yoy_pct": pct_text(m.ytd_yoy.pct),
        "ytd_yoy_display": display_pct(m.ytd_yoy.pct, decimals),
        "share_of_world_pct": pct_text(share),
        "share_of_world_display": display_share(share, decimals),
        "figures": {
            "month": fig(m.value),
            "previous_month": fig(previous),
            "same_period_last_year": fig(ly_value),
            "ytd": fig(m.ytd),
            "ytd_last_year": fig(derived.ytd(last_year)),
        },
        "changes": {
            "mom": change(m.mom, "mom_pct"),
            "yoy": change(m.yoy, "yoy_pct"),
            "ytd_yoy": change(m.ytd_yoy, "ytd_yoy_pct"),
        },
        "destinations": _destinations(data, wanted, m.value, decimals) if partner == WORLD else [],
        "monitor": assessment_dict(assessment, decimals),
        "flags": _flags(m, findings, assessment, reported),
        "findings": [finding_dict(f) for f in findings],
        "derivations": [derivation_dict(f, data.unit) for f in sorted(trail.values(), key=_order)],
        "sources": [source_dict(s, stored_sources.get(s)) for s in cited],
    }


def _order(figure: Figure) -> tuple[Period, str]:
    return (figure.key.period, figure.key.basis.value)
