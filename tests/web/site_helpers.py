"""What the page tests share: the whole site over HTTP on the test's database (SQLite or
PostgreSQL, in the test's transaction), a user with a password, and a browser's sign-in."""

from __future__ import annotations

import re
import warnings
from collections.abc import Iterator
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from rarex.auth.roles import Role
from rarex.auth.sign_in import SignInPolicy, set_password
from rarex.clock import FixedClock
from rarex.config import Settings
from rarex.models import Company
from rarex.web.site import create_site
from tests.apps import app_for
from tests.conftest import CHEAP_HASHING
from tests.factories import make_actor

with warnings.catch_warnings():
    warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient`")
    from fastapi.testclient import TestClient

SITE = "http://testserver"
PASSWORD = "a long enough secret"
CHEAP_POLICY = SignInPolicy.of(Settings(environment="test", **CHEAP_HASHING))


def site_client(session: Session, clock: FixedClock, settings: Settings) -> Iterator[TestClient]:
    sessions = sessionmaker(
        bind=session.get_bind(), join_transaction_mode="create_savepoint", expire_on_commit=False
    )
    app = app_for(create_site, settings, session_factory=sessions, clock=clock)
    with TestClient(app, base_url=SITE, follow_redirects=False) as client:
        yield client


def user_with_password(
    session: Session, clock: FixedClock, role: Role, company: Company | None = None, **kw: Any
) -> str:
    actor = make_actor(session, clock, role, company=company, **kw)
    set_password(
        session, clock=clock, actor=None, username=actor.username, password=PASSWORD,
        policy=CHEAP_POLICY,
    )  # fmt: skip
    return actor.username


def form_token_of(page: str) -> str:
    found = re.search(r'name="form_token" value="([^"]+)"', page)
    assert found is not None
    return found.group(1)


def sign_in(site: TestClient, username: str, password: str = PASSWORD, **extra: Any) -> Any:
    site.cookies.clear()  # a fresh browser
    page = site.get("/login")
    assert page.status_code == 200
    return site.post(
        "/login",
        data={"username": username, "password": password, "form_token": form_token_of(page.text)}
        | extra,
        headers={"Origin": SITE},
    )


def csrf_of(page: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert found is not None
    return found.group(1)
