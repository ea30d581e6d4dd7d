"""The layer rules of STYLE.md, enforced: import-linter contracts live in pyproject.toml."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_import_contracts_hold() -> None:
    # In a process of its own: import-linter configures logging with ``dictConfig``, which
    # disables every logger that exists, and a later test in the same xdist worker that reads
    # ``caplog`` would then see nothing.
    lint_imports = Path(sys.executable).parent / "lint-imports"
    done = subprocess.run(
        [str(lint_imports), "--no-cache", str(ROOT / "pyproject.toml")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr


DOMAIN_ROOMS = (
    "audit",
    "auth",
    "catalog",
    "customs",
    "jurisdictions",
    "licensing",
    "notify",
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
