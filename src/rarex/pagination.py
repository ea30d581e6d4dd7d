"""One pagination contract for every list (API, CLI, pages). Pure.

A list is read a page at a time in a stated, stable order: ``limit`` rows (at most
``MAX_LIMIT``) after the row a ``page_token`` points at. The token is opaque to clients: the
last row's sort key and the name of the order it belongs to, so a token from one list or
order is refused rather than misread. Keyset, not offset: a row inserted or removed while a
client pages never makes it skip or repeat the rows that stay. Nothing is ever silently cut:
a page either says where the next one starts or that it is the last.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from rarex.errors import InvalidInput

T = TypeVar("T")
U = TypeVar("U")

DEFAULT_LIMIT = 50
MAX_LIMIT = 200
_MAX_TOKEN = 2000

Key = tuple[str | int, ...]


@dataclass(frozen=True, slots=True)
class PageRequest:
    limit: int
    after: Key | None
    order: str


def page_request(limit: int | None, page_token: str | None, *, order: str) -> PageRequest:
    """Check what a client asked for: a limit in 1..MAX_LIMIT, a token of this order."""
    if limit is None:
        limit = DEFAULT_LIMIT
    if not 1 <= limit <= MAX_LIMIT:
        raise InvalidInput(
            f"limit must be from 1 to {MAX_LIMIT}, got {limit}",
            code="pagination.bad_limit",
            field="limit",
        )
    after = _decode(page_token, order) if page_token else None
    return PageRequest(limit=limit, after=after, order=order)


def _decode(token: str, order: str) -> Key:
    bad = InvalidInput(
        "page_token is not one this list gave out", code="pagination.bad_token", field="page_token"
    )
    if len(token) > _MAX_TOKEN:
        raise bad
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        data = json.loads(raw)
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise bad from None
    if not isinstance(data, dict) or data.get("o") != order:
        raise bad
    key = data.get("k")
    if not isinstance(key, list) or not all(
        isinstance(part, str | int) and not isinstance(part, bool) for part in key
    ):
        raise bad
    return tuple(key)


def encode_token(order: str, key: Key) -> str:
    raw = json.dumps({"o": order, "k": list(key)}, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    """Rows in ``order``; ``next_page_token`` None on the last page; ``total`` the number of
    rows of the whole list where counting it is cheap (None otherwise)."""

    items: list[T]
    next_page_token: str | None
    total: int | None
    order: str

    def map(self, convert: Callable[[T], U]) -> Page[U]:
        items = [convert(item) for item in self.items]
        return Page(items, self.next_page_token, self.total, self.order)


def page_of(
    rows: Sequence[T], request: PageRequest, *, key: Callable[[T], Key], total: int | None
) -> Page[T]:
    """The page from rows read with ``LIMIT request.limit + 1``: one row more than the page
    says whether another page follows, without counting."""
    more = len(rows) > request.limit
    items = list(rows[: request.limit])
    token = encode_token(request.order, key(items[-1])) if more and items else None
    return Page(items, token, total, request.order)


def to_dict(page: Page[Any], item: Callable[[Any], Any]) -> dict[str, Any]:
    """The JSON shape of a page: ``{"items", "next_page_token", "total", "order"}``."""
    return {
        "items": [item(i) for i in page.items],
        "next_page_token": page.next_page_token,
        "total": page.total,
        "order": page.order,
    }
