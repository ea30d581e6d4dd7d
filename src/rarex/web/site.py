"""The whole site: the API under ``/api/v1`` and the pages beside it, in one application."""

from __future__ import annotations

import inspect
from importlib.resources import files

from fastapi import FastAPI, Request
from fastapi.staticfiles import StaticFiles
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response

from rarex.api.app import PREFIX, create_app
from rarex.clock import Clock
from rarex.config import Settings, get_settings
from rarex.web import pages, statistics_pages
from rarex.web.i18n import language_of
from rarex.web.templates import render

# What is the API's (answered as problem+json) rather than a page's (answered as HTML).
_API_PATHS = (PREFIX, "/openapi.json", "/docs", "/redoc")


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
    app.include_router(pages.router)
    app.include_router(statistics_pages.router)
    api_errors = app.exception_handlers[StarletteHTTPException]

    async def _http_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, StarletteHTTPException)
        if request.url.path.startswith(_API_PATHS):
            answered = api_errors(request, exc)
            return await answered if inspect.isawaitable(answered) else answered
        return render(
            request,
            "error.html",
            {
                "viewer": None,
                "status": exc.status_code,
                "code": f"http.{exc.status_code}",
                "message": "",
            },
            language=language_of(request),
            status_code=exc.status_code,
        )

    app.add_exception_handler(StarletteHTTPException, _http_error)
    return app
