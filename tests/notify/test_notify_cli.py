"""`rarex notify run --once`, `list` and `status` as an operator reads them."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from typer.testing import CliRunner

from rarex.cli.main import app
from rarex.config import get_settings
from tests.notify.conftest import MailServer, Outbox


@pytest.fixture
def cli(
    outbox: Outbox, mail_server: MailServer, monkeypatch: pytest.MonkeyPatch
) -> Iterator[CliRunner]:
    monkeypatch.setenv("RAREX_DATABASE_URL", outbox.url)
    monkeypatch.setenv("RAREX_SMTP_URL", mail_server.url)
    monkeypatch.setenv("RAREX_ENVIRONMENT", "test")
    monkeypatch.delenv("RAREX_FROZEN_TIME", raising=False)
    get_settings.cache_clear()
    yield CliRunner()
    get_settings.cache_clear()


def test_one_pass_sends_and_the_outbox_says_so(
    cli: CliRunner, outbox: Outbox, mail_server: MailServer
) -> None:
    [message_id] = outbox.write()
    outbox.write(email=False)
    status = cli.invoke(app, ["notify", "status", "--json"])
    assert status.exit_code == 0, status.output
    before = json.loads(status.stdout)
    assert before["counts"] == {"pending": 1, "sent": 0, "no_address": 1, "failed": 0}
    assert before["due"] == 1
    assert before["smtp"] == f"plain 127.0.0.1:{mail_server.port}"
    done = cli.invoke(app, ["notify", "run", "--once", "--json"])
    assert done.exit_code == 0, done.output
    assert json.loads(done.stdout) == {"sent": 1, "retrying": 0, "gave_up": 0, "lost": 0}
    assert mail_server.inbox.message_ids == [message_id]
    listed = json.loads(cli.invoke(app, ["notify", "list", "--json"]).stdout)
    assert listed["total"] == 2
    assert sorted(row["state"] for row in listed["items"]) == ["no_address", "sent"]
    [sent] = [row for row in listed["items"] if row["state"] == "sent"]
    assert sent["message_id"] == message_id
    assert sent["attempts"] == 1
    assert set(sent) == {
        "id", "recipient", "kind", "language", "state", "message_id", "created_at", "attempts",
        "next_attempt_at", "last_error", "sent_at", "read_at",
    }  # fmt: skip
    refused = cli.invoke(app, ["notify", "list", "--state", "lost"])
    assert refused.exit_code == 2
    assert "notify.unknown_state" in refused.stderr


def test_without_a_mail_server_the_sender_refuses_to_start(
    cli: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("RAREX_SMTP_URL")
    get_settings.cache_clear()
    done = cli.invoke(app, ["notify", "run", "--once"])
    assert done.exit_code == 2
    assert "notify.no_smtp_url" in done.stderr
    monkeypatch.setenv("RAREX_SMTP_URL", "http://mail.example")
    get_settings.cache_clear()
    bad = cli.invoke(app, ["notify", "status"])
    assert bad.exit_code == 2
    assert "RAREX_SMTP_URL" in bad.stderr
