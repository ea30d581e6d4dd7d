"""The CLI as an operator uses it: real files, a real database, exit codes and JSON."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import func, select, update
from typer.testing import CliRunner

from rarex.cli.main import app
from rarex.db_engine import make_engine
from rarex.models import Application, AuditEvent
from tests.factories import make_uscc

FILING = """\
license_type: single
consignee: {name: Rheinland Antriebstechnik GmbH, country: DE}
end_user: {name: Rheinland Antriebstechnik GmbH, country: DE}
end_use_category: ev_motors
end_use_statement: Traction motors for passenger EVs; no re-transfer without consent.
contract_reference: C-1
lines:
  - control_code: 1C905.a
    hs_code: "2805301200"
    quantity_kg: "500.5"
    value: "1000"
    currency: USD
"""


def _ok(runner: CliRunner, *args: str) -> str:
    result = runner.invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return result.stdout


def _setup(runner: CliRunner, tmp_path: Path) -> str:
    uscc = make_uscc(4242)
    _ok(
        runner,
        "companies",
        "add",
        "--uscc",
        uscc,
        "--name",
        "Test Magnets Co.",
        "--compliance-programme-on",
        "2024-01-01",
    )
    _ok(runner, "users", "create", "exp", "--role", "exporter", "--company", uscc)
    _ok(runner, "users", "create", "off", "--role", "licensing_officer")
    _ok(runner, "users", "create", "adm", "--role", "administrator")
    return uscc


def attach_required(runner: CliRunner, tmp_path: Path, ref: str) -> None:
    """The four documents a submission needs, attached by the exporter "exp"."""
    for kind in ("contract", "end_user_certificate", "end_use_statement", "technical_description"):
        doc = tmp_path / f"{kind}.pdf"
        doc.write_bytes(b"%PDF-1.4 " + kind.encode())
        _ok(runner, "applications", "attach", ref, str(doc), "--kind", kind, "--as", "exp")


def _count(url: str, model: type) -> int:
    engine = make_engine(url)
    with engine.connect() as conn:
        count = conn.scalar(select(func.count()).select_from(model))
    engine.dispose()
    return int(count or 0)


def test_file_from_yaml_then_workflow_to_license(
    runner: CliRunner, cli_env: str, tmp_path: Path
) -> None:
    _setup(runner, tmp_path)
    filing = tmp_path / "app.yaml"
    filing.write_text(FILING, encoding="utf-8")
    view = json.loads(_ok(runner, "applications", "file", str(filing), "--as", "exp", "--json"))
    ref = view["reference"]
    assert view["state"] == "draft"
    assert view["lines"][0]["quantity_kg"] == "500.500"
    attach_required(runner, tmp_path, ref)
    _ok(runner, "applications", "transition", ref, "submit", "--as", "exp")
    _ok(runner, "applications", "transition", ref, "accept", "--as", "off")
    _ok(runner, "applications", "transition", ref, "start_review", "--as", "off")
    decided = json.loads(
        _ok(
            runner,
            "applications",
            "decide",
            ref,
            "--outcome",
            "approved",
            "--reason",
            "ok",
            "--grant",
            "1=400",
            "--as",
            "off",
            "--json",
        )
    )
    assert decided["state"] == "approved"
    license_ = json.loads(
        _ok(runner, "licenses", "show", decided["license_number"], "--as", "exp", "--json")
    )
    assert license_["lines"][0]["remaining_kg"] == "400.000"
    listed = json.loads(_ok(runner, "applications", "list", "--as", "exp", "--json"))
    assert [a["reference"] for a in listed["items"]] == [ref]
    assert (listed["total"], listed["next_page_token"]) == (1, None)
    verify = json.loads(_ok(runner, "audit", "verify", "--json"))
    assert verify["ok"] is True
    assert verify["checked"] >= 8


@pytest.mark.parametrize(
    ("content", "suffix", "needle"),
    [
        ("lines: [unclosed", ".yaml", "line 1"),
        ('{"license_type": "single",', ".json", "line 1"),
        ("- just\n- a list\n", ".yaml", "one mapping"),
        (FILING.replace('quantity_kg: "500.5"', 'quantity_kg: "-3"'), ".yaml", "quantity"),
        (FILING.replace("1C905.a", "1C999.a"), ".yaml", "1C999"),
        (FILING.replace("country: DE}\nend_use", "country: XX}\nend_use"), ".yaml", "XX"),
        (FILING + "colour: blue\n", ".yaml", "colour"),
    ],
)
def test_bad_filing_files_exit_2_and_store_nothing(
    runner: CliRunner, cli_env: str, tmp_path: Path, content: str, suffix: str, needle: str
) -> None:
    _setup(runner, tmp_path)
    path = tmp_path / f"bad{suffix}"
    path.write_text(content, encoding="utf-8")
    result = runner.invoke(app, ["applications", "file", str(path), "--as", "exp"])
    assert result.exit_code == 2, result.output
    assert needle in result.stderr
    assert _count(cli_env, Application) == 0


def test_invalid_social_credit_code_is_refused(runner: CliRunner, cli_env: str) -> None:
    good = make_uscc(77)
    bad = good[:-1] + ("0" if good[-1] != "0" else "1")
    result = runner.invoke(app, ["companies", "add", "--uscc", bad, "--name", "X"])
    assert result.exit_code == 2
    assert "party.invalid_uscc_check" in result.stderr


def test_illegal_transition_exits_2_and_state_is_unchanged(
    runner: CliRunner, cli_env: str, tmp_path: Path
) -> None:
    _setup(runner, tmp_path)
    filing = tmp_path / "app.yaml"
    filing.write_text(FILING, encoding="utf-8")
    ref = json.loads(_ok(runner, "applications", "file", str(filing), "--as", "exp", "--json"))[
        "reference"
    ]
    result = runner.invoke(app, ["applications", "transition", ref, "accept", "--as", "off"])
    assert result.exit_code == 2
    assert "application.illegal_transition" in result.stderr
    shown = json.loads(_ok(runner, "applications", "show", ref, "--as", "exp", "--json"))
    assert shown["state"] == "draft"


def test_wrong_role_is_refused_on_the_cli(runner: CliRunner, cli_env: str, tmp_path: Path) -> None:
    _setup(runner, tmp_path)
    filing = tmp_path / "app.yaml"
    filing.write_text(FILING, encoding="utf-8")
    ref = json.loads(_ok(runner, "applications", "file", str(filing), "--as", "exp", "--json"))[
        "reference"
    ]
    result = runner.invoke(app, ["applications", "queue", "--as", "exp"])
    assert result.exit_code == 2
    assert "auth.role_required" in result.stderr
    result = runner.invoke(app, ["applications", "transition", ref, "submit", "--as", "off"])
    assert result.exit_code == 2
    assert "auth." in result.stderr


def test_audit_verify_names_the_altered_event(
    runner: CliRunner, cli_env: str, tmp_path: Path
) -> None:
    _setup(runner, tmp_path)
    filing = tmp_path / "app.yaml"
    filing.write_text(FILING, encoding="utf-8")
    _ok(runner, "applications", "file", str(filing), "--as", "exp")
    engine = make_engine(cli_env)
    with engine.begin() as conn:
        conn.execute(update(AuditEvent).where(AuditEvent.seq == 1).values(actor="mallory"))
    engine.dispose()
    result = runner.invoke(app, ["audit", "verify", "--json"])
    assert result.exit_code == 5
    body = json.loads(result.stdout)
    assert body["ok"] is False
    assert body["first_bad_seq"] == 1


def test_calendar_deadline_json_and_provisional_years(runner: CliRunner, cli_env: str) -> None:
    body = json.loads(_ok(runner, "calendar", "deadline", "--accepted", "2025-09-30", "--json"))
    # October 2025: National Day and Mid-autumn 1-8 Oct off, make-up Saturday 11 Oct on.
    assert body == {
        "accepted_on": "2025-09-30",
        "working_days": 45,
        "due_date": "2025-12-09",
        "provisional": False,
    }
    later = json.loads(_ok(runner, "calendar", "deadline", "--accepted", "2026-12-01", "--json"))
    assert later["provisional"] is True
    bad = runner.invoke(app, ["calendar", "deadline", "--accepted", "2025-13-01"])
    assert bad.exit_code == 2
    assert "input.invalid_date" in bad.stderr


def test_calendar_load_makes_a_year_official(
    runner: CliRunner, cli_env: str, tmp_path: Path
) -> None:
    _setup(runner, tmp_path)
    example = (
        Path(__file__).resolve().parents[2] / "src/rarex/licensing/data/example-schedule-2027.yaml"
    )
    refused = runner.invoke(app, ["calendar", "load", str(example), "--as", "exp"])
    assert refused.exit_code == 2
    _ok(runner, "calendar", "load", str(example), "--as", "adm")
    body = json.loads(_ok(runner, "calendar", "deadline", "--accepted", "2027-01-04", "--json"))
    assert body["provisional"] is False
    broken = tmp_path / "broken.yaml"
    broken.write_text("year: 2028\nholidays: [{name: X, from: 2027-01-01, to: 2027-01-02}]\n")
    result = runner.invoke(app, ["calendar", "load", str(broken), "--as", "adm"])
    assert result.exit_code == 2
    assert "calendar.invalid_schedule" in result.stderr


def test_amend_replaces_lines_of_a_draft_and_refuses_bad_amendments(
    runner: CliRunner, cli_env: str, tmp_path: Path
) -> None:
    _setup(runner, tmp_path)
    filing = tmp_path / "app.yaml"
    filing.write_text(FILING, encoding="utf-8")
    ref = json.loads(_ok(runner, "applications", "file", str(filing), "--as", "exp", "--json"))[
        "reference"
    ]
    amendment = tmp_path / "amend.yaml"
    amendment.write_text(
        "lines:\n  - {control_code: 1C902.a, hs_code: '2805301910',"
        " quantity_kg: '12', value: '5'}\n",
        encoding="utf-8",
    )
    view = json.loads(
        _ok(runner, "applications", "amend", ref, str(amendment), "--as", "exp", "--json")
    )
    assert [(ln["control_code"], ln["quantity_kg"]) for ln in view["lines"]] == [
        ("1C902.a", "12.000")
    ]
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "lines:\n  - {control_code: 1C902.a, hs_code: '2805301910', quantity_kg: '0', value: '5'}\n"
    )
    result = runner.invoke(app, ["applications", "amend", ref, str(bad), "--as", "exp"])
    assert result.exit_code == 2
    assert "application.quantity_not_positive" in result.stderr
    after = json.loads(_ok(runner, "applications", "show", ref, "--as", "exp", "--json"))
    assert after["lines"] == view["lines"]


def test_exporter_record_is_visible_to_officers_and_the_exporter_only(
    runner: CliRunner, cli_env: str, tmp_path: Path
) -> None:
    uscc = _setup(runner, tmp_path)
    other = make_uscc(9999)
    _ok(runner, "companies", "add", "--uscc", other, "--name", "Other Co.")
    _ok(runner, "users", "create", "other", "--role", "exporter", "--company", other)
    filing = tmp_path / "app.yaml"
    filing.write_text(FILING, encoding="utf-8")
    _ok(runner, "applications", "file", str(filing), "--as", "exp")
    record = json.loads(_ok(runner, "companies", "show", uscc, "--as", "off", "--json"))
    assert record["applications_by_state"] == {"draft": 1}
    assert record["compliance_programme_on"] == "2024-01-01"
    own = json.loads(_ok(runner, "companies", "show", uscc, "--as", "exp", "--json"))
    assert own == record
    hidden = runner.invoke(app, ["companies", "show", uscc, "--as", "other"])
    assert hidden.exit_code == 2
    assert "party.company_not_found" in hidden.stderr
