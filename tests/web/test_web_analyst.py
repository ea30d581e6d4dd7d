"""The analyst's page over HTTP (issue 12: "the analyst's statistics built from declarations
show the cleared quantity for that month"), on SQLite and PostgreSQL: a cleared declaration
shows in its month and destination, a held one does not; a bad month is said beside its field;
the page is the authority's (analysts and officers), not an exporter's or the public's."""

from __future__ import annotations

from sqlalchemy.orm import Session

from rarex.auth.roles import Role
from rarex.clock import FixedClock, authority_date
from rarex.config import Settings
from rarex.customs import filing as customs_filing
from tests.customs.customs_factories import OTHER_CONSIGNEE, declaration, licensed, line
from tests.factories import make_company
from tests.web.site_helpers import TestClient, sign_in, user_with_password


def test_a_cleared_declaration_shows_in_its_month_and_a_held_one_does_not(
    site: TestClient, session: Session, clock: FixedClock, settings: Settings
) -> None:
    setup = licensed(session, clock, settings)
    for kg, consignee in (("120.5", None), ("300", OTHER_CONSIGNEE)):  # the second is held
        data = declaration(setup, lines=[line(net_kg=kg)])
        if consignee is not None:
            data = declaration(setup, lines=[line(net_kg=kg)], consignee=dict(consignee))
        customs_filing.file_declaration(
            session, actor=setup.customs, clock=clock, settings=settings, data=data
        )
    month = authority_date(clock.now()).strftime("%Y-%m")
    sign_in(site, user_with_password(session, clock, Role.ANALYST))
    page = site.get("/analyst")  # this month unless asked
    assert page.status_code == 200, page.text
    assert "<dt>Cleared in the month</dt><dd>0.1205 t</dd>" in page.text  # exact, not rounded
    assert f"period={month}&amp;partner=DE" in page.text  # the destination, linked
    assert site.get("/analyst", params={"period": "2001-01"}).text.count("<dd>0 t</dd>") == 2


def test_a_wrong_month_or_series_is_said_beside_its_field(
    site: TestClient, session: Session, clock: FixedClock
) -> None:
    sign_in(site, user_with_password(session, clock, Role.ANALYST))
    wrong = site.get("/analyst", params={"period": "2025-13"})
    assert wrong.status_code == 422
    assert 'id="period-error"' in wrong.text
    assert 'value="2025-13"' in wrong.text  # what was typed stays
    unknown = site.get("/analyst", params={"series": "gold_exports_t"})
    assert unknown.status_code == 422
    assert 'id="series-error"' in unknown.text


def test_declared_exports_are_the_authoritys(
    site: TestClient, session: Session, clock: FixedClock
) -> None:
    assert site.get("/analyst").headers["location"] == "/login?next=/analyst"
    exporter = user_with_password(session, clock, Role.EXPORTER, make_company(session, clock))
    roles = (Role.LICENSING_OFFICER, Role.CUSTOMS_OFFICER, Role.ADMINISTRATOR)
    authority = [user_with_password(session, clock, role) for role in roles]  # before any sign-in
    sign_in(site, exporter)
    assert site.get("/analyst").status_code == 403
    for username in authority:
        sign_in(site, username)
        assert site.get("/analyst").status_code == 200
