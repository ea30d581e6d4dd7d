"""Customs and statistics: clearance checks/s beside pgbench, bulk import beside COPY, and the
monthly report beside a DuckDB group-by over the same declaration lines in Parquet (issue 3).

Three parts, run one after the other in one fresh PostgreSQL schema (``-csearch_path=``,
dropped at the end) and one scratch pgbench database (created and dropped here):

1. clearance: N clients file one-line declarations (a fresh number per call) for
   ``--seconds`` against licenses issued in setup through the licensing services and then
   given a balance no run can exhaust, for each ``--client-mode``: ``processes`` (each its own
   process, one unit of work per ``customs.filing.file_declaration``), ``threads`` (the same in
   one process) or ``group`` (threads of one process through ``customs.group_filing``, as the
   API files); beside ``pgbench`` (built-in TPC-B-like script, ``-i -s 10``) and pgbench
   running one clearance's statements (``customs_floor``) with the same client counts;
2. import: CSVs of ``--import-lines`` lines each through ``customs.tabular`` + ``customs.bulk``
   in one unit of work (as ``rarex customs import --all-or-nothing`` runs it), beside ``COPY``
   of the same file into a plain table with psycopg's ``cursor.copy``; then COPY alone of
   ``--copy-lines``, and with ``--import-floor`` the database's floor for storing its rows;
3. report: ``--report-lines`` cleared declaration lines generated server-side, the
   ``export_aggregates`` table rebuilt from them, then ``customs.repository.monthly_totals``,
   ``statistics.declarations.declarations_report`` and the same group-by scanning the lines
   in PostgreSQL, beside DuckDB over the lines exported to Parquet.

    python bench/bench_customs.py [--parts clearance,import,report] [--clients 1,32]
        [--client-mode processes,group] [--seconds 20] [--pgbench-scale 10]
        [--import-lines 1000,2000,4000] [--copy-lines 1000000] [--import-floor]
        [--report-lines 2000000]

The last lines printed are one JSON object per measurement, for docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, select, text, update
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

import customs_floor
from bench_licensing import DEFAULT_PG_URL, FILE_DAY, PARTIES, _at, _setup
from rarex.auth.roles import Actor, Role
from rarex.auth.service import create_user, to_actor
from rarex.clock import FixedClock
from rarex.config import Settings
from rarex.customs import bulk, clearing, filing, repository, tabular
from rarex.customs.group_filing import FilingGroup
from rarex.customs.schemas import DeclarationIn
from rarex.customs.uow import write_unit_of_work
from rarex.db import make_sessionmaker, session_scope
from rarex.db_engine import make_engine
from rarex.migrations import upgrade_database
from rarex.models import Company, License, LicenseLine
from rarex.statistics.declarations import declarations_report

BIG_KG = "999999999"  # a balance no run can exhaust: the bench measures checks, not refusals
CONSIGNEE = PARTIES[0]  # the party every setup license names
RESULTS: list[dict[str, Any]] = []


def emit(record: dict[str, Any]) -> None:
    RESULTS.append(record)


def pct(values: list[float]) -> dict[str, float]:
    if len(values) < 2:
        v = values[0] if values else float("nan")
        return {"p50": v, "p95": v, "p99": v}
    cuts = statistics.quantiles(values, n=100, method="inclusive")
    return {"p50": round(cuts[49], 2), "p95": round(cuts[94], 2), "p99": round(cuts[98], 2)}


# --- setup ----------------------------------------------------------------------------------


def licenses_and_officers(
    factory: sessionmaker[Session], clock: FixedClock, settings: Settings
) -> tuple[list[tuple[str, str]], Actor, Actor]:
    """The licensing bench's setup (12 approved single licenses, 3 per exporter), every license
    line then given a huge balance; a customs officer and an analyst. Not timed."""
    _setup(factory, clock, settings)
    with session_scope(factory) as session:
        session.execute(update(LicenseLine).values(granted_kg=BIG_KG, remaining_kg=BIG_KG))
        pairs = session.execute(
            select(License.number, Company.uscc)
            .join(Company, Company.id == License.exporter_id)
            .where(License.status == "active")
            .order_by(License.number)
        ).all()
        officer = to_actor(
            create_user(
                session,
                clock=clock,
                actor=None,
                username="bench.customs",
                display_name="Customs officer",
                role=Role.CUSTOMS_OFFICER,
            )
        )
        analyst = to_actor(
            create_user(
                session,
                clock=clock,
                actor=None,
                username="bench.analyst",
                display_name="Analyst",
                role=Role.ANALYST,
            )
        )
    return [(str(n), str(u)) for n, u in pairs], officer, analyst


def declaration(number: str, license_number: str, uscc: str) -> DeclarationIn:
    return DeclarationIn.model_validate(
        {
            "number": number,
            "exporter_uscc": uscc,
            "license_number": license_number,
            "destination": CONSIGNEE["country"],
            "consignee": {"name": CONSIGNEE["name"], "country": CONSIGNEE["country"]},
            "port": "Shanghai Waigaoqiao",
            "lines": [
                {
                    "hs_code": "2805301200",
                    "control_code": "1C905.a",
                    "description": "Dysprosium metal",
                    "net_kg": "1.5",
                    "fob_value": "750",
                    "currency": "USD",
                }
            ],
        }
    )


# --- part 1: clearance checks beside pgbench -------------------------------------------------


def _client_loop(
    factory: sessionmaker[Session],
    licenses: list[tuple[str, str]],
    officer: Actor,
    clock: FixedClock,
    settings: Settings,
    *,
    w: int,
    clients: int,
    prefix: str,
    stop_at: float,
    group: FilingGroup | None = None,
) -> tuple[list[float], Counter[str], list[str]]:
    """One client: file declarations one by one, each in its own unit of work, until
    ``stop_at`` (``time.perf_counter``)."""
    latencies: list[float] = []
    outcomes: Counter[str] = Counter()
    errors: list[str] = []
    i = 0
    while time.perf_counter() < stop_at:
        number, uscc = licenses[(w + i * clients) % len(licenses)]
        data = declaration(f"{prefix}W{w:02d}N{i:07d}", number, uscc)
        t0 = time.perf_counter()
        try:
            if group is not None:  # as the API files: committed with whoever else is waiting
                outcome = group.file(actor=officer, clock=clock, settings=settings, data=data)
                status = outcome.status if isinstance(outcome, clearing.Filed) else "not_filed"
            else:
                with write_unit_of_work(factory) as session:
                    filed = filing.file_declaration(
                        session, actor=officer, clock=clock, settings=settings, data=data
                    )
                    status = filed.status
        except Exception as exc:  # a failure is a finding: count it, keep the run going
            errors.append(f"{type(exc).__name__}: {exc}"[:200])
            status = "error"
        latencies.append((time.perf_counter() - t0) * 1000)
        outcomes[status] += 1
        i += 1
    return latencies, outcomes, errors


def _client_process(
    w: int,
    clients: int,
    url: str,
    schema: str,
    licenses: list[tuple[str, str]],
    officer: Actor,
    clock_at: datetime,
    settings: Settings,
    seconds: float,
    prefix: str,
    barrier: Any,
    queue: Any,
) -> None:
    """A client in a process of its own, with its own engine (nothing of the parent's pool is
    touched after the fork), warmed up before the common start."""
    engine = make_engine(
        url, connect_args={"options": f"-csearch_path={schema}"}, pool_size=1, max_overflow=0
    )
    factory = make_sessionmaker(engine)
    clock = FixedClock(clock_at)
    _client_loop(factory, licenses, officer, clock, settings, w=w, clients=clients,
                 prefix=f"{prefix}WARM", stop_at=time.perf_counter() + 0.3)  # fmt: skip
    barrier.wait()
    cpu0 = time.process_time()
    result = _client_loop(factory, licenses, officer, clock, settings, w=w, clients=clients,
                          prefix=prefix, stop_at=time.perf_counter() + seconds)  # fmt: skip
    queue.put((*result, time.process_time() - cpu0))
    engine.dispose()


def run_clearance(
    engine: Engine,
    licenses: list[tuple[str, str]],
    officer: Actor,
    clock: FixedClock,
    settings: Settings,
    *,
    clients: int,
    seconds: float,
    mode: str = "processes",
) -> dict[str, Any]:
    run_id = uuid.uuid4().hex[:6].upper()
    prefix = f"B{run_id}C{clients}"
    group: FilingGroup | None = None
    if mode == "processes":
        ctx = multiprocessing.get_context("fork")
        barrier = ctx.Barrier(clients + 1)
        queue = ctx.Queue()
        with engine.connect() as conn:
            schema = conn.execute(text("SHOW search_path")).scalar_one()
        url = engine.url.render_as_string(hide_password=False)
        procs = [
            ctx.Process(
                target=_client_process,
                args=(
                    w,
                    clients,
                    url,
                    schema,
                    licenses,
                    officer,
                    clock.now(),
                    settings,
                    seconds,
                    prefix,
                    barrier,
                    queue,
                ),
            )
            for w in range(clients)
        ]
        for p in procs:
            p.start()
        barrier.wait()
        t_start = time.perf_counter()
        parts = [queue.get() for _ in procs]
        elapsed = time.perf_counter() - t_start
        for p in procs:
            p.join()
        client_cpu = sum(part[3] for part in parts)
    else:
        factory = make_sessionmaker(engine)
        group = FilingGroup(factory) if mode == "group" else None
        stop_at = time.perf_counter() + seconds
        results: list[Any] = [None] * clients

        def worker(w: int) -> None:
            results[w] = _client_loop(factory, licenses, officer, clock, settings, w=w,
                                      clients=clients, prefix=prefix, stop_at=stop_at,
                                      group=group)  # fmt: skip

        threads = [threading.Thread(target=worker, args=(w,)) for w in range(clients)]
        cpu0 = time.process_time()
        t_start = time.perf_counter()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        elapsed = time.perf_counter() - t_start
        client_cpu = time.process_time() - cpu0
        parts = [(*r, 0.0) for r in results]
    all_lat = [x for part in parts for x in part[0]]
    total: Counter[str] = sum((part[1] for part in parts), Counter())
    errors = [e for part in parts for e in part[2]]
    return {
        "part": "clearance",
        "system": f"rarex file_declaration ({mode})",
        "clients": clients,
        "seconds": round(elapsed, 2),
        "checks": len(all_lat),
        "per_second": round(len(all_lat) / elapsed, 1),
        "outcomes": dict(total),
        "errors": len(errors),
        "first_errors": sorted(set(errors))[:3],
        "client_cpu_s": round(client_cpu, 1),
        "client_cpu_ms_per_check": round(client_cpu * 1000 / max(len(all_lat), 1), 2),
        "transactions": group.batches if group is not None else None,
        **pct(all_lat),
    }


def pgbench_bin() -> str:
    return shutil.which("pgbench") or "/usr/lib/postgresql/15/bin/pgbench"


def pgbench_args(url: str) -> list[str]:
    u = make_url(url)
    return ["-h", u.host or "127.0.0.1", "-p", str(u.port or 5432), "-U", u.username or "postgres"]


def run_pgbench(url: str, db: str, *, clients: int, seconds: int) -> dict[str, Any]:
    jobs = 1 if clients == 1 else 2
    cmd = [
        pgbench_bin(),
        *pgbench_args(url),
        "-c",
        str(clients),
        "-j",
        str(jobs),
        "-T",
        str(seconds),
        db,
    ]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    tps = float(re.search(r"tps = ([\d.]+) \(without initial", out).group(1))  # type: ignore[union-attr]
    lat = float(re.search(r"latency average = ([\d.]+) ms", out).group(1))  # type: ignore[union-attr]
    return {
        "part": "clearance",
        "system": "pgbench tpcb-like",
        "clients": clients,
        "seconds": seconds,
        "per_second": round(tps, 1),
        "latency_avg_ms": lat,
        "command": " ".join(cmd[:1] + cmd[-7:]),
    }


def clearance_part(engine: Engine, url: str, args: argparse.Namespace, ctx: dict[str, Any]) -> None:
    db = f"rarex_pgbench_{uuid.uuid4().hex[:8]}"
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text(f'CREATE DATABASE "{db}"'))
    try:
        t0 = time.perf_counter()
        subprocess.run(
            [pgbench_bin(), *pgbench_args(url), "-i", "-q", "-s", str(args.pgbench_scale), db],
            check=True,
            capture_output=True,
        )
        print(f"pgbench -i -s {args.pgbench_scale}: {time.perf_counter() - t0:.1f} s (untimed)")
        with engine.connect() as conn:
            schema = conn.execute(text("SHOW search_path")).scalar_one()
        for clients in args.clients:
            pg = run_pgbench(url, db, clients=clients, seconds=args.seconds)
            floor = customs_floor.clearance_floor(
                engine,
                [pgbench_bin(), *pgbench_args(url)],
                schema,
                clients=clients,
                seconds=args.seconds,
            )
            floor["ratio_to_pgbench"] = round(floor["per_second"] / pg["per_second"], 3)
            emit(floor)
            print(
                f"clients {clients:>3}: one clearance's statements from pgbench (floor) "
                f"{floor['per_second']:>8.1f} tps, ratio {floor['ratio_to_pgbench']}, "
                f"failed {floor['failed']}"
            )
            emit(pg)
            for mode in args.client_mode:
                rx = run_clearance(
                    engine,
                    ctx["licenses"],
                    ctx["officer"],
                    ctx["clock"],
                    ctx["settings"],
                    clients=clients,
                    seconds=args.seconds,
                    mode=mode,
                )
                rx["ratio_to_pgbench"] = round(rx["per_second"] / pg["per_second"], 3)
                emit(rx)
                print(
                    f"clients {clients:>3}: pgbench {pg['per_second']:>8.1f} tps | rarex "
                    f"({mode}) {rx['per_second']:>7.1f} checks/s  p50/p95/p99 {rx['p50']}/"
                    f"{rx['p95']}/{rx['p99']} ms  ratio {rx['ratio_to_pgbench']}  outcomes "
                    f"{rx['outcomes']}  errors {rx['errors']} {rx['first_errors']}  "
                    f"transactions {rx['transactions']}"
                )
    finally:
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)'))


# --- part 2: bulk import beside COPY ---------------------------------------------------------


def write_csv(path: Path, licenses: list[tuple[str, str]], lines: int, per_decl: int) -> None:
    day = FILE_DAY.isoformat()
    run_id = uuid.uuid4().hex[:6].upper()
    with path.open("w", newline="") as f:
        f.write(",".join(tabular.COLUMNS) + "\n")
        for i in range(lines):
            d, line_no = divmod(i, per_decl)
            number, uscc = licenses[d % len(licenses)]
            metal = line_no % 2 == 0
            f.write(
                ",".join(
                    [
                        f"I{run_id}{d:08d}",
                        uscc,
                        number,
                        CONSIGNEE["country"],
                        CONSIGNEE["name"],
                        CONSIGNEE["country"],
                        "Shanghai Waigaoqiao",
                        day,
                        day,
                        str(line_no + 1),
                        "2805301200" if metal else "2846901993",
                        "1C905.a" if metal else "1C905.b",
                        "Dysprosium metal" if metal else "Dysprosium oxide",
                        "1.5",
                        "750.00",
                        "USD",
                    ]
                )
                + "\n"
            )


COPY_TABLE = """CREATE TABLE bench_copy_lines (
    number text, exporter_uscc text, license_number text, destination text,
    consignee_name text, consignee_country text, port text, declared_date date,
    clearance_date date, line_no int, hs_code text, control_code text, description text,
    net_kg numeric(18,3), fob_value numeric(18,2), currency text)"""


def copy_file(engine: Engine, path: Path, repeat: int = 3) -> tuple[list[float], int]:
    """COPY the CSV into a fresh plain table ``repeat`` times; the seconds of each run."""
    runs: list[float] = []
    raw = engine.raw_connection()
    try:
        for _ in range(repeat):
            cur = raw.cursor()
            cur.execute("DROP TABLE IF EXISTS bench_copy_lines")
            cur.execute(COPY_TABLE)
            raw.commit()
            t0 = time.perf_counter()
            customs_floor.copy_csv(cur, "bench_copy_lines", path)
            raw.commit()
            runs.append(time.perf_counter() - t0)
        cur = raw.cursor()
        cur.execute("SELECT count(*) FROM bench_copy_lines")
        copied = int(cur.fetchone()[0])
        cur.execute("DROP TABLE bench_copy_lines")
        raw.commit()
    finally:
        raw.close()
    return runs, copied


def import_part(engine: Engine, args: argparse.Namespace, ctx: dict[str, Any], tmp: Path) -> None:
    for lines in args.import_lines:
        import_one(engine, lines, args.lines_per_declaration, ctx, tmp)
    if args.copy_lines:
        # COPY alone at the target size: small files say little about COPY's steady rate.
        path = tmp / "declarations-copy.csv"
        write_csv(path, ctx["licenses"], args.copy_lines, args.lines_per_declaration)
        runs, copied = copy_file(engine, path)
        rate = copied / min(runs)
        emit(
            {
                "part": "import",
                "system": "COPY only",
                "lines": copied,
                "csv_bytes": path.stat().st_size,
                "copy_runs_s": [round(x, 3) for x in runs],
                "copy_lines_per_s": round(rate),
            }
        )
        print(f"COPY alone, {copied} lines: best {min(runs):.2f} s = {rate:.0f} lines/s")
        if args.import_floor:
            with path.open() as f:
                prefix = f.readlines(1 << 12)[1].split(",")[0][:7]  # "I" + the file's run id
            floor = customs_floor.import_floor(engine, path, prefix=prefix)
            floor["ratio_to_copy"] = round(min(runs) / floor["total_s"], 4)
            emit(floor)
            print(
                f"import floor, {floor['lines_stored']} lines: {floor['total_s']:.1f} s "
                f"{floor['seconds']}; ratio to COPY {floor['ratio_to_copy']}"
            )
        path.unlink()


def import_one(engine: Engine, n: int, per_decl: int, ctx: dict[str, Any], tmp: Path) -> None:
    """One file of ``n`` lines: the importer in one unit of work, then COPY of the same file.

    The whole import is one transaction holding the audit chain's lock, so keep files small on
    a shared server: other sessions writing audit events wait for it to commit."""
    path = tmp / f"declarations-{n}.csv"
    write_csv(path, ctx["licenses"], n, per_decl)
    size = path.stat().st_size
    factory = make_sessionmaker(engine)
    t0 = time.perf_counter()
    with write_unit_of_work(factory) as session:
        report = bulk.import_declarations(
            session,
            actor=ctx["officer"],
            clock=ctx["clock"],
            settings=ctx["settings"],
            source=path.name,
            parsed=tabular.declarations(
                tabular.read_rows(path, tabular.ImportLimits.of(ctx["settings"]))
            ),
            all_or_nothing=True,
        )
    importer_s = time.perf_counter() - t0
    assert report.lines_recorded == n, report.to_dict()["errors"][:3]
    copy_runs, copied = copy_file(engine, path)
    copy_s = min(copy_runs)
    imp_rate, copy_rate = n / importer_s, copied / copy_s
    rec = {
        "part": "import",
        "system": "rarex bulk import beside COPY of the same file",
        "lines": n,
        "declarations": report.recorded,
        "csv_bytes": size,
        "importer_s": round(importer_s, 2),
        "importer_lines_per_s": round(imp_rate, 1),
        "importer_declarations_per_s": round(report.recorded / importer_s, 1),
        "copy_s": round(copy_s, 4),
        "copy_runs_s": [round(x, 4) for x in copy_runs],
        "copy_lines_per_s": round(copy_rate),
        "ratio_to_copy": round(imp_rate / copy_rate, 5),
        "extrapolated_1m_importer_s": round(1_000_000 / imp_rate),
        "extrapolated_1m_copy_s": round(1_000_000 / copy_rate, 1),
        "outcomes": dict(report.outcomes),
    }
    emit(rec)
    print(
        f"import {n} lines ({report.recorded} declarations, {size} bytes): importer "
        f"{importer_s:.1f} s = {imp_rate:.0f} lines/s; COPY {copy_s:.3f} s = {copy_rate:.0f} "
        f"lines/s; ratio {rec['ratio_to_copy']}; 1M extrapolated "
        f"{rec['extrapolated_1m_importer_s']} s vs {rec['extrapolated_1m_copy_s']} s"
    )


# --- part 3: monthly report over N lines beside DuckDB over Parquet --------------------------

DESTINATIONS = (
    "DE",
    "US",
    "JP",
    "KR",
    "NL",
    "IN",
    "VN",
    "TH",
    "MY",
    "IT",
    "FR",
    "GB",
    "PL",
    "MX",
    "BR",
    "TR",
    "ID",
    "PH",
    "CA",
    "AU",
)
GEN_DECLARATIONS = """
INSERT INTO declarations (id, number, exporter_id, license_number, license_id, destination,
    consignee_name, consignee_country, port, declared_date, clearance_date, status, revision,
    filed_by_id, filed_at)
SELECT gen_random_uuid(), 'G' || lpad(i::text, 10, '0'), (CAST(:exporters AS uuid[]))[1 + i % 4],
    NULL, NULL, (CAST(:dests AS text[]))[1 + (i * 7) % 20], 'Consignee ' || (i % 500),
    (CAST(:dests AS text[]))[1 + (i * 7) % 20], 'Tianjin Xingang', DATE '2023-01-01' + i % 731,
    DATE '2023-01-01' + i % 731, 'cleared', 1, :officer, now()
FROM generate_series(0, :n - 1) AS i"""
GEN_LINES = """
INSERT INTO declaration_lines (id, declaration_id, revision, line_no, hs_code, control_code,
    description, net_kg, fob_value, currency, series, element, controlled, outcome, status,
    reasons, license_line_id, drawn_kg, cleared_on)
SELECT gen_random_uuid(), g.id, 1, g.l, g.hs, NULL, 'generated', g.kg, g.kg * 41.5, 'USD',
    CASE WHEN g.hs LIKE '8505%' THEN 'magnets' ELSE 'rare_earths' END,
    CASE WHEN g.hs = '2805301200' THEN 'Dy' END, false, 'cleared', 'cleared', '[]', NULL, 0,
    g.clearance_date
FROM (SELECT d.id, l, d.clearance_date,
             (ARRAY['2805301200', '2846901993', '8505111000'])[
                 1 + mod(mod(l + hashtext(d.number), 3) + 3, 3)] AS hs,
             round((1 + random() * 999)::numeric, 3) AS kg
      FROM declarations d CROSS JOIN generate_series(1, :per) AS l
      WHERE d.number LIKE 'G%') AS g"""
GEN_AGGREGATES = """
INSERT INTO export_aggregates AS a (period, series, element, hs_code, destination, currency,
    net_kg, fob_value, lines)
SELECT to_char(l.cleared_on, 'YYYY-MM'), l.series, coalesce(l.element, ''), l.hs_code,
    d.destination, l.currency, sum(l.net_kg), sum(l.fob_value), count(*)
FROM declaration_lines l JOIN declarations d ON d.id = l.declaration_id
WHERE d.number LIKE 'G%' AND l.status = 'cleared'
GROUP BY 1, 2, 3, 4, 5, 6
ON CONFLICT (period, series, element, hs_code, destination, currency) DO UPDATE
SET net_kg = a.net_kg + excluded.net_kg, fob_value = a.fob_value + excluded.fob_value,
    lines = a.lines + excluded.lines"""
# What the report would cost without the aggregate: the same group-by over the lines.
PG_SCAN = """
SELECT d.destination, l.currency, sum(l.net_kg), sum(l.fob_value), count(*)
FROM declaration_lines l JOIN declarations d ON d.id = l.declaration_id
WHERE l.cleared_on >= DATE '2024-06-01' AND l.cleared_on < DATE '2024-07-01'
  AND l.status = 'cleared' AND l.series = 'rare_earths'
GROUP BY 1, 2"""
EXPORT = """COPY (SELECT l.cleared_on, l.series, coalesce(l.element, '') AS element, l.hs_code,
    d.destination, l.currency, l.net_kg, l.fob_value, l.status
FROM declaration_lines l JOIN declarations d ON d.id = l.declaration_id
WHERE l.cleared_on IS NOT NULL) TO STDOUT (FORMAT csv, HEADER true)"""
DUCK_MONTH = """SELECT destination, currency, sum(net_kg), sum(fob_value), count(*)
FROM read_parquet('{p}')
WHERE cleared_on >= DATE '2024-06-01' AND cleared_on < DATE '2024-07-01'
  AND status = 'cleared' AND series = 'rare_earths' GROUP BY 1, 2"""
DUCK_SERIES = """SELECT strftime(cleared_on, '%Y-%m') AS period, currency, sum(net_kg),
    sum(fob_value), count(*)
FROM read_parquet('{p}')
WHERE cleared_on >= DATE '2023-01-01' AND cleared_on < DATE '2024-07-01'
  AND status = 'cleared' AND series = 'rare_earths' GROUP BY 1, 2"""


def timed(fn: Any, repeat: int) -> dict[str, float]:
    runs = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        runs.append((time.perf_counter() - t0) * 1000)
    return {
        "first_ms": round(runs[0], 2),
        "median_ms": round(statistics.median(runs), 2),
        "min_ms": round(min(runs), 2),
        "repeat": repeat,
    }


def report_part(engine: Engine, args: argparse.Namespace, ctx: dict[str, Any], tmp: Path) -> None:
    import duckdb  # the bench extra; imported here so parts 1 and 2 run without it

    n, per = args.report_lines, 5
    factory = make_sessionmaker(engine)
    with session_scope(factory) as session:
        exporters = [str(x) for x in session.scalars(select(Company.id).order_by(Company.id))]
    gen: dict[str, float] = {}
    with engine.begin() as conn:
        params = {
            "exporters": exporters[:4],
            "dests": list(DESTINATIONS),
            "officer": ctx["officer"].user_id,
            "n": n // per,
            "per": per,
        }
        for name, sql in (
            ("declarations", GEN_DECLARATIONS),
            ("lines", GEN_LINES),
            ("aggregates", GEN_AGGREGATES),
        ):
            t0 = time.perf_counter()
            conn.execute(text(sql), params)
            gen[name] = round(time.perf_counter() - t0, 1)
            print(f"generated {name}: {gen[name]} s (untimed setup)", flush=True)
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM ANALYZE declarations"))
        conn.execute(text("VACUUM ANALYZE declaration_lines"))
        conn.execute(text("VACUUM ANALYZE export_aggregates"))
        lines = conn.execute(text("SELECT count(*) FROM declaration_lines")).scalar_one()
        cells = conn.execute(text("SELECT count(*) FROM export_aggregates")).scalar_one()
        month_cells = conn.execute(
            text("SELECT count(*) FROM export_aggregates WHERE period = '2024-06'")
        ).scalar_one()

    # Parquet: the same rows, exported through COPY to CSV, converted by DuckDB (untimed).
    csv_path, pq_path = tmp / "lines.csv", tmp / "lines.parquet"
    t0 = time.perf_counter()
    raw = engine.raw_connection()
    try:
        with raw.cursor().copy(EXPORT) as copy, csv_path.open("wb") as f:
            for chunk in copy:
                f.write(chunk)
    finally:
        raw.close()
    duck = duckdb.connect()
    duck.execute(
        f"COPY (SELECT * FROM read_csv('{csv_path}', header=true, columns={{"
        "'cleared_on': 'DATE', 'series': 'VARCHAR', 'element': 'VARCHAR', 'hs_code': 'VARCHAR',"
        "'destination': 'VARCHAR', 'currency': 'VARCHAR', 'net_kg': 'DECIMAL(18,3)',"
        f"'fob_value': 'DECIMAL(18,2)', 'status': 'VARCHAR'}})) TO '{pq_path}' (FORMAT parquet)"
    )
    export_s = time.perf_counter() - t0
    csv_path.unlink()
    pq_rows = duck.execute(f"SELECT count(*) FROM read_parquet('{pq_path}')").fetchone()[0]

    with session_scope(factory) as session:

        def monthly() -> None:
            repository.monthly_totals(
                session, period="2024-06", by="destination", series="rare_earths"
            )

        def report() -> None:
            declarations_report(
                session, actor=ctx["analyst"], series="rare_earth_exports_t", period="2024-06"
            )

        def scan() -> None:
            session.execute(text(PG_SCAN)).all()

        res_monthly = timed(monthly, 20)
        res_report = timed(report, 10)
        res_scan = timed(scan, 3)
        agg = {
            t.key: t.net_kg
            for t in repository.monthly_totals(
                session, period="2024-06", by="destination", series="rare_earths"
            )
        }
    duck_month = DUCK_MONTH.format(p=pq_path)
    duck_series = DUCK_SERIES.format(p=pq_path)
    res_duck_month = timed(lambda: duck.execute(duck_month).fetchall(), 20)
    res_duck_report = timed(
        lambda: (duck.execute(duck_series).fetchall(), duck.execute(duck_month).fetchall()), 10
    )
    # Same rows, same answer: the aggregate and DuckDB agree per destination.
    duck_totals = {r[0]: r[2] for r in duck.execute(duck_month).fetchall()}
    agree = {k: str(v) for k, v in agg.items()} == {k: str(v) for k, v in duck_totals.items()}
    duck.close()
    base = {
        "part": "report",
        "lines": lines,
        "parquet_rows": pq_rows,
        "aggregate_cells": cells,
        "month_cells": month_cells,
    }
    for system, res in (
        ("rarex monthly_totals (aggregate)", res_monthly),
        ("rarex declarations_report (aggregate)", res_report),
        ("postgresql group-by over lines", res_scan),
        ("duckdb parquet month group-by", res_duck_month),
        ("duckdb parquet report (18-month series + month)", res_duck_report),
    ):
        emit({**base, "system": system, **res})
        print(
            f"{system:<50} first {res['first_ms']:>9.2f} ms  median {res['median_ms']:>9.2f}"
            f" ms  min {res['min_ms']:>9.2f} ms  (x{res['repeat']})"
        )
    emit(
        {
            **base,
            "system": "setup",
            "generate_s": gen,
            "export_parquet_s": round(export_s, 1),
            "parquet_bytes": pq_path.stat().st_size,
            "aggregate_equals_duckdb": agree,
        }
    )
    print(
        f"{lines} lines, {cells} aggregate cells ({month_cells} in 2024-06); parquet "
        f"{pq_path.stat().st_size} bytes in {export_s:.1f} s; aggregate == duckdb: {agree}"
    )


@contextmanager
def pg_schema(url: str, *, pool_size: int) -> Iterator[tuple[Engine, str]]:
    """A schema of its own (``-csearch_path=``), dropped at the end; a pool for every client."""
    schema = f"rarex_bench_{uuid.uuid4().hex[:10]}"
    admin = make_engine(url)
    try:
        with admin.begin() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
            version = conn.execute(text("SHOW server_version")).scalar_one()
        engine = make_engine(
            url,
            connect_args={"options": f"-csearch_path={schema}"},
            pool_size=pool_size,
            max_overflow=4,
        )
        try:
            with engine.connect() as conn:  # never write outside the scratch schema
                assert conn.execute(text("SHOW search_path")).scalar_one() == schema
            yield engine, f"PostgreSQL {version}, schema {schema}"
        finally:
            engine.dispose()
            with admin.begin() as conn:
                conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    finally:
        admin.dispose()


# --- main ------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--pg-url", default=DEFAULT_PG_URL, metavar="URL")
    parser.add_argument("--parts", default="clearance,import,report")
    parser.add_argument("--clients", default="1,32", type=lambda s: [int(x) for x in s.split(",")])
    parser.add_argument("--seconds", type=int, default=20)
    parser.add_argument("--pgbench-scale", type=int, default=10)
    parser.add_argument(
        "--client-mode",
        default="processes,group",
        type=lambda s: [m for m in s.split(",") if m],
        help="comma-separated: clients as processes (like API workers, one transaction per "
        "filing), threads (the same in one process) or group (threads of one process filing "
        "through customs.group_filing, as the API does)",
    )
    parser.add_argument(
        "--import-lines",
        default="1000,2000,4000",
        type=lambda s: [int(x) for x in s.split(",") if x],
        help="file sizes in lines, each imported and copied on its own",
    )
    parser.add_argument("--copy-lines", type=int, default=1_000_000, metavar="N")
    parser.add_argument(
        "--import-floor",
        action="store_true",
        help="after COPY alone, the least an import storing the rows takes (customs_floor)",
    )
    parser.add_argument("--lines-per-declaration", type=int, default=2)
    parser.add_argument("--report-lines", type=int, default=2_000_000)
    args = parser.parse_args(argv)
    parts = set(args.parts.split(","))

    print(
        f"{datetime.now().astimezone().isoformat(timespec='seconds')}  Python "
        f"{platform.python_version()}, {os.cpu_count()} CPUs, load {os.getloadavg()}"
    )
    with (
        pg_schema(args.pg_url, pool_size=max(args.clients) + 2) as (engine, server),
        tempfile.TemporaryDirectory(prefix="rarex-bench-") as tmpdir,
    ):
        print(server)
        url = engine.url
        settings = Settings(
            environment="test", database_url=url.render_as_string(hide_password=False)
        )
        clock = FixedClock(_at(FILE_DAY, 8))
        upgrade_database(engine)
        factory = make_sessionmaker(engine)
        licenses, officer, analyst = licenses_and_officers(factory, clock, settings)
        clock.set(_at(FILE_DAY, 10))
        ctx = {
            "licenses": licenses,
            "officer": officer,
            "analyst": analyst,
            "clock": clock,
            "settings": settings,
        }
        print(f"setup: {len(licenses)} active licenses; load {os.getloadavg()}", flush=True)
        if "clearance" in parts:
            clearance_part(engine, args.pg_url, args, ctx)
        if "import" in parts:
            import_part(engine, args, ctx, Path(tmpdir))
        if "report" in parts:
            report_part(engine, args, ctx, Path(tmpdir))
    print(f"load after {os.getloadavg()}  {datetime.now(UTC).isoformat(timespec='seconds')}")
    print()
    for record in RESULTS:
        print(json.dumps(record, sort_keys=True, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
