"""A license looked up at the desks (issue 12, item 2), on SQLite and PostgreSQL: customs and
licensing officers read its lines, balances and what drew on it; a licensing officer
suspends and reinstates it with a reason (customs cannot); an unknown number is said beside
the look-up; exporters use their own page."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from rarex.auth.roles import Role
from rarex.clock import FixedClock
from rarex.config import Settings
from rarex.customs import filing as customs_filing
from rarex.models import License
from tests.customs.customs_factories import declaration, licensed, line
from tests.web.site_helpers import SITE, TestClient, csrf_of, sign_in, user_with_password


def _status(session: Session, number: str) -> str:
    session.expire_all()
    return str(session.scalar(select(License.status).where(License.number == number)))


def test_a_license_is_looked_up_and_suspended_with_a_reason(
    site: TestClient, session: Session, clock: FixedClock, settings: Settings
) -> None:
    setup = licensed(session, clock, settings)
    filed = customs_filing.file_declaration(
        session, actor=setup.customs, clock=clock, settings=settings,
        data=declaration(setup, lines=[line(net_kg="75")]),
    )  # fmt: skip
    number = setup.license.number
    customs = user_with_password(session, clock, Role.CUSTOMS_OFFICER)
    officer = user_with_password(session, clock, Role.LICENSING_OFFICER)
    exporter = user_with_password(session, clock, Role.EXPORTER, setup.company)

    sign_in(site, customs)
    found = site.get("/licenses", params={"number": f" {number.lower()} "})
    assert found.headers["location"] == f"/licenses/{number}"
    page = site.get(f"/licenses/{number}")
    assert page.status_code == 200
    assert f"{filed.number} / 1" in page.text  # what drew on it
    assert "425.000" in page.text  # 500 granted, 75 drawn
    assert "/actions" not in page.text  # customs read; they do not suspend
    token = csrf_of(page.text)
    refused = site.post(
        f"/licenses/{number}/actions", data={"csrf_token": token, "action": "suspend",
        "reason": "Inquiry"}, headers={"Origin": SITE},
    )  # fmt: skip
    assert refused.status_code == 403
    assert _status(session, number) == "active"
    missing = site.get("/licenses/DUL-0000-NOTHING")
    assert missing.status_code == 404
    assert 'id="number-error"' in missing.text

    sign_in(site, officer)
    page = site.get(f"/licenses/{number}")
    token = csrf_of(page.text)
    no_reason = site.post(
        f"/licenses/{number}/actions", data={"csrf_token": token, "action": "suspend",
        "reason": " "}, headers={"Origin": SITE},
    )  # fmt: skip
    assert no_reason.status_code == 422
    assert _status(session, number) == "active"
    suspended = site.post(
        f"/licenses/{number}/actions", data={"csrf_token": token, "action": "suspend",
        "reason": "Inquiry into the end user"}, headers={"Origin": SITE},
    )  # fmt: skip
    assert suspended.status_code == 303
    assert _status(session, number) == "suspended"
    assert 'value="reinstate"' in site.get(f"/licenses/{number}").text
    reinstated = site.post(
        f"/licenses/{number}/actions", data={"csrf_token": token, "action": "reinstate",
        "reason": "Inquiry closed"}, headers={"Origin": SITE},
    )  # fmt: skip
    assert reinstated.status_code == 303
    assert _status(session, number) == "active"

    sign_in(site, exporter)
    assert site.get(f"/licenses/{number}").status_code == 403
    assert site.get(f"/exporter/licenses/{number}").status_code == 200
