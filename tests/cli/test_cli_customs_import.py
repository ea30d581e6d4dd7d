"""`rarex customs import` reads the whole file before it files anything: a file that breaks
after its first chunk of 1000 declarations is refused whole, naming the line at fault, and
the mended file then files every declaration once. (A failure while filing, after a chunk was
committed: ``tests/customs/test_customs_import_chunks.py``.)"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from rarex.cli.main import app
from rarex.clock import FixedClock
from rarex.config import Settings, get_settings
from rarex.db import make_sessionmaker, session_scope
from rarex.db_engine import make_engine
from rarex.migrations import upgrade_database
from rarex.models.customs import Declaration
from tests.customs.customs_factories import Licensed, licensed, next_number
from tests.customs.test_customs_import import row, write_csv


@pytest.fixture
def setup(cli_env: str, monkeypatch: pytest.MonkeyPatch) -> Licensed:
    """A licensed exporter (500 kg) and a customs officer, committed; the CLI's clock is
    frozen on the day the import's declarations are dated."""
    engine = make_engine(cli_env)
    upgrade_database(engine)
    clock = FixedClock(datetime(2025, 6, 2, 2, 0, tzinfo=UTC))
    with session_scope(make_sessionmaker(engine)) as session:
        found = licensed(session, clock, Settings(environment="test", database_url=cli_env))
    engine.dispose()
    monkeypatch.setenv("RAREX_FROZEN_TIME", "2025-06-04T10:00:00+08:00")
    get_settings.cache_clear()
    return found


def _stored(url: str) -> int:
    engine = make_engine(url)
    try:
        with session_scope(make_sessionmaker(engine)) as session:
            return int(session.scalar(select(func.count(Declaration.id))) or 0)
    finally:
        engine.dispose()


def test_a_file_breaking_after_its_first_chunk_is_refused_whole_and_the_mended_file_lands(
    cli_env: str, setup: Licensed, tmp_path: Path
) -> None:
    rows = [row(setup, next_number(), net_kg="0.1") for _ in range(2000)]
    good = write_csv(tmp_path / "good.csv", rows)
    broken = tmp_path / "broken.csv"
    # A byte that is not UTF-8 on the last line (2002: the header, 2000 rows, then this one),
    # far past the first chunk and the first block a text reader would decode.
    broken.write_bytes(good.read_bytes() + b"\xff\n")
    runner = CliRunner()

    first = runner.invoke(app, ["customs", "import", str(broken), "--as", setup.customs.username])

    assert first.exit_code == 2, (first.stdout, first.stderr)
    assert "error [import.malformed_file] broken.csv line 2002 is not UTF-8" in first.stderr
    assert _stored(cli_env) == 0

    again = runner.invoke(
        app, ["customs", "import", str(good), "--as", setup.customs.username, "--json"]
    )

    assert again.exit_code == 0, (again.stdout, again.stderr)
    report = json.loads(again.stdout)
    assert (report["recorded"], report["refused_rows"]) == (2000, 0)
    assert _stored(cli_env) == 2000
