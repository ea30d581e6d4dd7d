"""The errors no rule raises on purpose, answered as problems too: a bug is 500 ``internal``
with an incident id that is also logged; a database race is 409 ``db.conflict`` and a CHECK
or NOT NULL violation a bug (500), read from each database's own errors; a busy or unreachable
database is 503 with ``Retry-After``; a body without a length is 411."""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from rarex.auth.roles import Role
from tests.api.test_api_errors import _error, snapshot

PROBE = "/api/v1/audit/verify"


@pytest.fixture
def probe_tables(session: Session) -> None:
    """Tables with each kind of constraint, inside the test's transaction (both databases)."""
    session.execute(text("CREATE TABLE probe_parent (id INTEGER PRIMARY KEY)"))
    session.execute(
        text(
            "CREATE TABLE probe_child (id INTEGER PRIMARY KEY, number INTEGER UNIQUE, "
            "kg INTEGER NOT NULL CHECK (kg > 0), "
            "parent_id INTEGER REFERENCES probe_parent (id))"
        )
    )
    session.execute(text("INSERT INTO probe_child (id, number, kg) VALUES (1, 7, 1)"))
    session.flush()


def _answer_with(
    monkeypatch: pytest.MonkeyPatch, action: Callable[[Session], Any]
) -> Callable[..., Any]:
    """Make the probe route run ``action`` in the request's session instead of its service."""

    def fake(session: Session, *, actor: Any) -> Any:
        return action(session)

    monkeypatch.setattr("rarex.api.system.verify", fake)
    return fake


@pytest.fixture
def admin(api_user: Any) -> Any:
    return api_user(Role.ADMINISTRATOR)


@pytest.mark.parametrize(
    ("statement", "status", "code"),
    [
        ("INSERT INTO probe_child (id, number, kg) VALUES (2, 7, 1)", 409, "db.conflict"),
        ("INSERT INTO probe_child (id, number, kg) VALUES (1, 8, 1)", 409, "db.conflict"),
        (
            "INSERT INTO probe_child (id, number, kg, parent_id) VALUES (2, 8, 1, 99)",
            409,
            "db.conflict",
        ),
        ("INSERT INTO probe_child (id, number, kg) VALUES (2, 8, -5)", 500, "internal"),
        ("INSERT INTO probe_child (id, number, kg) VALUES (2, 8, NULL)", 500, "internal"),
    ],
    ids=["unique", "primary-key", "foreign-key", "check", "not-null"],
)
def test_a_race_is_409_db_conflict_and_a_broken_check_is_500_on_both_databases(
    client: Any,
    admin: Any,
    session: Session,
    probe_tables: None,
    monkeypatch: pytest.MonkeyPatch,
    statement: str,
    status: int,
    code: str,
) -> None:
    _answer_with(monkeypatch, lambda s: s.execute(text(statement)))
    before = snapshot(session)
    error = _error(client.get(PROBE, headers=admin.headers), status, code)
    if status == 500:
        assert error["incident_id"] in error["detail"]
    assert session.scalar(text("SELECT count(*) FROM probe_child")) == 1
    assert snapshot(session) == before


def test_an_unexpected_error_is_500_internal_with_an_incident_id_in_the_log(
    make_client: Any, admin: Any, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(_: Session) -> Any:
        raise ZeroDivisionError("a bug")

    _answer_with(monkeypatch, broken)
    client = make_client(raise_server_exceptions=False)
    with caplog.at_level(logging.ERROR, logger="rarex.api.handlers"):
        response = client.get(PROBE, headers=admin.headers)
    assert response.status_code == 500
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["code"] == "internal"
    assert "a bug" not in response.text  # nothing of the bug itself leaves
    # the incident is the request: its id is answered, and on every log line it wrote
    assert body["incident_id"] == response.headers["X-Request-ID"]
    (record,) = [r for r in caplog.records if r.getMessage() == "api.internal_error"]
    assert record.__dict__["incident_id"] == body["incident_id"]
    assert record.exc_info is not None
    assert record.exc_info[0] is ZeroDivisionError


class _FakePg(Exception):
    def __init__(self, sqlstate: str) -> None:
        super().__init__(f"SQLSTATE {sqlstate}")
        self.sqlstate = sqlstate


@pytest.mark.parametrize(
    ("orig", "code", "retry_after"),
    [
        (sqlite3.OperationalError("database is locked"), "db.busy", "1"),
        (_FakePg("55P03"), "db.busy", "1"),
        (_FakePg("08006"), "db.unavailable", "5"),
        (_FakePg("57P03"), "db.unavailable", "5"),
    ],
    ids=["sqlite-locked", "pg-lock-timeout", "pg-connection-failure", "pg-starting-up"],
)
def test_a_busy_or_unreachable_database_is_503_with_retry_after(
    client: Any,
    admin: Any,
    monkeypatch: pytest.MonkeyPatch,
    orig: Exception,
    code: str,
    retry_after: str,
) -> None:
    def busy(_: Session) -> Any:
        raise OperationalError("SELECT 1", {}, orig)

    _answer_with(monkeypatch, busy)
    response = client.get(PROBE, headers=admin.headers)
    _error(response, 503, code)
    assert response.headers["retry-after"] == retry_after


def test_another_operational_error_is_500_internal(
    client: Any, admin: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    def odd(_: Session) -> Any:
        raise OperationalError("SELECT 1", {}, _FakePg("42P01"))

    _answer_with(monkeypatch, odd)
    _error(client.get(PROBE, headers=admin.headers), 500, "internal")


def test_a_chunked_body_without_a_length_is_411(client: Any, exporter: Any) -> None:
    def chunks() -> Iterator[bytes]:
        yield b'{"license_type": '
        yield b'"single"}'

    response = client.post(
        "/api/v1/applications",
        headers={**exporter.headers, "content-type": "application/json"},
        content=chunks(),
    )
    _error(response, 411, "http.length_required")


def test_a_token_with_a_control_character_is_refused_naming_the_header(
    client: Any,
) -> None:
    response = client.get("/api/v1/me", headers={"Authorization": "Bearer rx_a\x01b"})
    error = _error(response, 422, "input.invalid")
    assert [e["field"] for e in error["errors"]] == ["header.authorization"]


def test_a_request_without_a_token_is_401_with_a_bearer_challenge(client: Any) -> None:
    response = client.get(PROBE)
    assert response.status_code == 401
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert response.json()["status"] == 401


def test_openapi_offers_a_bearer_scheme_and_documents_the_errors_of_a_route(client: Any) -> None:
    spec = client.get("/openapi.json").json()
    schemes = spec["components"]["securitySchemes"]
    assert any(s.get("type") == "http" and s.get("scheme") == "bearer" for s in schemes.values())
    answers = spec["paths"][PROBE]["get"]["responses"]
    assert {"401", "403"} <= set(answers)
    assert "WWW-Authenticate" in answers["401"].get("headers", {})
    assert "application/problem+json" in answers["401"]["content"]
