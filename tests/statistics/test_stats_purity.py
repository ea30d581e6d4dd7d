"""The arithmetic of statistics is pure: it imports neither SQLAlchemy nor FastAPI, directly
or through another Rarex module (STYLE.md rule 10)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[2] / "src"
PURE = [
    "rarex.statistics.periods",
    "rarex.statistics.derivation",
    "rarex.statistics.measures",
    "rarex.statistics.monitor",
    "rarex.statistics.rows",
    "rarex.statistics.parsing",
    "rarex.statistics.chart_data",
    "rarex.statistics.chart_text",
    "rarex.statistics.sdmx",
]
FORBIDDEN = ("sqlalchemy", "fastapi")


def _imports(module: str) -> set[str]:
    path = SRC / (module.replace(".", "/") + ".py")
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
    return found


def _closure(module: str) -> set[str]:
    """Every module reached through Rarex-internal imports, outside ones included."""
    seen: set[str] = set()
    stack = [module]
    out: set[str] = set()
    while stack:
        current = stack.pop()
        if current in seen:
            continue
        seen.add(current)
        for name in _imports(current):
            out.add(name)
            if name.startswith("rarex.") and (SRC / (name.replace(".", "/") + ".py")).exists():
                stack.append(name)
    return out


@pytest.mark.parametrize("module", PURE)
def test_pure_statistics_modules_import_neither_sqlalchemy_nor_fastapi(module: str) -> None:
    reached = _closure(module)
    assert not [n for n in reached if n.split(".")[0] in FORBIDDEN]
