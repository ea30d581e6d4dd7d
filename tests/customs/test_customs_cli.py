"""`rarex customs` as an operator uses it: real files, a whole database, exit codes, and the
stable ``--json`` shapes the README documents."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest
from openpyxl import Workbook  # type: ignore[import-untyped]
from typer.testing import CliRunner

from rarex.cli.main import app
from rarex.clock import FixedClock
from rarex.config import Settings, get_settings
from rarex.customs.tabular import COLUMNS
from rarex.db import make_sessionmaker, session_scope
from rarex.db_engine import make_engine
from tests.customs.customs_factories import licensed, next_number
from tests.customs.hostile_files import corrupt_workbooks, workbook

FROZEN = "2025-06-05T10:00:00+08:00"


@dataclass
class World:
    uscc: str
    license_number: str
    officer: str
    exporter: str
    licensing_officer: str


@pytest.fixture
def world(own_database_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[World]:
    """A licensed exporter and a customs officer in a committed database; the CLI's clock is
    frozen two days after the license was issued."""
    engine = make_engine(own_database_url)
    clock = FixedClock(datetime(2025, 6, 2, 2, 0, tzinfo=UTC))
    with session_scope(make_sessionmaker(engine)) as session:
        setup = licensed(
            session, clock, Settings(environment="test", database_url=own_database_url)
        )
        found = World(
            uscc=setup.company.uscc,
            license_number=setup.license.number,
            officer=setup.customs.username,
            exporter=setup.exporter.username,
            licensing_officer=setup.licensing_officer.username,
        )
    engine.dispose()
    monkeypatch.setenv("RAREX_DATABASE_URL", own_database_url)
    monkeypatch.setenv("RAREX_ENVIRONMENT", "development")
    monkeypatch.setenv("RAREX_FROZEN_TIME", FROZEN)
    get_settings.cache_clear()
    yield found
    get_settings.cache_clear()


def invoke(*args: str, code: int = 0) -> str:
    result = CliRunner().invoke(app, list(args))
    assert result.exit_code == code, (result.stdout, result.stderr)
    return result.stdout


def declaration_yaml(world: World, number: str, kg: str = "100", dest: str = "DE") -> str:
    return f"""\
number: "{number}"
exporter_uscc: "{world.uscc}"
license_number: {world.license_number}
destination: {dest}
consignee: {{name: Rheinland Antriebstechnik GmbH, country: DE}}
port: Shanghai Waigaoqiao
lines:
  - {{hs_code: "2805301200", control_code: 1C905.a, net_kg: "{kg}", fob_value: "45000"}}
"""


def test_declare_show_list_and_act_from_the_command_line(world: World, tmp_path: Path) -> None:
    number = next_number()
    path = tmp_path / "declaration.yaml"
    path.write_text(declaration_yaml(world, number, kg="120.5"), encoding="utf-8")
    view = json.loads(invoke("customs", "declare", str(path), "--as", world.officer, "--json"))
    assert view["status"] == "cleared"
    assert view["declared_date"] == "2025-06-05"
    assert view["lines"][0]["drawn_kg"] == "120.500"
    # The same file again: a replay, the same answer and exit; other content: refused.
    again = CliRunner().invoke(
        app, ["customs", "declare", str(path), "--as", world.officer, "--json"]
    )
    assert again.exit_code == 0, again.stderr
    assert json.loads(again.stdout) == view
    assert "filed before with the same content" in again.stderr
    other = tmp_path / "other.yaml"
    other.write_text(declaration_yaml(world, number, kg="99"), encoding="utf-8")
    refused = CliRunner().invoke(app, ["customs", "declare", str(other), "--as", world.officer])
    assert refused.exit_code == 2
    assert "customs.duplicate_declaration" in refused.stderr

    shown = json.loads(invoke("customs", "show", number, "--as", world.exporter, "--json"))
    assert shown == view
    listed = json.loads(invoke("customs", "list", "--as", world.exporter, "--json"))["items"]
    assert [d["number"] for d in listed] == [number]
    assert listed[0]["cleared_kg"] == "120.500"
    assert number in invoke("customs", "list", "--as", world.officer, "--status", "cleared")
    assert number in invoke("customs", "show", number, "--as", world.officer)

    held = json.loads(
        invoke(
            "customs", "hold", number, "1", "--reason", "Inspect", "--as", world.officer, "--json"
        )
    )
    assert held["status"] == "held"
    assert held["lines"][0]["drawn_kg"] == "0.000"
    released = invoke("customs", "release", number, "1", "--reason", "Fine", "--as", world.officer)
    assert "cleared" in released
    refused = CliRunner().invoke(
        app, ["customs", "refuse", number, "1", "--reason", "x", "--as", world.officer]
    )
    assert refused.exit_code == 2
    assert "customs.illegal_transition" in refused.stderr

    amendment = tmp_path / "amend.yaml"
    amendment.write_text(
        'lines:\n  - {hs_code: "2805301200", control_code: 1C905.a, net_kg: "50", '
        'fob_value: "1"}\n',
        encoding="utf-8",
    )
    amended = json.loads(
        invoke(
            "customs",
            "amend",
            number,
            str(amendment),
            "--reason",
            "Reweighed",
            "--as",
            world.officer,
            "--json",
        )
    )
    assert (amended["revision"], amended["lines"][0]["net_kg"]) == (2, "50.000")
    cancelled = json.loads(
        invoke("customs", "cancel", number, "--reason", "Gone", "--as", world.officer, "--json")
    )
    assert cancelled["status"] == "cancelled"
    licence = json.loads(
        invoke("licenses", "show", world.license_number, "--as", world.officer, "--json")
    )
    assert licence["lines"][0]["remaining_kg"] == "500.000"
    assert json.loads(invoke("audit", "verify", "--json"))["ok"] is True


def test_a_declaration_not_cleared_exits_3_and_explains(world: World, tmp_path: Path) -> None:
    path = tmp_path / "over.yaml"
    path.write_text(declaration_yaml(world, next_number(), kg="501"), encoding="utf-8")
    out = invoke("customs", "declare", str(path), "--as", world.officer, "--json", code=3)
    view = json.loads(out)
    assert view["status"] == "refused"
    assert "customs.quantity_exceeded" in [r["code"] for r in view["lines"][0]["reasons"]]
    bad = tmp_path / "bad.yaml"
    bad.write_text(declaration_yaml(world, next_number(), kg="lots"), encoding="utf-8")
    result = CliRunner().invoke(app, ["customs", "declare", str(bad), "--as", world.officer])
    assert result.exit_code == 2
    assert "input.invalid_number" in result.stderr
    exporter = CliRunner().invoke(app, ["customs", "declare", str(path), "--as", world.exporter])
    assert exporter.exit_code == 2
    assert "auth.role_required" in exporter.stderr


def _csv(world: World, rows: list[tuple[str, str]]) -> str:
    header = (
        "number,exporter_uscc,license_number,destination,consignee_name,consignee_country,port,"
        "declared_date,line_no,hs_code,control_code,net_kg,fob_value,currency"
    )
    body = [
        f"{number},{world.uscc},{world.license_number},DE,Rheinland Antriebstechnik GmbH,DE,"
        f"Shanghai,2025-06-04,{i + 1},2805301200,1C905.a,{kg},100,USD"
        for i, (number, kg) in enumerate(rows)
    ]
    return "\n".join([header, *body]) + "\n"


def test_import_reports_refused_rows_and_all_or_nothing_lands_none(
    world: World, tmp_path: Path
) -> None:
    good, bad = next_number(), next_number()
    path = tmp_path / "batch.csv"
    path.write_text(_csv(world, [(good, "10"), (good, "15"), (bad, "x")]), encoding="utf-8")
    refused = json.loads(
        invoke(
            "customs",
            "import",
            str(path),
            "--all-or-nothing",
            "--as",
            world.officer,
            "--json",
            code=2,
        )
    )
    assert refused["landed"] is False
    assert refused["recorded"] == 0
    assert refused["errors"] == [
        {
            "row": 4,
            "field": "net_kg",
            "code": "input.invalid_number",
            "message": "net weight 'x' is not a number: write digits, with a point before any "
            "decimals, such as 1250 or 1250.5",
            "declaration": bad,
        }
    ]
    assert json.loads(invoke("customs", "list", "--as", world.officer, "--json"))["items"] == []

    report = json.loads(
        invoke("customs", "import", str(path), "--as", world.officer, "--json", code=4)
    )
    assert set(report) == {
        "source",
        "all_or_nothing",
        "landed",
        "rows",
        "declarations",
        "recorded",
        "replayed",
        "lines_recorded",
        "outcomes",
        "refused_declarations",
        "refused_rows",
        "errors",
    }
    assert (report["rows"], report["declarations"], report["recorded"]) == (3, 2, 1)
    assert report["outcomes"] == {"cleared": 1}
    human = CliRunner().invoke(app, ["customs", "import", str(path), "--as", world.officer])
    # The filed declaration is a replay; the refused one is refused again: nothing recorded.
    assert human.exit_code == 2
    assert "recorded 0 (none), filed before 1, refused 1" in human.stdout

    clean = tmp_path / "clean.xlsx"
    workbook = Workbook()
    sheet = workbook.active
    rows = [line.split(",") for line in _csv(world, [(next_number(), "5")]).splitlines()]
    for values in rows:
        sheet.append(values)
    workbook.save(clean)
    quiet = invoke("customs", "import", str(clean), "--as", world.officer)
    assert "recorded 1 (cleared 1)" in quiet


def test_a_malformed_file_is_an_error_and_imports_nothing(world: World, tmp_path: Path) -> None:
    path = tmp_path / "broken.csv"
    path.write_text("number;hs_code\n1;2\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["customs", "import", str(path), "--as", world.officer])
    assert result.exit_code == 2
    assert "customs.unknown_column" in result.stderr
    good = workbook(tmp_path / "good.xlsx", [list(COLUMNS)])
    for kind, xlsx in corrupt_workbooks(good, tmp_path).items():
        result = CliRunner().invoke(app, ["customs", "import", str(xlsx), "--as", world.officer])
        assert result.exit_code == 2, (kind, result.stderr)
        assert f"error [import.malformed_file] {xlsx.name}" in result.stderr, kind
        assert "Traceback" not in result.stderr + result.stdout
    assert json.loads(invoke("customs", "list", "--as", world.officer, "--json"))["items"] == []


def test_reports_from_the_command_line(world: World, tmp_path: Path) -> None:
    path = tmp_path / "d.yaml"
    path.write_text(declaration_yaml(world, next_number(), kg="250"), encoding="utf-8")
    invoke("customs", "declare", str(path), "--as", world.officer)
    totals = json.loads(
        invoke(
            "customs",
            "totals",
            "--period",
            "2025-06",
            "--by",
            "destination",
            "--as",
            world.officer,
            "--json",
        )
    )
    assert [(t["key"], t["net_kg"]) for t in totals] == [("DE", "250.000")]
    table = invoke("customs", "totals", "--period", "2025-06", "--as", world.officer)
    assert "rare_earths" in table
    month = json.loads(
        invoke(
            "customs",
            "reconcile-month",
            "2025-06",
            "--published-rare-earths",
            "0.25",
            "--as",
            world.officer,
            "--json",
        )
    )
    assert month["cleared_kg"] == "250.000"
    assert month["published"][0]["difference_t"] == "0.000"
    licenses = json.loads(invoke("customs", "reconcile-licenses", "--as", world.officer, "--json"))
    assert licenses[0]["drawn_kg"] == "250.000"
    assert licenses[0]["flags"] == []
    assert "250.000" in invoke("customs", "reconcile-licenses", "--as", world.officer)
    assert "licensed 250.000 kg" in invoke(
        "customs", "reconcile-month", "2025-06", "--as", world.officer
    )
    bad = CliRunner().invoke(
        app,
        [
            "customs",
            "reconcile-month",
            "2025-06",
            "--published-magnets",
            "x",
            "--as",
            world.officer,
        ],
    )
    assert bad.exit_code == 2


def test_license_actions_from_the_command_line(world: World, tmp_path: Path) -> None:
    officer = world.licensing_officer
    number = world.license_number
    out = invoke("licenses", "suspend", number, "--reason", "review", "--as", officer, "--json")
    assert json.loads(out)["status"] == "suspended"
    path = tmp_path / "d.yaml"
    path.write_text(declaration_yaml(world, next_number()))
    refused = json.loads(
        invoke("customs", "declare", str(path), "--as", world.officer, "--json", code=3)
    )
    assert refused["status"] == "refused"
    assert "customs.license_not_active" in {r["code"] for r in refused["lines"][0]["reasons"]}
    invoke("licenses", "reinstate", number, "--reason", "review closed", "--as", officer)
    invoke("licenses", "revoke", number, "--reason", "end-use breach", "--as", officer)
    result = CliRunner().invoke(
        app, ["licenses", "reinstate", number, "--reason", "x", "--as", officer]
    )
    assert result.exit_code == 2
    assert "license.illegal_transition" in result.stderr
    denied = CliRunner().invoke(
        app, ["licenses", "suspend", number, "--reason", "x", "--as", world.officer]
    )
    assert denied.exit_code == 2
    assert "auth.role_required" in denied.stderr
