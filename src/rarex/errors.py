"""Domain errors. Each carries a stable machine-readable code; none carries a transport notion.

Business rules raise these from pure and service modules alike. The adapters decide what an
error means to their client: the API maps each family to an HTTP status in one table
(``rarex.api.problems``), the CLI prints ``error [code] message`` and exits non-zero.
"""

from __future__ import annotations

from typing import Any, ClassVar


class DomainError(Exception):
    """A rule refused the request; nothing of it was written."""

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
    """The input breaks a rule of its own (a format, a range, a known value)."""

    default_code = "input.invalid"


class NotFound(DomainError):
    """The thing named does not exist, or the asker may not know that it does."""

    default_code = "not_found"


class Conflict(DomainError):
    """The input is fine, but the stored state refuses it (a number filed before)."""

    default_code = "conflict"


class ConcurrentChange(Conflict):
    """A concurrent transaction wrote the same row first (a unique number, a locked balance):
    nothing of this one was written, and trying again sees the other's result. The one race
    error of every write path."""

    default_code = "db.conflict"


class InvalidTransition(DomainError):
    """The step is not allowed from the current state (a transition table said no)."""

    default_code = "application.illegal_transition"


class Forbidden(DomainError):
    """The asker is known but may not do this."""

    default_code = "auth.forbidden"


class Unauthenticated(DomainError):
    """The asker is not known: no, an unknown or a revoked credential."""

    default_code = "auth.unauthenticated"


class TooManyAttempts(DomainError):
    """The asker must wait before trying again (``details["retry_after"]``, seconds)."""

    default_code = "auth.too_many_attempts"


class PayloadTooLarge(DomainError):
    """The input is larger than the limit set for it."""

    default_code = "document.too_large"


class Unavailable(DomainError):
    """The work was stopped before it was done (the server is stopping): what was committed
    stays, and the request may be sent again."""

    default_code = "service.unavailable"
