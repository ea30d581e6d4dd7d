"""The customs routes over the real app on both backends: shapes, status codes, roles."""

from __future__ import annotations

import io
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from rarex.auth.roles import Role
from rarex.licensing import repository as licensing_repository
from tests.customs.conftest import ApiUser, TestClient
from tests.customs.customs_factories import (
    CONSIGNEE,
    OTHER_CONSIGNEE,
    Licensed,
    declaration,
    line,
    next_number,
)

MakeUser = Callable[..., ApiUser]

DECLARATION_KEYS = {
    "id",
    "number",
    "status",
    "revision",
    "exporter",
    "license_number",
    "destination",
    "consignee",
    "port",
    "declared_date",
    "clearance_date",
    "filed_by",
    "filed_at",
    "lines",
    "history",
}
LINE_KEYS = {
    "line_no",
    "hs_code",
    "control_code",
    "description",
    "net_kg",
    "fob_value",
    "currency",
    "series",
    "element",
    "controlled",
    "outcome",
    "status",
    "license_line_no",
    "drawn_kg",
    "cleared_on",
    "reasons",
}


def body(setup: Licensed, **kw: Any) -> dict[str, Any]:
    data: dict[str, Any] = declaration(setup, **kw).model_dump(mode="json", exclude_none=True)
    return data


def remaining(session: Session, setup: Licensed) -> Decimal:
    session.expire_all()  # the requests wrote through sessions of their own
    (only,) = licensing_repository.license_lines(session, setup.license.id)
    return only.remaining_kg


def test_filing_over_http_returns_the_declaration_view(
    client: TestClient, api_user: MakeUser, setup: Licensed, session: Session
) -> None:
    officer = api_user(Role.CUSTOMS_OFFICER, actor=setup.customs)
    sent = body(setup, lines=[line(net_kg=120.5, fob_value=1000)])
    response = client.post("/api/v1/declarations", json=sent, headers=officer.headers)
    assert response.status_code == 201, response.text
    view = response.json()
    assert set(view) == DECLARATION_KEYS
    assert set(view["lines"][0]) == LINE_KEYS
    assert view["status"] == "cleared"
    assert view["exporter"] == {
        "id": str(setup.company.id),
        "uscc": setup.company.uscc,
        "name": setup.company.name,
    }
    assert view["lines"][0]["net_kg"] == "120.500"
    assert view["lines"][0]["drawn_kg"] == "120.500"
    assert view["history"][0]["action"] == "filed"
    assert remaining(session, setup) == Decimal("379.500")

    # Sent again as it was (its answer lost, say): the same answer, marked, and nothing drawn.
    again = client.post("/api/v1/declarations", json=sent, headers=officer.headers)
    assert again.status_code == 201
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.json() == view
    assert "Idempotent-Replayed" not in response.headers
    # The same number with other content: a conflict.
    other = client.post(
        "/api/v1/declarations", json={**sent, "port": "Ningbo"}, headers=officer.headers
    )
    assert other.status_code == 409
    assert other.json()["code"] == "customs.duplicate_declaration"
    assert other.json()["details"]["status"] == "cleared"
    assert remaining(session, setup) == Decimal("379.500")


def test_a_refused_declaration_is_recorded_and_bad_input_is_refused_whole(
    client: TestClient, api_user: MakeUser, setup: Licensed, session: Session
) -> None:
    officer = api_user(Role.CUSTOMS_OFFICER, actor=setup.customs)
    refused = client.post(
        "/api/v1/declarations",
        json=body(setup, license_number="DUL-NOSUCH"),
        headers=officer.headers,
    )
    assert refused.status_code == 201
    assert refused.json()["status"] == "refused"
    codes = [r["code"] for r in refused.json()["lines"][0]["reasons"] if r["severity"] == "refuse"]
    assert codes == ["customs.license_not_found"]
    bad = client.post(
        "/api/v1/declarations",
        json=body(setup, lines=[line(net_kg="heavy")]),
        headers=officer.headers,
    )
    assert bad.status_code == 422
    error = bad.json()
    assert error["code"] == "input.invalid_number"
    assert error["errors"][0]["field"] == "lines[0].net_kg"
    assert error["details"]["problems"][0]["field"] == "net_kg"
    unknown_field = client.post(
        "/api/v1/declarations", json={**body(setup), "colour": "red"}, headers=officer.headers
    )
    assert unknown_field.status_code == 422
    assert unknown_field.json()["code"] == "input.invalid"
    assert remaining(session, setup) == Decimal("500.000")


def test_roles_decide_who_files_and_who_sees(
    client: TestClient, api_user: MakeUser, setup: Licensed
) -> None:
    officer = api_user(Role.CUSTOMS_OFFICER, actor=setup.customs)
    exporter = api_user(Role.EXPORTER, actor=setup.exporter)
    filed = client.post("/api/v1/declarations", json=body(setup), headers=officer.headers).json()
    forbidden = client.post("/api/v1/declarations", json=body(setup), headers=exporter.headers)
    assert forbidden.status_code == 403
    assert forbidden.json()["code"] == "auth.role_required"
    mine = client.get("/api/v1/declarations", headers=exporter.headers).json()["items"]
    assert [d["number"] for d in mine] == [filed["number"]]
    assert set(mine[0]) == {
        "number",
        "status",
        "exporter",
        "exporter_uscc",
        "license_number",
        "destination",
        "declared_date",
        "clearance_date",
        "lines",
        "net_kg",
        "cleared_kg",
    }
    shown = client.get(f"/api/v1/declarations/{filed['number']}", headers=exporter.headers)
    assert shown.status_code == 200
    analyst = api_user(Role.ANALYST)
    assert client.get("/api/v1/declarations", headers=analyst.headers).status_code == 403
    missing = client.get("/api/v1/declarations/NOPE-123", headers=officer.headers)
    assert missing.status_code == 404
    assert missing.json()["code"] == "customs.declaration_not_found"
    assert client.get("/api/v1/declarations").status_code == 401


def test_officer_steps_over_http(
    client: TestClient, api_user: MakeUser, setup: Licensed, session: Session
) -> None:
    officer = api_user(Role.CUSTOMS_OFFICER, actor=setup.customs)
    held = client.post(
        "/api/v1/declarations", json=body(setup, consignee=OTHER_CONSIGNEE), headers=officer.headers
    ).json()
    number = held["number"]
    assert held["status"] == "held"
    url = f"/api/v1/declarations/{number}/lines/1/actions"
    released = client.post(
        url, json={"action": "release", "reason": "Transit"}, headers=officer.headers
    )
    assert released.status_code == 200, released.text
    assert released.json()["lines"][0]["status"] == "cleared"
    illegal = client.post(url, json={"action": "release", "reason": "x"}, headers=officer.headers)
    assert illegal.status_code == 409
    assert illegal.json()["code"] == "customs.illegal_transition"
    unknown = client.post(url, json={"action": "wave", "reason": "x"}, headers=officer.headers)
    assert unknown.status_code == 422
    assert unknown.json()["code"] == "customs.unknown_action"
    amended = client.post(
        f"/api/v1/declarations/{number}/amendments",
        json={"reason": "Reweighed", "consignee": CONSIGNEE, "lines": [line(net_kg="200")]},
        headers=officer.headers,
    )
    assert amended.status_code == 200, amended.text
    assert amended.json()["revision"] == 2
    assert remaining(session, setup) == Decimal("300.000")
    cancelled = client.post(
        f"/api/v1/declarations/{number}/cancellation",
        json={"reason": "Withdrawn"},
        headers=officer.headers,
    )
    assert cancelled.json()["status"] == "cancelled"
    assert [h["action"] for h in cancelled.json()["history"]] == [
        "filed",
        "line_released",
        "amended",
        "cancelled",
    ]
    assert remaining(session, setup) == Decimal("500.000")


def test_bulk_import_over_http_reports_every_refused_row(
    client: TestClient, api_user: MakeUser, setup: Licensed, session: Session
) -> None:
    officer = api_user(Role.CUSTOMS_OFFICER, actor=setup.customs)
    header = (
        "number,exporter_uscc,license_number,destination,consignee_name,consignee_country,"
        "port,hs_code,control_code,net_kg,fob_value"
    )
    rows = [
        f"{next_number()},{setup.company.uscc},{setup.license.number},DE,"
        f"Rheinland Antriebstechnik GmbH,DE,Shanghai,2805301200,1C905.a,{kg},100"
        for kg in ("10", "-1")
    ]
    content = "\n".join([header, *rows]).encode()
    files = {"file": ("batch.csv", io.BytesIO(content), "text/csv")}
    response = client.post("/api/v1/declarations/imports", files=files, headers=officer.headers)
    assert response.status_code == 200, response.text
    report = response.json()
    assert (report["recorded"], report["refused_rows"]) == (1, 1)
    assert report["errors"][0]["row"] == 3
    assert report["errors"][0]["code"] == "customs.weight_not_positive"
    assert remaining(session, setup) == Decimal("490.000")

    files = {"file": ("batch.csv", io.BytesIO(content), "text/csv")}
    refused = client.post(
        "/api/v1/declarations/imports?all_or_nothing=true", files=files, headers=officer.headers
    )
    assert refused.status_code == 422
    error = refused.json()
    assert error["code"] == "customs.import_refused"
    # The declaration of row 2, filed by the first run, is a replay now, not a refusal.
    assert error["details"]["report"]["replayed"] == 1
    assert [e["field"] for e in error["errors"]] == ["file.rows[3].net_kg"]
    assert [e["code"] for e in error["details"]["report"]["errors"]] == [
        "customs.weight_not_positive",
    ]
    assert remaining(session, setup) == Decimal("490.000")
    wrong = client.post(
        "/api/v1/declarations/imports",
        files={"file": ("batch.pdf", io.BytesIO(b"%PDF"), "application/pdf")},
        headers=officer.headers,
    )
    assert wrong.status_code == 422
    assert wrong.json()["code"] == "customs.unsupported_format"


def test_totals_and_reconciliation_over_http(
    client: TestClient, api_user: MakeUser, setup: Licensed
) -> None:
    officer = api_user(Role.CUSTOMS_OFFICER, actor=setup.customs)
    client.post("/api/v1/declarations", json=body(setup), headers=officer.headers)
    analyst = api_user(Role.ANALYST)
    totals = client.get(
        "/api/v1/customs/totals?period=2025-06&by=element", headers=analyst.headers
    ).json()
    assert totals == [
        {
            "period": "2025-06",
            "dimension": "element",
            "key": "Dy",
            "net_kg": "100.000",
            "lines": 1,
            "fob_value": {"USD": "50000.00"},
        }
    ]
    bad = client.get("/api/v1/customs/totals?period=June", headers=analyst.headers)
    assert bad.status_code == 422
    assert bad.json()["code"] == "customs.invalid_period"
    month = client.get(
        "/api/v1/customs/reconciliation/months/2025-06?published_rare_earths_t=0.1",
        headers=analyst.headers,
    ).json()
    assert month["cleared_kg"] == "100.000"
    assert month["published"][0]["flagged"] is False
    assert set(month) == {
        "period",
        "cleared_kg",
        "cleared_by_series",
        "licensed_kg",
        "not_controlled_kg",
        "declarations",
        "flags",
        "published",
    }
    licenses = client.get("/api/v1/customs/reconciliation/licenses", headers=officer.headers).json()
    assert [r["number"] for r in licenses] == [setup.license.number]
    assert licenses[0]["drawn_kg"] == "100.000"
    denied = client.get("/api/v1/customs/reconciliation/licenses", headers=analyst.headers)
    assert denied.status_code == 403
