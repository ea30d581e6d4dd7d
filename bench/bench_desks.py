"""Server time of the desks' busiest pages on PostgreSQL (issue 12; target p95 <= 150 ms):

- the licensing desk (``/officer``): a page of 50 among 10,000 open applications spread over
  100 exporters (the caseload of ``bench_queue.py``), in the green-channel and ordinary
  queues, ordered by due date and by exporter, with every queue's count;
- the customs desk (``/customs?status=held``): a page of 50 held declarations among 100,000
  declaration lines (20,000 declarations of five lines, one in ten held), generated in SQL.

Each page is asked through the whole site in the process (routing, session lookup, the
services, the template), signed in as the desk's officer; the first request of each page is
not timed. The setup is not timed.

    python bench/bench_desks.py [--pg-url URL] [--runs 100] [--lines 100000]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import statistics
import time
import uuid
import warnings
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select, text

import bench_queue
from rarex.auth.roles import Role
from rarex.auth.service import create_user
from rarex.auth.sign_in import SignInPolicy, set_password
from rarex.clock import FixedClock
from rarex.config import Settings
from rarex.db import make_sessionmaker, session_scope
from rarex.db_engine import make_engine
from rarex.migrations import upgrade_database
from rarex.models import Company, User
from rarex.web.site import create_site

with warnings.catch_warnings():
    warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient`")
    from fastapi.testclient import TestClient

PASSWORD = "bench password 1"
# Cheap hashes: sign-in is not what is measured here.
HASHING = {"password_hash_time_cost": 1, "password_hash_memory_kib": 1024}

GEN_DECLARATIONS = """
INSERT INTO declarations (id, number, exporter_id, license_number, license_id, destination,
    consignee_name, consignee_country, port, declared_date, clearance_date, status, revision,
    filed_by_id, filed_at)
SELECT gen_random_uuid(), 'B' || lpad(i::text, 10, '0'), (CAST(:exporters AS uuid[]))[1 + i % 100],
    NULL, NULL, 'DE', 'Consignee ' || (i % 500), 'DE', 'Tianjin Xingang',
    DATE '2025-01-01' + i % 200,
    CASE WHEN i % 10 = 0 THEN NULL ELSE DATE '2025-01-01' + i % 200 END,
    CASE WHEN i % 10 = 0 THEN 'held' ELSE 'cleared' END, 1, :officer, now()
FROM generate_series(0, :n - 1) AS i"""
GEN_LINES = """
INSERT INTO declaration_lines (id, declaration_id, revision, line_no, hs_code, control_code,
    description, net_kg, fob_value, currency, series, element, controlled, outcome, status,
    reasons, license_line_id, drawn_kg, cleared_on)
SELECT gen_random_uuid(), d.id, 1, l, '2805301200', NULL, 'generated', 10, 415, 'USD',
    'rare_earths', 'Dy', false,
    CASE WHEN d.status = 'held' AND l = 1 THEN 'held' ELSE 'cleared' END,
    CASE WHEN d.status = 'held' AND l = 1 THEN 'held' ELSE 'cleared' END,
    '[]', NULL, 0, d.clearance_date
FROM declarations d CROSS JOIN generate_series(1, 5) AS l
WHERE d.number LIKE 'B%'"""


def _times(client: TestClient, path: str, runs: int) -> dict[str, Any]:
    answer = client.get(path)
    assert answer.status_code == 200, (path, answer.status_code)  # warm, not timed
    rows = answer.text.count("<tr") - 1
    times = []
    for _ in range(runs):
        began = time.perf_counter()
        answer = client.get(path)
        times.append((time.perf_counter() - began) * 1000)
        assert answer.status_code == 200
    times.sort()
    return {
        "rows": rows,
        "p50_ms": round(statistics.median(times), 1),
        "p95_ms": round(times[int(len(times) * 0.95) - 1], 1),
        "max_ms": round(times[-1], 1),
    }


def _signed_in(client: TestClient, username: str) -> None:
    login = client.get("/login")
    token = re.search(r'name="form_token" value="([^"]+)"', login.text)
    assert token is not None
    signed = client.post(
        "/login",
        data={"username": username, "password": PASSWORD, "form_token": token.group(1)},
        headers={"Origin": "http://testserver"},
    )
    assert signed.status_code == 303, signed.text


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--pg-url", default=os.environ.get("RAREX_TEST_POSTGRES_URL", bench_queue.DEFAULT_PG_URL)
    )
    parser.add_argument("--runs", type=int, default=100)
    parser.add_argument("--cases", type=int, default=10_000)
    parser.add_argument("--exporters", type=int, default=100)
    parser.add_argument("--lines", type=int, default=100_000)
    args = parser.parse_args(argv)
    schema = f"rarex_bench_desks_{uuid.uuid4().hex[:8]}"
    admin = make_engine(args.pg_url)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    engine = make_engine(args.pg_url, connect_args={"options": f"-csearch_path={schema}"})
    print(
        f"desks bench {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {os.cpu_count()} CPUs, "
        f"Python {platform.python_version()}, PostgreSQL; {args.cases:,} open applications "
        f"over {args.exporters} exporters; {args.lines:,} declaration lines; {args.runs} runs"
    )
    try:
        upgrade_database(engine)
        factory = make_sessionmaker(engine)
        clock = FixedClock(bench_queue.START)
        settings = Settings(environment="test", database_url=args.pg_url, **HASHING)
        policy = SignInPolicy.of(settings)
        started = time.perf_counter()
        with session_scope(factory) as session:
            bench_queue._templates(session, clock, settings, args.exporters)
            create_user(
                session, clock=clock, actor=None, username="desk-customs",
                display_name="Customs", role=Role.CUSTOMS_OFFICER,
            )  # fmt: skip
            for username in ("queue-officer", "desk-customs"):
                set_password(
                    session, clock=clock, actor=None, username=username, password=PASSWORD,
                    policy=policy,
                )  # fmt: skip
        with session_scope(factory) as session:
            bench_queue._copy(session, args.cases)
            exporters = [str(c) for c in session.scalars(select(Company.id).order_by(Company.id))]
            customs = session.scalar(select(User.id).where(User.username == "desk-customs"))
        with engine.begin() as conn:
            params = {"exporters": exporters, "officer": customs, "n": args.lines // 5}
            conn.execute(text(GEN_DECLARATIONS), params)
            conn.execute(text(GEN_LINES), params)
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE"))
            lines = conn.execute(text("SELECT count(*) FROM declaration_lines")).scalar_one()
        setup_s = round(time.perf_counter() - started, 1)
        clock.set(datetime(2025, 8, 20, 2, 0, tzinfo=UTC))
        site = create_site(settings, session_factory=factory, clock=clock)
        results: dict[str, Any] = {"setup_s": setup_s, "declaration_lines": lines}
        with TestClient(site, follow_redirects=False) as client:
            _signed_in(client, "queue-officer")
            for name, path in (
                ("officer_green_by_due", "/officer?queue=green"),
                ("officer_ordinary_by_due", "/officer?queue=ordinary"),
                ("officer_ordinary_by_exporter", "/officer?queue=ordinary&sort=exporter"),
                ("officer_filtered", "/officer?queue=ordinary&destination=DE&control_code=1C905.a"),
            ):
                results[name] = _times(client, path, args.runs)
            client.cookies.clear()
            _signed_in(client, "desk-customs")
            results["customs_held"] = _times(client, "/customs?status=held", args.runs)
        for name, figures in results.items():
            if isinstance(figures, dict):
                verdict = "met" if figures["p95_ms"] <= 150 else "MISSED"
                print(
                    f"  {name:30} rows {figures['rows']:3}  p50 {figures['p50_ms']:6.1f} ms  "
                    f"p95 {figures['p95_ms']:6.1f} ms  max {figures['max_ms']:6.1f} ms  "
                    f"(target p95 <= 150 ms: {verdict})"
                )
        print(f"  setup {setup_s} s; {lines:,} declaration lines")
        print(json.dumps({"bench": "desks", "results": results}))
    finally:
        engine.dispose()
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
