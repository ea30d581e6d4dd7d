"""Every error the API answers, in one place and one shape (``problems.Problem``).

Domain errors get their family's status; FastAPI's input errors name every parameter and
field at fault; database races are 409 ``db.conflict`` and a busy or unreachable database is
503 with ``Retry-After``; anything else is 500 ``internal`` with an incident id that is also
in the log beside the traceback.
"""

from __future__ import annotations

import logging
import uuid
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from rarex import db_errors
from rarex.api.idempotency import Replay, replay_response
from rarex.api.problems import (
    PROBLEM_JSON,
    FieldProblem,
    domain_field_problems,
    field_path,
    problem_body,
    status_for,
)
from rarex.errors import DomainError, TooManyAttempts, Unauthenticated, Unavailable
from rarex.logs import current_request_id

log = logging.getLogger(__name__)

_HTTP_CODES = {
    400: "input.invalid",
    404: "http.not_found",
    405: "http.method_not_allowed",
    411: "http.length_required",
    413: "http.body_too_large",
}


def problem_response(
    status: int, body: dict[str, Any], headers: dict[str, str] | None = None
) -> JSONResponse:
    return JSONResponse(body, status_code=status, headers=headers, media_type=PROBLEM_JSON)


def domain_problem(exc: DomainError) -> JSONResponse:
    status = status_for(exc)
    headers = None
    if isinstance(exc, Unauthenticated):
        # RFC 6750: a request without a token gets the bare challenge; a bad token is named.
        challenge = 'Bearer realm="rarex"'
        if exc.code != "auth.missing_token":
            challenge += ', error="invalid_token"'
        headers = {"WWW-Authenticate": challenge}
    if isinstance(exc, TooManyAttempts) and "retry_after" in exc.details:
        headers = {"Retry-After": str(exc.details["retry_after"])}
    if isinstance(exc, Unavailable):
        headers = {"Retry-After": "5"}
    body = problem_body(
        status, exc.code, exc.message, errors=domain_field_problems(exc), details=exc.details
    )
    return problem_response(status, body, headers)


def internal_problem(exc: BaseException, scope: Scope) -> JSONResponse:
    """Log the traceback under the request's id as its incident id (a fresh one outside a
    request) and answer with that id only."""
    incident = current_request_id() or uuid.uuid4().hex
    log.error(
        "api.internal_error",
        exc_info=exc,
        extra={
            "incident_id": incident,
            "method": scope.get("method"),
            "path": scope.get("path"),
            "error": type(exc).__name__,
        },
    )
    body = problem_body(
        500,
        "internal",
        f"an unexpected error occurred; nothing was written. Incident {incident}",
        incident_id=incident,
    )
    return problem_response(500, body)


def validation_problem(exc: RequestValidationError) -> JSONResponse:
    errors = [
        FieldProblem(field=field_path(e["loc"]), code=f"input.{e['type']}", detail=e["msg"])
        for e in exc.errors()
    ]
    # A body that is not JSON at all cannot be checked field by field: malformed, 400.
    status = 400 if any(e.code == "input.json_invalid" for e in errors) else 422
    first = errors[0] if errors else FieldProblem(field=None, code="input.invalid", detail="?")
    more = f" (and {len(errors) - 1} more problem(s))" if len(errors) > 1 else ""
    return problem_response(
        status,
        problem_body(
            status, "input.invalid", f"{first.field}: {first.detail}{more}", errors=errors
        ),
    )


def install(app: FastAPI) -> None:
    """Register the handlers, and the catch-all that turns a bug into a 500 problem."""

    @app.exception_handler(Replay)
    async def _replay(_: Request, exc: Replay) -> Response:
        return replay_response(exc.answer)

    @app.exception_handler(DomainError)
    async def _domain(_: Request, exc: DomainError) -> JSONResponse:
        return domain_problem(exc)

    @app.exception_handler(RequestValidationError)
    async def _validation(_: Request, exc: RequestValidationError) -> JSONResponse:
        return validation_problem(exc)

    @app.exception_handler(StarletteHTTPException)
    async def _http(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = _HTTP_CODES.get(exc.status_code, "http.error")
        body = problem_body(exc.status_code, code, str(exc.detail))
        return problem_response(exc.status_code, body, dict(exc.headers or {}))

    @app.exception_handler(DBAPIError)
    async def _database(request: Request, exc: DBAPIError) -> JSONResponse:
        race = db_errors.race(exc)
        if race is not None:
            return domain_problem(race)
        if isinstance(exc, IntegrityError):
            # A CHECK or NOT NULL violation is a rule the checks before the write missed: a
            # bug to report, never a "retry" conflict.
            return internal_problem(exc, request.scope)
        return _unavailable_or_internal(exc, request.scope)

    @app.exception_handler(PoolTimeout)
    async def _pool(request: Request, exc: PoolTimeout) -> JSONResponse:
        return _unavailable_or_internal(exc, request.scope)

    app.add_middleware(InternalErrors)


def _unavailable_or_internal(exc: DBAPIError | PoolTimeout, scope: Scope) -> JSONResponse:
    down = db_errors.unavailable(exc)
    if down is None:
        return internal_problem(exc, scope)
    log.warning("api.database_unavailable", extra={"code": down.code, "error": str(exc)})
    return problem_response(
        503,
        problem_body(503, down.code, down.message),
        {"Retry-After": str(down.retry_after_s)},
    )


class InternalErrors:
    """The last net: an exception no handler took becomes a 500 problem, logged once with its
    traceback and incident id (when the answer has not started yet; otherwise it re-raises)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, tracking_send)
        except Exception as exc:
            if started:
                raise
            await internal_problem(exc, scope)(scope, receive, send)
