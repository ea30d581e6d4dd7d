"""Reading filings from JSON or YAML files, with errors that name the line to fix."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from rarex.errors import InvalidInput

M = TypeVar("M", bound=BaseModel)


class _NumbersAsText(yaml.SafeLoader):
    """YAML 1.1 reads ``1_000`` as 1000, ``010`` as 8, ``0x10`` as 16 and ``1:30`` as 90 before
    any rule could see what was typed: here a number stays the text it was, and the model reads
    it (a figure by the one number rule of ``rarex.quantities``). Booleans and dates stay."""


_NUMBER_TAGS = ("tag:yaml.org,2002:int", "tag:yaml.org,2002:float")
_NumbersAsText.yaml_implicit_resolvers = {
    first: [(tag, pattern) for tag, pattern in resolvers if tag not in _NUMBER_TAGS]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def load_document(path: Path) -> dict[str, Any]:
    """Read a JSON or YAML filing; errors name the line, so the file can be fixed."""
    content = path.read_bytes()
    try:
        text = content.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = content.count(b"\n", 0, exc.start) + 1
        raise InvalidInput(
            f"{path.name} line {line} is not UTF-8 text (byte 0x{content[exc.start]:02x})",
            code="input.malformed_file",
        ) from None
    try:
        if path.suffix.lower() == ".json":
            data = json.loads(text, parse_float=Decimal)
        else:
            data = yaml.load(text, Loader=_NumbersAsText)  # a SafeLoader: no objects built
    except json.JSONDecodeError as exc:
        raise InvalidInput(
            f"{path.name} line {exc.lineno} column {exc.colno}: {exc.msg}",
            code="input.malformed_file",
        ) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" line {mark.line + 1} column {mark.column + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise InvalidInput(f"{path.name}{where}: {problem}", code="input.malformed_file") from None
    if not isinstance(data, dict):
        raise InvalidInput(
            f"{path.name} must hold one mapping (an application)", code="input.malformed_file"
        )
    return data


def parse_model(model: type[M], data: dict[str, Any], *, source: str) -> M:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(p) for p in first["loc"]) or "(document)"
        raise InvalidInput(
            f"{source}: {field}: {first['msg']} ({exc.error_count()} problem(s))",
            code="input.invalid",
            problems=[
                {"field": ".".join(str(p) for p in e["loc"]), "problem": e["msg"]}
                for e in exc.errors()
            ],
        ) from None
