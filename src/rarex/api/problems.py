"""RFC 9457 problem details: the one shape of every error answer (``docs/api.md``).

Domain errors carry a stable code and no HTTP notion; the table here gives each family its
status. Everything that answers an error (the exception handlers, the body-size middleware)
builds its body with ``problem_body`` so no error leaves in another shape.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from http import HTTPStatus
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from rarex.errors import (
    Conflict,
    DomainError,
    Forbidden,
    InvalidInput,
    InvalidTransition,
    NotFound,
    PayloadTooLarge,
    TooManyAttempts,
    Unauthenticated,
    Unavailable,
)

PROBLEM_JSON = "application/problem+json"
TYPE_PREFIX = "urn:rarex:problem:"

# First match wins: a subclass is listed before its family.
STATUS_BY_FAMILY: tuple[tuple[type[DomainError], int], ...] = (
    (Unauthenticated, 401),
    (Forbidden, 403),
    (NotFound, 404),
    (InvalidTransition, 409),
    (Conflict, 409),
    (PayloadTooLarge, 413),
    (InvalidInput, 422),
    (TooManyAttempts, 429),
    (Unavailable, 503),
)
# A rule refused the request without naming a family: the request was understood, not allowed.
DEFAULT_STATUS = 422

TITLES = {
    400: "Malformed request",
    401: "Authentication required",
    403: "Forbidden",
    404: "Not found",
    405: "Method not allowed",
    409: "Conflict with the stored state",
    411: "Length required",
    413: "Content too large",
    422: "Invalid input",
    429: "Too many attempts",
    500: "Internal error",
    503: "Service unavailable",
}


class FieldProblem(BaseModel):
    """One invalid input."""

    model_config = ConfigDict(extra="forbid")

    field: str | None = Field(
        description="Where: a JSON path into the body (`lines[2].net_kg`, indexes from 0), "
        "`query.<name>`, `path.<name>`, `header.<name>`, or a row of an uploaded file "
        "(`file.rows[3].net_kg`, rows numbered as in the file); null when the problem is "
        "not one input's."
    )
    code: str = Field(description="Stable code of this problem.")
    detail: str = Field(description="What is wrong, for a person.")


class Problem(BaseModel):
    """An error answer (RFC 9457, `application/problem+json`)."""

    model_config = ConfigDict(extra="forbid")

    type: str = Field(description=f"`{TYPE_PREFIX}<code>`; an identifier, not a link.")
    title: str = Field(description="Short summary of the status.")
    status: int = Field(description="The HTTP status, repeated.")
    detail: str = Field(description="What happened, for a person.")
    code: str = Field(description="Stable machine-readable code; clients switch on this.")
    errors: list[FieldProblem] = Field(
        default_factory=list, description="Every invalid input at once; empty when none."
    )
    details: dict[str, Any] | None = Field(
        default=None, description="Facts specific to the code (for example `status`)."
    )
    incident_id: str | None = Field(
        default=None, description="500 only: quote it to the operators; it is in their log."
    )


def status_for(exc: DomainError) -> int:
    for family, status in STATUS_BY_FAMILY:
        if isinstance(exc, family):
            return status
    return DEFAULT_STATUS


def problem_body(
    status: int,
    code: str,
    detail: str,
    *,
    errors: Iterable[FieldProblem] = (),
    details: Mapping[str, Any] | None = None,
    incident_id: str | None = None,
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "type": TYPE_PREFIX + code,
        "title": TITLES.get(status) or HTTPStatus(status).phrase,
        "status": status,
        "detail": detail,
        "code": code,
        "errors": [e.model_dump() for e in errors],
    }
    if details:
        body["details"] = dict(details)
    if incident_id is not None:
        body["incident_id"] = incident_id
    return body


def field_path(loc: Sequence[str | int]) -> str:
    """``("body", "lines", 2, "net_kg")`` → ``lines[2].net_kg``; ``("query", "limit")`` →
    ``query.limit``; a whole body is ``body``."""
    parts = list(loc)
    if parts and parts[0] == "body" and len(parts) > 1:
        parts = parts[1:]
    path = ""
    for part in parts:
        if isinstance(part, int):
            path += f"[{part}]"
        else:
            path += f".{part}" if path else str(part)
    return path


def domain_field_problems(exc: DomainError) -> list[FieldProblem]:
    """The inputs a domain error names: its ``problems`` (a declaration's lines, a file's rows),
    the rows of an import ``report``, or its single ``field``."""
    details = exc.details
    report = details.get("report")
    problems = details.get("problems")
    if problems is None and isinstance(report, Mapping):
        problems = report.get("errors")
    if isinstance(problems, list) and problems:
        return [_one(p, exc, file=details.get("file")) for p in problems]
    field = details.get("field")
    if isinstance(field, str):
        return [FieldProblem(field=field, code=exc.code, detail=exc.message)]
    return []


def _one(problem: object, exc: DomainError, *, file: object) -> FieldProblem:
    if not isinstance(problem, Mapping):
        return FieldProblem(field=None, code=exc.code, detail=str(problem))
    name = problem.get("field")
    where: str | None
    if problem.get("line_no") is not None:  # a line of a submitted body, numbered from 1
        where = f"lines[{int(problem['line_no']) - 1}]" + (f".{name}" if name else "")
    elif problem.get("row") is not None:  # a row of the one uploaded ``file``
        where = f"file.rows[{problem['row']}]" + (f".{name}" if name else "")
    elif file is not None:  # a line of one of several uploaded ``files``
        line = problem.get("line")
        where = f"files[{file}]" + (f".rows[{line}]" if line is not None else "")
        where += f".{name}" if name else ""
    else:
        where = str(name) if name else None
    return FieldProblem(
        field=where,
        code=str(problem.get("code") or exc.code),
        detail=str(problem.get("message") or problem.get("problem") or exc.message),
    )
