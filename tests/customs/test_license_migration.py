"""Migration 0005 (expired is no longer a stored status) on a database that holds licenses,
declarations and drawdowns, on both backends: down to 0004 and up again keeps every row and
every foreign key, and a license stored as expired comes back as its balance says."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from alembic import command
from sqlalchemy import func, select, text

from rarex.clock import FixedClock
from rarex.config import Settings
from rarex.customs import filing
from rarex.db import make_sessionmaker, session_scope
from rarex.db_engine import make_engine
from rarex.migrations import alembic_config, upgrade_database
from rarex.models import License, LicenseLine
from rarex.models.customs import Declaration, LicenseDrawdown
from tests.customs.customs_factories import declaration, licensed, line


def test_a_filled_database_migrates_down_and_up_through_0005(own_database_url: str) -> None:
    engine = make_engine(own_database_url)
    factory = make_sessionmaker(engine)
    clock = FixedClock(datetime(2025, 6, 2, 2, 0, tzinfo=UTC))
    settings = Settings(environment="test", database_url=own_database_url)
    try:
        with session_scope(factory) as session:
            setup = licensed(session, clock, settings)
            spent = licensed(session, clock, settings)
            for holder, kg in ((setup, "120"), (spent, "500")):
                filing.file_declaration(
                    session,
                    actor=holder.customs,
                    clock=clock,
                    settings=settings,
                    data=declaration(holder, lines=[line(net_kg=kg)]),
                )
            spent_id = spent.license.id
        command.downgrade(alembic_config(engine), "0004")
        with engine.begin() as conn:  # as an older Rarex might have stored them
            conn.execute(text("UPDATE licenses SET status = 'expired'"))
        upgrade_database(engine)
        with session_scope(factory) as session:
            statuses = {lic.id: lic.status for lic in session.scalars(select(License))}
            assert statuses[spent_id] == "exhausted"
            assert sorted(statuses.values()) == ["active", "exhausted"]
            assert session.scalar(select(func.count(Declaration.id))) == 2
            assert session.scalar(select(func.sum(LicenseDrawdown.kg))) == Decimal("620.000")
            remaining = session.scalars(select(LicenseLine.remaining_kg)).all()
            assert sorted(remaining) == [Decimal("0.000"), Decimal("380.000")]
        if engine.dialect.name == "sqlite":
            with engine.connect() as conn:
                assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    finally:
        engine.dispose()
