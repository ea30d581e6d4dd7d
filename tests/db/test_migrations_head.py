"""The revision check the CLI runs before every command reads what Alembic reads."""

from __future__ import annotations

from pathlib import Path

from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine

from rarex.db_engine import make_engine
from rarex.migrations import alembic_config_for_scripts, current_revision, head_revision


def test_the_head_read_from_the_scripts_headers_is_alembics_head() -> None:
    scripts = ScriptDirectory.from_config(alembic_config_for_scripts())
    assert head_revision() == scripts.get_current_head()
    assert head_revision() is not None


def test_the_revision_read_from_the_version_table_is_alembics(engine: Engine) -> None:
    with engine.connect() as connection:
        expected = MigrationContext.configure(connection).get_current_revision()
    assert expected is not None
    assert current_revision(engine) == expected == head_revision()


def test_a_database_never_migrated_has_no_revision(tmp_path: Path) -> None:
    empty = make_engine(f"sqlite:///{tmp_path / 'empty.db'}")
    try:
        assert current_revision(empty) is None
    finally:
        empty.dispose()
