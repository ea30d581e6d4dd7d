"""Start-up time of the command line: four commands, each in a fresh process, several times.

What an operator waits for is the whole process, interpreter start included, so each run is
one ``rarex ...`` process started by ``subprocess`` and timed from outside. Targets (issue 9):

- ``rarex --help`` and ``rarex --version``: 0.3 s;
- ``rarex catalog check --code 1C902.a --on 2025-06-01`` (no database): 0.6 s;
- ``rarex calendar deadline --accepted 2025-06-03`` (an up-to-date database): 0.6 s.

The deadline runs against a temporary SQLite file (or ``--database-url``), migrated by one
untimed run first, so the figure is a command's own start-up and not the first migration.

Three floors are timed the same way, for reading the figures: an interpreter that imports
nothing; one that imports what ``calendar deadline`` must (Typer, the settings, SQLAlchemy
Core); and one that imports what a command working on the models must (the same plus the ORM
and the models), each with no command run.

    python bench/bench_cli.py [--runs 15] [--database-url URL]

Prints a table (median, max, target) and, last, one JSON object for docs/benchmarks.md.
Exits 1 when a command fails, so a broken command is never timed as a fast one.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Case:
    label: str
    args: tuple[str, ...]
    target_s: float


FLOORS = (
    Case("python -c pass", ("-c", "pass"), 0.0),
    Case(
        "import typer+settings+Core",
        ("-c", "import typer, rich.console, rarex.config, rarex.db_engine"),
        0.0,
    ),
    Case(
        "import typer+settings+ORM+models",
        ("-c", "import typer, rich.console, rarex.config, rarex.db, rarex.models"),
        0.0,
    ),
)

CASES = (
    Case("rarex --help", ("--help",), 0.3),
    Case("rarex --version", ("--version",), 0.3),
    Case(
        "rarex catalog check", ("catalog", "check", "--code", "1C902.a", "--on", "2025-06-01"), 0.6
    ),
    Case("rarex calendar deadline", ("calendar", "deadline", "--accepted", "2025-06-03"), 0.6),
)


def rarex_executable() -> Path:
    """The console script installed beside this interpreter, as an operator would run it."""
    script = Path(sys.executable).parent / "rarex"
    if not script.exists():
        raise SystemExit(f"{script} not found: install the package (pip install -e .)")
    return script


def run_once(command: list[str], env: dict[str, str]) -> float:
    started = time.perf_counter()
    done = subprocess.run(command, env=env, capture_output=True, check=False)
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        sys.stderr.write(done.stderr.decode(errors="replace"))
        raise SystemExit(f"{' '.join(command)} exited {done.returncode}")
    return elapsed


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--runs", type=int, default=15, help="timed runs per command")
    parser.add_argument("--database-url", help="default: a temporary SQLite file")
    args = parser.parse_args(argv)

    rarex = rarex_executable()
    with tempfile.TemporaryDirectory() as tmp:
        env = {
            **os.environ,
            "RAREX_DATABASE_URL": args.database_url or f"sqlite:///{Path(tmp) / 'bench-cli.db'}",
            "RAREX_ENVIRONMENT": "development",
        }
        env.pop("RAREX_FROZEN_TIME", None)
        results = []
        runs = [(case, [str(rarex), *case.args]) for case in CASES]
        runs += [(floor, [sys.executable, *floor.args]) for floor in FLOORS]
        for case, command in runs:
            run_once(command, env)  # untimed: migrates the empty database, warms the OS cache
            times = [run_once(command, env) for _ in range(args.runs)]
            row: dict[str, object] = {
                "command": case.label,
                "runs": args.runs,
                "median_s": round(statistics.median(times), 3),
                "max_s": round(max(times), 3),
            }
            if case.target_s:
                row["target_s"] = case.target_s
                row["met"] = statistics.median(times) <= case.target_s
            results.append(row)

    print(f"{'command':<34} {'median s':>9} {'max s':>7} {'target s':>9}  met")
    for row in results:
        target = f"{row['target_s']:>9.1f}  {'yes' if row['met'] else 'NO'}" if "met" in row else ""
        print(f"{row['command']:<34} {row['median_s']:>9.3f} {row['max_s']:>7.3f} {target}")
    machine = {"nproc": os.cpu_count(), "cpu": cpu_model(), "python": platform.python_version()}
    print(json.dumps({"machine": machine, "results": results}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
