"""A sender killed after the server took a message and before it recorded the delivery: the
notification is still pending under its claim, and once the claim lapses the next sender sends
it again with the same Message-ID. Nothing is lost; the duplicate is one message to the reader.

Honest about the kill: ``rarex notify run --once`` runs as a process of its own and is killed
with SIGKILL (no handler, no cleanup) while it waits in the documented test seam,
``RAREX_NOTIFY_PAUSE_AFTER_SEND_SECONDS``, between the server's "250 OK" and its own mark."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from datetime import UTC, datetime, timedelta

from rarex.clock import FixedClock
from rarex.notify.sender import PassSummary, Sender
from tests.notify.conftest import MailServer, Outbox


def test_a_sender_killed_between_send_and_mark_is_followed_by_the_same_message(
    outbox: Outbox, mail_server: MailServer
) -> None:
    [message_id] = outbox.write()
    environment = {
        **os.environ,
        "RAREX_DATABASE_URL": outbox.url,
        "RAREX_SMTP_URL": mail_server.url,
        "RAREX_ENVIRONMENT": "test",
        "RAREX_NOTIFY_PAUSE_AFTER_SEND_SECONDS": "60",
        "RAREX_NOTIFY_CLAIM_SECONDS": "30",
    }
    environment.pop("RAREX_FROZEN_TIME", None)
    sender = subprocess.Popen(
        [sys.executable, "-m", "rarex.cli.main", "notify", "run", "--once", "--json"],
        env=environment, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )  # fmt: skip
    try:
        arrived = mail_server.inbox.received.wait(30)
        assert arrived, sender.stderr.read().decode() if sender.poll() is not None else "no mail"
    finally:
        sender.send_signal(signal.SIGKILL)
        sender.wait(10)
    assert sender.returncode == -signal.SIGKILL
    [row] = outbox.rows()
    assert row.state == "pending"  # the server has it; the outbox does not know
    assert row.claimed_until is not None
    assert row.sent_at is None
    # a new sender, on real time: nothing before the claim lapses, then the same message
    now = datetime.now(UTC)
    assert (
        Sender(outbox.sessions, settings=outbox.settings, clock=FixedClock(now)).drain()
        == PassSummary()
    )
    later = FixedClock(now + timedelta(seconds=31))
    assert Sender(outbox.sessions, settings=outbox.settings, clock=later).drain() == PassSummary(
        sent=1
    )
    assert mail_server.inbox.message_ids == [message_id, message_id]
    [row] = outbox.rows()
    assert (row.state, row.attempts) == ("sent", 1)
