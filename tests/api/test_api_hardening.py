"""Inputs a hostile or careless client sends: each is refused with a code, nothing is stored."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from rarex.auth.roles import Role
from rarex.clock import FixedClock
from rarex.models import Application, ApplicationLine, Document, ForeignParty
from tests.factories import make_company


def _count(session: Session) -> tuple[int, int, int]:
    return (
        session.scalar(select(func.count(Application.id))) or 0,
        session.scalar(select(func.count(ApplicationLine.id))) or 0,
        session.scalar(select(func.count(ForeignParty.id))) or 0,
    )


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"contract_reference": "C" * 5000}, "contract_reference"),
        ({"end_use_statement": "EV motors\u0000; drop table"}, "end_use_statement"),
        ({"consignee": {"name": "N" * 1000, "country": "DE"}}, "consignee.name"),
        ({"consignee": {"name": "Evil\u001b[2J GmbH", "country": "DE"}}, "consignee.name"),
        ({"contract_reference": "   "}, "contract_reference"),
        ({"contract_reference": "two\nlines"}, "contract_reference"),
    ],
)
def test_oversized_or_control_character_text_is_refused_on_both_backends(
    client: Any,
    exporter: Any,
    session: Session,
    filing_body: Callable[..., dict[str, Any]],
    overrides: dict[str, Any],
    field: str,
) -> None:
    body = filing_body()
    body.update(overrides)
    before = _count(session)
    response = client.post("/api/v1/applications", json=body, headers=exporter.headers)
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    error = response.json()
    assert error["code"] == "input.invalid"
    assert any(p["field"] == field for p in error["errors"])
    assert _count(session) == before


def test_a_body_over_the_cap_is_refused_before_it_is_read(
    client: Any, exporter: Any, session: Session
) -> None:
    before = _count(session)
    response = client.post(
        "/api/v1/applications",
        content=b"{" + b" " * (12 * 1024 * 1024) + b"}",
        headers={**exporter.headers, "content-type": "application/json"},
    )
    assert response.status_code == 413
    assert response.json()["code"] == "http.body_too_large"
    assert _count(session) == before


@pytest.mark.parametrize(
    ("value", "code"),
    [("12.345", "application.invalid_value"), ("1" + "0" * 39, "application.invalid_value")],
)
def test_money_is_never_rounded_silently(
    client: Any,
    exporter: Any,
    filing_body: Callable[..., dict[str, Any]],
    value: str,
    code: str,
) -> None:
    body = filing_body()
    body["lines"][0]["value"] = value
    response = client.post("/api/v1/applications", json=body, headers=exporter.headers)
    assert response.status_code == 422
    assert response.json()["code"] == code


@pytest.mark.parametrize("currency", ["XAU", "XXX", "ZZZ"])
def test_only_tender_currencies_price_a_contract(
    client: Any, exporter: Any, filing_body: Callable[..., dict[str, Any]], currency: str
) -> None:
    body = filing_body()
    body["lines"][0]["currency"] = currency
    response = client.post("/api/v1/applications", json=body, headers=exporter.headers)
    assert response.status_code == 422
    assert response.json()["code"] == "application.unknown_currency"


def test_foreign_parties_are_kept_per_exporter(
    client: Any,
    api_user: Any,
    session: Session,
    clock: FixedClock,
    filing_body: Callable[..., dict[str, Any]],
) -> None:
    first = api_user(Role.EXPORTER, company=make_company(session, clock))
    second = api_user(Role.EXPORTER, company=make_company(session, clock))
    party = {"name": "Rheinland Antriebstechnik GmbH", "country": "DE"}
    one = client.post(
        "/api/v1/applications",
        json=filing_body(end_user={**party, "address": "Secret Str. 1"}, consignee=party),
        headers=first.headers,
    ).json()
    two = client.post(
        "/api/v1/applications",
        json=filing_body(end_user={**party, "address": "Other Weg 2"}, consignee=party),
        headers=second.headers,
    ).json()
    assert one["end_user"]["id"] != two["end_user"]["id"]
    assert two["end_user"]["address"] == "Other Weg 2"
    again = client.post(
        "/api/v1/applications",
        json=filing_body(end_user={"name": "rheinland  ANTRIEBSTECHNIK gmbh", "country": "DE"}),
        headers=first.headers,
    ).json()
    assert again["end_user"]["id"] == one["end_user"]["id"]


def test_a_huge_grant_is_refused_with_a_code_not_a_crash(
    client: Any, exporter: Any, officer: Any, session: Session, filing_body: Any
) -> None:
    ref = client.post("/api/v1/applications", json=filing_body(), headers=exporter.headers).json()[
        "reference"
    ]
    for kind in ("contract", "end_user_certificate", "end_use_statement", "technical_description"):
        client.post(
            f"/api/v1/applications/{ref}/documents",
            data={"kind": kind},
            files={"file": (f"{kind}.pdf", b"%PDF-1.4 x", "application/pdf")},
            headers=exporter.headers,
        )
    for who, action in ((exporter, "submit"), (officer, "accept"), (officer, "start_review")):
        response = client.post(
            f"/api/v1/applications/{ref}/transitions", json={"action": action}, headers=who.headers
        )
        assert response.status_code == 200, response.text
    response = client.post(
        f"/api/v1/applications/{ref}/decision",
        json={"outcome": "approved", "reason": "ok", "granted_kg": {"1": "1" + "0" * 30}},
        headers=officer.headers,
    )
    assert response.status_code == 422
    assert response.json()["code"] == "decision.granted_exceeds_requested"


def test_unknown_lane_and_far_dates_are_refused(client: Any, officer: Any) -> None:
    lane = client.get("/api/v1/queue", params={"lane": "bogus"}, headers=officer.headers)
    assert lane.status_code == 422
    assert lane.json()["code"] == "application.unknown_lane"
    far = client.get(
        "/api/v1/calendar/deadline", params={"accepted": "9999-12-20"}, headers=officer.headers
    )
    assert far.status_code == 422
    assert far.json()["code"] == "calendar.date_out_of_range"


def test_missing_and_foreign_applications_get_the_same_answer(
    client: Any, api_user: Any, exporter: Any, session: Session, clock: FixedClock, filing_body: Any
) -> None:
    other = api_user(Role.EXPORTER, company=make_company(session, clock))
    ref = client.post("/api/v1/applications", json=filing_body(), headers=other.headers).json()[
        "reference"
    ]
    foreign = client.get(f"/api/v1/applications/{ref}", headers=exporter.headers)
    missing = client.get("/api/v1/applications/RX-2025-00000000", headers=exporter.headers)
    assert foreign.status_code == missing.status_code == 404
    assert foreign.json() == missing.json()


def test_creating_users_checks_the_role_before_looking_anything_up(
    client: Any, exporter: Any, company: Any
) -> None:
    registered = client.post(
        "/api/v1/users",
        json={"username": "x1", "display_name": "X", "role": "exporter",
              "company_uscc": company.uscc},
        headers=exporter.headers,
    )  # fmt: skip
    unregistered = client.post(
        "/api/v1/users",
        json={"username": "x2", "display_name": "X", "role": "exporter",
              "company_uscc": "91110000000000000X"},
        headers=exporter.headers,
    )  # fmt: skip
    assert registered.status_code == unregistered.status_code == 403


def test_expired_license_reads_as_expired(
    client: Any, exporter: Any, officer: Any, clock: FixedClock, filing_body: Any
) -> None:
    ref = client.post("/api/v1/applications", json=filing_body(), headers=exporter.headers).json()[
        "reference"
    ]
    for kind in ("contract", "end_user_certificate", "end_use_statement", "technical_description"):
        client.post(
            f"/api/v1/applications/{ref}/documents",
            data={"kind": kind},
            files={"file": (f"{kind}.pdf", b"%PDF-1.4 x", "application/pdf")},
            headers=exporter.headers,
        )
    for who, action in ((exporter, "submit"), (officer, "accept"), (officer, "start_review")):
        client.post(
            f"/api/v1/applications/{ref}/transitions", json={"action": action}, headers=who.headers
        )
    decided = client.post(
        f"/api/v1/applications/{ref}/decision",
        json={"outcome": "approved", "reason": "ok"},
        headers=officer.headers,
    ).json()
    number = decided["license_number"]
    assert (
        client.get(f"/api/v1/licenses/{number}", headers=exporter.headers).json()["status"]
        == "active"
    )
    clock.advance(timedelta(days=400))
    assert (
        client.get(f"/api/v1/licenses/{number}", headers=exporter.headers).json()["status"]
        == "expired"
    )


def _draft(client: Any, exporter: Any, filing_body: Callable[..., dict[str, Any]]) -> str:
    filed = client.post("/api/v1/applications", json=filing_body(), headers=exporter.headers)
    assert filed.status_code == 201, filed.text
    reference: str = filed.json()["reference"]
    return reference


def _raw_upload(client: Any, user: Any, key: str, filename: bytes) -> Any:
    """A document sent with its name's bytes exactly as given (a client library would escape
    some of them)."""
    body = (
        b'--B\r\nContent-Disposition: form-data; name="kind"\r\n\r\ncontract\r\n'
        b'--B\r\nContent-Disposition: form-data; name="file"; filename="' + filename + b'"\r\n'
        b"Content-Type: application/pdf\r\n\r\n%PDF-1.4\r\n--B--\r\n"
    )
    return client.post(
        f"/api/v1/applications/{key}/documents",
        content=body,
        headers={**user.headers, "content-type": "multipart/form-data; boundary=B"},
    )


@pytest.mark.parametrize(
    ("sent", "problem"),
    [
        ("evil\x1b[2J\x1b[31m.pdf", "U+001B"),  # an ANSI sequence a terminal would obey
        ("invoice\u202efdp.exe", "U+202E"),  # shown as invoiceexe.pdf
        ("..", "names no file"),
        ("docs/../", "names no file"),
    ],
)
def test_a_document_name_breaking_the_text_rule_is_refused_and_nothing_is_stored(
    client: Any,
    exporter: Any,
    session: Session,
    filing_body: Callable[..., dict[str, Any]],
    sent: str,
    problem: str,
) -> None:
    key = _draft(client, exporter, filing_body)
    response = _raw_upload(client, exporter, key, sent.encode())
    assert response.status_code == 422, response.text
    assert response.json()["errors"][0]["field"] == "file.filename"
    assert problem in response.json()["detail"]
    assert session.scalar(select(func.count(Document.id))) == 0


@pytest.mark.parametrize(
    ("sent", "shown"),
    [
        ("../../etc/passwd.pdf", "passwd.pdf"),
        ("C:\\Users\\me\\contract 2025.pdf", "contract 2025.pdf"),
        ("  spaced.pdf ", "spaced.pdf"),
        ("合同.pdf", "合同.pdf"),
    ],
)
def test_a_document_is_kept_under_its_last_path_component(
    client: Any,
    exporter: Any,
    session: Session,
    filing_body: Callable[..., dict[str, Any]],
    sent: str,
    shown: str,
) -> None:
    key = _draft(client, exporter, filing_body)
    response = _raw_upload(client, exporter, key, sent.encode())
    assert response.status_code == 201, response.text
    assert response.json()["filename"] == shown
    assert session.scalar(select(Document.filename)) == shown
