"""Licensing throughput: applications filed and decided per second through the service layer.

Drives the same services as the API and CLI (``filing``, ``review``, ``decisions``) against a
fresh database per backend, one unit of work per application per phase, committed as a request
would commit it. Three timed phases, run one after the other over all N applications:

1. file: a draft with two lines, the four required documents, submission (exporter);
2. review: acceptance (with the green-channel assessment) and start of review (officer);
3. decide: approval (which issues a license) and denial, alternately (officer).

End to end is N divided by the sum of the three phases. Setup (companies, users, a short
approval history so that some cases qualify for the green channel) is not timed; neither is
the audit verification, which is reported on its own.

    python bench/bench_licensing.py [--backend sqlite|postgresql|both] [--applications N]
                                    [--pg-url URL] [--commit-per-call]

The last lines printed are one JSON object per backend, for pasting into docs/benchmarks.md.
A failing service call is a bug: the traceback is left to propagate.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sqlite3
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, event, func, select, text
from sqlalchemy.orm import Session, sessionmaker

from rarex.audit.service import verify
from rarex.auth.roles import Actor, Role
from rarex.auth.service import create_user, to_actor
from rarex.clock import AUTHORITY_TZ, FixedClock
from rarex.config import Settings
from rarex.db import make_sessionmaker, session_scope
from rarex.db_engine import make_engine
from rarex.licensing import decisions, filing, review
from rarex.licensing.schemas import ApplicationCreate, DecisionIn
from rarex.licensing.states import Action
from rarex.migrations import upgrade_database
from rarex.models import Application, AuditEvent, License
from rarex.parties.identifiers import organisation_code_check_character, uscc_check_character
from rarex.parties.service import register_company

DEFAULT_PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
EXPORTERS = 4
OFFICERS = 2
HISTORY_PER_EXPORTER = 3  # the green channel's default minimum of earlier approvals

# Working days in Beijing (no holiday in between), so the statutory clock is unremarkable.
HISTORY_DAY = date(2025, 6, 3)
FILE_DAY = date(2025, 6, 16)
REVIEW_DAY = date(2025, 6, 17)
DECIDE_DAY = date(2025, 6, 24)

# The first party is approved for every exporter during setup, so cases going to it (a quarter
# of them) pass every green-channel rule; the others are new end users or non-partner states.
PARTIES: tuple[dict[str, str], ...] = (
    {"name": "Rheinland Antriebstechnik GmbH", "country": "DE", "address": "Industriestr. 12"},
    {"name": "Nordvind Turbiner A/S", "country": "DK", "address": "Havnegade 4, Esbjerg"},
    {"name": "Great Lakes Motor Works Inc.", "country": "US", "address": "400 Lakeshore Dr"},
    {"name": "Osaka Seimitsu Motor K.K.", "country": "JP", "address": "2-1 Umeda, Osaka"},
)
END_USES = ("ev_motors", "wind_turbines", "industrial_automation", "medical_imaging")
LINES: tuple[dict[str, str], ...] = (
    {
        "control_code": "1C905.a",
        "hs_code": "2805301200",
        "description": "Dysprosium metal",
        "quantity_kg": "500",
        "value": "250000",
        "currency": "USD",
    },
    {
        "control_code": "1C905.b",
        "hs_code": "2846901993",
        "description": "Dysprosium oxide",
        "quantity_kg": "1200.5",
        "value": "180000",
        "currency": "USD",
    },
)

Step = Callable[[Session], None]


@dataclass
class Cast:
    exporters: list[Actor] = field(default_factory=list)
    officers: list[Actor] = field(default_factory=list)


@dataclass
class Case:
    """One benchmarked application; ``id`` is known once the filing step has run."""

    index: int
    exporter: Actor
    officer: Actor
    id: uuid.UUID | None = None

    def require_id(self) -> uuid.UUID:
        assert self.id is not None, f"case {self.index} was never filed"
        return self.id


class StatementCounter:
    """Counts SQL statements sent to the database: the ORM's round trips are most of the cost."""

    def __init__(self, engine: Engine) -> None:
        self.count = 0
        event.listen(engine, "before_cursor_execute", self._seen)

    def _seen(self, *_args: Any) -> None:
        self.count += 1


@dataclass(frozen=True)
class PhaseResult:
    name: str
    count: int
    seconds: float
    latencies_ms: list[float]
    statements: int
    cpu_seconds: float  # this process only; with PostgreSQL the server's share is not in it

    @property
    def per_second(self) -> float:
        return self.count / self.seconds

    def percentiles(self) -> dict[str, float]:
        cuts = statistics.quantiles(self.latencies_ms, n=100, method="inclusive")
        return {"p50": cuts[49], "p95": cuts[94], "p99": cuts[98]}

    def drift(self) -> dict[str, float]:
        """Median latency of the first and the last tenth: a rise means work grows with the data."""
        tenth = max(1, len(self.latencies_ms) // 10)
        return {
            "first_tenth_p50": statistics.median(self.latencies_ms[:tenth]),
            "last_tenth_p50": statistics.median(self.latencies_ms[-tenth:]),
        }

    def to_dict(self) -> dict[str, Any]:
        return {
            "seconds": round(self.seconds, 3),
            "per_second": round(self.per_second, 1),
            "client_cpu_s": round(self.cpu_seconds, 3),
            "statements_per_app": round(self.statements / self.count, 1),
            "max": round(max(self.latencies_ms), 2),
            **{k: round(v, 2) for k, v in self.percentiles().items()},
            **{k: round(v, 2) for k, v in self.drift().items()},
        }


def _at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=AUTHORITY_TZ)


def _uscc(seed: int) -> str:
    body8 = f"{seed:08d}"
    first17 = "91110000" + body8 + organisation_code_check_character(body8)
    return first17 + uscc_check_character(first17)


def _application(index: int) -> ApplicationCreate:
    party = PARTIES[index % len(PARTIES)]
    return ApplicationCreate.model_validate(
        {
            "license_type": "single",
            "consignee": party,
            "end_user": party,
            "end_use_category": END_USES[index % len(END_USES)],
            "end_use_statement": "Magnets for civil products; no re-export without consent.",
            "contract_reference": f"BENCH-{index:06d}",
            "lines": list(LINES),
        }
    )


# --- the service calls, one function per request a user would make -------------------------


def _file_steps(case: Case, clock: FixedClock, settings: Settings) -> list[Step]:
    def file(session: Session) -> None:
        application = filing.file_application(
            session,
            actor=case.exporter,
            clock=clock,
            settings=settings,
            data=_application(case.index),
        )
        case.id = application.id

    def attach(kind: str) -> Step:
        def step(session: Session) -> None:
            filing.attach_document(
                session,
                actor=case.exporter,
                clock=clock,
                settings=settings,
                application_id=case.require_id(),
                kind=kind,
                filename=f"bench-{case.index}-{kind}.pdf",
                media_type="application/pdf",
                content=f"%PDF-1.4 bench {kind} for case {case.index}\n".encode(),
            )

        return step

    return [
        file,
        *(attach(kind) for kind in filing.REQUIRED_DOCUMENTS),
        _transition(case, case.exporter, Action.SUBMIT, clock, settings),
    ]


def _transition(
    case: Case, actor: Actor, action: Action, clock: FixedClock, settings: Settings
) -> Step:
    def step(session: Session) -> None:
        review.transition(
            session,
            actor=actor,
            clock=clock,
            settings=settings,
            application_id=case.require_id(),
            action=action,
        )

    return step


def _review_steps(case: Case, clock: FixedClock, settings: Settings) -> list[Step]:
    return [
        _transition(case, case.officer, Action.ACCEPT, clock, settings),
        _transition(case, case.officer, Action.START_REVIEW, clock, settings),
    ]


def _decision(index: int) -> DecisionIn:
    if index % 2 == 0:
        return DecisionIn(
            outcome="approved",
            reason="Civil end use, end user verified",
            conditions=["Report each shipment within 10 working days"],
        )
    return DecisionIn(
        outcome="denied",
        reason="End user could not be verified",
        reason_codes=["end_user_unverifiable"],
    )


def _decide_steps(case: Case, clock: FixedClock, settings: Settings) -> list[Step]:
    def decide(session: Session) -> None:
        decisions.decide(
            session,
            actor=case.officer,
            clock=clock,
            settings=settings,
            application_id=case.require_id(),
            data=_decision(case.index),
        )

    return [decide]


# --- setup (not timed) -----------------------------------------------------------------------


def _setup(factory: sessionmaker[Session], clock: FixedClock, settings: Settings) -> Cast:
    cast = Cast()
    clock.set(_at(HISTORY_DAY, 8))
    with session_scope(factory) as session:
        for n in range(EXPORTERS):
            company = register_company(
                session,
                clock=clock,
                actor=None,
                uscc=_uscc(70_000_000 + n * 7919),
                name=f"Bench Rare Earth Magnet Co. {n}",
                compliance_programme_on=date(2024, 1, 1),
            )
            user = create_user(
                session,
                clock=clock,
                actor=None,
                username=f"bench.export{n}",
                display_name=f"Exporter {n}",
                role=Role.EXPORTER,
                company_id=company.id,
            )
            cast.exporters.append(to_actor(user))
        for n in range(OFFICERS):
            user = create_user(
                session,
                clock=clock,
                actor=None,
                username=f"bench.officer{n}",
                display_name=f"Officer {n}",
                role=Role.LICENSING_OFFICER,
            )
            cast.officers.append(to_actor(user))
    # A track record: three approvals per exporter to the first party, so that later cases to
    # it are green-channel eligible and the assessment takes both branches.
    # Indexes that are multiples of len(PARTIES) go to PARTIES[0]; far above any benchmark N.
    history = [
        Case(index=len(PARTIES) * (10**6 + k), exporter=exporter, officer=cast.officers[0])
        for exporter in cast.exporters
        for k in range(HISTORY_PER_EXPORTER)
    ]
    for case in history:
        with session_scope(factory) as session:
            for step in _file_steps(case, clock, settings) + _review_steps(case, clock, settings):
                step(session)
    clock.set(_at(HISTORY_DAY + timedelta(days=2), 15))
    for case in history:
        with session_scope(factory) as session:
            decisions.decide(
                session,
                actor=case.officer,
                clock=clock,
                settings=settings,
                application_id=case.require_id(),
                data=_decision(0),
            )
    return cast


# --- timing ----------------------------------------------------------------------------------


def _run_phase(
    name: str,
    factory: sessionmaker[Session],
    cases: list[Case],
    steps_for: Callable[[Case], list[Step]],
    *,
    counter: StatementCounter,
    commit_per_call: bool,
) -> PhaseResult:
    latencies: list[float] = []
    statements_before = counter.count
    cpu_start = time.process_time()
    start = time.perf_counter()
    for case in cases:
        steps = steps_for(case)
        t0 = time.perf_counter()
        if commit_per_call:
            for step in steps:
                with session_scope(factory) as session:
                    step(session)
        else:
            with session_scope(factory) as session:
                for step in steps:
                    step(session)
        latencies.append((time.perf_counter() - t0) * 1000)
    seconds = time.perf_counter() - start
    return PhaseResult(
        name,
        len(cases),
        seconds,
        latencies,
        counter.count - statements_before,
        time.process_time() - cpu_start,
    )


def _count(session: Session, query: Any) -> int:
    return int(session.scalar(query) or 0)


def bench_engine(backend: str, engine: Engine, n: int, *, commit_per_call: bool) -> dict[str, Any]:
    settings = Settings(
        environment="test", database_url=engine.url.render_as_string(hide_password=False)
    )
    factory = make_sessionmaker(engine)
    clock = FixedClock(_at(HISTORY_DAY, 8))

    t0 = time.perf_counter()
    upgrade_database(engine)
    migrate_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    cast = _setup(factory, clock, settings)
    setup_s = time.perf_counter() - t0
    with session_scope(factory) as session:
        events_before = _count(session, select(func.count()).select_from(AuditEvent))

    counter = StatementCounter(engine)
    load_before = os.getloadavg()[0]
    cases = [
        Case(
            index=i,
            exporter=cast.exporters[i % EXPORTERS],
            officer=cast.officers[i % OFFICERS],
        )
        for i in range(n)
    ]
    phases: list[PhaseResult] = []
    clock.set(_at(FILE_DAY, 9))
    phases.append(
        _run_phase(
            "file",
            factory,
            cases,
            lambda c: _file_steps(c, clock, settings),
            counter=counter,
            commit_per_call=commit_per_call,
        )
    )
    clock.set(_at(REVIEW_DAY, 10))
    phases.append(
        _run_phase(
            "review",
            factory,
            cases,
            lambda c: _review_steps(c, clock, settings),
            counter=counter,
            commit_per_call=commit_per_call,
        )
    )
    clock.set(_at(DECIDE_DAY, 15))
    phases.append(
        _run_phase(
            "decide",
            factory,
            cases,
            lambda c: _decide_steps(c, clock, settings),
            counter=counter,
            commit_per_call=commit_per_call,
        )
    )

    with session_scope(factory) as session:
        t0 = time.perf_counter()
        audit = verify(session)
        verify_s = time.perf_counter() - t0
        # The timed cases are the ones created from FILE_DAY on; the history predates it.
        timed = Application.created_at >= _at(FILE_DAY, 0)
        states = dict(
            session.execute(
                select(Application.state, func.count()).where(timed).group_by(Application.state)
            ).all()
        )
        lanes = dict(
            session.execute(
                select(Application.lane, func.count()).where(timed).group_by(Application.lane)
            ).all()
        )
        licenses = _count(
            session,
            select(func.count())
            .select_from(License)
            .join(Application, License.application_id == Application.id)
            .where(timed),
        )

    total_s = sum(p.seconds for p in phases)
    per_app = [sum(p.latencies_ms[i] for p in phases) for i in range(n)]
    end_to_end = PhaseResult(
        "end_to_end",
        n,
        total_s,
        per_app,
        sum(p.statements for p in phases),
        sum(p.cpu_seconds for p in phases),
    )
    return {
        "backend": backend,
        "n": n,
        "commit_per_call": commit_per_call,
        # Other work on the machine skews the figures: a 1-minute load well above 1 says so.
        "load_1min": [round(load_before, 2), round(os.getloadavg()[0], 2)],
        "migrate_s": round(migrate_s, 3),
        "setup_s": round(setup_s, 3),
        "phases": {p.name: p.to_dict() for p in phases},
        "end_to_end": end_to_end.to_dict(),
        "outcomes": {str(k): int(v) for k, v in sorted(states.items())},
        "lanes": {str(k): int(v) for k, v in sorted(lanes.items())},
        "licenses_issued": licenses,
        "audit": {
            "ok": audit.ok,
            "events": audit.checked,
            "events_timed": audit.checked - events_before,
            "verify_s": round(verify_s, 3),
            "events_per_second": round(audit.checked / verify_s) if verify_s else None,
            "message": audit.message,
        },
    }


# --- backends --------------------------------------------------------------------------------


@contextmanager
def sqlite_engine() -> Iterator[tuple[Engine, str]]:
    with tempfile.TemporaryDirectory(prefix="rarex-bench-") as tmp:
        engine = make_engine(f"sqlite:///{Path(tmp) / 'bench.db'}")
        try:
            yield engine, f"SQLite {sqlite3.sqlite_version}"
        finally:
            engine.dispose()


@contextmanager
def postgres_engine(url: str) -> Iterator[tuple[Engine, str]]:
    """A schema of its own, dropped at the end, so the bench never touches other data."""
    schema = f"rarex_bench_{uuid.uuid4().hex[:10]}"
    admin = make_engine(url)
    try:
        with admin.begin() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
            version = conn.execute(text("SHOW server_version")).scalar_one()
        engine = make_engine(url, connect_args={"options": f"-csearch_path={schema}"})
        try:
            yield engine, f"PostgreSQL {version}"
        finally:
            engine.dispose()
            with admin.begin() as conn:
                conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    finally:
        admin.dispose()


# --- output ----------------------------------------------------------------------------------


def print_report(result: dict[str, Any]) -> None:
    n = result["n"]
    mode = "commit per call" if result["commit_per_call"] else "commit per application"
    print(f"\n== {result['server']}  N={n}  ({mode}) ==")
    print(
        f"migrate {result['migrate_s']:.2f} s, setup {result['setup_s']:.2f} s (not timed); "
        f"1-min load before/after {result['load_1min'][0]} / {result['load_1min'][1]}; "
        f"client CPU {result['end_to_end']['client_cpu_s']:.1f} s"
        f" of {result['end_to_end']['seconds']:.1f} s"
    )
    header = f"{'phase':<12}{'seconds':>9}{'apps/s':>9}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}"
    print(header + f"{'max ms':>9}{'SQL/app':>9}{'p50 first/last 10%':>22}")
    rows = [*result["phases"].items(), ("end_to_end", result["end_to_end"])]
    for name, r in rows:
        print(
            f"{name:<12}{r['seconds']:>9.2f}{r['per_second']:>9.1f}{r['p50']:>9.2f}"
            f"{r['p95']:>9.2f}{r['p99']:>9.2f}{r['max']:>9.1f}{r['statements_per_app']:>9.1f}"
            f"{r['first_tenth_p50']:>13.2f} / {r['last_tenth_p50']:<7.2f}"
        )
    audit = result["audit"]
    print(
        f"outcomes {result['outcomes']}, lanes {result['lanes']}, "
        f"licenses issued {result['licenses_issued']}"
    )
    print(
        f"audit verify: {'ok' if audit['ok'] else 'BROKEN'}, {audit['events']} events "
        f"({audit['events_timed']} written in the timed phases) in {audit['verify_s']:.3f} s"
        f" ({audit['events_per_second']} events/s)"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--applications", type=int, default=500, metavar="N")
    parser.add_argument("--pg-url", default=DEFAULT_PG_URL, metavar="URL")
    parser.add_argument(
        "--commit-per-call",
        action="store_true",
        help="commit after every service call (as the API does) instead of once per application",
    )
    args = parser.parse_args(argv)
    if args.applications < 2:
        parser.error("--applications must be at least 2")

    backends = ["sqlite", "postgresql"] if args.backend == "both" else [args.backend]
    print(f"Python {platform.python_version()}, SQLite {sqlite3.sqlite_version}")
    results: list[dict[str, Any]] = []
    for backend in backends:
        engines = sqlite_engine() if backend == "sqlite" else postgres_engine(args.pg_url)
        with engines as (engine, server):
            result = bench_engine(
                backend, engine, args.applications, commit_per_call=args.commit_per_call
            )
        result["server"] = server
        results.append(result)
        print_report(result)

    print()
    for result in results:
        print(json.dumps(result, sort_keys=True))
    return 0 if all(r["audit"]["ok"] for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
