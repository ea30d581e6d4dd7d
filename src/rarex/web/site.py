"""The whole site: the API under ``/api/v1`` and the pages beside it, in one application."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from importlib.resources import files
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.staticfiles import StaticFiles
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker
from starlette.datastructures import MutableHeaders
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from rarex.api.app import DOCS_ASSETS, PREFIX, create_app
from rarex.api.observability import METRICS_PATH
from rarex.clock import Clock
from rarex.config import Settings, get_settings
from rarex.web import (
    admin_pages,
    analyst_pages,
    customs_pages,
    filing_pages,
    license_pages,
    notification_pages,
    officer_lanes_pages,
    officer_pages,
    officer_partner_pages,
    pages,
    partner_lists_pages,
    partner_outcome_pages,
    partner_pages,
    statistics_pages,
)
from rarex.web.i18n import language_of
from rarex.web.templates import render

# Every router of pages, in the order they are matched: /exporter/applications/new (filing)
# before /exporter/applications/{reference}; /partner/inquiries/new before an inquiry's number
# (one router). Tests walk these routers to ask every page.
PAGE_ROUTERS = (
    filing_pages.router,
    pages.router,
    officer_pages.router,
    officer_lanes_pages.router,
    officer_partner_pages.router,
    partner_pages.router,
    partner_lists_pages.router,
    partner_outcome_pages.router,
    customs_pages.router,
    license_pages.router,
    notification_pages.router,
    admin_pages.router,
    analyst_pages.router,
    statistics_pages.router,
)

# What is the API's (answered as problem+json) rather than a page's (answered as HTML).
_API_PATHS = (PREFIX, "/openapi.json", "/docs", "/redoc", DOCS_ASSETS, METRICS_PATH)


def create_site(
    settings: Settings | None = None,
    *,
    engine: Engine | None = None,
    session_factory: sessionmaker[Session] | None = None,
    clock: Clock | None = None,
) -> FastAPI:
    settings = settings or get_settings()
    app = create_app(settings, engine=engine, session_factory=session_factory, clock=clock)
    app.mount(
        "/static", StaticFiles(directory=str(files("rarex.web").joinpath("static"))), "static"
    )
    for router in PAGE_ROUTERS:
        app.include_router(router)
    # An error of a page is a page; an error of the API stays the API's problem+json.
    _pages_answer_as_pages(app, StarletteHTTPException, lambda exc: exc.status_code, "http")
    _pages_answer_as_pages(app, RequestValidationError, lambda _: 422, "input.invalid")

    app.add_middleware(PageHeaders)
    return app


class PageHeaders:
    """Pages are never framed by another site (clickjacking) nor kept by a shared cache.

    A plain ASGI middleware that adds the headers as the answer starts: Starlette's
    ``@app.middleware("http")`` would stand between a route and its client, and a route asking
    whether its client left (a long import) would never hear it."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "")
        if scope["type"] != "http" or path.startswith(_API_PATHS):
            await self.app(scope, receive, send)
            return
        private = not path.startswith(("/static", "/statistics"))

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers.setdefault("X-Frame-Options", "DENY")
                headers.setdefault("Content-Security-Policy", "frame-ancestors 'none'")
                headers.setdefault("X-Content-Type-Options", "nosniff")
                if private:
                    headers.setdefault("Cache-Control", "no-store")
            await send(message)

        await self.app(scope, receive, with_headers)


def _pages_answer_as_pages(
    app: FastAPI, error: type[Exception], status_of: Callable[[Any], int], code: str
) -> None:
    """Answer ``error`` on a page's address with the error page, on the API's as before."""
    api_handler = app.exception_handlers[error]

    async def handler(request: Request, exc: Exception) -> Response:
        if request.url.path.startswith(_API_PATHS):
            answered = api_handler(request, exc)
            return await answered if inspect.isawaitable(answered) else answered
        status = status_of(exc)
        shown = f"{code}.{status}" if code == "http" else code
        return render(
            request, "error.html",
            {"viewer": None, "status": status, "code": shown, "message": ""},
            language=language_of(request), status_code=status,
        )  # fmt: skip

    app.add_exception_handler(error, handler)
