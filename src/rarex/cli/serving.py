"""What each process of ``rarex serve`` runs: the site; the partner channel's reminders of
overdue inquiries; and, when ``RAREX_SMTP_URL`` is set, a sender that stands for election.

Every worker builds its own engine and app from the settings (uvicorn imports this factory in
each worker process). Every worker's sender stands; the one that holds the lease row
(``sender_leases``, renewed every ``RAREX_NOTIFY_POLL_SECONDS``) sends, and when its process
ends, another takes the lease over once it lapses (three polls), so exactly one process sends
in normal operation, with one worker or many, and with ``rarex notify run`` beside them.

Every worker also looks for inquiries past their reply target once a minute; one conditional
update per inquiry decides which worker announces it, so each wait is announced once, with or
without a mail server (the notification is on the page either way).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from sqlalchemy.orm import Session, sessionmaker

from rarex.clock import Clock, SystemClock, clock_for
from rarex.config import Settings, get_settings
from rarex.db import make_sessionmaker, session_scope
from rarex.db_engine import make_engine
from rarex.notify.sender import BackgroundSender, Sender
from rarex.partners.notices import remind_overdue_inquiries
from rarex.web.site import create_site

log = logging.getLogger(__name__)
REMIND_EVERY_SECONDS = 60.0


class Reminders:
    """A thread that announces overdue inquiries every ``REMIND_EVERY_SECONDS``."""

    def __init__(self, sessions: sessionmaker[Session], settings: Settings, clock: Clock) -> None:
        self._stop = threading.Event()
        self._thread = threading.Thread(
            target=self._run, args=(sessions, settings, clock), name="rarex-reminders",
            daemon=True,
        )  # fmt: skip

    def _run(self, sessions: sessionmaker[Session], settings: Settings, clock: Clock) -> None:
        while not self._stop.is_set():
            try:
                with session_scope(sessions) as session:
                    remind_overdue_inquiries(session, clock=clock, settings=settings)
            except Exception:
                log.exception("partner.reminders_failed")
            self._stop.wait(REMIND_EVERY_SECONDS)

    def start(self) -> None:
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        self._thread.join(timeout)


def site() -> FastAPI:
    settings = get_settings()
    engine = make_engine(settings)
    app = create_site(settings, engine=engine)
    sessions = make_sessionmaker(engine)
    # The reminders read the pages' clock (a demo frozen on its last day announces as of it).
    reminders = Reminders(sessions, settings, clock_for(settings.frozen_time))
    sender = (
        BackgroundSender(Sender(sessions, settings=settings, clock=SystemClock()))
        if settings.smtp_url is not None
        else None
    )

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        reminders.start()
        if sender is not None:
            sender.start()
        try:
            yield
        finally:
            if sender is not None:
                sender.stop()
            reminders.stop()

    app.router.lifespan_context = lifespan
    return app
