"""Migration 0012 (users' e-mail and language, the outbox) on a database with users in it,
both ways: the users stay, and come back reading English with no address."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import inspect, select
from sqlalchemy.orm import Session

from rarex.auth.roles import Role
from rarex.auth.service import create_user, user_named
from rarex.clock import FixedClock
from rarex.config import Settings
from rarex.db_engine import make_engine
from rarex.migrations import alembic_config, current_revision, upgrade_database
from rarex.models import Notification
from rarex.notify.kinds import Facts, Kind
from rarex.notify.service import notify
from tests.conftest import BACKENDS, whole_database


@pytest.fixture(params=BACKENDS)
def migrated_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    with whole_database(request.param, tmp_path, name="mail", migrated=True) as url:
        yield url


def test_users_stay_down_and_up_and_come_back_in_english_without_an_address(
    migrated_url: str,
) -> None:
    engine = make_engine(migrated_url)
    clock = FixedClock(datetime(2025, 6, 2, 2, 0, tzinfo=UTC))
    try:
        with Session(engine) as session, session.begin():
            user = create_user(
                session, clock=clock, actor=None, username="li.wei", display_name="Li Wei",
                role=Role.LICENSING_OFFICER, email="li.wei@mofcom.example", language="zh",
            )  # fmt: skip
            notify(
                session, clock=clock, settings=Settings(environment="test"),
                recipients=[user.id], kind=Kind.STATE_CHANGED, facts=Facts(state="submitted"),
            )  # fmt: skip
        command.downgrade(alembic_config(engine), "0011")
        assert current_revision(engine) == "0011"
        tables = set(inspect(engine).get_table_names())
        assert not tables & {"notifications", "follows", "sender_leases"}
        assert "email" not in {c["name"] for c in inspect(engine).get_columns("users")}
        upgrade_database(engine)
        with Session(engine) as session:
            user = user_named(session, "li.wei")
            assert (user.display_name, user.email, user.language) == ("Li Wei", None, "en")
            assert session.scalars(select(Notification)).all() == []
    finally:
        engine.dispose()
