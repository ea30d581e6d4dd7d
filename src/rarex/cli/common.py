"""Shared pieces of the command line: consoles, JSON output and the domain-error exit path."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from datetime import date
from functools import wraps
from typing import Annotated, Any, ParamSpec, TypeVar

import typer
from rich.console import Console
from rich.markup import escape
from sqlalchemy.exc import IntegrityError

from rarex import pagination
from rarex.errors import DomainError
from rarex.pagination import Page

console = Console()
err_console = Console(stderr=True)

P = ParamSpec("P")
R = TypeVar("R")

EXIT_DOMAIN_ERROR = 2


def emit_json(value: Any) -> None:
    """Print one JSON document on stdout: the stable ``--json`` shape, Decimals as strings."""
    sys.stdout.write(json.dumps(value, ensure_ascii=False, indent=2, default=str) + "\n")


def fail(code: str, message: str) -> typer.Exit:
    err_console.print(
        "[bold red]error[/] " + escape(f"[{code}] {message}"), markup=True, highlight=False
    )
    return typer.Exit(EXIT_DOMAIN_ERROR)


def domain_errors(func: Callable[P, R]) -> Callable[P, R]:
    """Turn a DomainError into a one-line message on stderr and exit code 2."""

    @wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return func(*args, **kwargs)
        except DomainError as exc:
            raise fail(exc.code, exc.message) from None
        except IntegrityError:
            raise fail(
                "db.conflict",
                "a concurrent change conflicted with this one; nothing was written, retry",
            ) from None

    return wrapper


def parse_date(value: str, *, option: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise fail(
            "input.invalid_date", f"{option} must be a date YYYY-MM-DD, got {value!r}"
        ) from None


# The pagination contract on the command line: the same limit and token as the API.
LimitOpt = Annotated[
    int | None, typer.Option("--limit", help="Rows per page, 1 to 200 (default 50).")
]
PageTokenOpt = Annotated[
    str | None,
    typer.Option("--page-token", help="Where the previous page said the next one starts."),
]


def emit_page_json(page: Page[Any]) -> None:
    """A page's ``--json`` shape: ``{"items", "next_page_token", "total", "order"}``."""
    emit_json(pagination.to_dict(page, lambda item: item.model_dump(mode="json")))


def print_page_footer(page: Page[Any], noun: str) -> None:
    """Say how much of the list this page is, and how to ask for the next one."""
    shown = f"{len(page.items)} of {page.total}" if page.total is not None else len(page.items)
    more = f"; next page: --page-token {page.next_page_token}" if page.next_page_token else ""
    console.print(f"{shown} {noun}{more}", highlight=False, soft_wrap=True)
