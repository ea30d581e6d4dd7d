"""Many clients writing at once on the embedded SQLite file: every request lands, none fails.

A whole database of its own (the API commits); PostgreSQL is covered by the same test."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from rarex.api.app import create_app
from rarex.auth.roles import Role
from rarex.auth.service import create_user, issue_token
from rarex.clock import FixedClock
from rarex.config import Settings
from rarex.db import make_sessionmaker, session_scope
from rarex.db_engine import make_engine
from rarex.migrations import upgrade_database
from rarex.models import Application
from rarex.parties.service import register_company
from tests.cli.conftest import database_url as database_url
from tests.factories import application_data, make_uscc

CLIENTS = 8
FILINGS = 48


@pytest.mark.slow
def test_parallel_filings_all_land(database_url: str) -> None:
    engine = make_engine(database_url)
    upgrade_database(engine)
    clock = FixedClock(datetime(2025, 6, 2, 2, 0, tzinfo=UTC))
    with session_scope(make_sessionmaker(engine)) as session:
        company = register_company(
            session, clock=clock, actor=None, uscc=make_uscc(31337), name="Parallel Co."
        )
        user = create_user(
            session,
            clock=clock,
            actor=None,
            username="parallel",
            display_name="P",
            role=Role.EXPORTER,
            company_id=company.id,
        )
        token = issue_token(session, clock=clock, actor=None, user_id=user.id, label="t")
    settings = Settings(environment="test", database_url=database_url)
    app = create_app(settings, engine=engine, clock=clock)
    body: dict[str, Any] = application_data().model_dump(mode="json", exclude_none=True)
    headers = {"Authorization": f"Bearer {token}"}
    with TestClient(app) as client, ThreadPoolExecutor(CLIENTS) as pool:
        statuses = list(
            pool.map(
                lambda _: (
                    client.post("/api/v1/applications", json=body, headers=headers).status_code
                ),
                range(FILINGS),
            )
        )
    with engine.connect() as conn:
        stored = conn.scalar(select(func.count()).select_from(Application))
    engine.dispose()
    assert statuses == [201] * FILINGS
    assert stored == FILINGS
