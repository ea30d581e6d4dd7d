"""Domain errors. Each carries a stable machine-readable code and the HTTP status it maps to.

Routes never raise HTTP errors for business rules; the API maps ``DomainError`` in one handler
and the CLI prints ``code: message`` and exits non-zero.
"""

from __future__ import annotations

from typing import Any, ClassVar


class DomainError(Exception):
    http_status: ClassVar[int] = 400
    default_code: ClassVar[str] = "domain.error"

    def __init__(self, message: str, *, code: str | None = None, **details: Any) -> None:
        super().__init__(message)
        self.message = message
        self.code = code or self.default_code
        self.details = details

    def to_dict(self) -> dict[str, Any]:
        body: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.details:
            body["details"] = self.details
        return body


class InvalidInput(DomainError):
    http_status = 422
    default_code = "input.invalid"


class NotFound(DomainError):
    http_status = 404
    default_code = "not_found"


class Conflict(DomainError):
    http_status = 409
    default_code = "conflict"


class ConcurrentChange(Conflict):
    """A concurrent transaction wrote the same row first (a unique number, a locked balance):
    nothing of this one was written, and trying again sees the other's result. The one race
    error of every write path."""

    default_code = "db.conflict"


class InvalidTransition(DomainError):
    http_status = 409
    default_code = "application.illegal_transition"


class Forbidden(DomainError):
    http_status = 403
    default_code = "auth.forbidden"


class Unauthenticated(DomainError):
    http_status = 401
    default_code = "auth.unauthenticated"


class PayloadTooLarge(DomainError):
    http_status = 413
    default_code = "document.too_large"
