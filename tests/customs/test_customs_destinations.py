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
