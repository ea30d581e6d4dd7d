"""Alembic migrations shipped inside the package, so `rarex db upgrade` works from a wheel.

Every CLI command compares the database's revision with the newest script before it runs.
That check reads the version table with one query and the scripts' ``revision`` headers as
text: importing Alembic (and Mako, and Pygments through it) cost a command 0.1-0.15 s of its
start-up, so Alembic is imported only to migrate. A history this reading cannot follow (a merge,
a branch) is handed to Alembic; tests/db/test_migrations_head.py holds both readings equal.
"""

from __future__ import annotations

import re
from contextlib import nullcontext
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Connection, Engine, inspect, text

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS_DIR = Path(__file__).parent
VERSION_TABLE = "alembic_version"

_REVISION = re.compile(r"^revision(?:\s*:\s*[^=]+)?\s*=\s*['\"]([^'\"]+)['\"]\s*$", re.M)
_DOWN_REVISION = re.compile(
    r"^down_revision(?:\s*:\s*[^=]+)?\s*=\s*(?:['\"]([^'\"]+)['\"]|None)\s*$", re.M
)


def alembic_config(engine: Engine) -> Config:
    config = alembic_config_for_scripts()
    config.attributes["engine"] = engine
    return config


def upgrade_database(engine: Engine, revision: str = "head") -> None:
    from alembic import command

    command.upgrade(alembic_config(engine), revision)


def head_revision() -> str | None:
    """The newest script's revision: the one no other script names as its ``down_revision``."""
    revisions: set[str] = set()
    parents: set[str] = set()
    for script in (MIGRATIONS_DIR / "versions").glob("*.py"):
        source = script.read_text(encoding="utf-8")
        revision, down = _REVISION.search(source), _DOWN_REVISION.search(source)
        if revision is None or down is None:
            return _alembic_head()  # a header written otherwise: let Alembic read it
        revisions.add(revision.group(1))
        if down.group(1) is not None:
            parents.add(down.group(1))
    heads = revisions - parents
    if len(heads) != 1 or not parents <= revisions:
        return _alembic_head()  # branches or a merge: Alembic's to judge
    return heads.pop()


def _alembic_head() -> str | None:
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config_for_scripts()).get_current_head()


def current_revision(engine: Engine | Connection) -> str | None:
    """The database's revision, ``None`` when it has none (empty, or never migrated); read on
    a connection of its own, or on ``engine`` when it is one already."""
    with nullcontext(engine) if isinstance(engine, Connection) else engine.connect() as connection:
        if not inspect(connection).has_table(VERSION_TABLE):
            return None
        versions = connection.execute(text(f"SELECT version_num FROM {VERSION_TABLE}")).all()
    if len(versions) > 1:  # Alembic's MigrationContext refuses several heads the same way
        raise RuntimeError(f"the database has several schema revisions: {sorted(versions)}")
    return versions[0][0] if versions else None


def alembic_config_for_scripts() -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    return config
