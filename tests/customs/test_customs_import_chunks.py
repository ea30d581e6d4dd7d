"""A file import commits chunk by chunk (without all-or-nothing), on a whole database of its
own: what was committed stays when a later chunk fails, re-running the file files only the
rest, a number filed by another transaction meanwhile is refused alone (after a retry of its
chunk when the race hits the insert), other writers reach the audit chain between chunks, and
an imported declaration's audit trail finds the chunk's event that names it."""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select, text
from sqlalchemy.orm import Session, sessionmaker

from rarex.audit.service import events_for, verify
from rarex.clock import FixedClock
from rarex.config import Settings
from rarex.customs import bulk, filing, history, officer, tabular, uow
from rarex.customs.tabular import MalformedFile, ParsedDeclaration
from rarex.db import make_sessionmaker, session_scope
from rarex.db_engine import make_engine
from rarex.licensing import repository as licensing_repository
from rarex.models import AuditEvent
from rarex.models.customs import Declaration, DeclarationAction
from tests.customs.customs_factories import Licensed, declaration, licensed, line, next_number
from tests.customs.test_customs_import import row, write_csv


@dataclass
class World:
    engine: Engine
    sessions: sessionmaker[Session]
    setup: Licensed


@pytest.fixture
def world(own_database_url: str, clock: FixedClock, settings: Settings) -> Iterator[World]:
    """A licensed exporter (500 kg) and a customs officer, committed."""
    engine = make_engine(own_database_url)
    sessions = make_sessionmaker(engine)
    with session_scope(sessions) as session:
        setup = licensed(session, clock, settings)
    yield World(engine, sessions, setup)
    engine.dispose()


def _numbers_file(world: World, tmp_path: Path, count: int) -> tuple[Path, list[str]]:
    """``count`` declarations of one 10 kg line each (rows 2 to count + 1)."""
    numbers = [next_number() for _ in range(count)]
    path = write_csv(tmp_path / "chunks.csv", [row(world.setup, n, net_kg="10") for n in numbers])
    return path, numbers


def _import(
    session: Session,
    clock: FixedClock,
    settings: Settings,
    setup: Licensed,
    parsed: Iterable[ParsedDeclaration],
    *,
    chunk: int = 2,
    between: Callable[[int], None] | None = None,
    all_or_nothing: bool = False,
) -> bulk.ImportReport:
    """Import as the adapters do: commit each chunk, then reopen as a writer; ``between(n)``
    runs after the n-th commit, while the importer holds no transaction."""
    commits = 0

    def commit_chunk() -> None:
        nonlocal commits
        session.commit()
        commits += 1
        if between is not None:
            between(commits)
        uow.begin_write(session)

    uow.begin_write(session)
    return bulk.import_declarations(
        session,
        actor=setup.customs,
        clock=clock,
        settings=settings,
        source="chunks.csv",
        parsed=parsed,
        all_or_nothing=all_or_nothing,
        chunk=chunk,
        commit_chunk=commit_chunk,
    )


def _parsed(path: Path) -> Iterator[ParsedDeclaration]:
    return tabular.declarations(tabular.read_rows(path, tabular.ImportLimits.of(Settings())))


def _stored(world: World) -> dict[str, int]:
    """How many times each declaration number is stored, read by a session of its own."""
    with session_scope(world.sessions) as session:
        rows = session.execute(
            select(Declaration.number, func.count()).group_by(Declaration.number)
        ).all()
    return {number: count for number, count in rows}


def _remaining(world: World) -> Decimal:
    with session_scope(world.sessions) as session:
        (only,) = licensing_repository.license_lines(session, world.setup.license.id)
        return only.remaining_kg


def _file_elsewhere(
    world: World, clock: FixedClock, settings: Settings, number: str
) -> Callable[[int], None]:
    """Another officer's transaction files ``number`` (and so appends to the audit chain)
    after the importer's first commit. On PostgreSQL a lock held by the importer would make it
    fail within seconds instead of waiting; on SQLite the write lock is the database's."""

    def between(commits: int) -> None:
        if commits != 1:
            return
        with uow.write_unit_of_work(world.sessions) as other:
            if other.get_bind().dialect.name == "postgresql":
                other.execute(text("SET LOCAL lock_timeout = '3s'"))
            # The first chunk is already visible to everyone.
            assert other.scalar(select(func.count(Declaration.id))) == 2
            filing.file_declaration(
                other,
                actor=world.setup.customs,
                clock=clock,
                settings=settings,
                data=declaration(world.setup, number=number, lines=[line(net_kg="10")]),
            )

    return between


def test_a_number_filed_between_chunks_is_refused_alone_and_the_rest_of_its_chunk_lands(
    world: World, clock: FixedClock, settings: Settings, tmp_path: Path
) -> None:
    path, numbers = _numbers_file(world, tmp_path, 6)
    raced = numbers[2]  # the first declaration of the second chunk (row 4)

    with session_scope(world.sessions) as session:
        report = _import(
            session,
            clock,
            settings,
            world.setup,
            _parsed(path),
            between=_file_elsewhere(world, clock, settings, raced),
        )

    assert report.landed
    assert (report.declarations, report.recorded, report.lines_recorded) == (6, 5, 5)
    assert [(e.row, e.code, e.declaration) for e in report.errors] == [
        (4, "customs.duplicate_declaration", raced)
    ]
    assert report.to_dict()["outcomes"] == {"cleared": 5}
    assert _stored(world) == dict.fromkeys(numbers, 1)
    assert _remaining(world) == Decimal("440.000")  # 5 imported + 1 filed elsewhere, 10 kg each
    with session_scope(world.sessions) as session:
        # The other officer's event sits between the first chunk's and the second's: the audit
        # chain was free between chunks, and it still verifies.
        actions = [
            e.action
            for e in session.scalars(
                select(AuditEvent)
                .where(AuditEvent.action.like("customs.%"))
                .order_by(AuditEvent.seq)
            )
        ]
        assert actions == [
            "customs.declarations_imported",
            "customs.declaration_filed",
            "customs.declarations_imported",
            "customs.declarations_imported",
        ]
        assert verify(session).ok


def _breaking_after(parsed: Iterator[ParsedDeclaration], count: int) -> Iterator[ParsedDeclaration]:
    """The file's declarations, then a read failure after ``count`` of them (a file that turns
    out unreadable half-way, as a truncated upload would)."""
    for done, item in enumerate(parsed):
        if done == count:
            raise MalformedFile("chunks.csv line 5: unreadable")
        yield item


def test_a_failure_after_a_committed_chunk_keeps_it_and_running_the_file_again_files_the_rest(
    world: World, clock: FixedClock, settings: Settings, tmp_path: Path
) -> None:
    path, numbers = _numbers_file(world, tmp_path, 5)

    with pytest.raises(MalformedFile) as broke, session_scope(world.sessions) as session:
        _import(session, clock, settings, world.setup, _breaking_after(_parsed(path), 3))

    assert broke.value.details["committed_declarations"] == 2
    assert _stored(world) == dict.fromkeys(numbers[:2], 1)  # the third was not yet filed

    with session_scope(world.sessions) as session:
        again = _import(session, clock, settings, world.setup, _parsed(path))

    # The two committed before the failure are replays: filed once, not refused.
    assert (again.recorded, again.replayed, again.errors) == (3, 2, [])
    assert _stored(world) == dict.fromkeys(numbers, 1)
    assert _remaining(world) == Decimal("450.000")


def _commit_once_the_importer_waits(
    engine: Engine, other: Session, importer_pid: int, failures: list[BaseException]
) -> threading.Thread:
    """Commit ``other`` once the importer's backend waits for one of its locks: the importer
    has then looked its numbers up already and not yet written them."""

    def run() -> None:
        try:
            deadline = time.monotonic() + 20
            with engine.connect() as watcher:
                while not watcher.scalar(
                    text(
                        "SELECT count(*) FROM pg_stat_activity "
                        "WHERE pid = :pid AND wait_event_type = 'Lock'"
                    ),
                    {"pid": importer_pid},
                ):
                    if time.monotonic() > deadline:
                        raise AssertionError("the importer never waited for the other filing")
                    watcher.rollback()
                    time.sleep(0.02)
            other.commit()
        except BaseException as exc:
            failures.append(exc)
            other.rollback()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread


@pytest.mark.parametrize(
    "own_database_url", [pytest.param("postgresql", marks=pytest.mark.postgres)], indirect=True
)
@pytest.mark.parametrize("chunk", [2, 250], ids=["insert", "copy"])
def test_a_number_filed_by_a_concurrent_transaction_mid_chunk_is_refused_alone_after_a_retry(
    world: World,
    clock: FixedClock,
    settings: Settings,
    tmp_path: Path,
    chunk: int,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """PostgreSQL only: SQLite serialises writers from ``BEGIN IMMEDIATE``, so nothing can be
    filed between the chunk's look-up of its numbers and its insert. Small chunks learn of the
    race from ``ON CONFLICT DO NOTHING``, large ones (COPY) from the unique index."""
    assert world.engine.dialect.name == "postgresql"
    caplog.set_level(logging.INFO, logger="rarex.customs.bulk")
    count = chunk if chunk > 2 else 4
    numbers = [next_number() for _ in range(count)]
    kg = "1" if chunk > 2 else "10"
    path = write_csv(tmp_path / "race.csv", [row(world.setup, n, net_kg=kg) for n in numbers])
    raced = numbers[1]
    failures: list[BaseException] = []
    other = world.sessions()
    try:
        # The other filing holds the license's lock (and the number) until the thread commits.
        filing.file_declaration(
            other,
            actor=world.setup.customs,
            clock=clock,
            settings=settings,
            data=declaration(world.setup, number=raced, lines=[line(net_kg=kg)]),
        )
        with session_scope(world.sessions) as session:
            uow.begin_write(session)
            pid = session.scalar(text("SELECT pg_backend_pid()"))
            assert isinstance(pid, int)
            thread = _commit_once_the_importer_waits(world.engine, other, pid, failures)
            report = _import(session, clock, settings, world.setup, _parsed(path), chunk=chunk)
        thread.join(timeout=30)
    finally:
        other.close()

    assert failures == []
    assert report.recorded == count - 1
    assert [(e.row, e.code, e.declaration) for e in report.errors] == [
        (3, "customs.duplicate_declaration", raced)
    ]
    assert _stored(world) == dict.fromkeys(numbers, 1)
    assert _remaining(world) == Decimal(500) - Decimal(kg) * count
    raced_logs = [r for r in caplog.records if r.getMessage() == "customs.import_chunk_raced"]
    assert len(raced_logs) == 1


def test_all_or_nothing_never_commits_along_the_way(
    session: Session, clock: FixedClock, settings: Settings, setup: Licensed, tmp_path: Path
) -> None:
    numbers = [next_number() for _ in range(5)]
    rows = [row(setup, n, net_kg="10") for n in numbers]
    commits: list[None] = []

    def run(path: Path) -> bulk.ImportReport:
        return bulk.import_declarations(
            session,
            actor=setup.customs,
            clock=clock,
            settings=settings,
            source=path.name,
            parsed=_parsed(path),
            all_or_nothing=True,
            chunk=2,
            commit_chunk=lambda: commits.append(None),
        )

    rows[3]["net_kg"] = "ten"
    with pytest.raises(bulk.ImportRefused), session.begin_nested():
        run(write_csv(tmp_path / "bad.csv", rows))
    rows[3]["net_kg"] = "10"
    assert run(write_csv(tmp_path / "good.csv", rows)).recorded == 5
    assert commits == []


def _trail(session: Session, number: str) -> list[AuditEvent]:
    found = session.scalars(select(Declaration).where(Declaration.number == number)).one()
    return history.audit_trail(session, found)


def test_an_imported_declarations_trail_holds_its_chunks_event_and_its_later_steps(
    session: Session, clock: FixedClock, settings: Settings, setup: Licensed, tmp_path: Path
) -> None:
    numbers = [next_number() for _ in range(3)]
    path = write_csv(tmp_path / "trail.csv", [row(setup, n, net_kg="10") for n in numbers])
    bulk.import_declarations(
        session,
        actor=setup.customs,
        clock=clock,
        settings=settings,
        source=path.name,
        parsed=_parsed(path),
        chunk=2,
    )
    officer.cancel_declaration(
        session, actor=setup.customs, clock=clock, number=numbers[2], reason="withdrawn"
    )

    first, second = (_trail(session, n) for n in numbers[:2])
    assert [e.action for e in first] == ["customs.declarations_imported"]
    assert first == second  # one event for the chunk, naming both
    payload = json.loads(first[0].payload_json)
    assert [d[0] for d in payload["declarations"]] == numbers[:2]
    assert payload["source"] == "trail.csv"

    third = _trail(session, numbers[2])
    assert [e.action for e in third] == [
        "customs.declarations_imported",
        "customs.declaration_cancelled",
    ]
    assert third[0].seq < third[1].seq
    assert numbers[2] in {d[0] for d in json.loads(third[0].payload_json)["declarations"]}
    # Each chunk has its own subject, named by its declarations' filed actions.
    subjects = {first[0].subject_id, third[0].subject_id}
    assert len(subjects) == 2
    assert all(s.startswith("import-") and len(s) <= 80 for s in subjects)
    filed = session.scalars(
        select(DeclarationAction.details)
        .join(Declaration, Declaration.id == DeclarationAction.declaration_id)
        .where(Declaration.number.in_(numbers), DeclarationAction.action == "filed")
    ).all()
    assert {d["audit_batch"] for d in filed} == subjects


def test_a_declaration_filed_alone_has_its_own_filing_event_in_its_trail(
    session: Session, clock: FixedClock, settings: Settings, setup: Licensed
) -> None:
    filed = filing.file_declaration(
        session, actor=setup.customs, clock=clock, settings=settings, data=declaration(setup)
    )

    trail = history.audit_trail(session, filed)

    assert [e.action for e in trail] == ["customs.declaration_filed"]
    assert trail == events_for(session, subject_id=str(filed.id))
