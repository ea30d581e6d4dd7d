"""Administration from the command line: every path that makes the access rules real."""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy import select, update
from typer.testing import CliRunner

from rarex.cli.main import app
from rarex.db_engine import make_engine
from rarex.licensing.calendar import WorkingCalendar
from rarex.migrations import upgrade_database
from rarex.models import AuditEvent, User
from tests.cli.test_cli_applications import FILING, _ok, _setup, attach_required


def _file(runner: CliRunner, tmp_path: Path, content: str = FILING) -> str:
    path = tmp_path / "app.yaml"
    path.write_text(content, encoding="utf-8")
    reference = str(
        json.loads(_ok(runner, "applications", "file", str(path), "--as", "exp", "--json"))[
            "reference"
        ]
    )
    attach_required(runner, tmp_path, reference)
    return reference


def test_deactivated_user_can_no_longer_act(
    runner: CliRunner, cli_env: str, tmp_path: Path
) -> None:
    _setup(runner, tmp_path)
    body = json.loads(_ok(runner, "users", "deactivate", "exp", "--json"))
    assert body == {"username": "exp", "active": False}
    result = runner.invoke(app, ["applications", "list", "--as", "exp"])
    assert result.exit_code == 2
    assert "auth.user_inactive" in result.stderr


def test_revoking_tokens_counts_them(runner: CliRunner, cli_env: str, tmp_path: Path) -> None:
    _setup(runner, tmp_path)
    body = json.loads(_ok(runner, "users", "revoke-tokens", "off", "--json"))
    assert body == {"username": "off", "tokens_revoked": 1}
    again = json.loads(_ok(runner, "users", "revoke-tokens", "off", "--json"))
    assert again["tokens_revoked"] == 0


def test_declared_conflict_stops_the_officer_acting_on_the_case(
    runner: CliRunner, cli_env: str, tmp_path: Path
) -> None:
    uscc = _setup(runner, tmp_path)
    ref = _file(runner, tmp_path)
    _ok(runner, "users", "declare-conflict", "off", "--company", uscc, "--reason", "Cousin")
    _ok(runner, "applications", "transition", ref, "submit", "--as", "exp")
    result = runner.invoke(app, ["applications", "transition", ref, "accept", "--as", "off"])
    assert result.exit_code == 2
    assert "auth.conflict_of_interest" in result.stderr


def test_recorded_violation_appears_in_the_record_and_the_audit_log(
    runner: CliRunner, cli_env: str, tmp_path: Path
) -> None:
    uscc = _setup(runner, tmp_path)
    _ok(runner, "companies", "violation", uscc, "--occurred-on", "2024-03-01",
        "--description", "Shipped without a licence", "--as", "off")  # fmt: skip
    record = json.loads(_ok(runner, "companies", "show", uscc, "--as", "off", "--json"))
    assert [v["description"] for v in record["violations"]] == ["Shipped without a licence"]
    future = runner.invoke(
        app,
        ["companies", "violation", uscc, "--occurred-on", "2999-01-01",
         "--description", "x", "--as", "off"],
    )  # fmt: skip
    assert future.exit_code == 2
    assert "party.future_date" in future.stderr
    engine = make_engine(cli_env)
    with engine.connect() as conn:
        actors = conn.scalars(
            select(AuditEvent.actor).where(AuditEvent.action == "party.violation_recorded")
        ).all()
    engine.dispose()
    # The CLI has no token: its events also name the operating-system account.
    assert len(actors) == 1
    assert actors[0].startswith("off (licensing_officer) via cli:")


def test_applicant_text_is_printed_literally_not_as_markup(
    runner: CliRunner, cli_env: str, tmp_path: Path
) -> None:
    _setup(runner, tmp_path)
    hostile = FILING.replace(
        "end_user: {name: Rheinland Antriebstechnik GmbH",
        "end_user: {name: 'Evil [/x] [green]OK GmbH'",
    )
    ref = _file(runner, tmp_path, hostile)
    result = runner.invoke(app, ["applications", "show", ref, "--as", "off"])
    assert result.exit_code == 0, result.output
    assert "Evil [/x] [green]OK GmbH" in result.stdout


def test_an_outdated_schema_is_refused_not_migrated_silently(
    runner: CliRunner, empty_cli_env: str, tmp_path: Path
) -> None:
    engine = make_engine(empty_cli_env)
    upgrade_database(engine, "0001")
    engine.dispose()
    result = runner.invoke(app, ["applications", "list", "--as", "off"])
    assert result.exit_code == 2
    assert "db.outdated" in result.stderr
    _ok(runner, "db", "upgrade")
    _setup(runner, tmp_path)
    _ok(runner, "applications", "list", "--as", "off")


def test_audit_verify_still_detects_tampering_after_admin_events(
    runner: CliRunner, cli_env: str, tmp_path: Path
) -> None:
    _setup(runner, tmp_path)
    _ok(runner, "users", "revoke-tokens", "off")
    engine = make_engine(cli_env)
    with engine.begin() as conn:
        conn.execute(update(AuditEvent).where(AuditEvent.seq == 1).values(payload_json="{}"))
    engine.dispose()
    result = runner.invoke(app, ["audit", "verify", "--json"])
    assert result.exit_code == 5
    assert json.loads(result.stdout)["first_bad_seq"] == 1


def test_a_password_is_set_at_the_prompt_and_never_on_the_command_line(
    runner: CliRunner, cli_env: str, tmp_path: Path
) -> None:
    _setup(runner, tmp_path)
    secret = "a long enough secret"
    result = runner.invoke(
        app, ["users", "set-password", "off", "--json"], input=f"{secret}\n{secret}\n"
    )
    assert result.exit_code == 0, result.output
    body = json.loads(result.stdout[result.stdout.index("{") :])  # after the two prompts
    assert body == {"username": "off", "password_set": True}
    assert secret not in result.stdout  # the prompt hides it
    engine = make_engine(cli_env)
    with engine.connect() as conn:
        stored = conn.scalar(select(User.password_hash).where(User.username == "off"))
        actions = list(conn.scalars(select(AuditEvent.action)))
    engine.dispose()
    assert stored is not None
    assert stored.startswith("$argon2id$")
    assert "auth.password_set" in actions
    # a weak one is refused with its code
    weak = runner.invoke(app, ["users", "set-password", "off"], input="short\nshort\n")
    assert weak.exit_code == 2
    assert "auth.password_length" in weak.stderr
    # there is no way to give it as an argument
    assert runner.invoke(app, ["users", "set-password", "off", secret]).exit_code != 0


def test_tokens_are_issued_again_listed_rotated_and_revoked_from_the_command_line(
    runner: CliRunner, cli_env: str, tmp_path: Path
) -> None:
    _setup(runner, tmp_path)
    _ok(runner, "users", "revoke-tokens", "off", "--json")
    issued = json.loads(
        _ok(runner, "users", "issue-token", "off", "--label", "laptop", "--expires",
            "2099-12-31", "--json")
    )  # fmt: skip
    assert issued["label"] == "laptop"
    assert issued["expires_at"].startswith("2100-01-01T00:00:00+08:00")
    listed = json.loads(_ok(runner, "users", "tokens", "off", "--json"))
    live = [t for t in listed["tokens"] if t["revoked_at"] is None]
    assert [t["label"] for t in live] == ["laptop"]
    assert issued["token"] not in json.dumps(listed)
    rotated = json.loads(_ok(runner, "users", "rotate-token", live[0]["id"], "--json"))
    assert rotated["token"] != issued["token"]
    after = json.loads(_ok(runner, "users", "tokens", "off", "--json"))["tokens"]
    assert sum(1 for t in after if t["revoked_at"] is None) == 1
    newest = next(t for t in after if t["revoked_at"] is None)
    revoked = json.loads(_ok(runner, "users", "revoke-token", newest["id"], "--json"))
    assert revoked["revoked_at"] is not None
    users = json.loads(_ok(runner, "users", "list", "--json"))["users"]
    assert {"off", "exp"} <= {u["username"] for u in users}
    unlocked = json.loads(_ok(runner, "users", "unlock", "off", "--json"))
    assert unlocked == {"username": "off", "addresses_freed": 0}
    bad = runner.invoke(app, ["users", "revoke-token", "not-an-id"])
    assert bad.exit_code == 2
    past = runner.invoke(app, ["users", "issue-token", "off", "--label", "x", "--expires",
                               "2001-01-01"])  # fmt: skip
    assert past.exit_code == 2
    assert "auth.token_expiry" in past.stderr


def test_a_role_is_set_from_the_command_line_and_refused_with_its_code(
    runner: CliRunner, cli_env: str, tmp_path: Path
) -> None:
    uscc = _setup(runner, tmp_path)
    body = json.loads(
        _ok(runner, "users", "set-role", "off", "partner_authority", "--countries", "fr,DE",
            "--as", "adm", "--json")
    )  # fmt: skip
    listed = {u["username"]: u for u in json.loads(_ok(runner, "users", "list", "--json"))["users"]}
    assert body == listed["off"]
    assert (body["role"], body["partner_countries"]) == ("partner_authority", ["DE", "FR"])
    as_exporter = json.loads(
        _ok(runner, "users", "set-role", "off", "exporter", "--company", uscc, "--as", "adm",
            "--json")
    )  # fmt: skip
    assert as_exporter["company_id"] == listed["exp"]["company_id"]
    assert as_exporter["partner_countries"] == []
    eu = json.loads(
        _ok(runner, "users", "set-role", "off", "partner_authority", "--groups", "eu", "--as",
            "adm", "--json")
    )  # fmt: skip
    assert (eu["partner_countries"], eu["partner_groups"]) == ([], ["EU"])
    created = json.loads(
        _ok(runner, "users", "create", "eu.desk", "--role", "partner_authority",
            "--partner-group", "EU", "--json")
    )  # fmt: skip
    assert created["role"] == "partner_authority"
    desk = {u["username"]: u for u in json.loads(_ok(runner, "users", "list", "--json"))["users"]}
    assert desk["eu.desk"]["partner_groups"] == ["EU"]
    for args, code in (
        (["off", "partner_authority", "--groups", "EU,ASEAN"], "auth.unknown_group"),
        (["off", "partner_authority"], "auth.countries_required"),
        (["off", "partner_authority", "--countries", "DE,XX"], "auth.unknown_country"),
        (["off", "exporter"], "auth.company_required"),
        (["adm", "analyst"], "auth.last_administrator"),
    ):
        refused = runner.invoke(app, ["users", "set-role", *args, "--as", "adm"])
        assert refused.exit_code == 2, refused.output
        assert code in refused.stderr
    not_admin = runner.invoke(app, ["users", "set-role", "exp", "analyst", "--as", "exp"])
    assert not_admin.exit_code == 2
    assert "auth.role_required" in not_admin.stderr
    unknown_role = runner.invoke(app, ["users", "set-role", "off", "overlord", "--as", "adm"])
    assert unknown_role.exit_code == 2
    assert "overlord" in unknown_role.output
    engine = make_engine(cli_env)
    with engine.connect() as conn:
        changes = conn.scalars(
            select(AuditEvent.actor).where(AuditEvent.action == "auth.role_changed")
        ).all()
    engine.dispose()
    assert len(changes) == 3  # partner of DE and FR, exporter, partner of the EU
    assert all(actor.startswith("adm (administrator) via cli:") for actor in changes)


def test_calendar_years_say_which_are_official_and_a_load_makes_one_so(
    runner: CliRunner, cli_env: str, tmp_path: Path
) -> None:
    _setup(runner, tmp_path)
    years = json.loads(_ok(runner, "calendar", "years", "--json"))["years"]
    assert [y["year"] for y in years] == sorted((y["year"] for y in years), reverse=True)
    published = WorkingCalendar().covered_years
    assert years[0]["year"] > max(published)  # the next year to load is shown
    for year in years:
        official = year["year"] in published
        assert (year["official"], year["status"] == "package") == (official, official)
    example = Path(__file__).resolve().parents[2] / "src/rarex/licensing/data"
    _ok(runner, "calendar", "load", str(example / "example-schedule-2027.yaml"), "--as", "adm",
        "--force")  # fmt: skip
    after = {y["year"]: y for y in json.loads(_ok(runner, "calendar", "years", "--json"))["years"]}
    assert (after[2027]["status"], after[2027]["source"]) == (
        "loaded",
        "example-schedule-2027.yaml",
    )
    lines = _ok(runner, "calendar", "years").splitlines()
    assert any("2027" in line and "loaded" in line for line in lines)
    assert any(str(max(after)) in line and "provisional" in line for line in lines)
