"""A cap on request bodies, enforced before any route reads them.

A body must declare its length (no chunked uploads) so the cap applies before a byte is
spooled. The cap is the document limit plus room for the multipart envelope, and on the
routes that take a file to import (``IMPORT_PATHS``, API and pages) the import limit plus the
same room: each route's own limit is then reachable, and never more.
"""

from __future__ import annotations

import json

from starlette.types import ASGIApp, Receive, Scope, Send

from rarex.api.problems import PROBLEM_JSON, problem_body

ENVELOPE_BYTES = 1024 * 1024
_WITH_BODY = frozenset({"POST", "PUT", "PATCH"})
IMPORT_PATHS = frozenset(
    {
        "/api/v1/declarations/imports",
        "/api/v1/screening/lists",
        "/customs/imports",
        "/admin/lists",
    }
)


class BodySizeLimit:
    def __init__(self, app: ASGIApp, *, max_bytes: int, max_import_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes + ENVELOPE_BYTES
        self.max_import_bytes = max(max_bytes, max_import_bytes) + ENVELOPE_BYTES

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in _WITH_BODY:
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope["headers"]}
        declared = headers.get("content-length")
        if declared is None:
            if headers.get("transfer-encoding", "").lower() == "chunked":
                await _refuse(send, 411, "http.length_required", "send a Content-Length header")
                return
            await self.app(scope, receive, send)
            return
        cap = self.max_import_bytes if scope["path"] in IMPORT_PATHS else self.max_bytes
        if not declared.isdigit() or int(declared) > cap:
            await _refuse(
                send,
                413,
                "http.body_too_large",
                f"request body of {declared} bytes exceeds the limit of {cap}",
            )
            return
        await self.app(scope, receive, send)


async def _refuse(send: Send, status: int, code: str, message: str) -> None:
    payload = json.dumps(problem_body(status, code, message)).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", PROBLEM_JSON.encode()),
                (b"content-length", str(len(payload)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": payload})
