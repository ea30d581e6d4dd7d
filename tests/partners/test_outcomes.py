"""Outcome figures of a partner's jurisdiction, against counts written by hand for a caseload
built here: cases to Germany and France (the EU's) and to the US, decided in two months, one
still open past its due date, one returned and submitted again."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import chinese_calendar
import pytest
from sqlalchemy.orm import Session

from rarex.auth.roles import Role
from rarex.clock import FixedClock
from rarex.config import Settings
from rarex.errors import Forbidden
from rarex.licensing import decisions
from rarex.licensing.schemas import DecisionIn
from rarex.partners.outcomes import outcome_figures, outcomes_csv, outcomes_xlsx, partner_desks
from tests.factories import approve, filed_and_accepted, make_actor, make_company, parties_in


def _deny(session: Session, clock: FixedClock, settings: Settings, officer: object,
          app: object) -> None:  # fmt: skip
    clock.advance(timedelta(days=1))
    decisions.decide(
        session, actor=officer, clock=clock, settings=settings,  # type: ignore[arg-type]
        application_id=app.id,  # type: ignore[attr-defined]
        data=DecisionIn(outcome="denied", reason="army", reason_codes=["military_end_use"]),
    )  # fmt: skip


@pytest.fixture
def caseload(session: Session, clock: FixedClock, settings: Settings) -> dict[str, object]:
    """Filed on Monday 2 June 2025 (a holiday: Dragon Boat Festival), accepted then."""
    officer = make_actor(session, clock, Role.LICENSING_OFFICER)
    exporter = make_actor(session, clock, Role.EXPORTER, company=make_company(session, clock))

    def case(country: str) -> object:
        return filed_and_accepted(
            session, clock, settings, exporter, officer, **parties_in(country)
        )

    de1, de2, fr1, fr_open, us1 = case("DE"), case("DE"), case("FR"), case("FR"), case("US")
    clock.set(datetime(2025, 6, 10, 2, 0, tzinfo=UTC))
    approve(session, clock, settings, officer, de1)  # decided 11 June
    _deny(session, clock, settings, officer, us1)
    clock.set(datetime(2025, 7, 14, 2, 0, tzinfo=UTC))
    approve(session, clock, settings, officer, de2)  # decided 15 July
    _deny(session, clock, settings, officer, fr1)  # decided 16 July
    clock.set(datetime(2025, 8, 20, 2, 0, tzinfo=UTC))  # fr_open is past its due date by then
    return {"officer": officer, "cases": (de1, de2, fr1, fr_open, us1)}


def _working_days(start: date, end: date) -> int:
    """The oracle: chinese_calendar's own count (the case's clock starts the day after
    acceptance; these cases were never stopped)."""
    return len(chinese_calendar.get_workdays(start + timedelta(days=1), end))


def test_the_eus_figures_by_month_and_lane_are_what_was_counted_by_hand(
    caseload: dict[str, object], session: Session, clock: FixedClock, settings: Settings
) -> None:
    eu = make_actor(session, clock, Role.PARTNER_AUTHORITY, partner_groups=["EU"])
    report = outcome_figures(session, actor=eu, clock=clock, settings=settings)
    assert report.partner == "EU"
    rows = {(r.month, r.lane): r for r in report.rows}
    assert set(rows) == {("2025-06", "ordinary"), ("2025-07", "ordinary")}
    june, july = rows[("2025-06", "ordinary")], rows[("2025-07", "ordinary")]
    # June: four EU cases received (the US one is not the EU's), one decided (approved)
    assert (june.received, june.decided, june.approved, june.denied) == (4, 1, 1, 0)
    assert june.approval_rate == Decimal("100.0")
    june_days = _working_days(date(2025, 6, 2), date(2025, 6, 11))
    assert june.median_working_days == june.p90_working_days == Decimal(june_days)
    assert june.open_past_due == 1  # fr_open, received in June, due in August
    # July: two decided, one each way
    assert (july.received, july.decided, july.approved, july.denied) == (0, 2, 1, 1)
    assert july.approval_rate == Decimal("50.0")
    july_days = sorted(
        [_working_days(date(2025, 6, 2), date(2025, 7, 15)),
         _working_days(date(2025, 6, 2), date(2025, 7, 16))]
    )  # fmt: skip
    assert july.median_working_days == Decimal(sum(july_days)) / 2
    assert july.p90_working_days == Decimal(july_days[1])
    (total,) = [t for t in report.totals if t.lane == "all"]
    assert (total.received, total.decided, total.approved, total.denied) == (4, 3, 2, 1)
    assert total.approval_rate == Decimal("66.7")


def test_the_authority_reads_any_desk_and_a_partner_only_its_own(
    caseload: dict[str, object], session: Session, clock: FixedClock, settings: Settings
) -> None:
    eu = make_actor(session, clock, Role.PARTNER_AUTHORITY, partner_groups=["EU"])
    make_actor(session, clock, Role.PARTNER_AUTHORITY, partner_countries=["US"])
    assert partner_desks(session) == ["EU", "US"]
    officer = caseload["officer"]
    us = outcome_figures(
        session,
        actor=officer,
        clock=clock,
        settings=settings,
        partner="US",  # type: ignore[arg-type]
    )
    (june,) = us.rows
    assert (june.received, june.denied, june.approval_rate) == (1, 1, Decimal("0.0"))
    with pytest.raises(Forbidden) as refused:
        outcome_figures(session, actor=eu, clock=clock, settings=settings, partner="US")
    assert refused.value.code == "partner.other_jurisdiction"
    exporter = make_actor(session, clock, Role.EXPORTER, company=make_company(session, clock))
    with pytest.raises(Forbidden):
        outcome_figures(session, actor=exporter, clock=clock, settings=settings)


def test_the_downloads_hold_the_same_table(
    caseload: dict[str, object], session: Session, clock: FixedClock, settings: Settings
) -> None:
    from io import BytesIO

    from openpyxl import load_workbook

    eu = make_actor(session, clock, Role.PARTNER_AUTHORITY, partner_groups=["EU"])
    report = outcome_figures(session, actor=eu, clock=clock, settings=settings)
    lines = outcomes_csv(report).decode().splitlines()
    assert lines[0].startswith("partner,month,lane,received,decided,approved,denied")
    assert lines[1].startswith("EU,2025-06,ordinary,4,1,1,0,100.0,")
    assert len(lines) == 1 + len(report.rows) + len(report.totals)
    sheet = load_workbook(BytesIO(outcomes_xlsx(report)))["outcomes"]
    values = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert values[1][:8] == ["EU", "2025-06", "ordinary", 4, 1, 1, 0, 100.0]
