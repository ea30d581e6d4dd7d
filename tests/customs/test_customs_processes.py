"""`rarex serve` as an operator runs it: real server processes on one PostgreSQL database,
filing at once, killed with SIGKILL in the middle of an import, stopped with SIGTERM while
imports are in flight (issue 14).

Each server is ``python -m rarex.cli.main serve --port 0`` (one uvicorn worker: the process
the test signals is the one that serves), its "now" frozen after every license's issue and
read from ``RAREX_FROZEN_TIME``; it answers once its log says where it listens. What the
servers committed is then read from the database: every declaration number once, every
license's remaining quantity exactly its grant less what its cleared lines drew, the audit
chain intact.

PostgreSQL only: several servers share one database only there. SQLite is one file on one host,
its writers take turns at a single lock, and production refuses it (``rarex.config``); what a
kill leaves in a SQLite file is the import tests' subject (``test_customs_import_chunks``).
Without PostgreSQL these tests skip locally and fail in CI (``tests/conftest.py``).

A server takes 2 to 3 s to start (importing the site), so servers start while the test builds
its data, and a test starts the ones it needs at once.
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import random
import re
import signal
import subprocess
import sys
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session, sessionmaker

from rarex.audit.service import verify
from rarex.auth.service import issue_token
from rarex.clock import FixedClock
from rarex.config import Settings
from rarex.db import make_sessionmaker, session_scope
from rarex.db_engine import make_engine
from rarex.models import AuditEvent, License, LicenseLine
from rarex.models.customs import Declaration, DeclarationLine
from tests.conftest import CHEAP_HASHING, whole_database
from tests.customs.customs_factories import Licensed, declaration, licensed, line, next_number
from tests.customs.test_customs_import import row, write_csv

# Each starts one or two servers (2 to 3 s each): among the suite's longest.
pytestmark = [pytest.mark.postgres, pytest.mark.slow]

START = datetime(2025, 6, 2, 2, 0, tzinfo=UTC)
# The servers' "now": after the licenses' issue (each a day or two after START).
NOW = datetime(2025, 6, 16, 2, 0, tzinfo=UTC)
READY_SECONDS = 60.0  # a server's start on a loaded machine, at most
POLL = 0.02


# -- servers -----------------------------------------------------------------------------------


@dataclass
class Server:
    process: subprocess.Popen[bytes]
    log: Path
    counts: Path  # its workers' metrics files (PROMETHEUS_MULTIPROC_DIR)
    workers: int = 1
    base_url: str = ""

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def requests_logged(self) -> list[dict[str, Any]]:
        """Its log's line for each request answered (JSON, rarex.logs)."""
        lines = []
        for written in self.output().splitlines():
            if written.startswith("{"):
                line = json.loads(written)
                if line.get("event") == "http.request":
                    lines.append(line)
        return lines

    def metrics(self) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
        """Its /metrics, read from the loopback, sample by sample."""
        answer = httpx.get(f"{self.ready()}/metrics", timeout=30)
        assert answer.status_code == 200, answer.text
        return {
            (sample.name, tuple(sorted(sample.labels.items()))): sample.value
            for family in text_string_to_metric_families(answer.text)
            for sample in family.samples
        }

    def ready(self) -> str:
        """The server's address, once it listens (its log names the port the system gave)."""
        deadline = time.monotonic() + READY_SECONDS
        while not self.base_url:
            output = self.output()
            found = re.search(r"Uvicorn running on (http://127\.0\.0\.1:\d+)", output)
            # with several workers the parent listens first, and each worker says when it serves
            if found and output.count("Application startup complete") >= self.workers:
                self.base_url = found.group(1)
            elif self.process.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(f"the server did not start:\n{self.output()}")
            else:
                time.sleep(POLL)
        return self.base_url

    def exited_within(self, seconds: float) -> float | None:
        """Seconds until the process ended, or None when it still runs after ``seconds``."""
        started = time.monotonic()
        try:
            self.process.wait(seconds)
        except subprocess.TimeoutExpired:
            return None
        return time.monotonic() - started


Serve = Callable[..., Server]


@pytest.fixture
def database(tmp_path: Path) -> Iterator[str]:
    with whole_database("postgresql", tmp_path, name="served", migrated=True) as url:
        yield url


@pytest.fixture
def serve(database: str, tmp_path: Path) -> Iterator[Serve]:
    """Starts `rarex serve` processes on the test's database; any still running at the end is
    killed. Each reads only the settings given here (and the run's screening cache)."""
    started: list[Server] = []

    def start(*, workers: int = 1, **settings: str) -> Server:
        environment = {
            key: value
            for key, value in os.environ.items()
            if not key.startswith("RAREX_") or key == "RAREX_SCREENING_CACHE_DIR"
        }
        counts = tmp_path / f"metrics-{len(started)}"
        environment.update(
            RAREX_DATABASE_URL=database,
            RAREX_ENVIRONMENT="test",
            RAREX_FROZEN_TIME=NOW.isoformat(),
            PROMETHEUS_MULTIPROC_DIR=str(counts),
            **{f"RAREX_{name.upper()}": value for name, value in settings.items()},
        )
        log = tmp_path / f"server-{len(started)}.log"
        command = ["serve", "--port", "0", "--workers", str(workers)]
        with log.open("wb") as out:
            # a group of its own: its workers end with it (a SIGKILL'd parent leaves them)
            process = subprocess.Popen(
                [sys.executable, "-m", "rarex.cli.main", *command],
                env=environment, stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
            )  # fmt: skip
        server = Server(process, log, counts, workers)
        started.append(server)
        return server

    yield start
    for server in started:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(server.process.pid, signal.SIGKILL)
        server.process.wait(10)


# -- data --------------------------------------------------------------------------------------


@dataclass
class World:
    sessions: sessionmaker[Session]
    setups: list[Licensed]
    token: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


@pytest.fixture
def sessions(database: str) -> Iterator[sessionmaker[Session]]:
    engine = make_engine(database)
    yield make_sessionmaker(engine)
    engine.dispose()


def licensed_world(sessions: sessionmaker[Session], database: str, *, licenses: int) -> World:
    """``licenses`` exporters, each holding a license for 500 kg of dysprosium metal, and a
    customs officer's API token, committed."""
    clock = FixedClock(START)
    settings = Settings(environment="test", database_url=database).model_copy(update=CHEAP_HASHING)
    with session_scope(sessions) as session:
        setups = [licensed(session, clock, settings, days_after=0) for _ in range(licenses)]
        assert clock.now() < NOW
        officer = setups[0].customs
        token = issue_token(
            session, clock=FixedClock(NOW), actor=None, user_id=officer.user_id, label="served"
        )
    return World(sessions, setups, token)


def import_file(path: Path, setups: list[Licensed], *, rows: int, rng: random.Random) -> list[str]:
    """A CSV of ``rows`` one-line declarations of 0.2 to 0.6 kg each, against each license in
    turn: 2,500 rows ask for more than two licenses of 500 kg hold. Returns the numbers."""
    numbers = [next_number() for _ in range(rows)]
    write_csv(
        path,
        [
            row(
                setups[i % len(setups)],
                number,
                declared_date=NOW.date().isoformat(),
                net_kg=str(Decimal(rng.randint(200, 600)) / 1000),
            )
            for i, number in enumerate(numbers)
        ],
    )
    return numbers


def post_import(server: Server, world: World, path: Path) -> httpx.Response:
    with path.open("rb") as handle:
        return httpx.post(
            f"{server.ready()}/api/v1/declarations/imports",
            files={"file": (path.name, handle, "text/csv")},
            headers=world.headers,
            timeout=120,
        )


class Sent:
    """A request sent from a thread of its own, its answer awaited later."""

    def __init__(self, send: Callable[[], httpx.Response]) -> None:
        self.response: httpx.Response | None = None
        self.error: Exception | None = None
        self.at = 0.0  # time.monotonic() of the answer (or of the error)
        self._thread = threading.Thread(target=self._run, args=(send,), daemon=True)
        self._thread.start()

    def _run(self, send: Callable[[], httpx.Response]) -> None:
        try:
            self.response = send()
        except Exception as exc:  # asserted on by result()
            self.error = exc
        self.at = time.monotonic()

    def result(self, timeout: float = 120) -> httpx.Response:
        self._thread.join(timeout)
        if self.error is not None:
            raise AssertionError(f"no answer: {self.error!r}") from self.error
        assert self.response is not None, "still waiting for an answer"
        return self.response


def declarations(sessions: sessionmaker[Session], *, license_number: str | None = None) -> int:
    query = select(func.count(Declaration.id))
    if license_number is not None:
        query = query.where(Declaration.license_number == license_number)
    with session_scope(sessions) as session:
        return session.scalar(query) or 0


def wait_for(condition: Callable[[], bool], *, seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, f"waited {seconds:g} s for {what}"
        time.sleep(POLL)


@dataclass(frozen=True)
class Drawn:
    granted: Decimal
    remaining: Decimal
    cleared: Decimal  # what the cleared lines of the current revisions drew


def assert_consistent(sessions: sessionmaker[Session], *, numbers: list[str]) -> dict[str, Drawn]:
    """Every number stored once (and nothing else), each license's remaining quantity its grant
    less what its cleared lines drew, never below zero, and the audit chain intact. Returns
    each license's figures by number."""
    with session_scope(sessions) as session:
        stored = session.scalars(select(Declaration.number)).all()
        assert Counter(stored) == Counter(numbers)
        current = (
            select(DeclarationLine.license_line_id, func.sum(DeclarationLine.drawn_kg))
            .join(Declaration, Declaration.id == DeclarationLine.declaration_id)
            .where(
                DeclarationLine.revision == Declaration.revision,
                DeclarationLine.status == "cleared",
            )
            .group_by(DeclarationLine.license_line_id)
        )
        cleared = {line_id: Decimal(kg) for line_id, kg in session.execute(current)}
        figures: dict[str, Drawn] = {}
        for number, held in session.execute(
            select(License.number, LicenseLine).join(
                LicenseLine, LicenseLine.license_id == License.id
            )
        ):
            drawn = Drawn(held.granted_kg, held.remaining_kg, cleared.get(held.id, Decimal(0)))
            assert drawn.remaining >= 0
            assert drawn.remaining == drawn.granted - drawn.cleared, (number, drawn)
            figures[number] = drawn
        assert verify(session).ok
    return figures


# -- two servers filing at once ----------------------------------------------------------------


def test_two_servers_of_two_workers_filing_at_once_never_overdraw_and_count_it_all(
    serve: Serve, sessions: sessionmaker[Session], database: str
) -> None:
    """60 filings of 5 to 40 kg against two licenses of 500 kg, split between two
    `rarex serve --workers 2` (as on two hosts over one database) and sent at once from 16
    threads; 4 numbers go to both servers with the same content (a replay: both answers name
    the one declaration) and 4 with different content (one is filed, the other is 409). Every
    filing is answered, none with a 5xx, and what the answers say was drawn is what the
    licenses lost, never more than they hold. Each server's /metrics sums what its two workers
    counted, and its log has a JSON line with a request id for every request."""
    servers = [serve(workers=2), serve(workers=2)]
    world = licensed_world(sessions, database, licenses=2)
    rng = random.Random(14)

    def body(setup: Licensed, number: str) -> dict[str, Any]:
        lines = [
            line(net_kg=str(Decimal(rng.randint(5_000, 40_000)) / 1000))
            for _ in range(1 if rng.random() < 0.7 else 2)
        ]
        data = declaration(setup, lines=lines, number=number)
        return data.model_dump(mode="json", exclude_none=True)

    jobs: list[tuple[int, dict[str, Any]]] = []
    for i in range(52):
        jobs.append((i % 2, body(world.setups[i % 2], next_number())))
    replayed, contested = [next_number() for _ in range(4)], [next_number() for _ in range(4)]
    for number in replayed:
        sent = body(world.setups[0], number)
        jobs += [(0, sent), (1, sent)]
    for number in contested:
        jobs += [(0, body(world.setups[1], number)), (1, body(world.setups[1], number))]
    rng.shuffle(jobs)
    urls = [server.ready() for server in servers]

    with httpx.Client(timeout=60) as client, ThreadPoolExecutor(16) as pool:
        answers = list(
            pool.map(
                lambda job: client.post(
                    f"{urls[job[0]]}/api/v1/declarations", json=job[1], headers=world.headers
                ),
                jobs,
            )
        )

    by_number: dict[str, list[httpx.Response]] = defaultdict(list)
    for (_, sent), answer in zip(jobs, answers, strict=True):
        by_number[sent["number"]].append(answer)
    drawn: dict[str, Decimal] = defaultdict(Decimal)
    outcomes: Counter[str] = Counter()
    for number, got in by_number.items():
        statuses = sorted(answer.status_code for answer in got)
        if number in contested:
            assert statuses == [201, 409], [a.text for a in got]
            [conflict] = [a for a in got if a.status_code == 409]
            assert conflict.json()["code"] == "customs.duplicate_declaration"
        else:
            assert set(statuses) == {201}, [a.text for a in got]
            assert len({a.json()["id"] for a in got}) == 1  # a replay answers the same one
        filed = next(a.json() for a in got if a.status_code == 201)
        assert filed["status"] in {"cleared", "partially_cleared", "held", "refused"}
        for filed_line in filed["lines"]:
            drawn[filed["license_number"]] += Decimal(filed_line["drawn_kg"])
        outcomes[filed["status"]] += 1
    figures = assert_consistent(sessions, numbers=list(by_number))
    assert {number: f.cleared for number, f in figures.items()} == {
        number: drawn[number] for number in figures
    }
    for f in figures.values():
        assert f.cleared <= f.granted == Decimal(500)
    # It means something only if both licenses ran dry, and both servers filed.
    assert max(f.remaining for f in figures.values()) < 40
    assert outcomes["refused"] + outcomes["partially_cleared"] > 0, outcomes
    posted = {"method": "POST", "route": "/api/v1/declarations"}
    answered = Counter(str(answer.status_code) for answer in answers)
    counted: Counter[str] = Counter()
    filed_counted: Counter[str] = Counter()
    for server in servers:
        logged = [line for line in server.requests_logged() if line["route"] == posted["route"]]
        assert sum(line["status"] == 201 for line in logged) > 10  # both servers filed
        assert all(len(line["request_id"]) == 32 for line in logged)
        samples = server.metrics()
        for name in NAMED_METRICS:
            assert any(key[0].startswith(name) for key in samples), (name, sorted(samples))
        for (name, labels), value in samples.items():
            label = dict(labels)
            if name == "rarex_http_requests_total" and label.items() >= posted.items():
                counted[label["status"]] += int(value)
            if name == "rarex_declarations_filed_total":
                filed_counted[label["outcome"]] += int(value)
        # two worker processes counted, each in files of its own
        assert len({path.stem.rsplit("_", 1)[1] for path in server.counts.glob("*.db")}) == 2
    assert counted == answered  # every request, summed over both workers of both servers
    assert filed_counted == outcomes  # a replay or a refused number files nothing


NAMED_METRICS = (
    "rarex_http_requests_total",
    "rarex_http_request_duration_seconds",
    "rarex_applications_filed_total",
    "rarex_declarations_filed_total",
    "rarex_screening_duration_seconds",
    "rarex_declarations_held",
    "rarex_outbox_backlog",
)


# -- SIGKILL in the middle of an import --------------------------------------------------------


def test_an_import_killed_mid_file_and_sent_again_is_stored_once_and_balanced(
    serve: Serve, sessions: sessionmaker[Session], database: str, tmp_path: Path
) -> None:
    """A server is killed (SIGKILL: no handler, no cleanup) once some chunks (1,000 rows
    each) of a 3,000-row import are committed and others not; the same file sent to a new
    server files the rest.
    The new server starts while the first one imports, to save its start-up time: it shares
    nothing with the first but the database."""
    first, second = serve(), serve()
    world = licensed_world(sessions, database, licenses=2)
    path = tmp_path / "declarations.csv"
    numbers = import_file(path, world.setups, rows=3000, rng=random.Random(9))
    first.ready()

    sent = Sent(lambda: post_import(first, world, path))
    wait_for(lambda: declarations(sessions) > 0, seconds=60, what="a first chunk")
    first.process.send_signal(signal.SIGKILL)
    first.process.wait(10)
    kept = declarations(sessions)
    assert 0 < kept < len(numbers), "the kill came after the whole import"
    with pytest.raises(AssertionError, match="no answer"):
        sent.result()

    again = post_import(second, world, path)
    assert again.status_code == 200, again.text
    assert again.json()["declarations"] == len(numbers)
    figures = assert_consistent(sessions, numbers=numbers)
    assert all(f.remaining < Decimal("0.5") for f in figures.values())  # the file overdrew


# -- SIGTERM with imports in flight ------------------------------------------------------------

GRACE = 2  # RAREX_SHUTDOWN_GRACE_SECONDS of the stopped server
LATE = 3.0  # what the process may take after the grace period (a cut-off thread, the lifespan)


def test_sigterm_stops_an_import_at_its_next_chunk_and_the_server_within_its_grace(
    serve: Serve, sessions: sessionmaker[Session], database: str, tmp_path: Path
) -> None:
    """Two imports in flight when SIGTERM comes: one (6,000 rows on license A) stops at its
    next chunk and answers ``import.cancelled`` with what it committed; the other (on license
    B, which the test holds locked) cannot stop, so the server waits for it the grace period
    and no longer: the process ends, and its transaction is rolled back. On the way out the
    server writes its audit checkpoint at stop, covering the chain's head."""
    checkpoints = tmp_path / "checkpoints.log"
    server = serve(
        shutdown_grace_seconds=str(GRACE),
        audit_signing_key=base64.b64encode(os.urandom(32)).decode(),
        audit_checkpoint_log=str(checkpoints),
    )
    world = licensed_world(sessions, database, licenses=2)
    first, held = world.setups[0], world.setups[1]
    cancelled_file, stuck_file = tmp_path / "long.csv", tmp_path / "stuck.csv"
    rng = random.Random(15)
    long_numbers = import_file(cancelled_file, [first], rows=6000, rng=rng)
    import_file(stuck_file, [held], rows=50, rng=rng)
    server.ready()

    with sessions() as blocker:
        blocker.execute(
            select(License.id).where(License.number == held.license.number).with_for_update()
        )
        stuck = Sent(lambda: post_import(server, world, stuck_file))
        wait_for(lambda: _waiting_for_a_lock(blocker), seconds=30, what="the import on license B")
        cancelled = Sent(lambda: post_import(server, world, cancelled_file))
        wait_for(
            lambda: declarations(sessions, license_number=first.license.number) > 0,
            seconds=60,
            what="a first chunk on license A",
        )
        server.process.send_signal(signal.SIGTERM)
        signalled = time.monotonic()
        took = server.exited_within(GRACE + LATE)
        blocker.rollback()
    assert took is not None, f"still running {GRACE + LATE} s after SIGTERM:\n{server.output()}"
    assert took >= GRACE - 0.5, server.output()  # it waited for the import it could not stop
    assert server.process.returncode == -signal.SIGTERM

    answer = cancelled.result()
    assert cancelled.at - signalled < GRACE
    assert answer.status_code == 503, answer.text
    problem = answer.json()
    assert problem["code"] == "import.cancelled"
    committed = problem["details"]["committed_declarations"]
    assert 0 < committed < len(long_numbers)
    with pytest.raises(AssertionError, match="no answer"):
        stuck.result()

    wait_for(lambda: _sessions_of_the_server_gone(sessions), seconds=30, what="its sessions")
    assert declarations(sessions, license_number=held.license.number) == 0
    figures = assert_consistent(sessions, numbers=long_numbers[:committed])
    assert figures[held.license.number].remaining == Decimal(500)
    with session_scope(sessions) as session:
        head = session.scalar(select(func.max(AuditEvent.seq)))
    entries = [json.loads(entry) for entry in checkpoints.read_text().splitlines()]
    assert len(entries) == 2  # at start, at stop
    assert entries[-1]["seq"] == head


def _waiting_for_a_lock(session: Session) -> bool:
    """Whether another session of this database waits for a lock (the stuck import). Asked
    inside the blocker's transaction, which would otherwise see the statistics as they were at
    its first look (PostgreSQL caches them for a transaction): a race the first CI run lost."""
    session.execute(text("SELECT pg_stat_clear_snapshot()"))
    waiting: int = session.scalar(
        text(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
            " AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()"
        )
    )
    return waiting > 0


def _sessions_of_the_server_gone(sessions: sessionmaker[Session]) -> bool:
    """Whether only this test's connections are left: a transaction the server left open ends
    when its backend finds the connection closed, which is after the lock it waited for."""
    with session_scope(sessions) as session:
        others: int = session.scalar(
            text(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                " AND pid <> pg_backend_pid() AND state <> 'idle'"
            )
        )
    return others == 0
