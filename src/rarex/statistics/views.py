"""The stable JSON shapes of figures, changes, findings and monitor results.

Numbers are decimal strings. Quantities are exact, at the precision they were published or
declared at (``"5864.6"``, ``"24827"``, tonnes from declared kilograms to the gram): that
precision is information (half a unit of the last digit is the rounding allowance), and sums
and differences of such figures are exact. Percentages and percentage points, which are
quotients, are at the fixed scale ``PCT_PLACES`` (``"22.57"``), the robust z-score at
``Z_PLACES``. Each has a ``display`` beside it for people, rounded from the exact value. The
CLI's ``--json`` and the API return these same shapes.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from rarex.models.statistics import StatObservation, StatSource
from rarex.statistics.derivation import Figure, Finding
from rarex.statistics.measures import (
    Z_PLACES,
    Change,
    ReportedComparison,
    display_pct,
    display_quantity,
    fixed_text,
    pct_text,
    round_half_up,
)
from rarex.statistics.monitor import Assessment


def dec(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def figure_dict(
    figure: Figure | None, unit: str, vintages: list[StatObservation] | None = None
) -> dict[str, Any] | None:
    if figure is None:
        return None
    history = vintages or []
    obs = figure.observation
    return {
        "key": str(figure.key),
        "basis": figure.key.basis.value,
        "period": str(figure.key.period),
        "value": str(figure.value),
        "display": display_quantity(figure.value, unit),
        "status": figure.status,
        "formula": figure.formula,
        "expression": figure.expression,
        "inputs": [str(k) for k in figure.inputs],
        "sources": list(figure.sources),
        "vintage": obs.vintage if obs else None,
        "released_on": obs.released_on.isoformat() if obs and obs.released_on else None,
        "vintages": len(history) if obs else 0,
        "superseded": [
            {
                "vintage": v.vintage,
                "value": str(v.value.quantize(Decimal(1).scaleb(-v.decimals))),
                "source": v.source,
                "released_on": v.released_on.isoformat() if v.released_on else None,
            }
            for v in history
            if not v.is_current
        ],
    }


def reported_dict(
    comparison: ReportedComparison, places: int, title: str | None = None
) -> dict[str, Any]:
    """A published rate beside ours: ``value`` at the fixed scale, ``display`` as the source
    printed it (its own ``places``: "+23%" stays whole), and the source's ``title``."""
    diff = comparison.difference_pp
    return {
        "value": pct_text(comparison.reported),
        "places": comparison.places,
        "display": display_pct(comparison.reported, comparison.places),
        "source": comparison.source,
        "source_title": title,
        "computed": pct_text(comparison.computed),
        "difference_pp": pct_text(diff),
        "difference_display": None if diff is None else f"{round_half_up(diff, places):+} pp",
        "consistent_with_rounding": comparison.consistent_with_rounding,
    }


def change_dict(
    change: Change,
    places: int,
    reported: list[ReportedComparison] | None = None,
    titles: dict[str, str] | None = None,
) -> dict[str, Any]:
    """``titles``: the cited sources' titles by id, for the rates published beside ours."""
    return {
        "pct": pct_text(change.pct),
        "display": display_pct(change.pct, places),
        "current": str(change.current.key) if change.current else None,
        "base": str(change.base.key) if change.base else None,
        "base_status": change.base.status if change.base else None,
        "reason": change.reason,
        "reported": [
            reported_dict(r, places, (titles or {}).get(r.source)) for r in reported or []
        ],
    }


def finding_dict(finding: Finding) -> dict[str, Any]:
    return {
        "code": finding.code,
        "severity": finding.severity,
        "message": finding.message,
        "first": str(finding.first),
        "last": str(finding.last),
        "months_sum": str(finding.months_sum),
        "ytd_difference": str(finding.ytd_difference),
        "difference": str(finding.difference),
        "allowance": str(finding.allowance),
        "figures": [str(k) for k in finding.keys],
    }


def assessment_dict(assessment: Assessment | None, places: int) -> dict[str, Any] | None:
    if assessment is None:
        return None
    z = assessment.robust_z
    return {
        "status": assessment.status,
        "flagged": assessment.flagged,
        "reason": assessment.reason,
        "history_months": assessment.history_months,
        "nonzero_history_months": assessment.nonzero_history_months,
        "median": dec(assessment.median),
        "low": dec(assessment.low),
        "high": dec(assessment.high),
        "mad": dec(assessment.mad),
        "robust_z": fixed_text(z, Z_PLACES),
        "robust_z_display": None if z is None else str(round_half_up(z, places)),
        "same_month_last_year": dec(assessment.same_month_last_year),
        "yoy_pct": pct_text(assessment.yoy_pct),
        "yoy_display": display_pct(assessment.yoy_pct, places),
    }


def source_dict(source_id: str, stored: StatSource | None) -> dict[str, Any]:
    return {
        "id": source_id,
        "title": stored.title if stored else None,
        "url": stored.url if stored else None,
    }


def derivation_dict(figure: Figure, unit: str) -> dict[str, Any]:
    return {
        "figure": str(figure.key),
        "value": str(figure.value),
        "display": display_quantity(figure.value, unit),
        "formula": f"{figure.key} = {figure.formula}",
        "expression": figure.expression,
        "inputs": [str(k) for k in figure.inputs],
        "sources": list(figure.sources),
        "rounding_uncertainty": str(figure.uncertainty),
    }
