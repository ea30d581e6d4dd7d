"""The layer rules of STYLE.md, enforced: import-linter contracts live in pyproject.toml."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from importlinter.cli import lint_imports

ROOT = Path(__file__).resolve().parents[1]


def test_import_contracts_hold(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    assert lint_imports(config_filename=str(ROOT / "pyproject.toml"), no_cache=True) == 0


DOMAIN_ROOMS = (
    "audit",
    "auth",
    "catalog",
    "customs",
    "licensing",
    "parties",
    "screening",
    "statistics",
)


def test_no_domain_room_commits(  # the request or the command owns the unit of work
) -> None:
    offenders = []
    for room in DOMAIN_ROOMS:
        for path in sorted((ROOT / "src" / "rarex" / room).rglob("*.py")):
            tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
            for node in ast.walk(tree):
                if (
                    isinstance(node, ast.Call)
                    and isinstance(node.func, ast.Attribute)
                    and node.func.attr == "commit"
                ):
                    offenders.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert offenders == []


def test_the_commit_check_sees_a_commit() -> None:
    """The check above can fail: it finds a commit in a module written to have one."""
    tree = ast.parse("def step(session):\n    session.flush()\n    session.commit()\n")
    calls = [
        node
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "commit"
    ]
    assert len(calls) == 1
