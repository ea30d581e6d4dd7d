"""Errors of the screening room, each with a stable code."""

from __future__ import annotations

from typing import Any

from rarex.errors import InvalidInput


class MalformedList(InvalidInput):
    """A list file that cannot be read as its format: names the place at fault.

    ``where`` is what a person opens the file at: ``line 12``, ``line 12, column "name"``,
    ``element INDIVIDUAL[3]/FIRST_NAME``, ``byte 1834``.
    """

    default_code = "lists.malformed"

    def __init__(self, message: str, *, where: str, code: str | None = None, **details: Any):
        super().__init__(f"{where}: {message}", code=code, where=where, **details)
        self.where = where
