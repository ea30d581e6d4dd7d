"""Reconciliation on both backends: granted vs drawn vs declared per license, and per month
licensed vs all cleared exports (vs a published figure), with flags that name the evidence."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import update
from sqlalchemy.orm import Session

from rarex.auth.roles import Role
from rarex.clock import FixedClock
from rarex.config import Settings
from rarex.customs import filing, officer
from rarex.customs.reconciliation import (
    compare_with_published,
    month_bounds,
    reconcile_licenses,
    reconcile_month,
)
from rarex.customs.schemas import DeclarationAmend
from rarex.customs.states import LineAction
from rarex.errors import DomainError, Forbidden, NotFound
from rarex.models import LicenseLine
from tests.customs.customs_factories import OTHER_CONSIGNEE, Licensed, declaration, line
from tests.factories import make_actor


def file(session: Session, clock: FixedClock, settings: Settings, setup: Licensed, **kw: Any):  # type: ignore[no-untyped-def]
    return filing.file_declaration(
        session, actor=setup.customs, clock=clock, settings=settings, data=declaration(setup, **kw)
    )


def flags(report: Any) -> dict[str, Any]:
    return {flag.code: flag for flag in report.flags}


def test_a_license_reconciles_granted_drawn_and_declared(
    session: Session, clock: FixedClock, settings: Settings, setup: Licensed
) -> None:
    file(session, clock, settings, setup, lines=[line(net_kg="120")])
    file(session, clock, settings, setup, destination="AT", lines=[line(net_kg="30")])
    over = file(session, clock, settings, setup, lines=[line(net_kg="450")])
    cancelled = file(session, clock, settings, setup, lines=[line(net_kg="5")])
    officer.cancel_declaration(
        session, actor=setup.customs, clock=clock, number=cancelled.number, reason="withdrawn"
    )
    (report,) = reconcile_licenses(session, actor=setup.customs, number=setup.license.number)
    assert (report.granted_kg, report.drawn_kg) == (Decimal("500.000"), Decimal("120.000"))
    assert (report.declared_kg, report.held_kg, report.refused_kg) == (
        Decimal("600.000"),
        Decimal("30.000"),
        Decimal("450.000"),
    )
    assert report.declarations == 4
    (balance,) = report.lines
    assert balance.consistent
    assert balance.ledger_kg == balance.cleared_kg == balance.drawn_kg == Decimal("120.000")
    found = flags(report)
    assert set(found) == {"customs.over_shipment_attempt"}
    assert found["customs.over_shipment_attempt"].details == {"declarations": [over.number]}
    body = report.to_dict()
    assert body["remaining_kg"] == "380.000"
    assert body["lines"][0]["consistent"] is True


def test_an_over_shipment_attempt_stays_flagged_after_it_is_amended_away(
    session: Session, clock: FixedClock, settings: Settings, setup: Licensed
) -> None:
    over = file(session, clock, settings, setup, lines=[line(net_kg="501")])
    filing.amend_declaration(
        session,
        actor=setup.customs,
        clock=clock,
        settings=settings,
        number=over.number,
        data=DeclarationAmend(reason="Split the shipment", lines=[line(net_kg="500")]),
    )
    (report,) = reconcile_licenses(session, actor=setup.customs, number=setup.license.number)
    assert report.drawn_kg == Decimal("500.000")
    assert flags(report)["customs.over_shipment_attempt"].count == 1


def test_a_balance_changed_behind_the_ledger_is_flagged(
    session: Session, clock: FixedClock, settings: Settings, setup: Licensed
) -> None:
    file(session, clock, settings, setup, lines=[line(net_kg="100")])
    session.execute(
        update(LicenseLine)
        .where(LicenseLine.license_id == setup.license.id)
        .values(remaining_kg=Decimal("450"))
    )
    session.expire_all()
    (report,) = reconcile_licenses(session, actor=setup.customs, number=setup.license.number)
    mismatch = flags(report)["customs.balance_mismatch"]
    assert mismatch.details == {"lines": [1]}
    assert not report.lines[0].consistent


def test_license_reconciliation_is_for_authorities_and_names_an_unknown_license(
    session: Session, clock: FixedClock, setup: Licensed
) -> None:
    for role in (Role.EXPORTER, Role.ANALYST):
        actor = make_actor(
            session, clock, role, company=setup.company if role is Role.EXPORTER else None
        )
        with pytest.raises(Forbidden):
            reconcile_licenses(session, actor=actor)
    with pytest.raises(NotFound):
        reconcile_licenses(session, actor=setup.customs, number="DUL-NONE")
    everyone = reconcile_licenses(session, actor=setup.licensing_officer)
    assert [r.number for r in everyone] == [setup.license.number]


def test_a_month_compares_licensed_with_all_cleared_exports_and_flags_attempts(
    session: Session, clock: FixedClock, settings: Settings, setup: Licensed
) -> None:
    file(session, clock, settings, setup, lines=[line(net_kg="100")])
    file(
        session,
        clock,
        settings,
        setup,
        license_number=None,
        lines=[line(hs_code="2805301100", control_code=None, net_kg="2000")],
    )
    unlicensed = file(session, clock, settings, setup, license_number=None)
    over = file(session, clock, settings, setup, lines=[line(net_kg="401")])
    stray = file(
        session,
        clock,
        settings,
        setup,
        destination="US",
        consignee={"name": "Acme", "country": "US"},
    )
    analyst = make_actor(session, clock, Role.ANALYST)
    report = reconcile_month(session, actor=analyst, period="2025-06")
    assert report.cleared_kg == Decimal("2100.000")
    assert report.licensed_kg == Decimal("100.000")
    assert report.unlicensed_kg == Decimal("2000.000")
    assert report.cleared_by_series == {
        "rare_earths": Decimal("2100.000"),
        "magnets": Decimal(0),
        "other": Decimal(0),
    }
    assert report.declarations == 5
    found = flags(report)
    assert set(found) == {
        "customs.unlicensed_attempt",
        "customs.over_shipment_attempt",
        "customs.destination_without_license",
    }
    assert found["customs.unlicensed_attempt"].details["declarations"] == [unlicensed.number]
    assert found["customs.unlicensed_attempt"].details["reasons"] == ["customs.license_required"]
    assert found["customs.over_shipment_attempt"].details["declarations"] == [over.number]
    strays = found["customs.destination_without_license"]
    assert strays.details == {"destinations": {"US": "100.000"}}
    assert strays.count == 1
    assert stray.status == "held"
    assert reconcile_month(session, actor=analyst, period="2025-07").cleared_kg == 0


def test_a_month_is_compared_with_a_published_figure_given_by_the_statistics_room(
    session: Session, clock: FixedClock, settings: Settings, setup: Licensed
) -> None:
    file(
        session,
        clock,
        settings,
        setup,
        license_number=None,
        lines=[line(hs_code="2805301100", control_code=None, net_kg="5864600")],
    )
    report = reconcile_month(
        session,
        actor=setup.customs,
        period="2025-06",
        published_t={"rare_earths": Decimal("5864.6"), "magnets": Decimal("5000")},
    )
    by_series = {p.series: p for p in report.published}
    assert not by_series["rare_earths"].flagged
    assert by_series["rare_earths"].difference_t == 0
    assert by_series["magnets"].flagged
    assert by_series["magnets"].difference_pct == Decimal("-100.00")
    published = [f for f in report.flags if f.code == "customs.published_difference"]
    assert [f.details["series"] for f in published] == ["magnets"]
    body = report.to_dict()
    assert body["published"][1]["flagged"] is False


@pytest.mark.parametrize(
    ("cleared_kg", "published_t", "pct", "flagged"),
    [
        (Decimal("5864600"), Decimal("5864.6"), Decimal("0.00"), False),
        (Decimal("5890000"), Decimal("5864.6"), Decimal("0.43"), False),
        (Decimal("5900000"), Decimal("5864.6"), Decimal("0.60"), True),
        (Decimal("0"), Decimal("0"), None, False),
        (Decimal("1"), Decimal("0"), None, True),
    ],
)
def test_published_comparison_is_cleared_minus_published_as_a_share_of_published(
    cleared_kg: Decimal, published_t: Decimal, pct: Decimal | None, flagged: bool
) -> None:
    comparison = compare_with_published(
        "rare_earths", cleared_kg=cleared_kg, published_t=published_t
    )
    assert comparison.difference_pct == pct
    assert comparison.flagged is flagged
    assert comparison.cleared_t == cleared_kg / 1000


def test_month_bounds_and_period_checks() -> None:
    assert month_bounds("2024-02") == (date(2024, 2, 1), date(2024, 2, 29))
    assert month_bounds("2025-12") == (date(2025, 12, 1), date(2025, 12, 31))
    with pytest.raises(DomainError) as caught:
        month_bounds("2025-6")
    assert caught.value.code == "customs.invalid_period"


def test_monthly_reconciliation_is_refused_to_exporters(session: Session, setup: Licensed) -> None:
    with pytest.raises(Forbidden):
        reconcile_month(session, actor=setup.exporter, period="2025-06")


def test_a_released_line_counts_as_licensed(
    session: Session, clock: FixedClock, settings: Settings, setup: Licensed
) -> None:
    held = file(session, clock, settings, setup, consignee=OTHER_CONSIGNEE)
    officer.act_on_line(
        session,
        actor=setup.customs,
        clock=clock,
        number=held.number,
        line_no=1,
        action=LineAction.RELEASE,
        reason="ok",
    )
    report = reconcile_month(session, actor=setup.customs, period="2025-06")
    assert report.licensed_kg == report.cleared_kg == Decimal("100.000")
    assert "customs.aggregate_mismatch" not in flags(report)
