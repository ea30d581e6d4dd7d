"""Shared pieces of the command line: consoles, JSON output, exit codes and the refusal path.

Importing this module must stay cheap (``rarex --help`` imports it): SQLAlchemy and pydantic
are looked at only when an error has to be classified, by which time they are loaded.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterable
from datetime import date
from enum import IntEnum
from functools import wraps
from typing import Annotated, Any, ParamSpec, TypeVar

import typer
from pydantic import BaseModel
from rich.console import Console
from rich.markup import escape

from rarex import pagination
from rarex.errors import DomainError
from rarex.pagination import Page

console = Console()
err_console = Console(stderr=True)

# Every command's --json flag.
JsonOpt = Annotated[bool, typer.Option("--json", help="Print the stable JSON shape.")]

P = ParamSpec("P")
R = TypeVar("R")


class ExitCode(IntEnum):
    """What the exit status of every ``rarex`` command means (the README's "Exit codes")."""

    OK = 0
    # A bug or an unexpected failure; the traceback follows on stderr.
    INTERNAL_ERROR = 1
    # Refused input or configuration, or a database that cannot be used: one line
    # ``error [code] message`` on stderr, nothing recorded (but the chunks an interrupted
    # ``customs import`` says it committed). Click's usage errors are 2 too.
    REFUSED = 2
    # Declarations recorded, but not every line cleared: held for an officer, or refused.
    NOT_CLEARED = 3
    # Some rows of a file refused, the others recorded.
    PARTIAL_IMPORT = 4
    # ``rarex audit verify`` found the hash chain broken.
    AUDIT_BROKEN = 5


def emit_json(value: Any) -> None:
    """Print one JSON document on stdout: the stable ``--json`` shape, Decimals as strings."""
    sys.stdout.write(json.dumps(value, ensure_ascii=False, indent=2, default=str) + "\n")


def fail(code: str, message: str) -> typer.Exit:
    """Print ``error [code] message`` on stderr as one line (never wrapped to the terminal's
    width, so scripts can read it) and return the exit to raise."""
    err_console.print(
        "[bold red]error[/] " + escape(f"[{code}] {message}"),
        markup=True,
        highlight=False,
        soft_wrap=True,
    )
    return typer.Exit(ExitCode.REFUSED)


def refusal_for(exc: Exception) -> typer.Exit | None:
    """The one-line refusal (exit 2) for a domain error, bad ``RAREX_*`` settings or a database
    that cannot be used; ``None`` for anything else, which is a bug and keeps its traceback."""
    if isinstance(exc, DomainError):
        return fail(exc.code, exc.message)
    if _is_settings_error(exc):
        return fail("config.invalid", _settings_problems(exc))
    sqlalchemy_exc = sys.modules.get("sqlalchemy.exc")
    if sqlalchemy_exc is None:  # not loaded, so this cannot be one of its errors
        return None
    if isinstance(exc, sqlalchemy_exc.DBAPIError):
        # Imported here: only a command that reached the database can be here.
        from rarex.db_errors import race

        lost = race(exc)
        if lost is not None:  # a CHECK violation is a bug, not a race: it keeps its traceback
            return fail(lost.code, lost.message)
    if isinstance(exc, sqlalchemy_exc.OperationalError):
        reason = (str(exc.orig).strip().splitlines() or ["no reason given"])[0]
        return fail("db.unavailable", f"cannot use the database at {_database()}: {reason}")
    return None


def _is_settings_error(exc: Exception) -> bool:
    pydantic_core = sys.modules.get("pydantic_core")
    return (
        pydantic_core is not None
        and isinstance(exc, pydantic_core.ValidationError)
        and exc.title == "Settings"
    )


def _settings_problems(exc: Any) -> str:
    """``RAREX_DECISION_WORKING_DAYS: Input should be ...; ...``: the variable to fix, not the
    value given (a database URL may hold a password)."""
    problems = []
    for error in exc.errors():
        message = str(error["msg"]).removeprefix("Value error, ")
        # A rule across settings (loc empty) names its variables in its own message.
        loc = error["loc"]
        problems.append(f"RAREX_{str(loc[0]).upper()}: {message}" if loc else message)
    return "; ".join(problems)


def _database() -> str:
    from sqlalchemy.engine import make_url

    from rarex.config import get_settings

    try:
        return make_url(get_settings().database_url).render_as_string(hide_password=True)
    except Exception:  # the settings were read before; this only shapes a message
        return "RAREX_DATABASE_URL"


def domain_errors(func: Callable[P, R]) -> Callable[P, R]:
    """Refuse with one line on stderr and exit 2 (``refusal_for``) instead of a traceback."""

    @wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return func(*args, **kwargs)
        except Exception as exc:
            refusal = refusal_for(exc)
            if refusal is None:
                raise
            raise refusal from None

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


def emit_model(value: BaseModel) -> None:
    """A view's ``--json`` shape: the model as the API answers it."""
    emit_json(value.model_dump(mode="json"))


def emit_page_json(page: Page[Any]) -> None:
    """A page's ``--json`` shape: ``{"items", "next_page_token", "total", "order"}``."""
    emit_json(pagination.to_dict(page, lambda item: item.model_dump(mode="json")))


def remark(message: str, *, style: str | None = None) -> None:
    """A line about the output rather than of it (a page footer, "no screening hits"): on stdout
    for a person at a terminal, on stderr when stdout is piped or redirected, so that stdout
    holds only the rows (``rarex.cli.tables``). Printed as written, never read as markup."""
    said = console if console.is_terminal else err_console
    said.print(message, style=style, markup=False, highlight=False, soft_wrap=True)


def print_page_footer(page: Page[Any], noun: str) -> None:
    """Say how much of the list this page is, and how to ask for the next one (a remark)."""
    shown = f"{len(page.items)} of {page.total}" if page.total is not None else len(page.items)
    more = f"; next page: --page-token {page.next_page_token}" if page.next_page_token else ""
    remark(f"{shown} {noun}{more}")


# A fixed set of values is shown as the metavar ``[a|b|c]`` up to this length, and in the help
# beyond it: the metavar's column folds mid-word (``licensing_offi`` / ``cer``), the help wraps.
CHOICES_INLINE = 32


def one_of(
    values: Iterable[str], *, code: str, help: str = "", metavar: str | None = None
) -> dict[str, Any]:
    """``typer.Option(**one_of(LANES, code="application.unknown_lane", help="Only this lane"))``:
    an option that takes one of a fixed set of values. ``--help`` lists them (as the metavar
    ``[green|ordinary]``, Click's way, or after the help when they are many), and any other
    value is refused while the command line is parsed, before the command opens the database,
    with the code the service refuses it with (one line on stderr, exit 2). ``metavar`` names an
    argument (whose metavar is its name); its help then lists the values. Typer's own choices
    (an ``Enum`` annotation) would refuse with a usage error that names no code, and hand the
    command an ``Enum`` where the services take text."""
    allowed = tuple(str(value) for value in values)
    listed = f"[{'|'.join(allowed)}]"
    if metavar is None and len(listed) <= CHOICES_INLINE:
        metavar = listed
    else:
        help = f"{help.rstrip('.')}{': one' if help else 'One'} of {', '.join(allowed)}."
        metavar = metavar or "TEXT"

    def refuse_others(ctx: typer.Context, param: typer.CallbackParam, value: Any) -> Any:
        if ctx.resilient_parsing or value is None:
            return value
        given = [value] if isinstance(value, str) else list(value)
        for item in given:
            if item not in allowed:
                name = param.opts[0] if param.opts else param.name
                raise fail(code, f"{name} must be one of {', '.join(allowed)}; got {item!r}")
        return value

    return {"metavar": metavar, "help": help, "callback": refuse_others}
