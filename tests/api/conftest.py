"""API fixtures: the real app over the test's own connection, so every request runs inside the
test's rolled-back transaction (each request in a savepoint it commits or rolls back)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from rarex.api.app import create_app
from rarex.auth.roles import Actor, Role
from rarex.auth.service import issue_token
from rarex.clock import FixedClock
from rarex.config import Settings
from rarex.models import Company
from tests.factories import make_actor, make_company


@dataclass(frozen=True)
class ApiUser:
    actor: Actor
    token: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


@pytest.fixture
def client(session: Session, clock: FixedClock, settings: Settings) -> Iterator[TestClient]:
    factory = sessionmaker(
        bind=session.get_bind(), join_transaction_mode="create_savepoint", expire_on_commit=False
    )
    app = create_app(settings, session_factory=factory, clock=clock)
    with TestClient(app) as test_client:
        yield test_client


@pytest.fixture
def api_user(session: Session, clock: FixedClock):  # type: ignore[no-untyped-def]
    """Build a user with a token: ``api_user(Role.EXPORTER, company=...)``."""

    def build(role: Role, *, company: Company | None = None, **kw: object) -> ApiUser:
        actor = make_actor(session, clock, role, company=company, **kw)
        token = issue_token(session, clock=clock, actor=None, user_id=actor.user_id, label="test")
        return ApiUser(actor, token)

    return build


@pytest.fixture
def exporter_company(session: Session, clock: FixedClock) -> Company:
    return make_company(session, clock)
