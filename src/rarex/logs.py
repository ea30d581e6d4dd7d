"""What the servers write to their log: one JSON object per line, with the request it served.

Every room logs with the standard library (``log.info("notify.sent", extra={...})``): the
message is an event name, ``room.what_happened``, and the extra fields are its facts. Here
those records become JSON lines (python-json-logger) with the same field names everywhere:

- ``time`` (UTC, ISO 8601), ``level``, ``logger``, ``event`` (the message);
- ``request_id``: the request being served (also in the ``X-Request-ID`` answer header, in
  the audit events the request wrote and as a problem's ``incident_id``); absent outside one;
- the event's own facts under names shared by every room (``FIELD_NAMES``): an application is
  ``reference``, a license ``license``, a declaration ``declaration``, and so on;
- ``exc_info`` with the traceback, when there is one.

The request id lives in a context variable: set by the API's middleware for the request, and
copied into the worker thread a synchronous route runs in, so a service that logs or records
an audit event deep inside a request finds it without being passed it.
"""

from __future__ import annotations

import logging
import logging.config
import re
import uuid
from contextvars import ContextVar, Token
from datetime import UTC, datetime
from typing import Any, Literal

from pythonjsonlogger.json import JsonFormatter

_request_id: ContextVar[str | None] = ContextVar("rarex_request_id", default=None)

# An id a client or a proxy sent is kept only when it is short and plain: it goes into logs,
# headers and the audit chain.
_ACCEPTABLE_ID = re.compile(r"[A-Za-z0-9._:-]{8,64}")

# The facts of events, named the same in every room (tests/test_logs.py holds the rooms to it).
FIELD_NAMES = frozenset(
    {
        "reference",  # an application's reference, RX-...
        "license",  # a license number
        "declaration",  # a customs declaration number
        "notification",  # a notification's id
        "import_id",  # a statistics import, or a customs one
        "chunk",  # a customs import's chunk, counted from 1
        "source",  # an import's file name
        "committed_declarations",
        "outcome",  # a decision's
        "seq",  # an audit event's sequence number
        "line",  # a checkpoint log's line
        "kind",
        "from",
        "to",
        "action",
        "lane",
        "code",  # a refusal's machine-readable code
        "error",
        "reason",
        "sender",
        "held",
        "attempts",
        "gave_up",
        "message_id",
        "notifications",
        "incident_id",
        "method",
        "path",
        "route",
        "status",
        "duration_ms",
        "client",
        "actor",  # the username that acted
    }
)


def current_request_id() -> str | None:
    return _request_id.get()


def request_id_from(header: str | None) -> str:
    """The id of a request: the one its client (or the proxy before us) sent in
    ``X-Request-ID`` when it is plain enough to repeat, or a fresh one."""
    if header is not None and _ACCEPTABLE_ID.fullmatch(header):
        return header
    return uuid.uuid4().hex


def enter_request(request_id: str) -> Token[str | None]:
    return _request_id.set(request_id)


def leave_request(token: Token[str | None]) -> None:
    _request_id.reset(token)


class RequestIdFilter(logging.Filter):
    """Stamp every record with the request it was written in (None outside a request)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            record.request_id = _request_id.get()
        return True


class _Formatter(JsonFormatter):
    def add_fields(
        self, log_data: dict[str, Any], record: logging.LogRecord, message_dict: dict[str, Any]
    ) -> None:
        super().add_fields(log_data, record, message_dict)
        log_data["time"] = datetime.fromtimestamp(record.created, UTC).isoformat(
            timespec="milliseconds"
        )
        if log_data.get("request_id") is None:
            log_data.pop("request_id", None)
        log_data.pop("color_message", None)  # uvicorn's copy of the event for a terminal


def json_formatter() -> logging.Formatter:
    return _Formatter(
        "%(levelname)s %(name)s %(message)s %(request_id)s",
        rename_fields={"levelname": "level", "name": "logger", "message": "event"},
        json_ensure_ascii=False,
    )


LogFormat = Literal["json", "text"]


def configure_logging(level: str = "INFO", log_format: LogFormat = "json") -> None:
    """Send every record, Rarex's and uvicorn's, to stderr in one format at ``level`` and up:
    the commands that run for long (``rarex notify run``) and, through ``log_config``, each
    process of ``rarex serve``."""
    logging.config.dictConfig(log_config(level, log_format))


def log_config(level: str, log_format: LogFormat) -> dict[str, Any]:
    """The logging configuration (``logging.config.dictConfig``); also uvicorn's
    ``log_config``, which each worker process applies when it starts. uvicorn's access log is
    off: the API's middleware writes one line per request, with its id and route."""
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"request_id": {"()": RequestIdFilter}},
        "formatters": {
            "json": {"()": json_formatter},
            "text": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s [%(request_id)s]"},
        },
        "handlers": {
            "stderr": {
                "class": "logging.StreamHandler",
                "stream": "ext://sys.stderr",
                "formatter": log_format,
                "filters": ["request_id"],
            }
        },
        "root": {"handlers": ["stderr"], "level": level},
        "loggers": {
            "uvicorn": {"handlers": [], "propagate": True, "level": level},
            "uvicorn.error": {"handlers": [], "propagate": True, "level": level},
            "uvicorn.access": {"handlers": [], "propagate": False, "level": "CRITICAL"},
        },
    }
