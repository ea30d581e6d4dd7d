"""The sender: due notifications out over SMTP, at least once, whoever else is running.

Each notification goes through three short transactions of the sender's own (it owns its units
of work, as a command does; the services that write the outbox never commit):

1. **claim** a batch of due rows: one conditional ``UPDATE ... SET claimed_until, claimed_by
   WHERE id IN (...) AND state = 'pending' AND (claimed_until IS NULL OR claimed_until <=
   now)``, then read back the rows that carry this claim's token. The same statement on both
   databases: PostgreSQL re-checks the condition on a row another sender updated meanwhile, so
   it claims nothing that sender claimed; SQLite runs one writer at a time (``BEGIN
   IMMEDIATE``). Two senders never send the same row while a claim lasts.
2. **send** it (before each, the claim is extended: a claim need only outlast one send);
3. **mark** it sent, or failed with its attempt, error and next time.

A sender killed between 2 and 3 leaves the row pending and claimed; once the claim lapses
(``notify_claim_seconds``) another sender sends it again with the same Message-ID: delivery is
at least once, never silently lost. A server that cannot be reached fails the row being sent
(attempt and backoff recorded) and ends the pass; the rows not tried keep their turn.

Which process sends at all is an election: a lease row (``sender_leases``) that the holder
renews every poll and another takes once it lapsed, on SQLite and PostgreSQL alike. Every
process of ``rarex serve --workers N`` and every ``rarex notify run`` stands; one sends.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from typing import Any, Final

from sqlalchemy import and_, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from rarex.clock import Clock
from rarex.config import Settings, SmtpTarget
from rarex.db import session_scope
from rarex.db_engine import SQLITE_BEGIN
from rarex.errors import InvalidInput
from rarex.models import Notification, SenderLease
from rarex.notify.backoff import retry_delay
from rarex.notify.mail import message
from rarex.notify.smtp import DeliveryError, SmtpTransport, Transport

log = logging.getLogger(__name__)

LEASE_NAME: Final = "mail"
BATCH: Final = 20
# The lease lapses after this many polls without renewal, and another process takes over.
LEASE_POLLS: Final = 3


@dataclass
class PassSummary:
    """What one pass did: sent, failed and waiting to be tried again, given up (a permanent
    refusal tried ``notify_give_up_after`` times), lost to another sender (a claim lapsed)."""

    sent: int = 0
    retrying: int = 0
    gave_up: int = 0
    lost: int = 0

    def add(self, other: PassSummary) -> None:
        for key, value in asdict(other).items():
            setattr(self, key, getattr(self, key) + value)

    def to_dict(self) -> dict[str, int]:
        return asdict(self)


@dataclass(frozen=True)
class _Claimed:
    id: uuid.UUID
    to_address: str
    subject: str
    body: str
    message_id: str
    language: str
    created_at: datetime
    attempts: int


def sender_name() -> str:
    """Host, process and a random part: unique among the processes that stand."""
    return f"{socket.gethostname()[:60]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


class Sender:
    def __init__(
        self,
        sessions: sessionmaker[Session],
        *,
        settings: Settings,
        clock: Clock,
        name: str | None = None,
        transport: Callable[[], Transport] | None = None,
    ) -> None:
        if transport is None:
            if settings.smtp_url is None:
                raise InvalidInput(
                    "no mail server: set RAREX_SMTP_URL (e.g. smtp://127.0.0.1:25)",
                    code="notify.no_smtp_url",
                )
            target = SmtpTarget.parse(settings.smtp_url)
            timeout = settings.smtp_timeout_seconds
            transport = lambda: SmtpTransport(target, timeout=timeout)  # noqa: E731
        self.sessions = sessions
        self.settings = settings
        self.clock = clock
        self.name = name or sender_name()
        self._transport = transport

    @contextmanager
    def _unit(self) -> Iterator[Session]:
        """A short transaction of the sender's own, a writer from its first statement."""
        with session_scope(self.sessions) as session:
            if session.get_bind().dialect.name == "sqlite":
                session.connection(execution_options={SQLITE_BEGIN: "immediate"})
            yield session

    def drain(
        self, *, on_outcome: Callable[[str], None] | None = None, batch: int = BATCH
    ) -> PassSummary:
        """Send what is due now, batch by batch, until nothing is due or the server cannot be
        reached. ``on_outcome`` hears "sent", "retrying", "gave_up" or "lost" per row."""
        summary = PassSummary()
        transport = self._transport()
        try:
            while True:
                claimed = self._claim(batch)
                if not claimed:
                    break
                if not self._deliver(claimed, transport, summary, on_outcome):
                    break
        finally:
            transport.close()
        return summary

    def due_count(self) -> int:
        """How many notifications are due now (for a progress bar)."""
        with session_scope(self.sessions) as session:
            return len(session.scalars(select(Notification.id).where(self._claimable())).all())

    def _claimable(self) -> Any:
        now = self.clock.now()
        return and_(
            Notification.state == "pending",
            Notification.next_attempt_at <= now,
            or_(Notification.claimed_until.is_(None), Notification.claimed_until <= now),
        )

    def _claim(self, batch: int) -> list[_Claimed]:
        token = f"{self.name}/{uuid.uuid4().hex[:8]}"
        with self._unit() as session:
            ids = session.scalars(
                select(Notification.id)
                .where(self._claimable())
                .order_by(Notification.next_attempt_at, Notification.created_at, Notification.id)
                .limit(batch)
            ).all()
            if not ids:
                return []
            until = self.clock.now() + timedelta(seconds=self.settings.notify_claim_seconds)
            session.execute(
                update(Notification)
                .where(Notification.id.in_(ids), self._claimable())
                .values(claimed_until=until, claimed_by=token)
                .execution_options(synchronize_session=False)
            )
            rows = session.scalars(
                select(Notification)
                .where(Notification.claimed_by == token)
                .order_by(Notification.next_attempt_at, Notification.created_at, Notification.id)
            ).all()
            return [
                _Claimed(
                    id=r.id,
                    to_address=r.to_address or "",
                    subject=r.subject,
                    body=r.body,
                    message_id=r.message_id,
                    language=r.language,
                    created_at=r.created_at,
                    attempts=r.attempts,
                )
                for r in rows
            ]

    def _deliver(
        self,
        claimed: Sequence[_Claimed],
        transport: Transport,
        summary: PassSummary,
        on_outcome: Callable[[str], None] | None,
    ) -> bool:
        """Send a claimed batch; False when the server could not be reached (end the pass)."""
        for index, row in enumerate(claimed):
            if not self._extend(row):
                outcome = "lost"
            else:
                try:
                    transport.send(self._message(row))
                except DeliveryError as failure:
                    outcome = self._failed(row, failure)
                    self._count(summary, outcome, on_outcome)
                    if failure.connection:
                        self._release(claimed[index + 1 :])
                        return False
                    continue
                if self.settings.notify_pause_after_send_seconds:
                    # the test seam (README): a test kills the sender in this window
                    time.sleep(self.settings.notify_pause_after_send_seconds)
                outcome = self._sent(row)
            self._count(summary, outcome, on_outcome)
        return True

    @staticmethod
    def _count(
        summary: PassSummary, outcome: str, on_outcome: Callable[[str], None] | None
    ) -> None:
        setattr(summary, outcome, getattr(summary, outcome) + 1)
        if on_outcome is not None:
            on_outcome(outcome)

    def _message(self, row: _Claimed) -> Any:
        return message(
            mail_from=self.settings.mail_from, to=row.to_address, subject=row.subject,
            body=row.body, message_id=row.message_id, language=row.language,
            written_at=row.created_at,
        )  # fmt: skip

    def _mine(self, row: _Claimed) -> Any:
        return and_(
            Notification.id == row.id,
            Notification.state == "pending",
            Notification.claimed_by.startswith(self.name + "/", autoescape=True),
        )

    def _extend(self, row: _Claimed) -> bool:
        """Renew the claim for one send; False if it lapsed and another sender took the row."""
        until = self.clock.now() + timedelta(seconds=self.settings.notify_claim_seconds)
        with self._unit() as session:
            done = session.execute(
                update(Notification).where(self._mine(row)).values(claimed_until=until)
            )
            return bool(done.rowcount)  # type: ignore[attr-defined]

    def _sent(self, row: _Claimed) -> str:
        # Whoever holds the claim now, the server took the message: it is sent.
        with self._unit() as session:
            session.execute(
                update(Notification)
                .where(Notification.id == row.id, Notification.state == "pending")
                .values(
                    state="sent",
                    sent_at=self.clock.now(),
                    attempts=Notification.attempts + 1,
                    last_error=None,
                    next_attempt_at=None,
                    claimed_until=None,
                    claimed_by=None,
                )
            )
        log.info("notify.sent", extra={"notification": str(row.id), "message_id": row.message_id})
        return "sent"

    def _failed(self, row: _Claimed, failure: DeliveryError) -> str:
        attempts = row.attempts + 1
        give_up = failure.permanent and attempts >= self.settings.notify_give_up_after
        values: dict[str, Any] = {
            "attempts": Notification.attempts + 1,
            "last_error": str(failure)[:500],
            "claimed_until": None,
            "claimed_by": None,
        }
        if give_up:
            values.update(state="failed", next_attempt_at=None)
        else:
            delay = retry_delay(
                attempts,
                base=self.settings.notify_backoff_seconds,
                cap=self.settings.notify_backoff_max_seconds,
            )
            values["next_attempt_at"] = self.clock.now() + delay
        with self._unit() as session:
            session.execute(update(Notification).where(self._mine(row)).values(**values))
        log.warning(
            "notify.failed",
            extra={"notification": str(row.id), "attempts": attempts, "error": str(failure),
                   "gave_up": give_up},
        )  # fmt: skip
        return "gave_up" if give_up else "retrying"

    def _release(self, rows: Sequence[_Claimed]) -> None:
        """Give back claims of rows this pass will not try: they keep their turn."""
        if not rows:
            return
        with self._unit() as session:
            session.execute(
                update(Notification)
                .where(
                    Notification.id.in_([r.id for r in rows]),
                    Notification.claimed_by.startswith(self.name + "/", autoescape=True),
                )
                .values(claimed_until=None, claimed_by=None)
                .execution_options(synchronize_session=False)
            )

    # -- the election ---------------------------------------------------------------------

    def hold_lease(self) -> bool:
        """Take or renew the sending lease; False while another process holds it."""
        now = self.clock.now()
        until = now + timedelta(seconds=LEASE_POLLS * self.settings.notify_poll_seconds)
        with self._unit() as session:
            done = session.execute(
                update(SenderLease)
                .where(
                    SenderLease.name == LEASE_NAME,
                    or_(SenderLease.holder == self.name, SenderLease.expires_at <= now),
                )
                .values(holder=self.name, expires_at=until)
            )
            if done.rowcount:  # type: ignore[attr-defined]
                return True
            if session.get(SenderLease, LEASE_NAME) is not None:
                return False
            try:
                with session.begin_nested():  # two first contenders: the primary key decides
                    session.add(SenderLease(name=LEASE_NAME, holder=self.name, expires_at=until))
            except IntegrityError:
                return False
            return True

    def release_lease(self) -> None:
        """Let another process take over at once (a clean stop)."""
        with self._unit() as session:
            session.execute(
                update(SenderLease)
                .where(SenderLease.name == LEASE_NAME, SenderLease.holder == self.name)
                .values(expires_at=self.clock.now())
            )

    def run(
        self,
        stop: threading.Event,
        *,
        elect: bool = True,
        on_pass: Callable[[PassSummary], None] | None = None,
    ) -> None:
        """Poll until ``stop`` is set: when elected (or ``elect`` False), drain what is due.
        A pass that fails (the database away) is logged and the next one tries again."""
        leading = False
        try:
            while not stop.is_set():
                try:
                    held = self.hold_lease() if elect else True
                    if held != leading:
                        leading = held
                        log.info("notify.lease", extra={"sender": self.name, "held": held})
                    if held:
                        summary = self.drain()
                        if on_pass is not None:
                            on_pass(summary)
                except Exception:
                    log.exception("notify.pass_failed", extra={"sender": self.name})
                stop.wait(self.settings.notify_poll_seconds)
        finally:
            if elect and leading:
                try:
                    self.release_lease()
                except Exception:
                    log.exception("notify.release_failed", extra={"sender": self.name})


class BackgroundSender:
    """A sender on a thread of its own, for a process that does other work (``rarex serve``)."""

    def __init__(self, sender: Sender) -> None:
        self.sender = sender
        self._stop = threading.Event()
        self._thread = threading.Thread(
            target=sender.run, args=(self._stop,), name="rarex-mail-sender", daemon=True
        )

    def start(self) -> None:
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        self._thread.join(timeout)
