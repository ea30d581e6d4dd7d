"""The exit codes of the README's table, each produced the way an operator meets it, and the
lazy command group that keeps ``rarex --help`` from importing the database layer."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib.metadata import version
from pathlib import Path

import pytest
from sqlalchemy import update
from typer.testing import CliRunner

from rarex.cli.common import ExitCode
from rarex.cli.main import RarexGroup, app
from rarex.clock import FixedClock
from rarex.config import Settings, get_settings
from rarex.db import make_sessionmaker, session_scope
from rarex.db_engine import make_engine
from rarex.models import AuditEvent
from tests.customs.conftest import own_database_url as own_database_url
from tests.customs.customs_factories import licensed, next_number


@dataclass
class Customs:
    url: str
    uscc: str
    license_number: str
    officer: str


@pytest.fixture
def customs(own_database_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[Customs]:
    """A licensed exporter (500 kg of 1C905.a to DE) and a customs officer, committed; the
    CLI's clock frozen two days after the license was issued."""
    engine = make_engine(own_database_url)
    clock = FixedClock(datetime(2025, 6, 2, 2, 0, tzinfo=UTC))
    with session_scope(make_sessionmaker(engine)) as session:
        setup = licensed(
            session, clock, Settings(environment="test", database_url=own_database_url)
        )
        world = Customs(
            own_database_url, setup.company.uscc, setup.license.number, setup.customs.username
        )
    engine.dispose()
    monkeypatch.setenv("RAREX_DATABASE_URL", own_database_url)
    monkeypatch.setenv("RAREX_ENVIRONMENT", "development")
    monkeypatch.setenv("RAREX_FROZEN_TIME", "2025-06-04T10:00:00+08:00")
    get_settings.cache_clear()
    yield world
    get_settings.cache_clear()


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch) -> Iterator[pytest.MonkeyPatch]:
    """Settings read afresh from the environment the test sets."""
    monkeypatch.delenv("RAREX_FROZEN_TIME", raising=False)
    get_settings.cache_clear()
    yield monkeypatch
    get_settings.cache_clear()


def _run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def _one_refusal(stderr: str, code: str) -> str:
    """The stderr of a refusal: one line ``error [code] message``, no traceback."""
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert len(lines) == 1, stderr
    assert lines[0].startswith(f"error [{code}] "), stderr
    return lines[0]


def _csv(world: Customs, rows: list[tuple[str, str, str]]) -> str:
    header = (
        "number,exporter_uscc,license_number,destination,consignee_name,consignee_country,port,"
        "declared_date,line_no,hs_code,control_code,net_kg,fob_value,currency"
    )
    body = [
        f"{number},{world.uscc},{world.license_number},{destination},Rheinland Antriebstechnik "
        f"GmbH,DE,Shanghai,2025-06-04,1,2805301200,1C905.a,{kg},100,USD"
        for number, destination, kg in rows
    ]
    return "\n".join([header, *body]) + "\n"


# -- 0 ---------------------------------------------------------------------------------------


def test_version_prints_the_installed_version_and_exits_0() -> None:
    code, out, _ = _run("--version")
    assert code == ExitCode.OK == 0
    assert out == f"rarex {version('rarex')}\n"


def test_help_lists_every_command_without_importing_the_database_layer() -> None:
    probe = (
        "import sys\n"
        "from rarex.cli.main import app\n"
        "try:\n"
        "    app(['--help'])\n"
        "except SystemExit as exit:\n"
        "    assert exit.code == 0, exit.code\n"
        "heavy = [m for m in ('sqlalchemy', 'alembic', 'pypinyin', 'matplotlib', 'fastapi')\n"
        "         if m in sys.modules]\n"
        "print(heavy)\n"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert done.stdout.splitlines()[-1] == "[]", done.stdout
    for name in RarexGroup.lazy_commands:
        assert name in done.stdout


def test_calendar_deadline_reads_without_the_orm_the_models_or_the_audit_log(
    tmp_path: Path,
) -> None:
    """The deadline is asked for at a counter: its start-up budget (0.6 s) has no room for the
    ORM or the models, which the first run's migration needs and the second run must not."""
    probe = (
        "import sys\n"
        "from rarex.cli.main import app\n"
        "try:\n"
        "    app(['calendar', 'deadline', '--accepted', '2025-06-03', '--json'])\n"
        "except SystemExit as exit:\n"
        "    assert exit.code == 0, exit.code\n"
        "heavy = [m for m in ('sqlalchemy.orm', 'rarex.models', 'rarex.audit.service', 'alembic')\n"
        "         if m in sys.modules]\n"
        "print(heavy)\n"
    )
    environ = {**os.environ, "RAREX_DATABASE_URL": f"sqlite:///{tmp_path / 'deadline.db'}"}
    environ.pop("RAREX_FROZEN_TIME", None)
    runs = [
        subprocess.run(
            [sys.executable, "-c", probe], capture_output=True, text=True, check=True, env=environ
        )
        for _ in range(2)
    ]
    assert "sqlalchemy.orm" in runs[0].stdout  # the empty database was migrated first
    assert '"due_date": "2025-08-05"' in runs[1].stdout
    assert runs[1].stdout.splitlines()[-1] == "[]", runs[1].stdout


def test_each_lazy_command_is_listed_with_the_help_it_shows_once_loaded() -> None:
    for name, lazy in RarexGroup.lazy_commands.items():
        loaded = lazy.load(name)
        first_paragraph = " ".join((loaded.help or "").split("\n\n")[0].split())
        assert first_paragraph.startswith(lazy.short_help), name


def test_catalog_check_exits_0_whether_or_not_controlled(env: pytest.MonkeyPatch) -> None:
    assert _run("catalog", "check", "--code", "1C902.a", "--on", "2025-06-01")[0] == 0
    assert _run("catalog", "check", "--hs", "2805301200", "--on", "2020-01-01")[0] == 0


# -- 1 ---------------------------------------------------------------------------------------


def test_an_unexpected_error_is_an_internal_error_with_its_traceback(
    env: pytest.MonkeyPatch,
) -> None:
    def broken(*_: object, **__: object) -> None:
        raise RuntimeError("a bug")

    env.setattr("rarex.cli.catalog.load_control_list", broken)
    result = CliRunner().invoke(app, ["catalog", "check", "--code", "1C902.a"])
    assert result.exit_code == ExitCode.INTERNAL_ERROR == 1
    assert isinstance(result.exception, RuntimeError)


# -- 2 ---------------------------------------------------------------------------------------


def test_refused_input_exits_2_with_one_line(env: pytest.MonkeyPatch) -> None:
    code, _, err = _run("catalog", "check", "--code", "1C999")
    assert code == ExitCode.REFUSED == 2
    assert "1C999" in _one_refusal(err, "catalog.unknown_control_code")


@pytest.mark.parametrize(
    ("variable", "value", "named"),
    [
        ("RAREX_DECISION_WORKING_DAYS", "999", "RAREX_DECISION_WORKING_DAYS"),
        ("RAREX_ENVIRONMENT", "staging", "RAREX_ENVIRONMENT"),
        ("RAREX_FROZEN_TIME", "2025-06-01T10:00", "RAREX_FROZEN_TIME needs a UTC offset"),
    ],
)
def test_bad_configuration_exits_2_with_one_line_naming_the_variable(
    env: pytest.MonkeyPatch, variable: str, value: str, named: str
) -> None:
    env.setenv(variable, value)
    for command in (["calendar", "deadline", "--accepted", "2025-06-03"], ["catalog", "list"]):
        code, out, err = _run(*command)
        assert code == ExitCode.REFUSED
        assert named in _one_refusal(err, "config.invalid")
        assert out == ""


def test_production_on_sqlite_is_refused_as_configuration(
    env: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    env.setenv("RAREX_ENVIRONMENT", "production")
    env.setenv("RAREX_DATABASE_URL", f"sqlite:///{tmp_path / 'prod.db'}")
    code, _, err = _run("audit", "verify")
    assert code == ExitCode.REFUSED
    assert "production requires PostgreSQL" in _one_refusal(err, "config.invalid")
    assert not (tmp_path / "prod.db").exists()


def test_a_database_url_nobody_can_use_is_refused_as_configuration(
    env: pytest.MonkeyPatch,
) -> None:
    env.setenv("RAREX_DATABASE_URL", "nosuchdb://somewhere/rarex")
    code, _, err = _run("audit", "verify")
    assert code == ExitCode.REFUSED
    assert "RAREX_DATABASE_URL" in _one_refusal(err, "config.database_url")


@pytest.mark.parametrize(
    "url",
    [
        "sqlite:////nonexistent-rarex-folder/rarex.db",
        pytest.param(
            "postgresql+psycopg://postgres:secret@127.0.0.1:1/test", marks=pytest.mark.postgres
        ),
    ],
    ids=["sqlite", "postgresql"],
)
def test_an_unreachable_database_exits_2_with_one_line(env: pytest.MonkeyPatch, url: str) -> None:
    env.setenv("RAREX_DATABASE_URL", url)
    code, _, err = _run("calendar", "deadline", "--accepted", "2025-06-03")
    assert code == ExitCode.REFUSED
    line = _one_refusal(err, "db.unavailable")
    assert "secret" not in line  # the URL is shown without its password


def test_the_real_entry_point_prints_no_traceback_for_bad_configuration(tmp_path: Path) -> None:
    rarex = Path(sys.executable).parent / "rarex"
    done = subprocess.run(
        [str(rarex), "calendar", "deadline", "--accepted", "2025-06-03"],
        capture_output=True,
        text=True,
        check=False,
        env={"PATH": "/usr/bin:/bin", "RAREX_DECISION_WORKING_DAYS": "0"},
        cwd=tmp_path,
    )
    assert done.returncode == ExitCode.REFUSED
    assert done.stderr.startswith("error [config.invalid] RAREX_DECISION_WORKING_DAYS:")
    assert "Traceback" not in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1


# -- 3 and 4 (both databases) ----------------------------------------------------------------


def test_a_held_declaration_exits_3(customs: Customs, tmp_path: Path) -> None:
    path = tmp_path / "held.yaml"
    path.write_text(
        f'number: "{next_number()}"\nexporter_uscc: "{customs.uscc}"\n'
        f"license_number: {customs.license_number}\ndestination: FR\n"
        "consignee: {name: Rheinland Antriebstechnik GmbH, country: DE}\nport: Shanghai\n"
        'lines:\n  - {hs_code: "2805301200", control_code: 1C905.a, net_kg: "10", '
        'fob_value: "100"}\n',
        encoding="utf-8",
    )
    code, out, _ = _run("customs", "declare", str(path), "--as", customs.officer, "--json")
    assert code == ExitCode.NOT_CLEARED == 3
    assert json.loads(out)["status"] == "held"


def test_an_import_exits_0_when_all_cleared_3_when_some_held_and_4_when_rows_refused(
    customs: Customs, tmp_path: Path
) -> None:
    cleared = tmp_path / "cleared.csv"
    cleared.write_text(_csv(customs, [(next_number(), "DE", "5")]), encoding="utf-8")
    held = tmp_path / "held.csv"
    held.write_text(
        _csv(customs, [(next_number(), "DE", "5"), (next_number(), "FR", "5")]), encoding="utf-8"
    )
    partial = tmp_path / "partial.csv"
    partial.write_text(
        _csv(customs, [(next_number(), "DE", "5"), (next_number(), "DE", "x")]), encoding="utf-8"
    )

    def run(path: Path) -> tuple[int, dict[str, object]]:
        code, out, _ = _run("customs", "import", str(path), "--as", customs.officer, "--json")
        return code, json.loads(out)

    assert run(cleared)[0] == ExitCode.OK
    code, report = run(held)
    assert code == ExitCode.NOT_CLEARED
    assert report["outcomes"] == {"cleared": 1, "held": 1}
    code, report = run(partial)
    assert code == ExitCode.PARTIAL_IMPORT == 4
    assert (report["recorded"], report["refused_rows"]) == (1, 1)


# -- 5 (both databases) ----------------------------------------------------------------------


def test_a_broken_audit_chain_exits_5(customs: Customs) -> None:
    assert _run("audit", "verify")[0] == ExitCode.OK
    engine = make_engine(customs.url)
    with engine.begin() as conn:
        conn.execute(update(AuditEvent).where(AuditEvent.seq == 1).values(actor="mallory"))
    engine.dispose()
    code, out, _ = _run("audit", "verify", "--json")
    assert code == ExitCode.AUDIT_BROKEN == 5
    assert json.loads(out)["first_bad_seq"] == 1
