"""Customs fixtures: a licensed exporter in the test's rolled-back transaction, and a whole
database of its own (SQLite file or PostgreSQL schema) for code that commits."""

from __future__ import annotations

import os
import uuid
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from rarex.api.app import create_app
from rarex.auth.roles import Actor, Role
from rarex.auth.service import issue_token
from rarex.clock import FixedClock
from rarex.config import Settings
from rarex.db import make_engine
from rarex.migrations import upgrade_database
from rarex.models import Company
from tests.conftest import PG_URL
from tests.customs.customs_factories import Licensed, licensed
from tests.factories import make_actor

with warnings.catch_warnings():
    # Starlette asks for httpx2; the installed httpx works the same for these tests.
    warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient`")
    from fastapi.testclient import TestClient


@pytest.fixture
def setup(session: Session, clock: FixedClock, settings: Settings) -> Licensed:
    """An exporter holding a single license for 500 kg of 1C905.a (dysprosium metal) to
    Rheinland Antriebstechnik GmbH (DE), and a customs officer; today is two days after issue."""
    return licensed(session, clock, settings)


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def own_database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A whole database of its own, migrated: a temp SQLite file or a PostgreSQL schema."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'customs.db'}"
        _migrate(url)
        yield url
        return
    schema = f"rarex_customs_{uuid.uuid4().hex[:10]}"
    admin = make_engine(PG_URL)
    try:
        with admin.begin() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    except OperationalError as exc:
        admin.dispose()
        if os.environ.get("CI"):
            pytest.fail(f"PostgreSQL unreachable: {exc.orig}", pytrace=False)
        pytest.skip(f"PostgreSQL unreachable: {exc.orig}")
    url = f"{PG_URL}?options=-csearch_path%3D{schema}"
    try:
        _migrate(url)
        yield url
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def _migrate(url: str) -> None:
    engine: Engine = make_engine(url)
    try:
        upgrade_database(engine)
    finally:
        engine.dispose()


@dataclass(frozen=True)
class ApiUser:
    actor: Actor
    token: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


@pytest.fixture
def client(session: Session, clock: FixedClock, settings: Settings) -> Iterator[TestClient]:
    """The real app over the test's connection: each request in a savepoint it commits."""
    sessions = sessionmaker(
        bind=session.get_bind(), join_transaction_mode="create_savepoint", expire_on_commit=False
    )
    with TestClient(create_app(settings, session_factory=sessions, clock=clock)) as test_client:
        yield test_client


@pytest.fixture
def api_user(session: Session, clock: FixedClock) -> Callable[..., ApiUser]:
    def build(role: Role, *, actor: Actor | None = None, company: Company | None = None) -> ApiUser:
        actor = actor or make_actor(session, clock, role, company=company)
        token = issue_token(session, clock=clock, actor=None, user_id=actor.user_id, label="t")
        return ApiUser(actor, token)

    return build
