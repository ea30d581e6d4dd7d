"""The same monthly report computed from cleared declarations instead of published figures.

The customs room keeps monthly aggregates of cleared exports (kilograms by series, element,
HS code and destination, updated with every clearance); this reads them through
``rarex.customs.repository`` and runs them through the same pure arithmetic as the published
series. A month without cleared exports is a known zero, not a gap: every declaration passes
through this system. Unlike published statistics these are the authority's own data, so only
the roles customs allows to read monthly aggregates may ask.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from rarex.auth.roles import Actor, require_role
from rarex.customs import repository as customs_repository
from rarex.customs.access import MONTHLY_REPORT_ROLES
from rarex.customs.series import PUBLISHED_SERIES, Series
from rarex.errors import NotFound
from rarex.statistics.derivation import Figure, Observation, derive, plain
from rarex.statistics.measures import (
    display_pct,
    display_quantity,
    display_share,
    pct_text,
    share_pct,
)
from rarex.statistics.measures import period_measures as measures_of
from rarex.statistics.monitor import MonitorPolicy, assess
from rarex.statistics.periods import Period, month, months_between
from rarex.statistics.rows import WORLD
from rarex.statistics.series_data import load_series, monthly_values, parse_period
from rarex.statistics.views import assessment_dict, change_dict, dec

SOURCE = "declarations"
_KG_PER_T = Decimal(1000)


def customs_series(series: str) -> tuple[Series, str]:
    """The customs aggregate behind a published series name (or a customs series name)."""
    for customs, published in PUBLISHED_SERIES.items():
        if series in (published, customs.value):
            return customs, published
    known = ", ".join(sorted(PUBLISHED_SERIES.values()))
    raise NotFound(
        f"no declarations aggregate feeds {series!r}; known: {known}",
        code="stats.no_declarations_series",
    )


def _tonnes(kg: Decimal) -> Decimal:
    return plain(kg / _KG_PER_T)


def _declared_months(
    session: Session, customs: Series, partner: str, first: Period, last: Period
) -> dict[Period, Decimal]:
    values = dict.fromkeys(months_between(first, last), Decimal(0))
    if partner == WORLD:
        for total in customs_repository.series_totals(
            session, series=customs.value, start=str(first), end=str(last)
        ):
            values[Period.parse(total.period)] = _tonnes(total.net_kg)
        return values
    for p in values:
        for total in customs_repository.monthly_totals(
            session, period=str(p), by="destination", series=customs.value
        ):
            if total.key == partner:
                values[p] = _tonnes(total.net_kg)
    return values


def _published_beside(session: Session, series: str, partner: str, period: Period) -> Figure | None:
    try:
        data = load_series(session, series=series)
    except NotFound:
        return None
    derived = data.by_partner.get(partner)
    return derived.month(period) if derived else None


def declarations_report(
    session: Session,
    *,
    actor: Actor,
    series: str,
    period: str,
    partner: str = WORLD,
    decimals: int = 1,
    monitor_policy: MonitorPolicy | None = None,
) -> dict[str, Any]:
    """Month, MoM, YoY, YTD, YTD YoY and destinations from cleared declarations, in tonnes,
    beside the published figure of the same month when there is one."""
    require_role(actor, *sorted(MONTHLY_REPORT_ROLES), action="read statistics from declarations")
    wanted = parse_period(period)
    customs, published_name = customs_series(series)
    partner = partner.strip().upper()
    first = Period(wanted.year - 1, 1)
    values = _declared_months(session, customs, partner, first, wanted)
    derived = derive(Observation(month(p), v, SOURCE) for p, v in values.items())
    m = measures_of(derived, wanted)
    assessment = assess(monthly_values(derived), wanted, monitor_policy)
    destinations: list[dict[str, Any]] = []
    if partner == WORLD and m.value is not None:
        for total in customs_repository.monthly_totals(
            session, period=str(wanted), by="destination", series=customs.value
        ):
            tonnes = _tonnes(total.net_kg)
            share = share_pct(tonnes, m.value.value)
            destinations.append(
                {
                    "partner": total.key,
                    "value": str(tonnes),
                    "display": display_quantity(tonnes, "t"),
                    "share_pct": pct_text(share),
                    "share_display": display_share(share, decimals),
                }
            )
    published = _published_beside(session, published_name, partner, wanted)
    declared = m.value.value if m.value else Decimal(0)
    coverage = share_pct(declared, published.value) if published is not None else None
    return {
        "source": SOURCE,
        "series": published_name,
        "customs_series": customs.value,
        "partner": partner,
        "period": str(wanted),
        "label": wanted.label(),
        "unit": "t",
        "decimals": decimals,
        "value": dec(declared),
        "value_display": display_quantity(declared, "t"),
        "mom_pct": pct_text(m.mom.pct),
        "mom_display": display_pct(m.mom.pct, decimals),
        "yoy_pct": pct_text(m.yoy.pct),
        "yoy_display": display_pct(m.yoy.pct, decimals),
        "ytd": dec(m.ytd.value if m.ytd else None),
        "ytd_display": display_quantity(m.ytd.value, "t") if m.ytd else None,
        "ytd_yoy_pct": pct_text(m.ytd_yoy.pct),
        "ytd_yoy_display": display_pct(m.ytd_yoy.pct, decimals),
        "changes": {
            "mom": change_dict(m.mom, decimals),
            "yoy": change_dict(m.yoy, decimals),
            "ytd_yoy": change_dict(m.ytd_yoy, decimals),
        },
        "destinations": destinations,
        "monitor": assessment_dict(assessment, decimals),
        "published": None
        if published is None
        else {
            "value": str(published.value),
            "status": published.status,
            "sources": list(published.sources),
            "declared_minus_published": str(declared - published.value),
            "coverage_pct": pct_text(coverage),
            "coverage_display": display_share(coverage, decimals),
        },
    }
