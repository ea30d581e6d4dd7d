"""The OpenAPI document describes every error an operation can answer, as a problem.

Added here once for all routes, from what each operation has (a token, a body, a write), so
a new route is documented without a pattern to remember; FastAPI's own validation-error
schema, a shape we never send, is replaced.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI

from rarex.api.idempotency import HEADER, MAX_KEY, NATURAL_KEYS, REPLAYED
from rarex.api.problems import PROBLEM_JSON, TITLES, Problem

# A download's body in an operation's documented responses: bytes of the declared media type.
BINARY_FILE: dict[str, Any] = {"schema": {"type": "string", "format": "binary"}}
_REF = "#/components/schemas/{model}"
_WRITES = frozenset({"post", "put", "patch", "delete"})
_WHY = {
    400: "The body is not well-formed (not JSON, a broken multipart form).",
    401: "No, an unknown, a revoked or a deactivated user's token.",
    403: "The token's role may not do this, or a declared conflict of interest.",
    404: "The thing named does not exist, or it is not the caller's to see.",
    409: "The stored state refuses this (an illegal transition, a number filed before), or "
    "a concurrent request wrote first (`db.conflict`: nothing was written, retry).",
    411: "A body sent without a Content-Length (chunked).",
    413: "The body or a document is over its limit; refused before it is read.",
    422: "Invalid input: every field, parameter or row at fault is in `errors`.",
    500: "An unexpected error (code `internal`); the incident id is in the log.",
    503: "The database is busy or unreachable; retry after `Retry-After` seconds.",
}
_HEADERS = {
    401: {
        "WWW-Authenticate": {
            "description": '`Bearer realm="rarex"`, with `error="invalid_token"` for a bad one',
            "schema": {"type": "string"},
        }
    },
    503: {"Retry-After": {"description": "Seconds to wait", "schema": {"type": "integer"}}},
}


def document(app: FastAPI) -> None:
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            add_problems(generate())
        assert app.openapi_schema is not None
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


def add_problems(schema: dict[str, Any]) -> None:
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    problem = Problem.model_json_schema(ref_template=_REF)
    components.update(problem.pop("$defs", {}))
    components["Problem"] = problem
    for name in ("HTTPValidationError", "ValidationError"):
        components.pop(name, None)
    for path, operations in schema.get("paths", {}).items():
        for method, operation in operations.items():
            if method in _WRITES or method in {"get", "head"}:
                _document(method, operation)
            if method == "post" and operation.get("security") and path not in NATURAL_KEYS:
                _idempotent(operation)


def _idempotent(operation: dict[str, Any]) -> None:
    """The ``Idempotency-Key`` every authenticated POST takes (``rarex.api.idempotency``)."""
    operation.setdefault("parameters", []).append(
        {
            "name": HEADER,
            "in": "header",
            "required": False,
            "description": "A key of the client's own (a UUID) naming this request: the same "
            "request sent again with it gets the first answer, marked `Idempotent-Replayed: "
            "true`, and does nothing twice; the key with another request is 409 "
            "`idempotency.key_reused`. Errors are not recorded.",
            "schema": {"type": "string", "minLength": 1, "maxLength": MAX_KEY},
        }
    )
    for status, response in operation.get("responses", {}).items():
        if status.startswith("2"):
            response.setdefault("headers", {})[REPLAYED] = {
                "description": "`true` when this is the recorded answer to the same request "
                "sent before under its Idempotency-Key",
                "schema": {"type": "string", "enum": ["true"]},
            }


def _document(method: str, operation: dict[str, Any]) -> None:
    statuses = {404, 422, 500, 503}
    if operation.get("security"):
        statuses |= {401, 403}
    body = operation.get("requestBody")
    if body is not None:
        statuses |= {411, 413}
        if "application/json" in body.get("content", {}):
            statuses.add(400)
        if "multipart/form-data" in body.get("content", {}):
            statuses.add(400)
    if method in _WRITES:
        statuses.add(409)
    responses = operation.setdefault("responses", {})
    for status in sorted(statuses):
        entry: dict[str, Any] = {
            "description": f"{TITLES[status]}. {_WHY[status]}",
            "content": {PROBLEM_JSON: {"schema": {"$ref": _REF.format(model="Problem")}}},
        }
        if status in _HEADERS:
            entry["headers"] = _HEADERS[status]
        responses[str(status)] = entry
