"""A real SMTP server on 127.0.0.1 (aiosmtpd), that tests stop and start again on its port, and
a whole database of the test's own for the sender (which commits)."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from rarex.auth.contact import set_contact
from rarex.auth.roles import Role
from rarex.clock import FixedClock
from rarex.config import Settings
from rarex.db import make_sessionmaker, session_scope
from rarex.db_engine import make_engine
from rarex.models import Notification
from rarex.notify.kinds import Facts, Kind
from rarex.notify.service import notify
from tests.conftest import BACKENDS, CHEAP_HASHING, whole_database
from tests.factories import make_actor


@dataclass
class Inbox:
    """What the server received, in order; ``reply`` (e.g. "451 4.3.0 later") refuses instead."""

    messages: list[EmailMessage] = field(default_factory=list)
    reply: str | None = None
    received: threading.Event = field(default_factory=threading.Event)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.reply is not None:
            return self.reply
        raw = envelope.original_content or envelope.content
        self.messages.append(message_from_bytes(raw, policy=policy.default))  # type: ignore[arg-type]
        self.received.set()
        return "250 OK"

    @property
    def message_ids(self) -> list[str]:
        return [str(m["Message-ID"]) for m in self.messages]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class MailServer:
    def __init__(self) -> None:
        self.port = _free_port()
        self.inbox = Inbox()
        self._controller: Controller | None = None

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"

    def start(self) -> None:
        self._controller = Controller(self.inbox, hostname="127.0.0.1", port=self.port)
        self._controller.start()

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None


@pytest.fixture
def mail_server() -> Iterator[MailServer]:
    server = MailServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture(params=BACKENDS)
def outbox_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    with whole_database(request.param, tmp_path, name="outbox", migrated=True) as url:
        yield url


@dataclass
class Outbox:
    """A whole database, its sessions, the settings a sender reads, and a clock."""

    url: str
    engine: Engine
    sessions: sessionmaker[Session]
    settings: Settings
    clock: FixedClock

    def write(self, count: int = 1, *, language: str = "en", email: bool = True) -> list[str]:
        """``count`` notifications to a new user; their Message-IDs."""
        with session_scope(self.sessions) as session:
            user = make_actor(session, self.clock, Role.LICENSING_OFFICER)
            set_contact(
                session, clock=self.clock, actor=None, username=user.username,
                email=f"{user.username}@example.org" if email else None, language=language,
            )  # fmt: skip
            ids = []
            for n in range(count):
                [row] = notify(
                    session, clock=self.clock, settings=self.settings,
                    recipients=[user.user_id], kind=Kind.STATE_CHANGED,
                    facts=Facts(reference=f"RX-2025-{n:08d}", state="under_review"),
                )  # fmt: skip
                ids.append(row.message_id)
            return ids

    def rows(self) -> list[Notification]:
        with session_scope(self.sessions) as session:
            return list(
                session.query(Notification).order_by(Notification.created_at, Notification.id)
            )


@pytest.fixture
def outbox(outbox_url: str, mail_server: MailServer) -> Iterator[Outbox]:
    engine = make_engine(outbox_url)
    settings = Settings(
        environment="test", database_url=outbox_url, smtp_url=mail_server.url,
        notify_backoff_seconds=1, notify_backoff_max_seconds=8, notify_give_up_after=2,
        notify_claim_seconds=30, notify_poll_seconds=0.05, smtp_timeout_seconds=5,
        **CHEAP_HASHING,
    )  # fmt: skip
    yield Outbox(
        outbox_url, engine, make_sessionmaker(engine), settings,
        FixedClock(datetime(2025, 6, 2, 2, 0, tzinfo=UTC)),
    )  # fmt: skip
    engine.dispose()
