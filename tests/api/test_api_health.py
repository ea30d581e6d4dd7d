"""Liveness and readiness (issue 15, item 3): ``/health/live`` touches nothing;
``/health/ready`` answers 200 only when the database answers and its schema is this release's."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from rarex.api.app import create_app
from rarex.config import Settings
from rarex.migrations import head_revision
from tests.api.conftest import TestClient


def test_live_and_ready_on_a_migrated_database(client: Any) -> None:
    live = client.get("/api/v1/health/live")
    assert live.status_code == 200
    assert live.json()["status"] == "ok"
    ready = client.get("/api/v1/health/ready")
    assert ready.status_code == 200, ready.text
    assert ready.json()["schema_revision"] == head_revision()


def test_not_ready_on_an_unmigrated_or_unreachable_database(tmp_path: Path) -> None:
    empty = Settings(environment="test", database_url=f"sqlite:///{tmp_path / 'empty.db'}")
    with TestClient(create_app(empty)) as client:
        assert client.get("/api/v1/health/live").status_code == 200
        answer = client.get("/api/v1/health/ready")
        assert answer.status_code == 503
        assert answer.json()["code"] == "health.schema_outdated"
        assert answer.headers["Retry-After"] == "5"
    gone = Settings(
        environment="test",
        database_url="postgresql+psycopg://nobody@127.0.0.1:1/none?connect_timeout=2",
    )
    with TestClient(create_app(gone)) as client:
        assert client.get("/api/v1/health/live").status_code == 200
        answer = client.get("/api/v1/health/ready")
        assert answer.status_code == 503
        assert answer.json()["code"] == "db.unavailable"


def test_the_api_documentation_pages_load_nothing_from_outside(client: Any) -> None:
    """/docs and /redoc loaded Swagger UI and ReDoc from a CDN: blank offline (issue 15)."""
    for page, assets in (
        ("/docs", ("swagger-ui-bundle.js", "swagger-ui.css")),
        ("/redoc", ("redoc.standalone.js",)),
    ):
        html = client.get(page).text
        assert "cdn." not in html
        assert "unpkg" not in html
        assert "googleapis" not in html
        for asset in assets:
            assert f"/docs-assets/{asset}" in html
            served = client.get(f"/docs-assets/{asset}")
            assert served.status_code == 200
            assert len(served.content) > 10_000
