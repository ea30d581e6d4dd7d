"""Migration 0010 (a partner's country groups) on a database with users in it, both ways."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import text
from sqlalchemy.orm import Session

from rarex.auth.roles import Role
from rarex.auth.service import create_user, user_named
from rarex.clock import FixedClock
from rarex.db_engine import make_engine
from rarex.migrations import alembic_config, current_revision, upgrade_database
from tests.conftest import BACKENDS, whole_database


@pytest.fixture(params=BACKENDS)
def migrated_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    with whole_database(request.param, tmp_path, name="groups", migrated=True) as url:
        yield url


def test_users_keep_their_countries_down_and_up_and_groups_start_empty(migrated_url: str) -> None:
    engine = make_engine(migrated_url)
    clock = FixedClock(datetime(2025, 6, 2, 2, 0, tzinfo=UTC))
    try:
        with Session(engine) as session, session.begin():
            create_user(
                session, clock=clock, actor=None, username="eu.desk", display_name="EU",
                role=Role.PARTNER_AUTHORITY, partner_countries=["NO"], partner_groups=["EU"],
            )  # fmt: skip
        command.downgrade(alembic_config(engine), "0009")
        assert current_revision(engine) == "0009"
        with engine.connect() as connection:
            row = connection.execute(
                text("SELECT partner_countries FROM users WHERE username = 'eu.desk'")
            ).one()
        assert "NO" in str(row[0])
        upgrade_database(engine)
        with Session(engine) as session:
            user = user_named(session, "eu.desk")
            assert (user.partner_countries, user.partner_groups) == (["NO"], [])
    finally:
        engine.dispose()
