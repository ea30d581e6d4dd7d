"""Errors of the screening room, each with a stable code."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rarex.errors import Conflict, InvalidInput

if TYPE_CHECKING:
    from rarex.screening.list_diff import Difference


class MalformedList(InvalidInput):
    """A list file that cannot be read as its format: names the place at fault.

    ``where`` is what a person opens the file at: ``line 12``, ``line 12, column "name"``,
    ``element INDIVIDUAL[3]/FIRST_NAME``, ``byte 1834``.
    """

    default_code = "lists.malformed"

    def __init__(self, message: str, *, where: str, code: str | None = None, **details: Any):
        super().__init__(f"{where}: {message}", code=code, where=where, **details)
        self.where = where


class ShrinkRefused(Conflict):
    """A version that would remove more of the active entries than the limit allows, without
    an operator's confirmation. ``difference`` is the whole difference (for a CLI to show);
    ``details`` carry its counts and the limit (for the API's problem answer)."""

    default_code = "lists.shrink_refused"

    def __init__(self, message: str, *, difference: Difference, limit: float) -> None:
        super().__init__(message, difference=difference.counts(), limit=limit)
        self.difference = difference
