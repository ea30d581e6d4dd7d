"""Every refusal over HTTP is an RFC 9457 problem (``application/problem+json``: ``type``,
``title``, ``status``, ``detail``, our ``code`` and every invalid input in ``errors``) with the
status that fits (400/401/403/404/405/409/413/422), and leaves the stored data exactly as it
was."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from rarex.auth.roles import Role
from rarex.auth.service import declare_conflict
from rarex.clock import FixedClock
from rarex.db import Base
from rarex.licensing.filing import REQUIRED_DOCUMENTS
from rarex.models import ApiToken, User


def snapshot(session: Session) -> dict[str, int]:
    session.expire_all()
    return {
        table.name: session.scalar(select(func.count()).select_from(table)) or 0
        for table in Base.metadata.sorted_tables
    }


def _error(response: Any, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    error: dict[str, Any] = response.json()
    assert {"type", "title", "status", "detail", "code", "errors"} <= set(error)
    assert set(error) <= {
        "type",
        "title",
        "status",
        "detail",
        "code",
        "errors",
        "details",
        "incident_id",
    }
    assert ("incident_id" in error) == (status == 500)
    assert (error["status"], error["code"]) == (status, code)
    assert error["type"] == f"urn:rarex:problem:{code}"
    assert isinstance(error["detail"], str)
    assert error["detail"]
    assert error["title"]
    for problem in error["errors"]:
        assert set(problem) == {"field", "code", "detail"}
    if status == 401:
        assert response.headers["www-authenticate"].startswith("Bearer")
    return error


class Stage:
    """A draft and a case under review, owned by ``exporter``."""

    def __init__(
        self, client: Any, exporter: Any, officer: Any, customs: Any, body: dict[str, Any]
    ) -> None:
        self.client, self.exporter, self.officer, self.customs = client, exporter, officer, customs
        self.draft = self._file(body)
        self.in_review = self._file(body)
        for kind in REQUIRED_DOCUMENTS:
            self.upload(self.in_review, kind=kind)
        for user, action in ((exporter, "submit"), (officer, "accept"), (officer, "start_review")):
            response = self.move(self.in_review, action, user=user)
            assert response.status_code == 200, response.text

    def _file(self, body: dict[str, Any]) -> str:
        created = self.client.post("/api/v1/applications", headers=self.exporter.headers, json=body)
        assert created.status_code == 201, created.text
        reference: str = created.json()["reference"]
        return reference

    def upload(
        self,
        key: str,
        *,
        kind: str = "contract",
        content: bytes = b"%PDF-1.4",
        media_type: str = "application/pdf",
        user: Any = None,
    ) -> Any:
        return self.client.post(
            f"/api/v1/applications/{key}/documents",
            headers=(user or self.exporter).headers,
            files={"file": (f"{kind}.pdf", content, media_type)},
            data={"kind": kind},
        )

    def move(self, key: str, action: str, *, user: Any = None, **body: Any) -> Any:
        return self.client.post(
            f"/api/v1/applications/{key}/transitions",
            headers=(user or self.officer).headers,
            json={"action": action, **body},
        )

    def decide(self, key: str, user: Any, **body: Any) -> Any:
        return self.client.post(
            f"/api/v1/applications/{key}/decision",
            headers=user.headers,
            json={"outcome": "approved", "reason": "ok", **body},
        )

    def show(self, key: str) -> dict[str, Any]:
        response = self.client.get(f"/api/v1/applications/{key}", headers=self.officer.headers)
        assert response.status_code == 200
        body: dict[str, Any] = response.json()
        return body


@pytest.fixture
def stage(client: Any, exporter: Any, officer: Any, api_user: Any, filing_body: Any) -> Stage:
    return Stage(client, exporter, officer, api_user(Role.CUSTOMS_OFFICER), filing_body())


def _line(**overrides: Any) -> dict[str, Any]:
    line = {
        "control_code": "1C905.a",
        "hs_code": "2805301200",
        "quantity_kg": "500",
        "value": "250000",
        "currency": "USD",
    }
    line.update(overrides)
    return line


BAD_FILINGS = [
    pytest.param({"lines": [_line(control_code="1C999.a")]}, "catalog.unknown_control_code"),
    pytest.param({"lines": [_line(hs_code="9999999999")]}, "catalog.unknown_hs_code"),
    pytest.param({"lines": [_line(hs_code="2805301300")]}, "catalog.hs_code_mismatch"),
    pytest.param({"lines": [_line(quantity_kg="-1")]}, "application.quantity_not_positive"),
    pytest.param({"lines": [_line(quantity_kg="0")]}, "application.quantity_not_positive"),
    pytest.param({"lines": [_line(quantity_kg="5000000000000")]}, "application.quantity_absurd"),
    pytest.param({"lines": [_line(currency="XYZ")]}, "application.unknown_currency"),
    pytest.param({"destination": "Narnia"}, "party.unknown_country"),
    pytest.param({"end_use_category": "hobby"}, "application.unknown_end_use"),
    pytest.param({"exporter_uscc": "91110000000000000X"}, "auth.wrong_company"),
    pytest.param({"license_type": "eternal"}, "input.invalid"),
    pytest.param({"lines": []}, "input.invalid"),
    pytest.param({"lines": [_line(quantity_kg="lots")]}, "input.invalid"),
    pytest.param({"surprise": True}, "input.invalid"),
]


def test_every_bad_filing_gets_422_with_its_code_and_stores_nothing(
    client: Any, exporter: Any, filing_body: Any, session: Session, subtests: pytest.Subtests
) -> None:
    for bad in BAD_FILINGS:
        overrides, code = bad.values
        with subtests.test(code, overrides=overrides):
            body = filing_body()
            body.update(overrides)
            before = snapshot(session)
            response = client.post("/api/v1/applications", headers=exporter.headers, json=body)
            # An exporter naming any company but its own is refused as such (403).
            error = _error(response, 403 if code == "auth.wrong_company" else 422, code)
            if code == "input.invalid":
                assert error["errors"]
            assert snapshot(session) == before


def test_an_invalid_social_credit_code_gets_422_when_an_administrator_files(
    client: Any, api_user: Any, filing_body: Any, session: Session
) -> None:
    admin = api_user(Role.ADMINISTRATOR)
    before = snapshot(session)
    response = client.post(
        "/api/v1/applications",
        headers=admin.headers,
        json=filing_body(exporter_uscc="91110000000000000X"),
    )
    _error(response, 422, "party.invalid_uscc_check")
    assert snapshot(session) == before


@pytest.mark.parametrize(
    ("raw", "status", "problem"),
    [
        (b"{not json", 400, "input.json_invalid"),
        (b'{"license_type": "single",}', 400, "input.json_invalid"),
        (b"", 422, "input.missing"),
        (b"[1, 2, 3]", 422, "input.model_attributes_type"),
    ],
    ids=["garbage", "trailing-comma", "empty", "wrong-shape"],
)
def test_a_malformed_json_body_gets_400_and_a_wrong_shape_422_input_invalid(
    client: Any, exporter: Any, session: Session, raw: bytes, status: int, problem: str
) -> None:
    before = snapshot(session)
    response = client.post(
        "/api/v1/applications",
        headers={**exporter.headers, "content-type": "application/json"},
        content=raw,
    )
    error = _error(response, status, "input.invalid")
    assert [e["code"] for e in error["errors"]] == [problem]
    assert snapshot(session) == before


RefusedStep = Callable[[Stage], Any]
STEPS: list[Any] = [
    pytest.param(
        lambda s: s.move(s.in_review, "accept", user=s.exporter),
        403,
        "auth.role_required",
        id="exporter accepts",
    ),
    pytest.param(
        lambda s: s.decide(s.in_review, s.customs),
        403,
        "auth.role_required",
        id="customs decides",
    ),
    pytest.param(
        lambda s: s.decide(s.in_review, s.exporter),
        403,
        "auth.role_required",
        id="exporter decides",
    ),
    pytest.param(
        lambda s: s.move(s.draft, "accept"),
        409,
        "application.illegal_transition",
        id="illegal transition",
    ),
    pytest.param(
        lambda s: s.move(s.in_review, "teleport"),
        422,
        "application.unknown_action",
        id="unknown action",
    ),
    pytest.param(
        lambda s: s.move(s.in_review, "approve"),
        422,
        "application.use_decide",
        id="approve as a transition",
    ),
    pytest.param(
        lambda s: s.move(s.in_review, "request_information", reason=""),
        422,
        "application.reason_required",
        id="information request without reason",
    ),
    pytest.param(
        lambda s: s.decide(s.in_review, s.officer, granted_kg={"1": "501"}),
        422,
        "decision.granted_exceeds_requested",
        id="grant above request",
    ),
    pytest.param(
        lambda s: s.decide(s.in_review, s.officer, valid_until="2099-01-01"),
        422,
        "license.validity_too_long",
        id="validity too long",
    ),
    pytest.param(
        lambda s: s.upload(s.draft, kind="selfie"),
        422,
        "document.unknown_kind",
        id="unknown document kind",
    ),
    pytest.param(
        lambda s: s.upload(s.draft, media_type="application/x-msdownload"),
        422,
        "document.unsupported_media_type",
        id="unknown media type",
    ),
    pytest.param(
        lambda s: s.upload(s.draft, content=b""),
        422,
        "document.empty",
        id="empty document",
    ),
    pytest.param(
        lambda s: s.upload(s.in_review),
        422,
        "application.not_amendable",
        id="document after acceptance",
    ),
    pytest.param(
        lambda s: s.client.get("/api/v1/applications/RX-2025-00000000", headers=s.officer.headers),
        404,
        "application.not_found",
        id="unknown application",
    ),
    pytest.param(
        lambda s: s.client.get("/api/v1/licenses/DUL-0000-NOPE", headers=s.officer.headers),
        404,
        "license.not_found",
        id="unknown license",
    ),
    pytest.param(
        lambda s: s.client.get("/api/v1/nowhere", headers=s.officer.headers),
        404,
        "http.not_found",
        id="unknown route",
    ),
    pytest.param(
        lambda s: s.client.delete(f"/api/v1/applications/{s.draft}", headers=s.officer.headers),
        405,
        "http.method_not_allowed",
        id="method not allowed",
    ),
    pytest.param(
        lambda s: s.client.get("/api/v1/queue", headers=s.exporter.headers),
        403,
        "auth.role_required",
        id="exporter reads the queue",
    ),
    pytest.param(
        lambda s: s.client.get("/api/v1/applications?state=pending", headers=s.officer.headers),
        422,
        "application.unknown_state",
        id="unknown state filter",
    ),
]


def test_every_refused_request_gets_its_status_and_code_and_changes_nothing(
    stage: Stage, session: Session, subtests: pytest.Subtests
) -> None:
    """Each refusal, a subtest of its own, against one stage: as a refusal changes nothing (the
    snapshot around each shows it), each finds the stage as the first one did."""
    for step in STEPS:
        attempt, status, code = step.values
        with subtests.test(step.id):
            views_before = (stage.show(stage.draft), stage.show(stage.in_review))
            before = snapshot(session)
            _error(attempt(stage), status, code)
            assert snapshot(session) == before
            assert (stage.show(stage.draft), stage.show(stage.in_review)) == views_before


def test_an_officer_with_a_declared_conflict_gets_403_conflict_of_interest(
    stage: Stage, api_user: Any, session: Session, clock: FixedClock, company: Any
) -> None:
    conflicted = api_user(Role.LICENSING_OFFICER)
    declare_conflict(
        session,
        clock=clock,
        actor=None,
        user_id=conflicted.actor.user_id,
        company_id=company.id,
        reason="Shareholder",
    )
    before = snapshot(session)
    _error(stage.decide(stage.in_review, conflicted), 403, "auth.conflict_of_interest")
    _error(
        stage.move(stage.in_review, "refer", user=conflicted, reason="x"),
        403,
        "auth.conflict_of_interest",
    )
    assert snapshot(session) == before
    assert stage.show(stage.in_review)["state"] == "under_review"


# --- authentication ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("headers", "code"),
    [
        ({}, "auth.missing_token"),
        ({"Authorization": "Bearer "}, "auth.missing_token"),
        ({"Authorization": "Basic dXNlcjpwYXNz"}, "auth.missing_token"),
        ({"Authorization": "Bearer rx_not-a-real-token"}, "auth.invalid_token"),
    ],
    ids=["none", "empty-bearer", "basic", "unknown"],
)
@pytest.mark.parametrize(
    "path", ["/api/v1/me", "/api/v1/applications", "/api/v1/licenses", "/api/v1/queue"]
)
def test_a_missing_or_invalid_token_gets_401_with_its_code(
    client: Any, headers: dict[str, str], code: str, path: str
) -> None:
    _error(client.get(path, headers=headers), 401, code)


def test_a_revoked_token_or_deactivated_user_gets_401(
    client: Any, api_user: Any, session: Session, clock: FixedClock
) -> None:
    revoked, inactive = api_user(Role.ANALYST), api_user(Role.ANALYST)
    assert client.get("/api/v1/me", headers=revoked.headers).status_code == 200
    session.execute(
        update(ApiToken)
        .where(ApiToken.user_id == revoked.actor.user_id)
        .values(revoked_at=clock.now())
    )
    session.execute(update(User).where(User.id == inactive.actor.user_id).values(active=False))
    session.flush()
    _error(client.get("/api/v1/me", headers=revoked.headers), 401, "auth.token_revoked")
    _error(client.get("/api/v1/me", headers=inactive.headers), 401, "auth.user_inactive")


def test_the_health_check_needs_no_token(client: Any) -> None:
    response = client.get("/api/v1/health")
    assert response.status_code == 200
    assert response.json()["status"] == "ok"
