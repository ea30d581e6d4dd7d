"""Group commit: concurrent filings share a transaction, and never fail one another."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from rarex.audit.service import verify
from rarex.auth.roles import Actor, Role
from rarex.catalog import ControlList
from rarex.clock import Clock, FixedClock
from rarex.config import Settings
from rarex.customs import clearing
from rarex.customs.group_filing import FilingGroup, _Waiting
from rarex.customs.schemas import DeclarationIn
from rarex.db import make_sessionmaker, session_scope
from rarex.db_engine import make_engine
from rarex.errors import ConcurrentChange, Conflict
from rarex.models import AuditEvent, LicenseLine
from rarex.models.customs import Declaration
from tests.customs.customs_factories import Licensed, declaration, licensed, line
from tests.factories import make_actor, make_uscc

FILINGS = 8


class _HeldThenRaced(FilingGroup):
    """Holds its first batch until every other filing is queued (so the next batch holds them
    all), then fails that next batch as a whole, as a number filed meanwhile by another
    process would."""

    def __init__(
        self, factory: sessionmaker[Session], *, waiting_for: int, race: bool = True
    ) -> None:
        super().__init__(factory)
        self.waiting_for = waiting_for
        self.race = race
        self.calls: list[int] = []

    def _commit(self, batch: list[_Waiting], clock: Clock, control_list: ControlList) -> None:
        self.calls.append(len(batch))
        if len(self.calls) == 1:
            deadline = time.monotonic() + 10
            while len(self._queue) < self.waiting_for and time.monotonic() < deadline:
                time.sleep(0.01)
        elif len(self.calls) == 2 and self.race:
            raise ConcurrentChange("raced")
        super()._commit(batch, clock, control_list)


def _setup(url: str) -> tuple[sessionmaker[Session], Licensed, FixedClock, Settings]:
    engine = make_engine(url, pool_size=FILINGS + 4, max_overflow=0)
    factory = make_sessionmaker(engine)
    clock = FixedClock(datetime(2025, 6, 2, 2, 0, tzinfo=UTC))
    settings = Settings(environment="test", database_url=url)
    with session_scope(factory) as session:
        item = {
            "control_code": "1C905.a",
            "hs_code": "2805301200",
            "description": "Dysprosium metal",
            "quantity_kg": "1000",
            "value": "450000",
            "currency": "USD",
        }
        setup = licensed(session, clock, settings, lines=[item], days_after=0)
    return factory, setup, clock, settings


def _file_all(
    group: FilingGroup, setup: Licensed, clock: FixedClock, settings: Settings,
    items: list[DeclarationIn], actors: list[Actor] | None = None,
) -> list[clearing.Outcome | BaseException]:  # fmt: skip
    results: list[clearing.Outcome | BaseException] = [Conflict("not run")] * len(items)

    def one(i: int) -> None:
        try:
            actor = actors[i] if actors is not None else setup.customs
            results[i] = group.file(actor=actor, clock=clock, settings=settings, data=items[i])
        except Exception as exc:  # the test looks at what each filing got
            results[i] = exc

    threads = [threading.Thread(target=one, args=(i,)) for i in range(len(items))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def test_a_batch_failing_as_a_whole_files_each_declaration_alone(own_database_url: str) -> None:
    factory, setup, clock, settings = _setup(own_database_url)
    group = _HeldThenRaced(factory, waiting_for=FILINGS - 1)
    items = [declaration(setup, lines=[line(net_kg="10")]) for _ in range(FILINGS)]
    results = _file_all(group, setup, clock, settings, items)

    assert all(isinstance(r, clearing.Filed) and r.status == "cleared" for r in results), results
    # One alone, then the other seven together (refused whole), then each of them alone.
    assert group.calls == [1, FILINGS - 1] + [1] * (FILINGS - 1)
    assert group.batches == FILINGS
    with session_scope(factory) as session:
        stored = session.scalar(select(func.count(Declaration.id)))
        assert stored == FILINGS
        (remaining,) = session.scalars(select(LicenseLine.remaining_kg)).all()
        assert remaining == Decimal("1000") - FILINGS * Decimal("10")
        assert verify(session).ok


def test_filings_waiting_together_share_one_transaction_and_keep_their_own_outcomes(
    own_database_url: str,
) -> None:
    factory, setup, clock, settings = _setup(own_database_url)
    group = _HeldThenRaced(factory, waiting_for=FILINGS - 1, race=False)
    twice = declaration(setup, lines=[line(net_kg="10")])
    items = [
        declaration(setup, lines=[line(net_kg="10")]),  # the first batch, alone
        twice,
        twice,  # the same declaration twice in the same batch: filed once, then a replay
        declaration(setup, lines=[line(net_kg="2000")]),  # more than the balance: refused
        declaration(setup, exporter_uscc=make_uscc(99_000_001), lines=[line(net_kg="1")]),
        *[declaration(setup, lines=[line(net_kg="10")]) for _ in range(FILINGS - 5)],
    ]
    results = _file_all(group, setup, clock, settings, items)

    assert group.batches == 2
    assert group.largest_batch == FILINGS - 1
    filed = [r for r in results if isinstance(r, clearing.Filed)]
    not_filed = [r for r in results if isinstance(r, clearing.NotFiled)]
    assert [r for r in results if isinstance(r, BaseException)] == []
    assert sorted(p.code for r in not_filed for p in r.problems) == ["customs.unknown_exporter"]
    assert [r.number for r in results if isinstance(r, clearing.AlreadyFiled)] == [twice.number]
    assert sorted(r.status for r in filed) == ["cleared"] * (FILINGS - 3) + ["refused"]
    with session_scope(factory) as session:
        assert session.scalar(select(func.count(Declaration.id))) == FILINGS - 2
        (remaining,) = session.scalars(select(LicenseLine.remaining_kg)).all()
        assert remaining == Decimal("1000") - (FILINGS - 3) * Decimal("10")
        assert verify(session).ok


def test_a_batch_of_several_officers_records_each_filing_as_its_own_officers(
    own_database_url: str,
) -> None:
    factory, setup, clock, settings = _setup(own_database_url)
    with session_scope(factory) as session:
        other = make_actor(session, clock, Role.CUSTOMS_OFFICER)
    group = _HeldThenRaced(factory, waiting_for=FILINGS - 1, race=False)
    items = [declaration(setup, lines=[line(net_kg="1")]) for _ in range(FILINGS)]
    actors = [setup.customs if i % 2 else other for i in range(FILINGS)]
    results = _file_all(group, setup, clock, settings, items, actors)

    assert group.largest_batch == FILINGS - 1  # both officers' filings in one transaction
    assert all(isinstance(r, clearing.Filed) for r in results), results
    with session_scope(factory) as session:
        filed_by = dict(session.execute(select(Declaration.number, Declaration.filed_by_id)).all())
        events = {
            event.subject_id: event.actor
            for event in session.scalars(
                select(AuditEvent).where(AuditEvent.action == "customs.declaration_filed")
            )
        }
    for item, actor, result in zip(items, actors, results, strict=True):
        assert isinstance(result, clearing.Filed)
        assert filed_by[item.number] == actor.user_id
        assert events[str(result.id)] == actor.label
