"""``Idempotency-Key``: a POST sent again after its answer was lost does nothing twice.

A client names each POST it may have to send again with a key of its own (a UUID). The
first request with that key runs as usual, and what it answered (status, body, media type,
``Location``) is written in the same transaction as what it did: either both stay or
neither. The same request sent again with the key (the same method, path, query and body,
by the same user) is not run: it gets the recorded answer, marked ``Idempotent-Replayed:
true``. The key sent with another request is 409 ``idempotency.key_reused``. Two requests
with one key at the same moment: one runs, the other waits (PostgreSQL: on the key's unique
index; SQLite: on the write lock) and then replays or, on PostgreSQL, answers 409
``db.conflict`` ("retry"), after which a retry replays.

Errors are not recorded (their transaction rolls back, and nothing was done): the same
request sent again runs again. Where the request's own content is the key, the header is
not needed and not used (``NATURAL_KEYS``: a declaration's number).

An answer that carries a secret (a new API token) is never recorded: its replay is 409
``idempotency.secret_not_replayed``, saying the request was done. Recorded answers are kept; a
key is the client's to make unique (docs/api.md).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Any

import anyio.from_thread
from fastapi.routing import APIRoute
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import Response

from rarex.api.problems import PROBLEM_JSON, problem_body
from rarex.auth.roles import Actor
from rarex.clock import Clock
from rarex.errors import Conflict, InvalidInput
from rarex.inputs import text_problem
from rarex.models import IdempotencyRecord

HEADER = "Idempotency-Key"
REPLAYED = "Idempotent-Replayed"
MAX_KEY = 255
# Routes whose input carries its own key: a declaration's number (and a file's numbers).
NATURAL_KEYS = frozenset({"/api/v1/declarations", "/api/v1/declarations/imports"})
_WITH_KEY = frozenset({"POST"})


@dataclass(frozen=True)
class Answer:
    """An answer as recorded (read before the request's transaction ends)."""

    status_code: int
    media_type: str | None
    location: str | None
    body: bytes


class Replay(Exception):
    """The request was answered before: the recorded answer is sent again."""

    def __init__(self, answer: Answer) -> None:
        super().__init__(answer.status_code)
        self.answer = answer


_SECRET = "no-store"


def holds_secret(response: Response) -> None:
    """Mark an answer that carries a secret (a new API token): it is never kept, by a cache
    or by the record of an Idempotency-Key, which keeps a refusal instead."""
    response.headers["Cache-Control"] = _SECRET


def _secret_withheld(status: int) -> Answer:
    body = problem_body(
        409,
        "idempotency.secret_not_replayed",
        f"this request was done (answered {status}), and the secret it answered is shown once: "
        "it is not kept to be shown again; list the tokens to find it, or issue a new one",
    )
    return Answer(409, PROBLEM_JSON, None, json.dumps(body).encode())


def replay_response(answer: Answer) -> Response:
    headers = {REPLAYED: "true"}
    if answer.location:
        headers["Location"] = answer.location
    return Response(
        answer.body, status_code=answer.status_code, media_type=answer.media_type, headers=headers
    )


@dataclass
class _Pending:
    """A request under a key, to be recorded with its answer before its transaction ends."""

    session: Session
    clock: Clock
    user_id: Any
    key: str
    request: str
    request_sha256: str

    def remember(self, response: Response) -> None:
        answer = Answer(
            response.status_code,
            response.media_type,
            response.headers.get("location"),
            bytes(response.body),
        )
        if response.headers.get("cache-control") == _SECRET:
            answer = _secret_withheld(response.status_code)
        self.session.add(
            IdempotencyRecord(
                user_id=self.user_id,
                key=self.key,
                request=self.request,
                request_sha256=self.request_sha256,
                status_code=answer.status_code,
                media_type=answer.media_type,
                location=answer.location,
                body=answer.body,
                created_at=self.clock.now(),
            )
        )
        # Here, not at the commit: a concurrent request with the key fails (or waits) now, and
        # its error is this request's answer, with nothing of it kept.
        self.session.flush()


def claim(request: Request, session: Session, actor: Actor, clock: Clock) -> None:
    """Called once the caller is known (``rarex.api.deps.get_actor``), in a worker thread:
    replay a recorded answer (``Replay``), refuse a key reused for another request, or note
    the request to record with its answer."""
    key = request.headers.get(HEADER)
    if key is None or request.method not in _WITH_KEY or request.url.path in NATURAL_KEYS:
        return
    problem = text_problem(key.strip(), max_length=MAX_KEY) or (None if key.strip() else "is empty")
    if problem is not None:
        field = "header.idempotency-key"
        raise InvalidInput(f"{field}: {problem}", code="input.invalid", field=field)
    key = key.strip()
    fingerprint = anyio.from_thread.run(_fingerprint, request)
    stored = session.scalars(
        select(IdempotencyRecord).where(
            IdempotencyRecord.user_id == actor.user_id, IdempotencyRecord.key == key
        )
    ).one_or_none()
    if stored is not None:
        if stored.request_sha256 != fingerprint:
            raise Conflict(
                f"the Idempotency-Key {key!r} was used for another request ({stored.request}); "
                "use a new key for a new request",
                code="idempotency.key_reused",
            )
        raise Replay(Answer(stored.status_code, stored.media_type, stored.location, stored.body))
    request.state.idempotency = _Pending(
        session=session,
        clock=clock,
        user_id=actor.user_id,
        key=key,
        request=f"{request.method} {request.url.path}"[:600],
        request_sha256=fingerprint,
    )


async def _fingerprint(request: Request) -> str:
    """SHA-256 of the method, path, query and content. A form's content is its fields and its
    files' names, types and bytes: the boundary a client draws anew for each send is not
    content."""
    digest = hashlib.sha256()
    for asked in (request.method, request.url.path, *sorted(request.query_params.multi_items())):
        digest.update(repr(asked).encode() + b"\0")
    media = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media in ("multipart/form-data", "application/x-www-form-urlencoded"):
        form = await request.form()
        for name, value in sorted(form.multi_items(), key=lambda item: item[0]):
            if isinstance(value, UploadFile):
                content = hashlib.sha256()
                await value.seek(0)
                while block := await value.read(1 << 20):
                    content.update(block)
                await value.seek(0)
                part: tuple[str | None, ...] = (
                    name, value.filename, value.content_type, content.hexdigest(),
                )  # fmt: skip
            else:
                part = (name, value)
            digest.update(repr(part).encode() + b"\0")
    else:
        digest.update(media.encode() + b"\0" + await request.body())
    return digest.hexdigest()


Handler = Callable[[Request], Coroutine[Any, Any, Response]]


class IdempotentRoute(APIRoute):
    """Every route of the API: the answer to a request under a key is recorded before the
    request's transaction ends (the session's commit runs after the handler returns)."""

    def get_route_handler(self) -> Handler:
        handler = super().get_route_handler()

        async def recorded(request: Request) -> Response:
            response = await handler(request)
            pending: _Pending | None = getattr(request.state, "idempotency", None)
            if pending is not None and hasattr(response, "body"):
                await run_in_threadpool(pending.remember, response)
            return response

        return recorded
