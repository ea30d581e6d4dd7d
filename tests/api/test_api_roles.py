"""A user's role and jurisdiction changed over the API (issue 12, item 3), on SQLite and
PostgreSQL: answered as ``GET /users`` shows a user; refused, with its code, for an unknown
role, a partner authority without a country, an exporter without a company, the last active
administrator stepping down, and anyone but an administrator. And the calendar's years, each
official or provisional, as ``GET /calendar/years``."""

from __future__ import annotations

from importlib.resources import files
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from rarex.auth.roles import Role
from rarex.clock import FixedClock
from rarex.licensing.calendar import WorkingCalendar
from rarex.licensing.calendar_schedules import load_schedule
from rarex.models import ApiToken, AuditEvent, Company
from tests.api.conftest import ApiUser, MakeUser, TestClient
from tests.factories import make_actor


def _set(client: TestClient, admin: ApiUser, username: str, **body: object) -> Any:
    return client.post(f"/api/v1/users/{username}/role", json=body, headers=admin.headers)


def test_a_role_changes_with_its_company_or_countries_and_answers_the_user(
    client: TestClient, api_user: MakeUser, company: Company, session: Session
) -> None:
    admin = api_user(Role.ADMINISTRATOR)
    officer = api_user(Role.LICENSING_OFFICER)
    name = officer.actor.username
    partner = _set(client, admin, name, role="partner_authority", partner_countries=["fr", "DE"])
    assert partner.status_code == 200, partner.text
    listed = {u["username"]: u for u in client.get("/api/v1/users", headers=admin.headers).json()}
    assert partner.json() == listed[name]
    assert listed[name]["partner_countries"] == ["DE", "FR"]
    # the token stays, and acts in the new role
    me = client.get("/api/v1/me", headers=officer.headers).json()
    assert (me["role"], me["partner_countries"]) == ("partner_authority", ["DE", "FR"])
    exporter = _set(client, admin, name, role="exporter", company_uscc=company.uscc)
    assert exporter.json()["company_id"] == str(company.id)
    assert exporter.json()["partner_countries"] == []
    actions = session.scalars(
        select(AuditEvent.action).where(AuditEvent.action == "auth.role_changed")
    ).all()
    assert len(actions) == 2
    live = session.scalars(select(ApiToken).where(ApiToken.user_id == officer.actor.user_id)).all()
    assert [t.revoked_at for t in live] == [None]


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"role": "overlord"}, 422, "input.invalid"),
        ({"role": "partner_authority"}, 422, "auth.countries_required"),
        ({"role": "partner_authority", "partner_countries": ["DE", "XX"]}, 422,
         "auth.unknown_country"),
        ({"role": "exporter"}, 422, "auth.company_required"),
        ({"role": "analyst", "partner_countries": ["DE"]}, 422, "auth.countries_not_allowed"),
        ({"role": "analyst", "extra": 1}, 422, "input.invalid"),
    ],
)  # fmt: skip
def test_a_role_change_is_refused_with_its_code(
    client: TestClient,
    api_user: MakeUser,
    session: Session,
    clock: FixedClock,
    body: dict[str, object],
    status: int,
    code: str,
) -> None:
    admin = api_user(Role.ADMINISTRATOR)
    officer = make_actor(session, clock, Role.LICENSING_OFFICER)
    refused = client.post(
        f"/api/v1/users/{officer.username}/role", json=body, headers=admin.headers
    )
    assert refused.status_code == status, refused.text
    assert refused.json()["code"] == code
    users = {u["username"]: u for u in client.get("/api/v1/users", headers=admin.headers).json()}
    assert users[officer.username]["role"] == "licensing_officer"


def test_the_last_administrator_keeps_the_role_and_only_administrators_change_roles(
    client: TestClient, api_user: MakeUser, session: Session, clock: FixedClock
) -> None:
    admin = api_user(Role.ADMINISTRATOR)
    officer = api_user(Role.LICENSING_OFFICER)
    alone = _set(client, admin, admin.actor.username, role="analyst")
    assert alone.status_code == 409
    assert alone.json()["code"] == "auth.last_administrator"
    not_admin = _set(client, officer, officer.actor.username, role="administrator")
    assert not_admin.status_code == 403
    missing = _set(client, admin, "nobody-here", role="analyst")
    assert missing.status_code == 404
    second = make_actor(session, clock, Role.ANALYST)
    assert _set(client, admin, second.username, role="administrator").status_code == 200
    stepped_down = _set(client, admin, admin.actor.username, role="analyst")
    assert stepped_down.json()["role"] == "analyst"


def test_the_calendar_years_say_which_are_official_and_which_provisional(
    client: TestClient, api_user: MakeUser, session: Session, clock: FixedClock
) -> None:
    admin = api_user(Role.ADMINISTRATOR)
    analyst = api_user(Role.ANALYST)  # any signed-in user may read the calendar
    first_provisional = max(WorkingCalendar().covered_years) + 1
    years = client.get("/api/v1/calendar/years", headers=analyst.headers).json()
    by_year = {y["year"]: y for y in years}
    assert [y["year"] for y in years] == sorted(by_year, reverse=True)
    assert by_year[first_provisional]["status"] == "provisional"
    assert by_year[first_provisional]["official"] is False
    package = by_year[first_provisional - 1]
    assert (package["status"], package["official"]) == ("package", True)
    assert package["holidays"] > 0
    assert 235 <= package["working_days"] <= 261
    text = files("rarex.licensing").joinpath("data/example-schedule-2027.yaml").read_text("utf-8")
    schedule = load_schedule(
        session, actor=admin.actor, clock=clock, text=text, source="example-schedule-2027.yaml",
        force=True,
    )  # fmt: skip
    after = {
        y["year"]: y for y in client.get("/api/v1/calendar/years", headers=admin.headers).json()
    }
    loaded = after[2027]
    assert (loaded["status"], loaded["source"]) == ("loaded", "example-schedule-2027.yaml")
    listed = [day.is_working for day in schedule.days.values()]
    assert (loaded["holidays"], loaded["makeup_days"]) == (listed.count(False), listed.count(True))
    assert loaded["official"] is True
    assert client.get("/api/v1/calendar/years").status_code == 401
