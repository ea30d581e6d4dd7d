from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import OperationalError
from typer.testing import CliRunner

from rarex.config import get_settings
from rarex.db import make_engine
from tests.conftest import PG_URL


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A whole database of its own (the CLI commits): a temp SQLite file or a PG schema."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'cli.db'}"
        return
    schema = f"rarex_cli_{uuid.uuid4().hex[:10]}"
    admin = make_engine(PG_URL)
    try:
        with admin.begin() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    except OperationalError as exc:
        admin.dispose()
        if os.environ.get("CI"):
            pytest.fail(f"PostgreSQL unreachable: {exc.orig}", pytrace=False)
        pytest.skip(f"PostgreSQL unreachable: {exc.orig}")
    try:
        yield f"{PG_URL}?options=-csearch_path%3D{schema}"
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture
def cli_env(database_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    monkeypatch.setenv("RAREX_DATABASE_URL", database_url)
    monkeypatch.setenv("RAREX_ENVIRONMENT", "development")
    monkeypatch.delenv("RAREX_FROZEN_TIME", raising=False)
    get_settings.cache_clear()
    yield database_url
    get_settings.cache_clear()
