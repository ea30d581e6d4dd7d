"""How CLI commands reach the database: settings, an up-to-date schema, one unit of work each."""

from __future__ import annotations

import getpass
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from sqlalchemy import Connection, Engine, inspect
from sqlalchemy.exc import ArgumentError

from rarex.auth.roles import Actor
from rarex.cli.common import fail
from rarex.clock import Clock, clock_for
from rarex.config import Settings, get_settings
from rarex.db_engine import SQLITE_BEGIN, make_engine
from rarex.errors import Conflict
from rarex.migrations import current_revision, head_revision, upgrade_database

if TYPE_CHECKING:
    from sqlalchemy.orm import Session


@dataclass
class CliContext:
    settings: Settings
    engine: Engine
    clock: Clock

    @contextmanager
    def unit_of_work(self) -> Iterator[Session]:
        # The ORM is imported by the commands that open a session, not by every command: a
        # read of one table (`calendar deadline`) starts 0.08 s sooner without it.
        from rarex.db import make_sessionmaker, session_scope

        with session_scope(make_sessionmaker(self.engine)) as session:
            if session.get_bind().dialect.name == "sqlite":
                # Commands read then write; holding the write lock from BEGIN means a second
                # command waits its turn instead of failing on the lock upgrade.
                session.connection(execution_options={SQLITE_BEGIN: "immediate"})
            yield session

    @contextmanager
    def reading(self) -> Iterator[Connection]:
        """A Core connection for commands that only read; its transaction is rolled back when
        it closes, so nothing it might do is kept."""
        with self.engine.connect() as connection:
            yield connection

    def actor(self, session: Session, username: str) -> Actor:
        from rarex.auth.service import actor_for_username  # users and audit: not every command

        return replace(actor_for_username(session, username=username), channel=_cli_channel())


def _cli_channel() -> str:
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):
        return "cli:unknown"


def is_empty(engine: Engine) -> bool:
    return not inspect(engine).get_table_names()


def engine_for(settings: Settings) -> Engine:
    """The configured database's engine; a URL SQLAlchemy cannot parse, or whose driver it does
    not know, is a configuration error (``config.database_url``, exit 2)."""
    try:
        return make_engine(settings)
    except ArgumentError as exc:
        raise fail("config.database_url", f"RAREX_DATABASE_URL is not usable: {exc}") from None


def open_context(*, migrate: bool = True) -> CliContext:
    """An empty database is brought to the current schema. An outdated one is refused: changing
    a schema that holds data is an operator's decision (`rarex db upgrade`), not a side effect."""
    settings = get_settings()
    engine = engine_for(settings)
    if migrate:
        current = current_revision(engine)
        if current is None and is_empty(engine):
            upgrade_database(engine)
        elif current != head_revision():
            engine.dispose()
            raise Conflict(
                f"the database is at schema revision {current or 'none'}, this Rarex needs "
                f"{head_revision()}: run `rarex db upgrade`",
                code="db.outdated",
            )
    return CliContext(
        settings=settings,
        engine=engine,
        clock=clock_for(settings.frozen_time),
    )
