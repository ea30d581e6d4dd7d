"""How the commands describe themselves in ``--help``: Click's metavars, paragraphs that wrap.

The pinned Typer (0.29, constraints.txt) labels every parameter with its Python type in angle
brackets: ``<str>``, ``<int>``, ``<list[str]>``, and ``<bool>`` beside a flag, which takes no
value at all. Its help shows whatever ``_TyperParameter.display_type`` returns, for options,
arguments and the ``--help`` option alike; ``use_click_metavars`` replaces that one method by
what Click itself shows: TEXT, INTEGER, FILE, the choices of an ``Enum`` as ``[a|b]``, nothing
for a flag. A metavar given to an option (``YYYY-MM-DD``, or ``one_of``'s choices) still wins.

Typer also keeps the line breaks of every paragraph of a command's help but the first, so a
docstring's lines, cut at 100 characters, showed as ragged lines and an example was broken in
two; ``reflow`` makes each paragraph one line, which the terminal then wraps at its width.
"""

from __future__ import annotations

import inspect
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from pathlib import Path
from typing import Any, get_args, get_origin
from uuid import UUID

from typer import _click
from typer.core import TyperOption, _TyperParameter

_NAMES: dict[Any, str] = {
    str: "TEXT",
    int: "INTEGER",
    float: "FLOAT",
    bool: "BOOLEAN",
    Decimal: "DECIMAL",
    UUID: "UUID",
    date: "YYYY-MM-DD",
    datetime: "DATETIME",
}
_PATHS = {"file": "FILE", "dir": "DIRECTORY", "path": "PATH"}


def click_metavar(param: _TyperParameter, ctx: _click.Context) -> str:
    """What ``--help`` shows after a parameter's name: its kind of value, as Click shows it."""
    if isinstance(param, TyperOption) and (param.is_flag or param.count):
        return ""
    described = param.type_descriptor
    if described.choices is not None:
        return "[" + "|".join(_choice(c) for c in described.choices) + "]"
    annotation: Any = described.annotation
    if get_origin(annotation) is list:
        (annotation,) = get_args(annotation)
    if get_origin(annotation) is tuple:
        return " ".join(_NAMES.get(part, "TEXT") for part in get_args(annotation))
    if described.is_path or (isinstance(annotation, type) and issubclass(annotation, Path)):
        return _PATHS.get(described.path_type, "PATH")
    if annotation in _NAMES:
        return _NAMES[annotation]
    return str(getattr(annotation, "__name__", annotation)).upper()


def _choice(value: object) -> str:
    return str(value.value) if isinstance(value, Enum) else str(value)


def use_click_metavars() -> None:
    """Show Click's metavars in every command's help (once per process; idempotent)."""
    _TyperParameter.display_type = click_metavar  # type: ignore[method-assign, assignment]


def reflow(text: str | None) -> str | None:
    """Each paragraph of a help text on one line (a paragraph that starts with ``\\b`` is
    kept as written, as Click does)."""
    if not text:
        return text
    paragraphs = inspect.cleandoc(text).split("\n\n")
    return "\n\n".join(
        paragraph if paragraph.startswith("\b") else " ".join(paragraph.split())
        for paragraph in paragraphs
    )


def reflow_tree(command: _click.Command) -> None:
    """``reflow`` the help of a command and of every command under it."""
    command.help = reflow(command.help)
    for sub in getattr(command, "commands", {}).values():
        reflow_tree(sub)
