"""Customs fixtures: a licensed exporter in the test's rolled-back transaction, and a whole
database of its own (SQLite file or PostgreSQL schema) for code that commits."""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy.orm import Session, sessionmaker

from rarex.api.app import create_app
from rarex.auth.roles import Actor, Role
from rarex.auth.service import issue_token
from rarex.clock import FixedClock
from rarex.config import Settings
from rarex.models import Company
from tests.apps import app_for
from tests.conftest import BACKENDS, whole_database
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


@pytest.fixture(params=BACKENDS)
def own_database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A whole database of its own, migrated: a temp SQLite file or a PostgreSQL schema."""
    with whole_database(request.param, tmp_path, name="customs", migrated=True) as url:
        yield url


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
    app = app_for(create_app, settings, session_factory=sessions, clock=clock)
    with TestClient(app) as test_client:
        yield test_client


@pytest.fixture
def api_user(session: Session, clock: FixedClock) -> Callable[..., ApiUser]:
    def build(role: Role, *, actor: Actor | None = None, company: Company | None = None) -> ApiUser:
        actor = actor or make_actor(session, clock, role, company=company)
        token = issue_token(session, clock=clock, actor=None, user_id=actor.user_id, label="t")
        return ApiUser(actor, token)

    return build
