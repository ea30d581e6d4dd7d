"""Request-scoped dependencies: one session (one commit) per request, and the asking user."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.orm import Session, sessionmaker

from rarex.api import idempotency
from rarex.auth.roles import Actor
from rarex.auth.service import authenticate
from rarex.clock import Clock
from rarex.config import Settings
from rarex.db import session_scope
from rarex.db_engine import SQLITE_BEGIN
from rarex.errors import InvalidInput, Unauthenticated
from rarex.inputs import text_problem

_READ_ONLY_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def get_settings_dep(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def get_clock(request: Request) -> Clock:
    clock: Clock = request.app.state.clock
    return clock


def get_session(request: Request) -> Iterator[Session]:
    """The request owns the transaction: commit once on success, roll back on any error."""
    factory: sessionmaker[Session] = request.app.state.sessionmaker
    with session_scope(factory) as session:
        if request.method not in _READ_ONLY_METHODS and session.get_bind().dialect.name == "sqlite":
            # A request that reads and then writes must hold SQLite's write lock from BEGIN;
            # upgrading a read transaction later fails at once when another writer got there.
            session.connection(execution_options={SQLITE_BEGIN: "immediate"})
        yield session


# scope="function": commit before the response is sent, so a failed commit is the client's error
# response, never a success already on the wire for data that was rolled back.
SessionDep = Annotated[Session, Depends(get_session, scope="function")]
SettingsDep = Annotated[Settings, Depends(get_settings_dep)]
ClockDep = Annotated[Clock, Depends(get_clock)]


bearer = HTTPBearer(
    auto_error=False,
    scheme_name="token",
    description="An API token: `rarex users create` prints one, `rarex demo` prints the demo "
    "users' tokens. Sent as `Authorization: Bearer <token>`.",
)
BearerDep = Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]
MAX_TOKEN = 200


def get_actor(
    request: Request, session: SessionDep, credentials: BearerDep, clock: ClockDep
) -> Actor:
    """The caller, from its bearer token; a POST under an ``Idempotency-Key`` is then checked
    against the answers recorded for the caller's keys (``rarex.api.idempotency``)."""
    token = credentials.credentials.strip() if credentials is not None else ""
    if not token:
        raise Unauthenticated(
            "send an API token as 'Authorization: Bearer <token>'", code="auth.missing_token"
        )
    # A header passes the same rule as any other input before it is looked up.
    problem = text_problem(token, max_length=MAX_TOKEN)
    if problem is not None:
        raise InvalidInput(
            f"header.authorization: {problem}", code="input.invalid", field="header.authorization"
        )
    actor = authenticate(session, token=token, now=clock.now())
    idempotency.claim(request, session, actor, clock)
    return actor


ActorDep = Annotated[Actor, Depends(get_actor)]
