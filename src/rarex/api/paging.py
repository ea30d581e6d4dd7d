"""The pagination contract's query parameters, declared once for every list route
(``rarex.pagination``; docs/api.md, section 5)."""

from __future__ import annotations

from typing import Annotated, Generic, TypeVar

from fastapi import Query
from pydantic import BaseModel

from rarex.inputs import PageToken
from rarex.pagination import DEFAULT_LIMIT, MAX_LIMIT, Page

T = TypeVar("T")

Limit = Annotated[
    int | None,
    Query(description=f"Items per page, 1 to {MAX_LIMIT} (default {DEFAULT_LIMIT})"),
]
PageTokenParam = Annotated[
    PageToken | None,
    Query(description="The next_page_token of the page before; absent for the first page"),
]


class PageOut(BaseModel, Generic[T]):
    """A page as the API answers it."""

    items: list[T]
    next_page_token: str | None
    total: int | None
    order: str

    @classmethod
    def of(cls, page: Page[T]) -> PageOut[T]:
        return cls(
            items=page.items,
            next_page_token=page.next_page_token,
            total=page.total,
            order=page.order,
        )
