"""Acceptance: 32 workers send 2,000 declarations against 20 licenses, on PostgreSQL and on
SQLite, each worker with its own sessions and connections on a whole database of its own.

At the acceptance's size the filings go through the group commit, as the API sends them; the
same races then run once more with each filing in a transaction of its own (the CLI's and a
lone filing's path) at 400 declarations against licenses of 200 kg, so that licenses still run
dry halfway, for a third of the time.

No balance goes below zero, what the licenses lost is exactly what the cleared lines drew
(and what the drawdown ledger and the monthly aggregates say), and no declaration is applied
twice although some are sent twice at once. While the others are still being filed, some
declarations are cancelled, amended, or have a line held and released again, so every kind of
posting races with every other.
"""

from __future__ import annotations

import logging
import queue
import random
import sys
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from rarex.audit.service import verify
from rarex.auth.roles import Actor
from rarex.clock import FixedClock
from rarex.config import Settings
from rarex.customs import clearing, filing, officer, repository
from rarex.customs.group_filing import FilingGroup
from rarex.customs.schemas import DeclarationAmend, DeclarationIn
from rarex.customs.states import LineAction
from rarex.customs.uow import write_unit_of_work
from rarex.db import make_sessionmaker, session_scope
from rarex.db_engine import make_engine
from rarex.errors import ConcurrentChange, Conflict
from rarex.models import AuditEvent, License, LicenseLine
from rarex.models.customs import Declaration, DeclarationLine, LicenseDrawdown
from rarex.quantities import GRAM
from tests.customs.customs_factories import Licensed, declaration, licensed, line

log = logging.getLogger(__name__)

WORKERS = 32
LICENSES = 20


@dataclass(frozen=True)
class Scale:
    declarations: int
    granted_kg: Decimal
    follow_up_share: float  # of the declarations, for each kind of follow-up


ACCEPTANCE = Scale(declarations=2000, granted_kg=Decimal("1000"), follow_up_share=0.03)
SMALLER = Scale(declarations=400, granted_kg=Decimal("200"), follow_up_share=0.1)
DUPLICATE_SHARE = 0.05
# What may happen to a declaration after it is filed (each as often as the scale says).
FOLLOW_UPS = ("cancel", "amend", "hold_release")


@dataclass
class Tally:
    """What the workers saw accepted, per license line id, and what went wrong."""

    drawn: dict[object, Decimal] = field(default_factory=lambda: defaultdict(Decimal))
    statuses: Counter[str] = field(default_factory=Counter)
    duplicates: int = 0
    steps: Counter[str] = field(default_factory=Counter)
    errors: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)


def _setup(
    factory: sessionmaker[Session], clock: FixedClock, settings: Settings, scale: Scale
) -> tuple[list[Licensed], list[Actor]]:
    """20 licenses of the scale's grant each (single and general alternately) to 20 exporters, each
    issued a day after the last, so every declaration dated "today" is within all of them."""
    item = {
        "control_code": "1C905.a",
        "hs_code": "2805301200",
        "description": "Dysprosium metal",
        "quantity_kg": str(scale.granted_kg),
        "value": "450000",
        "currency": "USD",
    }
    with session_scope(factory) as session:
        setups = [
            licensed(
                session,
                clock,
                settings,
                lines=[item],
                days_after=0,
                license_type="general" if i % 2 else "single",
            )
            for i in range(LICENSES)
        ]
        officers = [setup.customs for setup in setups[:4]]
    return setups, officers


def _work(rng: random.Random, setups: list[Licensed], scale: Scale) -> list[DeclarationIn]:
    items = []
    for _ in range(scale.declarations):
        setup = rng.choice(setups)
        lines = [
            line(net_kg=str(Decimal(rng.randint(1000, 30000)) / 1000))
            for _ in range(1 if rng.random() < 0.7 else 2)
        ]
        items.append(declaration(setup, lines=lines))
    return items


def _sent_again(
    rng: random.Random, items: list[DeclarationIn], scale: Scale
) -> list[tuple[DeclarationIn, str]]:
    """Declarations sent a second time: half as they were (a replay, answered with the stored
    declaration), half under the same number with another port (a conflict, 409)."""
    again = rng.sample(items, int(scale.declarations * DUPLICATE_SHARE))
    return [
        (data, "replay") if i % 2 == 0 else (data.model_copy(update={"port": "Ningbo"}), "conflict")
        for i, data in enumerate(again)
    ]


def _file(
    factory: sessionmaker[Session],
    group: FilingGroup | None,
    actor: Actor,
    clock: FixedClock,
    settings: Settings,
    data: DeclarationIn,
) -> Declaration:
    """One filing: in a unit of work of its own, or through the group as the API files. A
    filing that loses a race is told so (``ConcurrentChange``) and, as the contract says, sent
    again: the second time it is a replay (the same content) or a refused duplicate."""
    if group is None:
        for attempt in range(2):
            try:
                with write_unit_of_work(factory) as session:
                    return filing.file_declaration(
                        session, actor=actor, clock=clock, settings=settings, data=data
                    )
            except ConcurrentChange:
                if attempt:
                    raise
        raise AssertionError("unreachable")
    outcome = group.file(actor=actor, clock=clock, settings=settings, data=data)
    with session_scope(factory) as session:
        if isinstance(outcome, clearing.NotFiled):
            raise filing.not_filed(session, outcome)
        # Filed now, or filed before with the same content (a replay): the stored declaration.
        filed = repository.declaration_by_number(session, outcome.number)
        assert filed is not None
        return filed


def _follow_up(
    factory: sessionmaker[Session],
    actor: Actor,
    clock: FixedClock,
    settings: Settings,
    data: DeclarationIn,
    step: str,
    tally: Tally,
) -> None:
    """A step on a declaration filed a moment ago, while the others are still being filed."""

    def counted(name: str, run: Callable[[Session], object]) -> None:
        with write_unit_of_work(factory) as session:
            run(session)
        with tally.lock:
            tally.steps[name] += 1

    number = data.number
    if step == "cancel":
        counted(
            "cancel",
            lambda s: officer.cancel_declaration(
                s, actor=actor, clock=clock, number=number, reason="withdrawn"
            ),
        )
    elif step == "amend":
        first = Decimal(str(data.lines[0].net_kg))
        counted(
            "amend",
            lambda s: filing.amend_declaration(
                s,
                actor=actor,
                clock=clock,
                settings=settings,
                number=number,
                data=DeclarationAmend(
                    reason="reweighed", lines=[line(net_kg=str((first / 2).quantize(GRAM)))]
                ),
            ),
        )
    elif step == "hold_release":

        def line_action(action: LineAction) -> Callable[[Session], object]:
            return lambda s: officer.act_on_line(
                s, actor=actor, clock=clock, number=number, line_no=1, action=action, reason="x"
            )

        with session_scope(factory) as session:
            stored = repository.declaration_by_number(session, number)
            assert stored is not None
            first_line = repository.current_lines(session, stored)[0]
        if first_line.status != "cleared":
            return
        counted("hold", line_action(LineAction.HOLD))
        try:
            counted("release", line_action(LineAction.RELEASE))
        except Conflict:  # the balance went to others meanwhile: the line is refused
            counted("refuse", line_action(LineAction.REFUSE))


def _worker(
    jobs: queue.Queue[tuple[DeclarationIn, str | None]],
    factory: sessionmaker[Session],
    group: FilingGroup | None,
    actor: Actor,
    clock: FixedClock,
    settings: Settings,
    tally: Tally,
) -> None:
    while True:
        try:
            data, step = jobs.get_nowait()
        except queue.Empty:
            return
        try:
            filed = _file(factory, group, actor, clock, settings, data)
            with tally.lock:
                tally.statuses[filed.status] += 1
            if step is not None:
                _follow_up(factory, actor, clock, settings, data, step, tally)
        except Conflict as exc:
            with tally.lock:
                if exc.code == "customs.duplicate_declaration":
                    tally.duplicates += 1
                else:
                    tally.errors.append(f"{exc.code}: {exc.message}")
        except Exception as exc:  # anything else is a failure of the test
            with tally.lock:
                tally.errors.append(repr(exc))


# Not traced by coverage: 32 threads under the tracer cost CI half a minute of CPU, and every
# line they run is reached by the single-threaded tests of the same code too.
@pytest.mark.slow
@pytest.mark.no_cover
@pytest.mark.parametrize(
    ("grouped", "scale"),
    [(False, SMALLER), (True, ACCEPTANCE)],
    ids=["per_request", "group_commit"],
)
def test_concurrent_declarations_never_overdraw_and_apply_once(
    own_database_url: str, grouped: bool, scale: Scale
) -> None:
    engine = make_engine(own_database_url, pool_size=WORKERS + 4, max_overflow=0)
    factory = make_sessionmaker(engine)
    group = FilingGroup(factory) if grouped else None
    clock = FixedClock(datetime(2025, 6, 2, 2, 0, tzinfo=UTC))
    settings = Settings(environment="test", database_url=own_database_url)
    rng = random.Random(20250602)
    try:
        setups, officers = _setup(factory, clock, settings, scale)
        items = _work(rng, setups, scale)
        again = _sent_again(rng, items, scale)
        sent: list[tuple[DeclarationIn, str | None]] = []
        for data in items:
            draw, step = rng.random(), None
            for name in FOLLOW_UPS:
                if draw < scale.follow_up_share:
                    step = name
                    break
                draw -= scale.follow_up_share
            sent.append((data, step))
        # Sent again without follow-ups: a step is taken once, by whoever filed first.
        sent.extend((data, None) for data, _ in again)
        rng.shuffle(sent)
        jobs: queue.Queue[tuple[DeclarationIn, str | None]] = queue.Queue()
        for job in sent:
            jobs.put(job)
        tally = Tally()
        threads = [
            threading.Thread(
                target=_worker,
                args=(jobs, factory, group, officers[i % len(officers)], clock, settings, tally),
            )
            for i in range(WORKERS)
        ]
        # 32 Python threads share one interpreter lock: a thread holding a database lock that
        # waits the default 5 ms for the GIL after each round trip stalls every writer queued
        # behind it. Production runs workers as processes; here a shorter switch interval keeps
        # the test about the database's locking rather than the GIL's.
        interval = sys.getswitchinterval()
        sys.setswitchinterval(0.0005)
        started = time.perf_counter()
        try:
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
        finally:
            sys.setswitchinterval(interval)
        elapsed = time.perf_counter() - started

        assert tally.errors == []
        if group is not None:  # filings were committed together, not one by one
            assert group.largest_batch > 1
            assert group.batches < scale.declarations
        replays = sum(1 for _, kind in again if kind == "replay")
        # One filing of each number and every replay answered; one of each conflicting pair
        # refused, whichever came second.
        assert tally.duplicates == len(again) - replays
        assert sum(tally.statuses.values()) == scale.declarations + replays
        # The test means something only if licenses ran dry and refusals happened.
        assert tally.statuses["refused"] + tally.statuses["partially_cleared"] > 100
        with session_scope(factory) as session:
            numbers = session.scalar(select(func.count(func.distinct(Declaration.number))))
            rows = session.scalar(select(func.count(Declaration.id)))
            assert numbers == rows == scale.declarations
            lines = session.scalars(select(LicenseLine)).all()
            assert len(lines) == LICENSES
            # What the declarations say they drew now: cleared lines of current revisions.
            current = (
                select(DeclarationLine)
                .join(Declaration, Declaration.id == DeclarationLine.declaration_id)
                .where(DeclarationLine.revision == Declaration.revision)
            )
            by_line: dict[object, Decimal] = defaultdict(Decimal)
            cleared_kg = Decimal(0)
            for declared in session.scalars(current):
                assert declared.drawn_kg == (
                    declared.net_kg if declared.status == "cleared" else Decimal(0)
                )
                if declared.status == "cleared":
                    by_line[declared.license_line_id] += declared.drawn_kg
                    cleared_kg += declared.net_kg
            ledger_by_line = dict(
                session.execute(
                    select(LicenseDrawdown.license_line_id, func.sum(LicenseDrawdown.kg)).group_by(
                        LicenseDrawdown.license_line_id
                    )
                ).all()
            )
            drawn_total = Decimal(0)
            for license_line in lines:
                assert license_line.remaining_kg >= 0
                drawn = license_line.granted_kg - license_line.remaining_kg
                assert drawn == by_line.get(license_line.id, Decimal(0))
                assert drawn == Decimal(ledger_by_line.get(license_line.id, 0))
                drawn_total += drawn
            totals = repository.monthly_totals(session, period="2025-06", by="series")
            assert sum((t.net_kg for t in totals), Decimal(0)) == drawn_total == cleared_kg
            assert drawn_total > LICENSES * scale.granted_kg * Decimal("0.9")
            statuses = {lic.id: lic for lic in session.scalars(select(License))}
            for license_line in lines:
                lic = statuses[license_line.license_id]
                if lic.license_type == "single":
                    assert (lic.status == "exhausted") == (license_line.remaining_kg == 0)
                else:
                    assert lic.status == "active"
            assert verify(session).ok
            events = session.scalar(
                select(func.count(AuditEvent.seq)).where(AuditEvent.subject_type == "declaration")
            )
            steps = sum(tally.steps.values())
            assert events == scale.declarations + steps
        # Every kind of step ran, often enough to race.
        steps_seen = {name: tally.steps[name] for name in ("cancel", "amend", "hold", "release")}
        assert min(steps_seen.values()) > 10, steps_seen
        rate = (len(sent) + steps) / elapsed
        log.info(
            f"{engine.dialect.name}: {len(items)} declarations ({len(again)} sent twice, "
            f"steps {dict(tally.steps)}) by {WORKERS} workers in {elapsed:.1f} s "
            f"({rate:.0f} steps/s); {dict(tally.statuses)}; drawn {drawn_total} kg"
        )
    finally:
        engine.dispose()
