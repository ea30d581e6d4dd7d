"""The HTTP API end to end over the real app and database: filing, documents, transitions,
decision and license; and one unit of work per request."""

from __future__ import annotations

import hashlib
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import event, func, select
from sqlalchemy.orm import Session, sessionmaker

from rarex.auth.roles import Role
from rarex.clock import FixedClock
from rarex.licensing.filing import REQUIRED_DOCUMENTS
from rarex.models import Application, AuditEvent, Decision, Document, License, StateChange


def _upload(client: Any, user: Any, key: str, kind: str, content: bytes, **kw: Any) -> Any:
    media_type = kw.pop("media_type", "application/pdf")
    return client.post(
        f"/api/v1/applications/{key}/documents",
        headers=user.headers,
        files={"file": (kw.pop("filename", f"{kind}.pdf"), content, media_type)},
        data={"kind": kind},
    )


def _move(client: Any, user: Any, key: str, action: str, **body: Any) -> Any:
    return client.post(
        f"/api/v1/applications/{key}/transitions",
        headers=user.headers,
        json={"action": action, **body},
    )


def _ok(response: Any, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json()


def _filed_and_in_review(client: Any, exporter: Any, officer: Any, body: dict[str, Any]) -> str:
    app = _ok(client.post("/api/v1/applications", headers=exporter.headers, json=body), 201)
    key: str = app["reference"]
    for kind in REQUIRED_DOCUMENTS:
        _ok(_upload(client, exporter, key, kind, f"%PDF {kind}".encode()), 201)
    _ok(_move(client, exporter, key, "submit"))
    _ok(_move(client, officer, key, "accept"))
    _ok(_move(client, officer, key, "start_review"))
    return key


def test_file_upload_review_decide_and_read_the_license_over_http(
    client: Any,
    exporter: Any,
    officer: Any,
    filing_body: Any,
    clock: FixedClock,
    session: Session,
) -> None:
    created = client.post("/api/v1/applications", headers=exporter.headers, json=filing_body())
    app = _ok(created, 201)
    assert app["state"] == "draft"
    assert app["missing_documents"] == list(REQUIRED_DOCUMENTS)
    key = app["reference"]

    documents = {}
    for kind in REQUIRED_DOCUMENTS:
        content = f"%PDF-1.4 {kind} body".encode()
        doc = _ok(_upload(client, exporter, key, kind, content), 201)
        assert doc["sha256"] == hashlib.sha256(content).hexdigest()
        assert doc["size_bytes"] == len(content)
        documents[kind] = doc
    stored = session.scalar(
        select(Document.content).where(Document.sha256 == documents["contract"]["sha256"])
    )
    assert stored == b"%PDF-1.4 contract body"

    shown = _ok(client.get(f"/api/v1/applications/{app['id']}", headers=exporter.headers))
    assert shown["missing_documents"] == []
    assert shown["allowed_actions"] == ["submit", "withdraw"]

    assert _ok(_move(client, exporter, key, "submit"))["state"] == "submitted"
    accepted = _ok(_move(client, officer, key, "accept"))
    assert accepted["clock"]["used"] == 0
    assert accepted["green_channel"]["eligible"] is False
    _ok(_move(client, officer, key, "start_review"))
    clock.advance(timedelta(days=2))
    asked = _ok(_move(client, officer, key, "request_information", reason="Product photos"))
    assert asked["state"] == "information_requested"
    assert asked["clock"]["stopped"] is True
    _ok(
        _upload(client, exporter, key, "product_photos", b"\x89PNG...", media_type="image/png"), 201
    )
    clock.advance(timedelta(days=3))
    assert _ok(_move(client, exporter, key, "supply_information"))["state"] == "under_review"

    decided = _ok(
        client.post(
            f"/api/v1/applications/{key}/decision",
            headers=officer.headers,
            json={
                "outcome": "approved",
                "reason": "Civil end use verified",
                "granted_kg": {"1": "420.5"},
                "conditions": ["No re-export without consent"],
            },
        )
    )
    assert decided["state"] == "approved"
    assert decided["decision"]["conditions"] == ["No re-export without consent"]
    assert [h["action"] for h in decided["history"]] == [
        "submit",
        "accept",
        "start_review",
        "request_information",
        "supply_information",
        "approve",
    ]
    number = decided["license_number"]
    assert number is not None

    license_ = _ok(client.get(f"/api/v1/licenses/{number}", headers=exporter.headers))
    assert license_["application_reference"] == key
    assert [(ln["granted_kg"], ln["remaining_kg"]) for ln in license_["lines"]] == [
        ("420.500", "420.500")
    ]
    listed = _ok(client.get("/api/v1/licenses", headers=exporter.headers))
    assert [lic["number"] for lic in listed["items"]] == [number]

    audit = _ok(client.get("/api/v1/audit/verify", headers=officer.headers))
    assert audit["ok"] is True
    assert audit["checked"] == session.scalar(select(func.count()).select_from(AuditEvent))


def test_a_denial_over_http_needs_reason_codes(
    client: Any, exporter: Any, officer: Any, filing_body: Any
) -> None:
    key = _filed_and_in_review(client, exporter, officer, filing_body())
    url = f"/api/v1/applications/{key}/decision"
    refused = client.post(url, headers=officer.headers, json={"outcome": "denied", "reason": "no"})
    assert refused.status_code == 422
    assert refused.json()["code"] == "decision.reason_code_required"
    denied = _ok(
        client.post(
            url,
            headers=officer.headers,
            json={"outcome": "denied", "reason": "no", "reason_codes": ["national_security"]},
        )
    )
    assert (denied["state"], denied["license_number"]) == ("denied", None)


def test_openapi_lists_the_routes(client: Any) -> None:
    spec = _ok(client.get("/openapi.json"))
    paths = spec["paths"]
    for path, method in [
        ("/api/v1/applications", "post"),
        ("/api/v1/applications", "get"),
        ("/api/v1/applications/{key}", "get"),
        ("/api/v1/applications/{key}", "patch"),
        ("/api/v1/applications/{key}/documents", "post"),
        ("/api/v1/applications/{key}/transitions", "post"),
        ("/api/v1/applications/{key}/decision", "post"),
        ("/api/v1/licenses", "get"),
        ("/api/v1/licenses/{number}", "get"),
        ("/api/v1/queue", "get"),
        ("/api/v1/reports/lanes", "get"),
        ("/api/v1/audit/verify", "get"),
    ]:
        assert method in paths[path], (method, path)


def test_a_failure_after_the_license_is_written_rolls_back_the_whole_decision(
    make_client: Any,
    exporter: Any,
    officer: Any,
    filing_body: Any,
    sessions: sessionmaker[Session],
    session: Session,
) -> None:
    client = make_client(raise_server_exceptions=False)
    key = _filed_and_in_review(client, exporter, officer, filing_body())
    application_id = session.scalar(select(Application.id).where(Application.reference == key))
    changes_before = session.scalar(select(func.count()).select_from(StateChange))
    events_before = session.scalar(select(func.count()).select_from(AuditEvent))

    def fail_once_the_license_is_in(db: Session, *_: object) -> None:
        # The license and its lines are flushed before the decision row; fail at that point.
        if any(isinstance(obj, Decision) for obj in db.new):
            raise RuntimeError("storage failed half-way through the decision")

    event.listen(sessions, "before_flush", fail_once_the_license_is_in)
    try:
        response = client.post(
            f"/api/v1/applications/{key}/decision",
            headers=officer.headers,
            json={"outcome": "approved", "reason": "ok"},
        )
    finally:
        event.remove(sessions, "before_flush", fail_once_the_license_is_in)
    assert response.status_code == 500

    session.expire_all()
    assert session.scalar(select(func.count()).select_from(License)) == 0
    assert session.scalar(select(func.count()).select_from(Decision)) == 0
    assert session.scalar(select(func.count()).select_from(StateChange)) == changes_before
    assert session.scalar(select(func.count()).select_from(AuditEvent)) == events_before
    stored = session.get(Application, application_id)
    assert stored is not None
    assert (stored.state, stored.decided_on) == ("under_review", None)
    shown = _ok(client.get(f"/api/v1/applications/{key}", headers=officer.headers))
    assert [ln["granted_kg"] for ln in shown["lines"]] == [None]


def test_a_request_whose_commit_fails_does_not_answer_success(
    make_client: Any,
    exporter: Any,
    filing_body: Any,
    sessions: sessionmaker[Session],
    session: Session,
) -> None:
    client = make_client(raise_server_exceptions=False)
    before = session.scalar(select(func.count()).select_from(Application))

    def refuse_commit(db: Session) -> None:
        raise RuntimeError("the database refused the commit")

    event.listen(sessions, "before_commit", refuse_commit)
    try:
        response = client.post("/api/v1/applications", headers=exporter.headers, json=filing_body())
    finally:
        event.remove(sessions, "before_commit", refuse_commit)
    assert response.status_code == 500
    session.expire_all()
    assert session.scalar(select(func.count()).select_from(Application)) == before


@pytest.mark.parametrize("declared_only", [True, False], ids=["by-header", "by-content"])
def test_an_oversized_document_is_refused_with_413_and_nothing_stored(
    make_client: Any,
    settings: Any,
    exporter: Any,
    filing_body: Any,
    session: Session,
    declared_only: bool,
) -> None:
    limit = 2048
    client = make_client(settings.model_copy(update={"max_document_bytes": limit}))
    key = _ok(
        client.post("/api/v1/applications", headers=exporter.headers, json=filing_body()), 201
    )["reference"]
    # Far above the limit the Content-Length alone refuses it; just above, the content does.
    size = limit + 70_000 if declared_only else limit + 1
    response = _upload(client, exporter, key, "contract", b"%" * size)
    assert response.status_code == 413
    error = response.json()
    assert error["code"] == "document.too_large"
    assert error["details"]["limit"] == limit
    assert session.scalar(select(func.count()).select_from(Document)) == 0
    fits = _upload(client, exporter, key, "contract", b"%" * limit)
    assert fits.status_code == 201


def test_a_draft_is_amended_over_http_but_not_once_under_review(
    client: Any, exporter: Any, officer: Any, filing_body: Any, session: Session
) -> None:
    filed = _ok(
        client.post("/api/v1/applications", headers=exporter.headers, json=filing_body()), 201
    )
    amended = _ok(
        client.patch(
            f"/api/v1/applications/{filed['reference']}",
            headers=exporter.headers,
            json={"contract_reference": "C-2025-002", "destination": "FRA"},
        )
    )
    assert (amended["contract_reference"], amended["destination"]) == ("C-2025-002", "FR")
    key = _filed_and_in_review(client, exporter, officer, filing_body())
    before = _ok(client.get(f"/api/v1/applications/{key}", headers=exporter.headers))
    refused = client.patch(
        f"/api/v1/applications/{key}", headers=exporter.headers, json={"contract_reference": "X"}
    )
    assert refused.status_code == 422
    assert refused.json()["code"] == "application.not_amendable"
    assert _ok(client.get(f"/api/v1/applications/{key}", headers=exporter.headers)) == before


def test_queue_and_lane_report_over_http(
    client: Any, exporter: Any, officer: Any, api_user: Any, filing_body: Any, clock: FixedClock
) -> None:
    first = _filed_and_in_review(client, exporter, officer, filing_body())
    clock.advance(timedelta(days=1))
    second = _filed_and_in_review(client, exporter, officer, filing_body(destination="US"))
    queue = _ok(client.get("/api/v1/queue", headers=officer.headers))
    assert [item["reference"] for item in queue["items"]] == [first, second]
    assert all(item["lane"] == "ordinary" for item in queue["items"])
    assert (queue["total"], queue["next_page_token"]) == (2, None)
    assert _ok(client.get("/api/v1/queue?lane=green", headers=officer.headers))["items"] == []

    clock.advance(timedelta(days=7))
    _ok(
        client.post(
            f"/api/v1/applications/{first}/decision",
            headers=officer.headers,
            json={"outcome": "approved", "reason": "ok"},
        )
    )
    analyst = api_user(Role.ANALYST)
    report = {
        r["lane"]: r for r in _ok(client.get("/api/v1/reports/lanes", headers=analyst.headers))
    }
    assert report["ordinary"]["decided"] == 1
    assert report["ordinary"]["approved"] == 1
    assert report["green"]["decided"] == 0
    assert report["green"]["median_working_days"] is None
    shown = _ok(client.get(f"/api/v1/applications/{first}", headers=officer.headers))
    assert Decimal(report["ordinary"]["median_working_days"]) == shown["clock"]["used"]
