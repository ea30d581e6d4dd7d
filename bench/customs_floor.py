"""What the database alone needs for the work the customs benchmarks measure: the floor
under any client, in any language.

* **clearance floor**: a ``pgbench`` custom script that sends, from pgbench's C client with
  prepared statements, the statements one clearance makes (the number's duplicate check, the
  license and its lines locked in one join, the declaration, its line, the drawdown, the
  action, the balance, the month's aggregate cell, the audit head locked, the event and the
  head moved), with values of the same size, in one transaction. Beside TPC-B it says how
  much of pgbench's rate a clearance could reach if the client cost nothing.
* **import floor**: the file ``COPY``-ed into an unlogged staging table, then the rows an
  import must store (declarations, lines, drawdowns, actions) written by ``INSERT … SELECT``
  from it, with no check at all and no Python: the least an importer storing those rows can
  take, beside ``COPY`` of the same file into a plain table.

Used by ``bench_customs.py`` (``clearance`` part: always; ``import`` part: ``--import-floor``).
"""

from __future__ import annotations

import os
import re
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, text

# One clearance's statements. Ids are derived from the client and a random number so every
# statement of the transaction can name the same declaration and line without a round trip.
CLEARANCE_SCRIPT = r"""
\set lic random(0, 11)
\set n random(1, 1000000000000)
SELECT number AS licno, line_id AS llid, user_id AS uid FROM bench_floor_licenses WHERE i = :lic
\gset
BEGIN;
SELECT number, status FROM declarations WHERE number = ANY (ARRAY['F' || :client_id || '-' || :n]);
SELECT licenses.id, licenses.number, licenses.exporter_id, companies.uscc,
    licenses.license_type, licenses.status, licenses.valid_from, licenses.valid_until,
    licenses.destination, consignee.name, consignee.country, end_user.name, end_user.country,
    license_lines.id, license_lines.line_no, license_lines.control_code, license_lines.hs_code,
    license_lines.remaining_kg FROM licenses JOIN license_lines ON license_lines.license_id =
    licenses.id JOIN companies ON companies.id = licenses.exporter_id JOIN foreign_parties AS
    consignee ON consignee.id = licenses.consignee_id JOIN foreign_parties AS end_user ON
    end_user.id = licenses.end_user_id WHERE licenses.number = ANY (ARRAY[:licno]) ORDER BY
    licenses.number, license_lines.line_no FOR UPDATE OF licenses, license_lines;
INSERT INTO declarations (id, number, exporter_id, license_number, license_id, destination,
    consignee_name, consignee_country, port, declared_date, clearance_date, status, revision,
    filed_by_id, filed_at) SELECT md5('D' || :client_id || '-' || :n)::uuid, 'F' || :client_id
    || '-' || :n, exporter_id, number, id, 'DE', 'Rheinland Antriebstechnik GmbH', 'DE',
    'Shanghai Waigaoqiao', DATE '2025-06-16', DATE '2025-06-16', 'cleared', 1, :uid, now() FROM
    licenses WHERE number = :licno ON CONFLICT (number) DO NOTHING RETURNING number;
INSERT INTO declaration_lines (id, declaration_id, revision, line_no, hs_code, control_code,
    description, net_kg, fob_value, currency, series, element, controlled, outcome, status,
    reasons, license_line_id, drawn_kg, cleared_on) VALUES (md5('L' || :client_id || '-' ||
    :n)::uuid, md5('D' || :client_id || '-' || :n)::uuid, 1, 1, '2805301200', '1C905.a',
    'Dysprosium metal', 1.5, 750.00, 'USD', 'rare_earths', 'Dy', true, 'cleared', 'cleared',
    '[{"code": "customs.controlled_item", "severity": "info",
       "message": "1C905.a is on the control list on 2025-06-16"},
      {"code": "customs.license_covers", "severity": "info",
       "message": "license line 1 covers 1C905.a"}]', :llid, 1.5, DATE '2025-06-16');
INSERT INTO license_drawdowns (id, license_line_id, declaration_line_id, kind, kg, at, actor)
    VALUES (md5('W' || :client_id || '-' || :n)::uuid, :llid, md5('L' || :client_id || '-' ||
    :n)::uuid, 'draw', 1.5, now(), 'customs/bench.customs');
INSERT INTO declaration_actions (id, declaration_id, seq, action, line_no, revision, actor_id,
    at, reason, details) VALUES (md5('A' || :client_id || '-' || :n)::uuid, md5('D' ||
    :client_id || '-' || :n)::uuid, 1, 'filed', NULL, 1, :uid, now(), '', '{"license": "L",
    "lines": [{"line_no": 1, "outcome": "cleared", "reasons": []}]}');
UPDATE license_lines SET remaining_kg = remaining_kg - 1.5 WHERE id = :llid;
INSERT INTO export_aggregates (period, series, element, hs_code, destination, currency, net_kg,
    fob_value, lines) VALUES ('2025-06', 'rare_earths', 'Dy', '2805301200', 'DE', 'USD', 1.5,
    750.00, 1) ON CONFLICT (period, series, element, hs_code, destination, currency) DO UPDATE
    SET net_kg = export_aggregates.net_kg + excluded.net_kg, fob_value =
    export_aggregates.fob_value + excluded.fob_value, lines = export_aggregates.lines +
    excluded.lines;
SELECT last_seq + 1 AS seq, last_hash AS prev FROM audit_head WHERE id = 1 FOR UPDATE \gset
INSERT INTO audit_events (seq, at, actor, action, subject_type, subject_id, payload_json,
    prev_hash, hash) VALUES (:seq, now(), 'customs/bench.customs', 'customs.declaration_filed',
    'declaration', md5('D' || :client_id || '-' || :n), '{"license": "L", "line_no": null,
    "lines": [{"line_no": 1, "outcome": "cleared", "reasons": []}], "number": "F", "reason": "",
    "revision": 1, "status": "cleared"}', :prev, encode(sha256(convert_to(:prev || :seq,
    'UTF8')), 'hex'));
UPDATE audit_head SET last_seq = :seq, last_hash = encode(sha256(convert_to(:prev || :seq,
    'UTF8')), 'hex') WHERE id = 1;
END;
"""

PREPARE_LICENSES = """
CREATE TABLE bench_floor_licenses AS
SELECT (row_number() OVER (ORDER BY l.number) - 1)::int AS i, l.number, ll.id AS line_id,
       l.exporter_id, (SELECT id FROM users ORDER BY username LIMIT 1) AS user_id
FROM licenses l JOIN license_lines ll ON ll.license_id = l.id AND ll.line_no = 1
WHERE l.status = 'active'
"""


def clearance_floor(
    engine: Engine, pgbench: list[str], schema: str, *, clients: int, seconds: int
) -> dict[str, Any]:
    """pgbench running one clearance's statements (``-M prepared``) in the bench's schema."""
    with engine.begin() as conn:
        conn.execute(text("DROP TABLE IF EXISTS bench_floor_licenses"))
        conn.execute(text(PREPARE_LICENSES))
        licenses = conn.execute(text("SELECT count(*) FROM bench_floor_licenses")).scalar_one()
        assert licenses == 12, licenses  # the script draws from licenses 0..11
        conn.execute(
            text(
                "INSERT INTO audit_head (id, last_seq, last_hash) "
                "SELECT 1, 0, repeat('0', 64) WHERE NOT EXISTS (SELECT 1 FROM audit_head)"
            )
        )
        database = conn.execute(text("SELECT current_database()")).scalar_one()
    with tempfile.NamedTemporaryFile("w", suffix=".sql", delete=False) as script:
        script.write(CLEARANCE_SCRIPT)
    jobs = 1 if clients == 1 else 2
    cmd = [*pgbench, "-n", "-M", "prepared", "-f", script.name]
    cmd += ["-c", str(clients), "-j", str(jobs), "-T", str(seconds), database]
    env = {**os.environ, "PGOPTIONS": f"-csearch_path={schema}"}
    try:
        run = subprocess.run(cmd, check=True, capture_output=True, text=True, env=env)
    finally:
        Path(script.name).unlink()
    out = run.stdout
    failed = re.search(r"number of failed transactions: (\d+)", out)
    return {
        "part": "clearance",
        "system": "pgbench, one clearance's statements (floor)",
        "clients": clients,
        "seconds": seconds,
        "per_second": round(float(_grab(r"tps = ([\d.]+) \(without initial", out)), 1),
        "latency_avg_ms": float(_grab(r"latency average = ([\d.]+) ms", out)),
        "failed": int(failed.group(1)) if failed else 0,
        "command": f"pgbench -n -M prepared -f <one clearance> -c {clients} -j {jobs} -T {seconds}",
    }


def _grab(pattern: str, out: str) -> str:
    found = re.search(pattern, out)
    if found is None:
        raise RuntimeError(f"pgbench printed no {pattern!r}:\n{out}")
    return found.group(1)


def copy_csv(cursor: Any, table: str, path: Path) -> None:
    """``COPY table FROM STDIN`` of a CSV file with a header, sent as it is read."""
    with (
        cursor.copy(f"COPY {table} FROM STDIN (FORMAT csv, HEADER true)") as copy,
        path.open("rb") as f,
    ):
        while chunk := f.read(1 << 20):
            copy.write(chunk)


STAGE = """CREATE UNLOGGED TABLE bench_stage (
    number text, exporter_uscc text, license_number text, destination text,
    consignee_name text, consignee_country text, port text, declared_date date,
    clearance_date date, line_no int, hs_code text, control_code text, description text,
    net_kg numeric(18,3), fob_value numeric(18,2), currency text)"""

IMPORT_STEPS = (
    (
        "declarations",
        """INSERT INTO declarations (id, number, exporter_id, license_number, license_id,
        destination, consignee_name, consignee_country, port, declared_date, clearance_date,
        status, revision, filed_by_id, filed_at)
        SELECT gen_random_uuid(), s.number, c.id, s.license_number, l.id, s.destination,
               s.consignee_name, s.consignee_country, s.port, s.declared_date,
               s.clearance_date, 'cleared', 1, :user_id, now()
        FROM bench_stage s JOIN companies c ON c.uscc = s.exporter_uscc
        JOIN licenses l ON l.number = s.license_number
        WHERE s.line_no = 1""",
    ),
    (
        "lines",
        """INSERT INTO declaration_lines (id, declaration_id, revision, line_no, hs_code,
        control_code, description, net_kg, fob_value, currency, series, element, controlled,
        outcome, status, reasons, license_line_id, drawn_kg, cleared_on)
        SELECT gen_random_uuid(), d.id, 1, s.line_no, s.hs_code, s.control_code,
               s.description, s.net_kg, s.fob_value, s.currency, 'rare_earths', 'Dy', true,
               'cleared', 'cleared', '[]', ll.id, s.net_kg, s.clearance_date
        FROM bench_stage s JOIN declarations d ON d.number = s.number
        JOIN license_lines ll ON ll.license_id = d.license_id
             AND ll.control_code = s.control_code""",
    ),
    (
        "drawdowns",
        """INSERT INTO license_drawdowns (id, license_line_id, declaration_line_id, kind, kg,
        at, actor)
        SELECT gen_random_uuid(), l.license_line_id, l.id, 'draw', l.net_kg, now(), 'bench'
        FROM declaration_lines l JOIN declarations d ON d.id = l.declaration_id
        WHERE d.number LIKE :prefix""",
    ),
    (
        "actions",
        """INSERT INTO declaration_actions (id, declaration_id, seq, action, line_no, revision,
        actor_id, at, reason, details)
        SELECT gen_random_uuid(), d.id, 1, 'filed', NULL, 1, :user_id, now(), '', '{}'
        FROM declarations d WHERE d.number LIKE :prefix""",
    ),
)


def import_floor(engine: Engine, path: Path, *, prefix: str) -> dict[str, Any]:
    """Staging COPY, then the four ``INSERT … SELECT``; each committed, each timed. The rows
    are deleted afterwards (untimed) so later parts see the schema as before."""
    raw = engine.raw_connection()
    timings: dict[str, float] = {}
    try:
        cur = raw.cursor()
        cur.execute("CHECKPOINT")
        cur.execute("DROP TABLE IF EXISTS bench_stage")
        cur.execute(STAGE)
        cur.execute("SELECT id FROM users ORDER BY username LIMIT 1")
        user_id = cur.fetchone()[0]
        raw.commit()
        t0 = time.perf_counter()
        copy_csv(cur, "bench_stage", path)
        raw.commit()
        timings["staging COPY"] = time.perf_counter() - t0
        for label, sql in IMPORT_STEPS:
            statement = sql.replace(":user_id", "%(user_id)s").replace(":prefix", "%(prefix)s")
            t0 = time.perf_counter()
            cur.execute(statement, {"user_id": user_id, "prefix": f"{prefix}%"})
            raw.commit()
            timings[label] = time.perf_counter() - t0
        cur.execute(
            "SELECT count(*) FROM declaration_lines l JOIN declarations d "
            "ON d.id = l.declaration_id WHERE d.number LIKE %s",
            (f"{prefix}%",),
        )
        stored = int(cur.fetchone()[0])
        for table in ("license_drawdowns", "declaration_actions", "declaration_lines"):
            column = "declaration_line_id" if table == "license_drawdowns" else "declaration_id"
            target = "declaration_lines l" if table == "license_drawdowns" else "declarations d"
            key = "l.id" if table == "license_drawdowns" else "d.id"
            join = (
                "JOIN declarations d ON d.id = l.declaration_id"
                if table == "license_drawdowns"
                else ""
            )
            cur.execute(
                f"DELETE FROM {table} WHERE {column} IN (SELECT {key} FROM {target} {join} "
                "WHERE d.number LIKE %s)",
                (f"{prefix}%",),
            )
        cur.execute("DELETE FROM declarations WHERE number LIKE %s", (f"{prefix}%",))
        cur.execute("DROP TABLE bench_stage")
        raw.commit()
    finally:
        raw.close()
    return {
        "part": "import",
        "system": "floor: staging COPY + INSERT … SELECT of the rows an import stores",
        "lines_stored": stored,
        "seconds": {k: round(v, 2) for k, v in timings.items()},
        "total_s": round(sum(timings.values()), 2),
    }
