"""The officer's review queue: one page (50 rows, ordered by due date) among 10,000 open
applications spread over 100 exporters, on PostgreSQL (target: p95 <= 150 ms).

Setup (not timed): 100 exporters each file one application through the services (filing,
the four documents, submission with screening, acceptance with the green-channel
assessment, start of review); the 10,000 cases are those 100 copied with their histories,
each copy accepted 0-59 days later than its template, so the due dates spread and interleave.
Timed: ``licensing.queue.review_queue`` as the API calls it, each call in a transaction of
its own: the first page, and pages further on (reached by their tokens). The number of SQL
statements per page is printed too: it must not grow with the caseload.

    python bench/bench_queue.py [--pg-url URL] [--cases 10000] [--exporters 100] [--runs 200]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import time
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Table, event, insert, select, text
from sqlalchemy.orm import Session

from rarex.auth.roles import Role
from rarex.auth.service import create_user, to_actor
from rarex.clock import FixedClock
from rarex.config import Settings
from rarex.db import make_sessionmaker, session_scope
from rarex.db_engine import make_engine
from rarex.licensing import filing, queue, review
from rarex.licensing.schemas import ApplicationCreate
from rarex.licensing.states import Action
from rarex.migrations import upgrade_database
from rarex.models import Application, StateChange
from rarex.parties.identifiers import organisation_code_check_character, uscc_check_character
from rarex.parties.service import register_company

DEFAULT_PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
START = datetime(2025, 6, 2, 2, 0, tzinfo=UTC)


def _uscc(seed: int) -> str:
    body = f"{seed:08d}"
    org = body + organisation_code_check_character(body)
    head = "91110000" + org
    return head + uscc_check_character(head)


def _templates(session: Session, clock: FixedClock, settings: Settings, exporters: int) -> Any:
    officer_user = create_user(
        session,
        clock=clock,
        actor=None,
        username="queue-officer",
        display_name="Queue Officer",
        role=Role.LICENSING_OFFICER,
    )
    officer = to_actor(officer_user)
    for i in range(exporters):
        company = register_company(
            session, clock=clock, actor=None, uscc=_uscc(10_000 + i), name=f"Exporter {i:03d}"
        )
        user = create_user(
            session,
            clock=clock,
            actor=None,
            username=f"exporter-{i:03d}",
            display_name=f"Exporter {i:03d}",
            role=Role.EXPORTER,
            company_id=company.id,
        )
        exporter = to_actor(user)
        data = ApplicationCreate.model_validate(
            {
                "license_type": "single",
                "destination": "DE",
                "consignee": {"name": f"Consignee {i} GmbH", "country": "DE"},
                "end_user": {"name": f"End User {i} GmbH", "country": "DE"},
                "end_use_category": "ev_motors" if i % 3 else "other_unspecified",
                "end_use_statement": "Permanent magnets for wind turbines.",
                "contract_reference": f"C-{i:04d}",
                "lines": [
                    {
                        "control_code": "1C905.a",
                        "hs_code": "2805301200",
                        "description": "Dysprosium metal",
                        "quantity_kg": "100",
                        "value": "45000",
                        "currency": "USD",
                    }
                ],
            }
        )
        app = filing.file_application(
            session, actor=exporter, clock=clock, settings=settings, data=data
        )
        for kind in filing.REQUIRED_DOCUMENTS:
            filing.attach_document(
                session,
                actor=exporter,
                clock=clock,
                settings=settings,
                application_id=app.id,
                kind=kind,
                filename=f"{kind}.pdf",
                media_type="application/pdf",
                content=b"%PDF-1.4 bench",
            )
        for actor, action in (
            (exporter, Action.SUBMIT),
            (officer, Action.ACCEPT),
            (officer, Action.START_REVIEW),
        ):
            review.transition(
                session,
                actor=actor,
                clock=clock,
                settings=settings,
                application_id=app.id,
                action=action,
            )
    return officer


def _copy(session: Session, cases: int) -> None:
    """Copies of the templates with their histories, shifted 0-59 days later."""
    apps = [dict(row._mapping) for row in session.execute(select(Application.__table__))]
    changes: dict[Any, list[dict[str, Any]]] = {}
    for row in session.execute(select(StateChange.__table__)):
        changes.setdefault(row.application_id, []).append(dict(row._mapping))
    new_apps: list[dict[str, Any]] = []
    new_changes: list[dict[str, Any]] = []
    copies = cases - len(apps)
    for n in range(copies):
        template = apps[n % len(apps)]
        shift = timedelta(days=(n * 7) % 60)
        app_id = uuid.uuid4()
        copy = dict(template)
        copy.update(
            id=app_id,
            reference=f"{template['reference']}-{n:05d}",
            accepted_on=template["accepted_on"] + shift,
            due_on=template["due_on"] + shift,
        )
        new_apps.append(copy)
        for change in changes[template["id"]]:
            moved = dict(change)
            moved.update(
                id=uuid.uuid4(),
                application_id=app_id,
                on_date=change["on_date"] + shift,
                at=change["at"] + shift,
            )
            new_changes.append(moved)
    for table, rows in ((Application.__table__, new_apps), (StateChange.__table__, new_changes)):
        assert isinstance(table, Table)
        for start in range(0, len(rows), 2000):
            session.execute(insert(table), rows[start : start + 2000])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--pg-url", default=os.environ.get("RAREX_TEST_POSTGRES_URL", DEFAULT_PG_URL)
    )
    parser.add_argument("--cases", type=int, default=10_000)
    parser.add_argument("--exporters", type=int, default=100)
    parser.add_argument("--runs", type=int, default=200)
    args = parser.parse_args(argv)
    schema = f"rarex_bench_queue_{uuid.uuid4().hex[:8]}"
    admin = make_engine(args.pg_url)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    engine = make_engine(args.pg_url, connect_args={"options": f"-csearch_path={schema}"})
    try:
        upgrade_database(engine)
        factory = make_sessionmaker(engine)
        clock = FixedClock(START)
        settings = Settings(environment="test", database_url=args.pg_url)
        started = time.perf_counter()
        with session_scope(factory) as session:
            officer = _templates(session, clock, settings, args.exporters)
        with session_scope(factory) as session:
            _copy(session, args.cases)
        with engine.begin() as conn:
            conn.execute(text("ANALYZE"))
        setup_s = time.perf_counter() - started
        clock.set(datetime(2025, 8, 20, 2, 0, tzinfo=UTC))
        statements: list[int] = [0]

        def count(*_: Any) -> None:
            statements[0] += 1

        event.listen(engine, "before_cursor_execute", count)

        def page(token: str | None) -> tuple[float, str | None, int, int]:
            statements[0] = 0
            began = time.perf_counter()
            with session_scope(factory) as session:
                result = queue.review_queue(
                    session,
                    actor=officer,
                    clock=clock,
                    settings=settings,
                    limit=50,
                    page_token=token,
                )
            elapsed = time.perf_counter() - began
            assert len(result.items) == 50
            return elapsed, result.next_page_token, statements[0], result.total or 0

        page(None)  # warm the calendar and statement caches
        first = [page(None) for _ in range(args.runs)]
        token = first[0][1]
        later: list[tuple[float, str | None, int, int]] = []
        for _ in range(args.runs):  # walk on through the queue, page after page
            result = page(token)
            later.append(result)
            token = result[1] or first[0][1]
    finally:
        engine.dispose()
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()

    def figures(runs: list[tuple[float, str | None, int, int]]) -> dict[str, Any]:
        times = sorted(r[0] * 1000 for r in runs)
        return {
            "p50_ms": round(statistics.median(times), 1),
            "p95_ms": round(times[int(len(times) * 0.95) - 1], 1),
            "max_ms": round(times[-1], 1),
            "statements": sorted({r[2] for r in runs}),
        }

    report = {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": f"{platform.machine()} {os.cpu_count()} cpu, {platform.python_version()}",
        "cases": first[0][3],
        "exporters": args.exporters,
        "setup_s": round(setup_s, 1),
        "first_page": figures(first),
        "later_pages": figures(later),
        "target_p95_ms": 150,
    }
    print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
