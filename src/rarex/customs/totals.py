"""Monthly totals of cleared exports for readers of the customs room (analysts, officers).

The statistics room calls ``repository.monthly_totals`` / ``series_totals`` directly inside
its own access checks; these are the same figures behind the customs room's own check.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from rarex.auth.roles import Actor, require_role
from rarex.customs import repository
from rarex.customs.access import MONTHLY_REPORT_ROLES
from rarex.customs.repository import MonthlyTotal


def monthly_totals(
    session: Session, *, actor: Actor, period: str, by: str, series: str | None = None
) -> list[MonthlyTotal]:
    require_role(actor, *MONTHLY_REPORT_ROLES, action="read customs totals")
    return repository.monthly_totals(session, period=period, by=by, series=series)
