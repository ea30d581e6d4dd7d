"""What an operator sees of a running server: one log line and one count per request, under a
request id, and the Prometheus metrics at ``/metrics``.

``RequestObserver`` stands outside every other part of the site, so it sees every answer
(a refused body, a 500 turned into a problem, a page) and every request runs under its id:
the ``X-Request-ID`` the client or the proxy before us sent, when plain enough to repeat, or
a fresh one. The id is answered in ``X-Request-ID``, stamped on the log records written
while the request runs, kept in the audit events it records, and is a 500's incident id.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import time
from collections.abc import Iterator

from fastapi import APIRouter, Request, Response
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from sqlalchemy.orm import Session
from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from rarex import metrics
from rarex.api.deps import SessionDep, SettingsDep
from rarex.customs.repository import held_declaration_count
from rarex.errors import Forbidden, NotFound, Unauthenticated
from rarex.licensing.repository import open_case_counts
from rarex.logs import enter_request, leave_request, request_id_from
from rarex.notify.outbox import pending_count

log = logging.getLogger(__name__)
REQUEST_ID_HEADER = "X-Request-ID"
METRICS_PATH = "/metrics"
_LOOPBACK = frozenset({"127.0.0.1", "::1"})
_FORWARDED = ("x-forwarded-for", "forwarded", "x-real-ip")


def route_of(scope: Scope) -> str:
    """The route's template (``/api/v1/applications/{reference}``), never the path itself: a
    label per reference would grow without end. Mounts (static files) by their prefix.

    The router matched last holds the template without the prefixes of the routers it was
    included in; the prefix is what the path has before the template's own part."""
    route = scope.get("route")
    template = getattr(route, "path_format", None) or getattr(route, "path", None)
    if not isinstance(template, str):
        return "unmatched"
    concrete = template
    for name, value in (scope.get("path_params") or {}).items():
        concrete = concrete.replace("{" + name + "}", str(value))
    path = str(scope.get("path", ""))
    if concrete and path.endswith(concrete):
        return path[: len(path) - len(concrete)] + template
    return template


class RequestObserver:
    """Pure ASGI (see ``rarex.web.site.PageHeaders`` for why not ``@app.middleware``)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = request_id_from(Headers(scope=scope).get(REQUEST_ID_HEADER))
        token = enter_request(request_id)
        started = time.perf_counter()
        status = 500  # what a request that ends without an answer counts as

        async def answer_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                MutableHeaders(scope=message)[REQUEST_ID_HEADER] = request_id
            await send(message)

        try:
            await self.app(scope, receive, answer_with_id)
        finally:
            seconds = time.perf_counter() - started
            method = scope.get("method", "")
            route = route_of(scope)
            metrics.HTTP_REQUESTS.labels(method, route, str(status)).inc()
            metrics.HTTP_REQUEST_SECONDS.labels(method, route).observe(seconds)
            client = scope.get("client")
            log.info(
                "http.request",
                extra={
                    "method": method,
                    "path": scope.get("path", ""),
                    "route": route,
                    "status": status,
                    "duration_ms": round(seconds * 1000, 1),
                    "client": client[0] if client else None,
                },
            )
            leave_request(token)


class DatabaseState(Collector):
    """The queues as the database holds them, read at each scrape: every worker and every host
    answers the same, and nothing has to be added up."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def collect(self) -> Iterator[GaugeMetricFamily]:
        queue = GaugeMetricFamily(
            "rarex_review_queue",
            "Applications filed and not yet decided, withdrawn or returned, by state and lane",
            labels=["state", "lane"],
        )
        for (state, lane), count in open_case_counts(self.session).items():
            queue.add_metric([state, lane], count)
        yield queue
        yield GaugeMetricFamily(
            "rarex_declarations_held",
            "Customs declarations with a line held for an officer",
            value=held_declaration_count(self.session),
        )
        yield GaugeMetricFamily(
            "rarex_outbox_backlog",
            "Notifications waiting to be sent by e-mail",
            value=pending_count(self.session),
        )


router = APIRouter(tags=["system"])


@router.get(
    METRICS_PATH,
    response_class=Response,
    responses={200: {"content": {metrics.CONTENT_TYPE: {}}, "description": "Prometheus text"}},
    # A bearer token when RAREX_METRICS_ACCESS=token (not a user's), none from the loopback.
    openapi_extra={"security": [{"token": []}, {}]},
)
def prometheus_metrics(request: Request, session: SessionDep, settings: SettingsDep) -> Response:
    """Prometheus metrics, summed over the server's processes (``RAREX_METRICS_ACCESS``:
    ``loopback``, a direct connection from this host; ``token``, ``Authorization: Bearer``
    with the token whose SHA-256 is ``RAREX_METRICS_TOKEN_SHA256``; ``off``, 404)."""
    may_read_metrics(request, settings.metrics_access, settings.metrics_token_sha256)
    return Response(metrics.exposition(DatabaseState(session)), media_type=metrics.CONTENT_TYPE)


def may_read_metrics(request: Request, access: str, token_sha256: str | None) -> None:
    if access == "off":
        raise NotFound("metrics are not served here (RAREX_METRICS_ACCESS=off)",
                       code="http.not_found")  # fmt: skip
    if access == "token":
        scheme, _, given = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not given.strip():
            raise Unauthenticated("metrics need a bearer token", code="metrics.token_required")
        digest = hashlib.sha256(given.strip().encode()).hexdigest()
        if token_sha256 is None or not hmac.compare_digest(digest, token_sha256):
            raise Unauthenticated("this is not the metrics token", code="metrics.invalid_token")
        return
    # A reverse proxy on this host connects from the loopback for every client it forwards:
    # a forwarded request is someone else's, whatever its connection says.
    peer = request.client.host if request.client is not None else ""
    if peer not in _LOOPBACK or any(name in request.headers for name in _FORWARDED):
        raise Forbidden(
            "metrics are read from this host only (RAREX_METRICS_ACCESS=loopback)",
            code="metrics.loopback_only",
        )
