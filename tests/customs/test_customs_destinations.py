"""An export goes abroad (issue 15): destination CN is refused with its own code, for a
declaration and for a license application alike; Hong Kong and Macao stay destinations."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from rarex.auth.roles import Role
from rarex.models import Application
from rarex.models.customs import Declaration
from tests.customs.conftest import TestClient
from tests.customs.customs_factories import Licensed, declaration
from tests.factories import application_data


def test_a_declaration_to_china_is_refused_with_its_code(
    client: TestClient, api_user: Any, setup: Licensed, session: Session
) -> None:
    officer = api_user(Role.CUSTOMS_OFFICER, actor=setup.customs)
    for typed in ("CN", "cn", "CHN"):
        body = declaration(setup).model_dump(mode="json", exclude_none=True)
        response = client.post(
            "/api/v1/declarations", json={**body, "destination": typed}, headers=officer.headers
        )
        assert response.status_code == 422, response.text
        problem = response.json()
        assert problem["code"] == "export.domestic_destination"
        assert problem["errors"][0]["field"] == "destination"
    assert session.scalar(select(func.count(Declaration.id))) == 0


def test_an_application_to_china_is_refused_and_hong_kong_is_a_destination(
    client: TestClient, api_user: Any, setup: Licensed, session: Session
) -> None:
    exporter = api_user(Role.EXPORTER, actor=setup.exporter)
    before = session.scalar(select(func.count(Application.id)))
    china = application_data().model_dump(mode="json", exclude_none=True)
    china["destination"] = "CN"
    refused = client.post("/api/v1/applications", json=china, headers=exporter.headers)
    assert refused.status_code == 422, refused.text
    assert refused.json()["code"] == "export.domestic_destination"
    hong_kong = {**china, "destination": "HK"}
    assert (
        client.post("/api/v1/applications", json=hong_kong, headers=exporter.headers).status_code
        == 201
    )
    assert session.scalar(select(func.count(Application.id))) == (before or 0) + 1


def test_an_amendment_to_china_is_refused_and_the_declaration_stays_as_it_was(
    client: TestClient, api_user: Any, setup: Licensed, session: Session
) -> None:
    officer = api_user(Role.CUSTOMS_OFFICER, actor=setup.customs)
    body = declaration(setup).model_dump(mode="json", exclude_none=True)
    filed = client.post("/api/v1/declarations", json=body, headers=officer.headers)
    assert filed.status_code == 201, filed.text
    number = filed.json()["number"]
    amended = client.post(
        f"/api/v1/declarations/{number}/amendments",
        json={"destination": "CN", "reason": "the buyer moved"},
        headers=officer.headers,
    )
    assert amended.status_code == 422, amended.text
    assert amended.json()["code"] == "export.domestic_destination"
    assert amended.json()["errors"][0]["field"] == "destination"
    stored = session.scalars(select(Declaration).where(Declaration.number == number)).one()
    session.refresh(stored)
    assert stored.destination == body["destination"]
    assert stored.revision == 1
