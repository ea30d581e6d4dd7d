"""The monthly report from cleared declarations (customs aggregates), beside the published one."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy.orm import Session

from rarex.auth.roles import Role
from rarex.clock import FixedClock
from rarex.errors import Forbidden, NotFound
from rarex.models.customs import ExportAggregate
from rarex.statistics.declarations import declarations_report
from tests.factories import make_actor

D = Decimal


def cleared(
    session: Session, period: str, destination: str, kg: str, series: str = "rare_earths"
) -> None:
    session.add(
        ExportAggregate(
            period=period,
            series=series,
            element="",
            hs_code="2846901993",
            destination=destination,
            currency="USD",
            net_kg=D(kg),
            fob_value=D("1000"),
            lines=1,
        )
    )
    session.flush()


def test_a_month_from_declarations_beside_the_published_figure(
    session: Session, clock: FixedClock, published: object
) -> None:
    cleared(session, "2025-04", "DE", "2000000")
    cleared(session, "2025-05", "DE", "1500000")
    cleared(session, "2025-05", "US", "1000000.5")
    cleared(session, "2024-05", "DE", "2000000")
    analyst = make_actor(session, clock, Role.ANALYST)
    body = declarations_report(
        session, actor=analyst, series="rare_earth_exports_t", period="2025-05"
    )
    assert body["source"] == "declarations"
    assert body["value"] == "2500.0005"
    assert body["mom_display"] == "+25.0%"
    assert body["yoy_display"] == "+25.0%"
    assert body["ytd"] == "4500.0005"
    assert {d["partner"]: d["share_display"] for d in body["destinations"]} == {
        "DE": "60.0%",
        "US": "40.0%",
    }
    assert body["published"]["value"] == "5864.6"
    assert body["published"]["sources"] == ["S1"]
    # Seen in issue 15: "declared covers 0.3074587524815241145755134044008475%".
    assert body["published"]["coverage_pct"] == "42.63"  # 2,500.0005 t of 5,864.6 t
    assert body["published"]["coverage_display"] == "42.6%"
    assert (body["mom_pct"], body["destinations"][1]["share_pct"]) == ("25.00", "40.00")
    germany = declarations_report(
        session, actor=analyst, series="rare_earths", period="2025-05", partner="de"
    )
    assert germany["value"] == "1500"
    assert germany["mom_display"] == "-25.0%"


def test_declarations_are_not_public(session: Session, clock: FixedClock) -> None:
    partner = make_actor(session, clock, Role.PARTNER_AUTHORITY)
    with pytest.raises(Forbidden):
        declarations_report(session, actor=partner, series="rare_earth_exports_t", period="2025-05")
    analyst = make_actor(session, clock, Role.ANALYST)
    with pytest.raises(NotFound) as caught:
        declarations_report(session, actor=analyst, series="rare_earth_imports_t", period="2025-05")
    assert caught.value.code == "stats.no_declarations_series"
    empty = declarations_report(session, actor=analyst, series="magnet_exports_t", period="2025-05")
    assert empty["value"] == "0"
    assert empty["mom_pct"] is None
    assert empty["published"] is None
