"""API fixtures: the real app over the test's own connection, so every request runs inside the
test's rolled-back transaction (each request in a savepoint that it commits or rolls back, just
as it would commit or roll back its own transaction in production)."""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy.orm import Session, sessionmaker

from rarex.api.app import create_app
from rarex.auth.roles import Actor, Role
from rarex.auth.service import issue_token
from rarex.clock import FixedClock
from rarex.config import Settings
from rarex.models import Company
from tests.apps import app_for
from tests.factories import application_data, make_actor, make_company

with warnings.catch_warnings():
    # Starlette asks for httpx2; the installed httpx works the same for these tests.
    warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient`")
    from fastapi.testclient import TestClient


@dataclass(frozen=True)
class ApiUser:
    actor: Actor
    token: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


MakeClient = Callable[..., TestClient]
MakeUser = Callable[..., ApiUser]


@pytest.fixture
def sessions(session: Session) -> sessionmaker[Session]:
    """Sessions on the test's connection; each request's commit releases a savepoint."""
    return sessionmaker(
        bind=session.get_bind(), join_transaction_mode="create_savepoint", expire_on_commit=False
    )


@pytest.fixture
def make_client(
    sessions: sessionmaker[Session], clock: FixedClock, settings: Settings
) -> Iterator[MakeClient]:
    clients: list[TestClient] = []

    def build(settings_: Settings | None = None, **kw: Any) -> TestClient:
        app = app_for(create_app, settings_ or settings, session_factory=sessions, clock=clock)
        test_client = TestClient(app, **kw)
        test_client.__enter__()
        clients.append(test_client)
        return test_client

    yield build
    for test_client in clients:
        test_client.__exit__(None, None, None)


@pytest.fixture
def client(make_client: MakeClient) -> TestClient:
    return make_client()


@pytest.fixture
def api_user(session: Session, clock: FixedClock) -> MakeUser:
    """``api_user(Role.EXPORTER, company=...)``: a user with a fresh API token."""

    def build(role: Role, *, company: Company | None = None, **kw: Any) -> ApiUser:
        actor = make_actor(session, clock, role, company=company, **kw)
        token = issue_token(session, clock=clock, actor=None, user_id=actor.user_id, label="test")
        return ApiUser(actor, token)

    return build


@pytest.fixture
def company(session: Session, clock: FixedClock) -> Company:
    return make_company(session, clock)


@pytest.fixture
def exporter(api_user: MakeUser, company: Company) -> ApiUser:
    return api_user(Role.EXPORTER, company=company)


@pytest.fixture
def officer(api_user: MakeUser) -> ApiUser:
    return api_user(Role.LICENSING_OFFICER)


@pytest.fixture
def filing_body() -> Callable[..., dict[str, Any]]:
    """``filing_body(**overrides)``: a valid filing as the JSON a client sends."""

    def build(**overrides: Any) -> dict[str, Any]:
        body: dict[str, Any] = application_data(**overrides).model_dump(
            mode="json", exclude_none=True
        )
        return body

    return build
