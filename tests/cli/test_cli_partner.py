"""The partner channel on the command line, on a real database: a partner for the EU reads its
case, asks, prioritises and proposes; an officer answers and decides; the figures download."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from rarex.cli.main import app
from tests.cli.test_cli_applications import FILING, _ok, _setup, attach_required

US_FILING = FILING.replace("country: DE", "country: US")


def _file(runner: CliRunner, tmp_path: Path, text: str, name: str) -> str:
    path = tmp_path / f"{name}.yaml"
    path.write_text(text, encoding="utf-8")
    ref: str = json.loads(_ok(runner, "applications", "file", str(path), "--as", "exp",
                              "--json"))["reference"]  # fmt: skip
    attach_required(runner, tmp_path, ref)
    _ok(runner, "applications", "transition", ref, "submit", "--as", "exp")
    _ok(runner, "applications", "transition", ref, "accept", "--as", "off")
    return ref


def test_a_partner_for_the_eu_works_the_channel_from_the_command_line(
    runner: CliRunner, cli_env: str, tmp_path: Path
) -> None:
    _setup(runner, tmp_path)
    _ok(runner, "users", "create", "eu", "--role", "partner_authority", "--partner-group", "EU")
    to_de, to_us = _file(runner, tmp_path, FILING, "de"), _file(runner, tmp_path, US_FILING, "us")
    listed = json.loads(_ok(runner, "partner", "applications", "--as", "eu", "--json"))
    assert [item["reference"] for item in listed["items"]] == [to_de]
    hidden = runner.invoke(app, ["partner", "show", to_us, "--as", "eu"])
    assert hidden.exit_code == 2
    assert "application.not_found" in hidden.stderr

    asked = json.loads(_ok(runner, "partner", "inquiries", "open", "--subject", "Status",
                           "--body", "Anything missing?", "--application", to_de, "--as", "eu",
                           "--json"))  # fmt: skip
    number = asked["number"]
    _ok(runner, "partner", "inquiries", "write", number, "--body", "Nothing.", "--as", "off")
    thread = json.loads(_ok(runner, "partner", "inquiries", "show", number, "--as", "eu",
                            "--json"))["thread"]  # fmt: skip
    assert [(m["side"], m["author"]) for m in thread] == [("partner", "eu"),
                                                         ("authority", "authority")]  # fmt: skip

    wanted = tmp_path / "priority.yaml"
    wanted.write_text(f"items:\n  - {{application_reference: {to_de}, reason: idle line}}\n")
    request = json.loads(_ok(runner, "partner", "priority", "submit", str(wanted), "--as", "eu",
                             "--json"))  # fmt: skip
    item = request["items"][0]["id"]
    refused = runner.invoke(app, ["partner", "priority", "decide", item, "--accept", "--reason",
                                  "mine", "--as", "eu"])  # fmt: skip
    assert (refused.exit_code, "auth.role_required" in refused.stderr) == (2, True)
    decided = json.loads(_ok(runner, "partner", "priority", "decide", item, "--accept",
                             "--reason", "urgent", "--as", "off", "--json"))  # fmt: skip
    assert decided["items"][0]["status"] == "accepted"

    proposal = tmp_path / "trusted.yaml"
    proposal.write_text(
        "name: Siemens AG\ncountry: DE\nbasis: ICP audited\n"
        "identifiers: [{scheme: lei, value: W38RGI023J3WT1HWRP32}]\n",
        encoding="utf-8",
    )
    proposed = json.loads(_ok(runner, "partner", "trusted", "propose", str(proposal), "--as",
                              "eu", "--json"))  # fmt: skip
    approved = json.loads(
        _ok(
            runner,
            "partner",
            "trusted",
            "decide",
            proposed["number"],
            "--approve",
            "--reason",
            "checked",
            "--as",
            "off",
            "--json",
        )
    )
    assert approved["status"] == "approved"
    listed_trusted = json.loads(_ok(runner, "partner", "trusted", "list", "--as", "eu", "--json"))
    assert [p["number"] for p in listed_trusted] == [proposed["number"]]

    figures = json.loads(_ok(runner, "partner", "outcomes", "--as", "eu", "--json"))
    assert (figures["partner"], figures["totals"][-1]["received"]) == ("EU", 1)
    download = tmp_path / "eu.csv"
    _ok(runner, "partner", "outcomes", "--as", "off", "--partner", "EU", "--format", "csv",
        "--output", str(download))  # fmt: skip
    assert download.read_text().startswith("partner,month,lane,received")
    assert json.loads(_ok(runner, "partner", "remind", "--json")) == {"announced": 0}
