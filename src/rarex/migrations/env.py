"""Alembic environment: runs against the engine Rarex hands over in ``config.attributes``."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Engine

import rarex.models  # noqa: F401 - registers every table on Base.metadata
from rarex.db import Base

config = context.config
engine = config.attributes.get("engine")
if not isinstance(engine, Engine):
    raise RuntimeError("run migrations through rarex.migrations.upgrade_database(engine)")

with engine.connect() as connection:
    sqlite = connection.dialect.name == "sqlite"
    raw = connection.connection.driver_connection
    if sqlite:
        # A batch migration rebuilds a table (copy, drop, rename); with foreign keys enforced
        # the drop of a table others refer to fails. The pragma only takes effect outside a
        # transaction, so it is set on the driver's connection before the migration's begins,
        # and the keys are checked once it has run.
        raw.execute("PRAGMA foreign_keys=OFF")  # type: ignore[union-attr]
    try:
        with connection.begin():
            context.configure(
                connection=connection,
                target_metadata=Base.metadata,
                render_as_batch=sqlite,
                compare_type=True,
            )
            with context.begin_transaction():
                context.run_migrations()
            if sqlite:
                broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
                if broken:
                    raise RuntimeError(f"the migration left broken foreign keys: {broken[:5]}")
    finally:
        if sqlite:
            raw.execute("PRAGMA foreign_keys=ON")  # type: ignore[union-attr]
