"""The pagination contract's query parameters, declared once for every list route
(``rarex.pagination``; docs/api.md, section 5)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Query

from rarex.inputs import PageToken
from rarex.pagination import DEFAULT_LIMIT, MAX_LIMIT

Limit = Annotated[
    int | None,
    Query(description=f"Items per page, 1 to {MAX_LIMIT} (default {DEFAULT_LIMIT})"),
]
PageTokenParam = Annotated[
    PageToken | None,
    Query(description="The next_page_token of the page before; absent for the first page"),
]
