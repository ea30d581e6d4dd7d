"""The HTTP API: thin routes over the same services the CLI uses."""

from __future__ import annotations

from fastapi import APIRouter, FastAPI
from fastapi_offline import FastAPIOffline
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from rarex import __version__
from rarex.api import (
    applications,
    customs,
    handlers,
    notifications,
    observability,
    openapi,
    partner,
    reference,
    screening,
    statistics,
    system,
)
from rarex.api.limits import BodySizeLimit
from rarex.api.observability import RequestObserver
from rarex.auth.sign_in import refuse_demo_passwords
from rarex.clock import Clock, clock_for
from rarex.config import Settings, get_settings
from rarex.customs.group_filing import FilingGroup
from rarex.db import make_sessionmaker
from rarex.db_engine import make_engine

PREFIX = "/api/v1"
DOCS_ASSETS = "/docs-assets"
# Every router of the API, in the order they are matched (tests iterate it: since FastAPI
# 0.137 ``app.routes`` holds one entry per included router, not its routes).
ROUTERS: tuple[APIRouter, ...] = (
    reference.router,
    applications.router,
    customs.router,
    screening.router,
    partner.router,
    statistics.router,
    system.router,
    notifications.router,
)
# Routers outside the API's prefix: /metrics, where Prometheus looks by default.
UNPREFIXED_ROUTERS: tuple[APIRouter, ...] = (observability.router,)


def create_app(
    settings: Settings | None = None,
    *,
    engine: Engine | None = None,
    session_factory: sessionmaker[Session] | None = None,
    clock: Clock | None = None,
) -> FastAPI:
    settings = settings or get_settings()
    # /docs and /redoc load Swagger UI and ReDoc from the package, not from a CDN: they work
    # offline and behind a strict firewall.
    app = FastAPIOffline(
        title="Rarex",
        version=__version__,
        summary="Export-control licensing for rare earths",
        openapi_url="/openapi.json",
        static_url=DOCS_ASSETS,
    )
    app.add_middleware(DocsStayHome)
    app.add_middleware(
        BodySizeLimit,
        max_bytes=settings.max_document_bytes,
        max_import_bytes=settings.max_import_bytes,
    )
    app.state.settings = settings
    if session_factory is None:
        session_factory = make_sessionmaker(engine or make_engine(settings))
    if settings.environment == "production":
        with session_factory() as session:
            refuse_demo_passwords(session)
    attach(app, session_factory=session_factory, clock=clock or clock_for(settings.frozen_time))

    handlers.install(app)
    # Outside every other part: each answer, a 500 included, is counted and logged under its
    # request's id.
    app.add_middleware(RequestObserver)
    for router in ROUTERS:
        app.include_router(router, prefix=PREFIX)
    for router in UNPREFIXED_ROUTERS:
        app.include_router(router)
    openapi.document(app)
    return app


# Swagger UI and ReDoc start from inline scripts, ReDoc searches in a worker made from a blob,
# and both set inline styles; nothing may come from another host (ReDoc's bundle would fetch
# its maker's logo from a CDN for its "API docs by Redocly" link).
_DOCS_POLICY = (
    "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; font-src 'self' data:; worker-src 'self' blob:; "
    "connect-src 'self'; frame-ancestors 'none'"
)


class DocsStayHome:
    """The API's own pages (/docs, /redoc) answered with a content security policy that keeps
    the browser on this server: they work offline, and leak no visit to a CDN."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("path") not in ("/docs", "/redoc"):
            await self.app(scope, receive, send)
            return

        async def with_policy(message: Message) -> None:
            if message["type"] == "http.response.start":
                MutableHeaders(scope=message)["Content-Security-Policy"] = _DOCS_POLICY
            await send(message)

        await self.app(scope, receive, with_policy)


def attach(app: FastAPI, *, session_factory: sessionmaker[Session], clock: Clock) -> None:
    """Point ``app`` at a database and a clock. Apart from its settings, these are all the
    state an app keeps between requests, so one app can serve several databases in turn (the
    tests build one per worker: FastAPI builds each route's handler on the first request that
    reaches it, about 0.1 s an app)."""
    app.state.clock = clock
    app.state.sessionmaker = session_factory
    app.state.filing_group = FilingGroup(session_factory)
