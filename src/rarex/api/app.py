"""The HTTP API: thin routes over the same services the CLI uses."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session, sessionmaker
from starlette.exceptions import HTTPException as StarletteHTTPException

from rarex import __version__
from rarex.api import applications, customs, reference, screening, statistics, system
from rarex.api.limits import BodySizeLimit
from rarex.clock import Clock, clock_for
from rarex.config import Settings, get_settings
from rarex.customs.group_filing import FilingGroup
from rarex.db import make_engine, make_sessionmaker
from rarex.errors import DomainError


def create_app(
    settings: Settings | None = None,
    *,
    engine: Engine | None = None,
    session_factory: sessionmaker[Session] | None = None,
    clock: Clock | None = None,
) -> FastAPI:
    settings = settings or get_settings()
    app = FastAPI(
        title="Rarex",
        version=__version__,
        summary="Export-control licensing for rare earths",
        openapi_url="/openapi.json",
    )
    app.add_middleware(BodySizeLimit, max_bytes=settings.max_document_bytes)
    app.state.settings = settings
    app.state.clock = clock or clock_for(settings.frozen_time)
    if session_factory is None:
        session_factory = make_sessionmaker(engine or make_engine(settings))
    app.state.sessionmaker = session_factory
    app.state.filing_group = FilingGroup(session_factory)

    @app.exception_handler(DomainError)
    async def _domain_error(_: Request, exc: DomainError) -> JSONResponse:
        return JSONResponse({"error": exc.to_dict()}, status_code=exc.http_status)

    @app.exception_handler(IntegrityError)
    async def _integrity_error(_: Request, exc: IntegrityError) -> JSONResponse:
        # A concurrent request wrote the same unique row first (a hit, a dismissal, a list
        # version): nothing of this one was written, and trying again sees the other's result.
        return JSONResponse(
            {
                "error": {
                    "code": "db.conflict",
                    "message": "a concurrent change conflicted with this one; nothing was "
                    "written, retry",
                }
            },
            status_code=409,
        )

    @app.exception_handler(OperationalError)
    async def _database_busy(_: Request, exc: OperationalError) -> JSONResponse:
        # SQLite's lock wait (busy_timeout) ran out: the client may retry, nothing was written.
        if "locked" in str(exc.orig).lower():
            return JSONResponse(
                {"error": {"code": "db.busy", "message": "the database is busy; retry shortly"}},
                status_code=503,
                headers={"Retry-After": "1"},
            )
        raise exc

    @app.exception_handler(RequestValidationError)
    async def _validation_error(_: Request, exc: RequestValidationError) -> JSONResponse:
        problems: list[dict[str, Any]] = [
            {"field": ".".join(str(p) for p in err["loc"]), "problem": err["msg"]}
            for err in exc.errors()
        ]
        first = problems[0] if problems else {"field": "?", "problem": "invalid"}
        return JSONResponse(
            {
                "error": {
                    "code": "input.invalid",
                    "message": f"{first['field']}: {first['problem']}",
                    "details": {"problems": problems},
                }
            },
            status_code=422,
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = {404: "http.not_found", 405: "http.method_not_allowed"}.get(
            exc.status_code, "http.error"
        )
        return JSONResponse(
            {"error": {"code": code, "message": str(exc.detail)}}, status_code=exc.status_code
        )

    for router in (
        reference.router,
        applications.router,
        customs.router,
        screening.router,
        statistics.router,
        system.router,
    ):
        app.include_router(router, prefix="/api/v1")
    return app
