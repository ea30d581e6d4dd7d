"""Server time of two pages (issue 11; target p95 <= 100 ms), on SQLite and PostgreSQL:

- the exporter's dashboard (the first page of 50) with 10,000 applications spread over 100
  exporters (the caseload of ``bench_queue.py``: 100 exporters file, the copies share them);
- the statistics page of the headline series, with every shared series imported, its month's
  permalink, and its chart (an SVG drawn once, then served from memory; the first drawing of
  another series' chart is reported apart).

Each page is asked through the whole site in the process (``TestClient``: routing, session
lookup, the service, the template), signed in as an exporter for the dashboard, so what is
timed is the server's work without a network. The first request is not timed (caches).

    python bench/bench_web.py [--backend sqlite|postgresql|both] [--runs 200]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import statistics
import tempfile
import time
import uuid
import warnings
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import text

import bench_queue
from rarex.auth.sign_in import set_password
from rarex.clock import FixedClock
from rarex.config import Settings
from rarex.db import make_sessionmaker, session_scope
from rarex.db_engine import make_engine
from rarex.migrations import upgrade_database
from rarex.statistics.importer import import_files
from rarex.statistics.published import published_files
from rarex.web.site import create_site

with warnings.catch_warnings():
    warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient`")
    from fastapi.testclient import TestClient

PASSWORD = "bench password 1"


def _times(client: TestClient, path: str, runs: int) -> dict[str, Any]:
    assert client.get(path).status_code == 200  # warm
    times = []
    for _ in range(runs):
        began = time.perf_counter()
        answer = client.get(path)
        times.append((time.perf_counter() - began) * 1000)
        assert answer.status_code == 200, answer.status_code
    times.sort()
    return {
        "p50_ms": round(statistics.median(times), 1),
        "p95_ms": round(times[int(len(times) * 0.95) - 1], 1),
        "max_ms": round(times[-1], 1),
    }


def run(backend: str, runs: int, cases: int, exporters: int) -> dict[str, Any]:
    folder = tempfile.mkdtemp(prefix="rarex-bench-web-")
    schema = f"rarex_bench_web_{uuid.uuid4().hex[:8]}"
    pg_url = os.environ.get("RAREX_TEST_POSTGRES_URL", bench_queue.DEFAULT_PG_URL)
    if backend == "sqlite":
        url = f"sqlite:///{Path(folder) / 'web.db'}"
        engine = make_engine(url)
        admin = None
    else:
        url = pg_url
        admin = make_engine(pg_url)
        with admin.begin() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        engine = make_engine(pg_url, connect_args={"options": f"-csearch_path={schema}"})
    try:
        upgrade_database(engine)
        factory = make_sessionmaker(engine)
        clock = FixedClock(bench_queue.START)
        settings = Settings(environment="test", database_url=url)
        started = time.perf_counter()
        with session_scope(factory) as session:
            bench_queue._templates(session, clock, settings, exporters)
            set_password(
                session, clock=clock, actor=None, username="exporter-000", password=PASSWORD
            )
            import_files(session, clock=clock, actor=None, files=published_files())
        with session_scope(factory) as session:
            bench_queue._copy(session, cases)
        if backend == "postgresql":
            with engine.begin() as conn:
                conn.execute(text("ANALYZE"))
        setup_s = round(time.perf_counter() - started, 1)
        clock.set(datetime(2025, 8, 20, 2, 0, tzinfo=UTC))
        site = create_site(settings, session_factory=factory, clock=clock)
        with TestClient(site, follow_redirects=False) as client:
            login = client.get("/login")
            token = re.search(r'name="form_token" value="([^"]+)"', login.text)
            assert token is not None
            signed = client.post(
                "/login",
                data={"username": "exporter-000", "password": PASSWORD,
                      "form_token": token.group(1)},
                headers={"Origin": "http://testserver"},
            )  # fmt: skip
            assert signed.status_code == 303, signed.text
            dashboard = _times(client, "/exporter", runs)
            rows = client.get("/exporter").text.count('<td class="id">')
            series = _times(client, "/statistics/rare_earth_exports_t", runs)
            month = _times(client, "/statistics/rare_earth_exports_t/2025-05", runs)
            began = time.perf_counter()
            first = client.get("/statistics/magnet_exports_t/charts/growth.svg")
            chart_first_ms = round((time.perf_counter() - began) * 1000, 1)
            assert first.status_code == 200, first.status_code
            chart = _times(client, "/statistics/rare_earth_exports_t/charts/monthly.svg", runs)
    finally:
        engine.dispose()
        if admin is not None:
            with admin.begin() as conn:
                conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
            admin.dispose()
    return {
        "backend": backend,
        "setup_s": setup_s,
        "cases": cases,
        "exporters": exporters,
        "dashboard_rows": rows,
        "exporter_dashboard": dashboard,
        "statistics_series": series,
        "statistics_month": month,
        "statistics_chart": chart,
        "chart_first_draw_ms": chart_first_ms,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--backend", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--cases", type=int, default=10_000)
    parser.add_argument("--exporters", type=int, default=100)
    args = parser.parse_args(argv)
    backends = ("sqlite", "postgresql") if args.backend == "both" else (args.backend,)
    print(
        f"web pages bench {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {os.cpu_count()} CPUs, "
        f"Python {platform.python_version()}; {args.cases:,} applications over "
        f"{args.exporters} exporters; {args.runs} runs per page"
    )
    results = []
    for backend in backends:
        result = run(backend, args.runs, args.cases, args.exporters)
        results.append(result)
        pages = ("exporter_dashboard", "statistics_series", "statistics_month", "statistics_chart")
        for page in pages:
            f = result[page]
            verdict = "met" if f["p95_ms"] <= 100 else "MISSED"
            print(
                f"  {backend:10} {page:20} p50 {f['p50_ms']:6.1f} ms  p95 {f['p95_ms']:6.1f} ms"
                f"  max {f['max_ms']:6.1f} ms  (target p95 <= 100 ms: {verdict})"
            )
        print(
            f"  {backend:10} setup {result['setup_s']} s; "
            f"dashboard rows {result['dashboard_rows']}; "
            f"a chart's first drawing {result['chart_first_draw_ms']} ms"
        )
    print(json.dumps({"bench": "web", "results": results}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
