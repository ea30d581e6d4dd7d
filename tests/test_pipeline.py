"""Statements compiled for PostgreSQL's pipeline bind their parameters as the models do."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from typing import cast

import psycopg
import pytest
from sqlalchemy import Engine, Table, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from rarex.audit.service import EventDraft, append_events, verify
from rarex.clock import FixedClock
from rarex.models.audit import AuditHead
from rarex.models.customs import LicenseDrawdown
from rarex.pipeline import compile_statement, insert_statement, is_postgresql, pipeline

_DRAWDOWNS = cast(Table, LicenseDrawdown.__table__)


def test_an_insert_binds_exact_kilograms_and_utc_instants_like_the_orm() -> None:
    statement = insert_statement(_DRAWDOWNS, ["id", "kg", "at"])
    assert statement.sql.startswith("INSERT INTO license_drawdowns (id, kg, at) VALUES")
    bound = statement.bind(
        {
            "id": uuid.UUID(int=7),
            "kg": Decimal("1.0005"),  # half-even to grams, as ExactDecimal stores it
            "at": datetime(2025, 6, 16, 10, 0, tzinfo=timezone(timedelta(hours=8))),
        }
    )
    assert bound["kg"] == Decimal("1.000")
    assert bound["at"] == datetime(2025, 6, 16, 2, 0, tzinfo=UTC)
    assert bound["id"] == uuid.UUID(int=7)


def test_a_naive_timestamp_is_refused_before_it_is_sent() -> None:
    statement = insert_statement(_DRAWDOWNS, ["at"])
    with pytest.raises(ValueError, match="timezone-aware"):
        statement.bind({"at": datetime(2025, 6, 16, 10, 0)})  # noqa: DTZ001


def test_values_a_statement_carries_are_bound_unless_the_caller_gives_others() -> None:
    head = cast(Table, AuditHead.__table__)
    statement = compile_statement(select(head.c.last_seq).where(head.c.id == 1))
    (name,) = statement.constants
    assert statement.bind({}) == {name: 1}
    assert statement.bind({name: 2}) == {name: 2}


@pytest.mark.postgres
def test_events_appended_through_the_pipeline_keep_the_chain(
    pg_engine: Engine, clock: FixedClock
) -> None:
    with Session(pg_engine) as session, session.begin():
        assert is_postgresql(session)
        drafts = [
            EventDraft("customs:test", "customs.test", "declaration", f"d-{i}", {"i": i})
            for i in range(3)
        ]
        first = append_events(session, clock=clock, events=drafts[:1])
        last = append_events(session, clock=clock, events=drafts[1:])
        assert last == first + 2
        assert verify(session).ok
        with pytest.raises(IntegrityError) as raised, pipeline(session) as queued:
            # An error in a queued statement surfaces when the pipeline is read, not later, and
            # as SQLAlchemy's error (the API and CLI map it to ``db.conflict``).
            queued.execute(
                compile_statement(
                    text("INSERT INTO audit_head (id, last_seq, last_hash) VALUES (1, 0, 'x')")
                ),
                {},
            )
        assert isinstance(raised.value.orig, psycopg.errors.UniqueViolation)
        session.rollback()  # nothing of this test stays
