"""Which list versions are active, read with one Core query: what `rarex screen` needs to find
its persisted index, without importing the ORM models that ``repository`` holds (as
``licensing.calendar_store`` reads the calendar in force)."""

from __future__ import annotations

import uuid

from sqlalchemy import Connection, text
from sqlalchemy.orm import Session


def active_version_ids(db: Session | Connection) -> tuple[str, ...]:
    """The ids of the active list versions, sorted."""
    rows = db.execute(text("SELECT id FROM list_versions WHERE active"))
    return tuple(sorted(str(uuid.UUID(str(row[0]))) for row in rows))
