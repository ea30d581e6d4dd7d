"""The audit chain lock belongs to one schema: a long transaction in one Rarex schema must not
stall audited writes in another (advisory locks are database-wide in PostgreSQL)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session

from rarex.audit.service import record_event
from rarex.clock import FixedClock
from rarex.db_engine import make_engine
from rarex.migrations import upgrade_database
from tests.conftest import PG_URL


@pytest.mark.postgres
def test_an_open_audit_transaction_does_not_block_another_schema(pg_engine: Engine) -> None:
    other_schema = f"rarex_lock_{uuid.uuid4().hex[:8]}"
    admin = make_engine(PG_URL)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{other_schema}"'))
    other = make_engine(PG_URL, connect_args={"options": f"-csearch_path={other_schema}"})
    clock = FixedClock(datetime(2025, 6, 2, 2, 0, tzinfo=UTC))
    try:
        upgrade_database(other)
        with Session(pg_engine) as holding, Session(other) as waiting:
            record_event(holding, clock=clock, actor="a", action="test.hold",
                         subject_type="test", subject_id="1", payload={})  # fmt: skip
            waiting.execute(text("SET LOCAL lock_timeout = '2s'"))
            event = record_event(waiting, clock=clock, actor="b", action="test.pass",
                                 subject_type="test", subject_id="2", payload={})  # fmt: skip
            assert event.seq == 1
            waiting.rollback()
            holding.rollback()
    finally:
        other.dispose()
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{other_schema}" CASCADE'))
        admin.dispose()
