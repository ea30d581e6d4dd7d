"""Reference answers over HTTP: control-list time travel and the official calendar."""

from __future__ import annotations

from typing import Any

import pytest


def test_catalog_time_travel_over_http(client: Any, exporter: Any) -> None:
    controlled = client.get(
        "/api/v1/catalog/check",
        params={"code": "1C902", "on": "2025-11-20"},
        headers=exporter.headers,
    )
    assert controlled.status_code == 200
    assert controlled.json()["controlled"] is True
    suspended = client.get(
        "/api/v1/catalog/check",
        params={"code": "1C910", "on": "2025-11-20"},
        headers=exporter.headers,
    )
    body = suspended.json()
    assert body["controlled"] is False
    assert {m["suspension_announcement"]["citation"] for m in body["matches"]} == {
        "Announcement 2025 No. 70"
    }
    by_hs = client.get(
        "/api/v1/catalog/check",
        params={"hs": "2846901993", "on": "2025-06-01"},
        headers=exporter.headers,
    )
    assert len(by_hs.json()["matches"]) > 1


@pytest.mark.parametrize(
    ("params", "status", "code"),
    [
        ({}, 422, "catalog.query_required"),
        ({"code": "1C902", "hs": "2805301910"}, 422, "catalog.query_required"),
        ({"code": "1C999"}, 422, "catalog.unknown_control_code"),
        ({"hs": "28053"}, 422, "catalog.malformed_hs_code"),
        ({"code": "1C902", "on": "2025-02-30"}, 422, "input.invalid"),
    ],
)
def test_catalog_check_refuses_bad_queries(
    client: Any, exporter: Any, params: dict[str, str], status: int, code: str
) -> None:
    response = client.get("/api/v1/catalog/check", params=params, headers=exporter.headers)
    assert response.status_code == status
    assert response.json()["code"] == code


def test_catalog_check_needs_a_token(client: Any) -> None:
    response = client.get("/api/v1/catalog/check", params={"code": "1C902"})
    assert response.status_code == 401
    assert response.json()["code"] == "auth.missing_token"


def test_calendar_deadline_over_http(client: Any, officer: Any) -> None:
    response = client.get(
        "/api/v1/calendar/deadline", params={"accepted": "2025-09-30"}, headers=officer.headers
    )
    assert response.json() == {
        "accepted_on": "2025-09-30",
        "working_days": 45,
        "due_date": "2025-12-09",
        "provisional": False,
    }
    short = client.get(
        "/api/v1/calendar/deadline",
        params={"accepted": "2026-12-28", "working_days": 10},
        headers=officer.headers,
    )
    assert short.json()["provisional"] is True
    bad = client.get(
        "/api/v1/calendar/deadline",
        params={"accepted": "2025-09-30", "working_days": 0},
        headers=officer.headers,
    )
    assert bad.status_code == 422
