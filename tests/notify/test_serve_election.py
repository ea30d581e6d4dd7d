"""`rarex serve --workers 2` with a mail server: one worker is elected and sends, once."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time

import pytest
from sqlalchemy import select

from rarex.db import session_scope
from rarex.models import SenderLease
from tests.notify.conftest import MailServer, Outbox


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


# One backend: the wiring is the same on both, and the lease and claims are tested on both in
# process (test_sender.py); two uvicorn workers cost seconds to start.
@pytest.mark.slow
@pytest.mark.parametrize("outbox_url", ["sqlite"], indirect=True)
def test_of_two_workers_one_is_elected_and_sends_each_notification_once(
    outbox: Outbox, mail_server: MailServer
) -> None:
    ids = outbox.write(3)
    environment = {
        **os.environ,
        "RAREX_DATABASE_URL": outbox.url,
        "RAREX_SMTP_URL": mail_server.url,
        "RAREX_ENVIRONMENT": "test",
        "RAREX_NOTIFY_POLL_SECONDS": "0.2",
    }
    environment.pop("RAREX_FROZEN_TIME", None)
    server = subprocess.Popen(
        [sys.executable, "-m", "rarex.cli.main", "serve", "--workers", "2",
         "--port", str(_free_port())],
        env=environment, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while len(mail_server.inbox.messages) < 3 and time.monotonic() < deadline:
            assert server.poll() is None, server.stderr.read().decode()  # type: ignore[union-attr]
            time.sleep(0.1)
        time.sleep(0.6)  # three polls of both workers: nothing more may come
    finally:
        server.send_signal(signal.SIGINT)
        server.wait(30)
    assert sorted(mail_server.inbox.message_ids) == sorted(ids)
    with session_scope(outbox.sessions) as session:
        [lease] = session.scalars(select(SenderLease)).all()
    assert lease.name == "mail"
    assert {row.state for row in outbox.rows()} == {"sent"}
