"""A user's e-mail address and language from the command line: given at creation, changed,
listed, and a malformed address refused with its code."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from rarex.cli.main import app


def _json(runner: CliRunner, *args: str) -> dict[str, object]:
    result = runner.invoke(app, [*args, "--json"])
    assert result.exit_code == 0, result.output
    body: dict[str, object] = json.loads(result.stdout)
    return body


def test_an_address_and_language_are_given_changed_and_listed(
    runner: CliRunner, cli_env: str
) -> None:
    _json(runner, "users", "create", "eu.desk", "--role", "partner_authority",
          "--partner-group", "EU", "--email", "desk@eu.example", "--language", "zh")  # fmt: skip
    changed = _json(runner, "users", "set-contact", "eu.desk", "--language", "en")
    assert (changed["email"], changed["language"]) == ("desk@eu.example", "en")
    cleared = _json(runner, "users", "set-contact", "eu.desk", "--email", "")
    assert (cleared["email"], cleared["language"]) == (None, "en")
    users = _json(runner, "users", "list")["users"]
    assert isinstance(users, list)
    [desk] = [u for u in users if u["username"] == "eu.desk"]
    assert (desk["email"], desk["language"]) == (None, "en")


def test_a_malformed_address_is_refused_and_nothing_created(
    runner: CliRunner, cli_env: str
) -> None:
    refused = runner.invoke(app, ["users", "create", "li", "--role", "analyst", "--email", "li@"])
    assert refused.exit_code == 2
    assert "auth.invalid_email" in refused.stderr
    missing = runner.invoke(app, ["users", "set-contact", "li", "--language", "zh"])
    assert missing.exit_code == 2
    assert "auth.user_not_found" in missing.stderr
