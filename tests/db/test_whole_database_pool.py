"""The whole PostgreSQL databases the suite reuses (tests/conftest.py): a test gets one that is
empty and at the current revision whatever the previous test left in it, and one whose schema
a test changed is dropped, not handed on."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import func, make_url, select
from sqlalchemy.orm import Session

from rarex.auth.roles import Role
from rarex.auth.service import create_user
from rarex.clock import FixedClock
from rarex.db_engine import make_engine
from rarex.migrations import alembic_config, current_revision, head_revision
from rarex.models import Company, User
from tests.conftest import whole_database
from tests.factories import make_company

pytestmark = pytest.mark.postgres
CLOCK = FixedClock(datetime(2025, 6, 2, 2, 0, tzinfo=UTC))


def _fill(url: str) -> None:
    engine = make_engine(url)
    with Session(engine) as session, session.begin():
        company = make_company(session, CLOCK)
        create_user(
            session, clock=CLOCK, actor=None, username="left.behind", display_name="Left",
            role=Role.EXPORTER, company_id=company.id,
        )  # fmt: skip
    # left open on purpose: a test may end with connections of its own


def _database(url: str) -> str:
    name = make_url(url).database
    assert name is not None
    return name


def test_a_reused_database_is_empty_and_at_the_current_revision(tmp_path: Path) -> None:
    with whole_database("postgresql", tmp_path, name="pool", migrated=True) as first:
        _fill(first)
    with whole_database("postgresql", tmp_path, name="pool", migrated=True) as second:
        engine = make_engine(second)
        try:
            assert _database(second) == _database(first)  # reused, not copied again
            assert current_revision(engine) == head_revision()
            with Session(engine) as session:
                assert session.scalar(select(func.count()).select_from(Company)) == 0
                assert session.scalar(select(func.count()).select_from(User)) == 0
        finally:
            engine.dispose()


def test_a_database_left_at_another_revision_is_not_handed_on(tmp_path: Path) -> None:
    with whole_database("postgresql", tmp_path, name="pool", migrated=True) as first:
        engine = make_engine(first)
        command.downgrade(alembic_config(engine), "-1")
        engine.dispose()
    with whole_database("postgresql", tmp_path, name="pool", migrated=True) as second:
        engine = make_engine(second)
        try:
            assert _database(second) != _database(first)
            assert current_revision(engine) == head_revision()
        finally:
            engine.dispose()
