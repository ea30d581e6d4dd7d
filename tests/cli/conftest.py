from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from rarex.config import get_settings
from tests.conftest import BACKENDS, whole_database


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


@pytest.fixture(params=BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A whole database of its own (the CLI commits), at the current schema revision: a temp
    SQLite file or a PostgreSQL database."""
    with whole_database(request.param, tmp_path, name="cli", migrated=True) as url:
        yield url


@pytest.fixture(params=BACKENDS)
def empty_database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A whole empty database of its own: what the CLI migrates, or refuses when outdated."""
    with whole_database(request.param, tmp_path, name="cli_empty") as url:
        yield url


@pytest.fixture
def cli_env(database_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    yield from _environment(database_url, monkeypatch)


@pytest.fixture
def empty_cli_env(empty_database_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    yield from _environment(empty_database_url, monkeypatch)


def _environment(database_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    use_database(monkeypatch, database_url)
    yield database_url
    get_settings.cache_clear()


def use_database(monkeypatch: pytest.MonkeyPatch, url: str) -> None:
    """The CLI's environment for a run on ``url``: development, passwords hashed at the tests'
    cost (tests/conftest.py: CHEAP_HASHING), the real clock; settings read again."""
    monkeypatch.setenv("RAREX_DATABASE_URL", url)
    monkeypatch.setenv("RAREX_ENVIRONMENT", "development")
    monkeypatch.setenv("RAREX_PASSWORD_HASH_TIME_COST", "1")
    monkeypatch.setenv("RAREX_PASSWORD_HASH_MEMORY_KIB", "1024")
    monkeypatch.delenv("RAREX_FROZEN_TIME", raising=False)
    get_settings.cache_clear()
