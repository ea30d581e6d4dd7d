from __future__ import annotations

from decimal import Decimal

from sqlalchemy.orm import Session

from rarex.audit.service import verify
from rarex.auth.roles import Role
from rarex.clock import FixedClock
from rarex.config import Settings
from rarex.licensing import views
from tests.factories import approve, filed_and_accepted, make_actor, make_company


def test_approval_issues_license_with_full_balance(
    session: Session, clock: FixedClock, settings: Settings
) -> None:
    company = make_company(session, clock)
    exporter = make_actor(session, clock, Role.EXPORTER, company=company)
    officer = make_actor(session, clock, Role.LICENSING_OFFICER)
    app = filed_and_accepted(session, clock, settings, exporter, officer)
    approve(session, clock, settings, officer, app, granted_kg={1: Decimal("400")})
    view = views.application_view(
        session, actor=exporter, clock=clock, settings=settings, key=app.id
    )
    assert view.state == "approved"
    assert view.license_number is not None
    license_ = views.license_view(session, actor=exporter, number=view.license_number)
    assert [ln.remaining_kg for ln in license_.lines] == [Decimal("400.000")]
    assert view.clock is not None
    assert view.clock["used"] == 1
    assert verify(session).ok
