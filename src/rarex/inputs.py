"""Bounded, clean text for every input model: lengths match the columns, and control
characters are refused (PostgreSQL rejects NUL outright, and a terminal would obey escapes)."""

from __future__ import annotations

import re
import unicodedata
from typing import Annotated

from pydantic import AfterValidator, StringConstraints

_MULTILINE_OK = frozenset("\n\t")


def is_control(ch: str) -> bool:
    """A control or format character (the zero-width joiner, part of emoji and some scripts'
    spelling, excepted): what a terminal would obey rather than show."""
    return unicodedata.category(ch) in ("Cc", "Cf") and ch != "\u200d"


def listed_codes(typed: str | None) -> list[str]:
    """Codes typed in one field or option, apart by commas or spaces: ``DE,FR`` or ``DE FR``."""
    return [item for item in (typed or "").replace(",", " ").split() if item]


def text_problem(value: str, *, max_length: int, multiline: bool = False) -> str | None:
    """Why a text breaks the rule (too long, a control character), or None: for inputs that do
    not pass through a model, such as a header or an uploaded file's name."""
    if len(value) > max_length:
        return f"has {len(value)} characters; at most {max_length} are allowed"
    if value.isprintable():  # no control or format character at all: the common case, in C
        return None
    for ch in value:
        if multiline and ch in _MULTILINE_OK:
            continue
        if is_control(ch):
            return f"contains the control character U+{ord(ch):04X}"
    return None


MAX_FILE_NAME = 255
_PATH_SEPARATORS = re.compile(r"[/\\]")


def file_name_problem(name: str) -> str | None:
    """Why a file's name as a client sent it cannot be kept, or None: the text rule (no
    control or format character: an ESC sequence a terminal would obey, U+202E that shows
    ``cod.exe`` as ``exe.doc``, a line break that forges a log line), and it must name a
    file, not only folders."""
    problem = text_problem(name, max_length=MAX_FILE_NAME)
    if problem is not None:
        return problem
    if clean_file_name(name) in ("", ".", ".."):
        return "names no file"
    return None


def clean_file_name(name: str) -> str:
    """The name as it is stored and shown: its last path component, trimmed. A name is never
    a path (``../../etc/passwd`` is ``passwd``, ``C:\\x\\y.pdf`` is ``y.pdf``); check it with
    ``file_name_problem`` first."""
    return _PATH_SEPARATORS.split(name)[-1].strip()


def _clean(value: str, *, multiline: bool) -> str:
    problem = text_problem(value, max_length=len(value), multiline=multiline)
    if problem is not None:
        raise ValueError(problem)
    return value


def _one_line(value: str) -> str:
    return _clean(value, multiline=False)


def _many_lines(value: str) -> str:
    return _clean(value, multiline=True)


def _bounded(max_length: int, min_length: int = 0) -> StringConstraints:
    return StringConstraints(strip_whitespace=True, min_length=min_length, max_length=max_length)


Code = Annotated[str, _bounded(40, 1), AfterValidator(_one_line)]
Name = Annotated[str, _bounded(300, 1), AfterValidator(_one_line)]
Reference = Annotated[str, _bounded(120, 1), AfterValidator(_one_line)]
Item = Annotated[str, _bounded(500), AfterValidator(_one_line)]
Address = Annotated[str, _bounded(2000), AfterValidator(_many_lines)]
Reason = Annotated[str, _bounded(4000), AfterValidator(_many_lines)]
Statement = Annotated[str, _bounded(10000), AfterValidator(_many_lines)]
# A message between the authority and a partner: plain text, lines kept, never empty.
MAX_MESSAGE_CHARS = 4000
Message = Annotated[str, _bounded(MAX_MESSAGE_CHARS, 1), AfterValidator(_many_lines)]
# Without a minimum length: the service gives an empty value its own, specific error code.
Token = Annotated[str, _bounded(60), AfterValidator(_one_line)]
Label = Annotated[str, _bounded(300), AfterValidator(_one_line)]
# A page token as a list gave it out (``rarex.pagination``): opaque, URL-safe, bounded.
PageToken = Annotated[str, _bounded(2000, 1), AfterValidator(_one_line)]
