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

Stopping (SIGTERM, or Ctrl+C): uvicorn stops taking connections and waits for the requests in
flight, at most ``RAREX_SHUTDOWN_GRACE_SECONDS``. It does not tell them: a connection with a
request in flight stays open until its answer is sent, so a long import, which asks at every
chunk whether its client is gone (``rarex.api.uploads.client_gone``), would never hear of the
stop, run past the grace period and be cut off mid-chunk with no answer. Here every worker
hears the signal too, and from then on a request whose body has arrived is told its client is
gone when it asks: an import stops at its next chunk, keeps what it committed, and answers
``import.cancelled`` with ``committed_declarations``, within the grace period. Whatever still
runs when the grace period ends is cancelled by uvicorn, and SIGTERM then ends the process
(uvicorn raises it again once it has stopped); a worker thread cut off mid-transaction leaves
nothing, the database rolls its transaction back. (Ctrl+C is raised again as KeyboardInterrupt,
and Python then waits for a request's thread that cannot stop; SIGTERM is what a service
manager sends.)
"""

from __future__ import annotations

import logging
import signal
import threading
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from types import FrameType
from typing import Any

from fastapi import FastAPI
from sqlalchemy.orm import Session, sessionmaker
from starlette.middleware import Middleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from rarex.clock import Clock, SystemClock, clock_for
from rarex.config import Settings, get_settings
from rarex.db import make_sessionmaker, session_scope
from rarex.db_engine import make_engine
from rarex.notify.sender import BackgroundSender, Sender
from rarex.partners.notices import remind_overdue_inquiries
from rarex.periodic import Periodic
from rarex.web.site import create_site

log = logging.getLogger(__name__)
REMIND_EVERY_SECONDS = 60.0


def reminders(sessions: sessionmaker[Session], settings: Settings, clock: Clock) -> Periodic:
    """A thread that announces overdue inquiries every ``REMIND_EVERY_SECONDS``."""

    def remind() -> None:
        try:
            with session_scope(sessions) as session:
                remind_overdue_inquiries(session, clock=clock, settings=settings)
        except Exception:
            log.exception("partner.reminders_failed")

    return Periodic(remind, every=REMIND_EVERY_SECONDS, name="rarex-reminders")


STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)


class StopAware:
    """ASGI middleware: once ``stopping`` is set, a request whose body has arrived is told its
    client is gone when it next asks (``receive`` answers ``http.disconnect``), so work that
    checks for a departed client stops. A body still arriving is received as usual."""

    def __init__(self, app: ASGIApp, *, stopping: threading.Event) -> None:
        self.app = app
        self.stopping = stopping

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        body_received = False

        async def receive_unless_stopping() -> Message:
            nonlocal body_received
            if body_received and self.stopping.is_set():
                return {"type": "http.disconnect"}
            message = await receive()
            if message["type"] == "http.request" and not message.get("more_body", False):
                body_received = True
            return message

        await self.app(scope, receive_unless_stopping, send)


Handler = Callable[[int, FrameType | None], Any]


def hear_stop_signals(stopping: threading.Event) -> Callable[[], None]:
    """Set ``stopping`` on SIGINT and SIGTERM, then hand the signal on to the handler that was
    there (uvicorn's, which stops the server). Only in the main thread of a process whose
    handlers are Python callables, as uvicorn's are while it serves; elsewhere (an app served
    by a test client in a thread) nothing changes. Returns what puts the handlers back."""
    if threading.current_thread() is not threading.main_thread():
        return lambda: None
    installed: dict[int, tuple[Handler, Handler]] = {}
    for signum in STOP_SIGNALS:
        previous = signal.getsignal(signum)
        if not callable(previous):
            continue

        def heard(number: int, frame: FrameType | None, previous: Handler = previous) -> None:
            stopping.set()
            previous(number, frame)

        signal.signal(signum, heard)
        installed[signum] = (heard, previous)

    def restore() -> None:
        for signum, (heard, previous) in installed.items():
            if signal.getsignal(signum) is heard:  # uvicorn may have put its own back already
                signal.signal(signum, previous)

    return restore


def site() -> FastAPI:
    settings = get_settings()
    engine = make_engine(settings)
    app = create_site(settings, engine=engine)
    stopping = threading.Event()
    # Innermost, next to the routes: the site's ``@app.middleware("http")`` (Starlette's
    # BaseHTTPMiddleware) never passes a disconnect on to a route that asks for one.
    app.user_middleware.append(Middleware(StopAware, stopping=stopping))
    sessions = make_sessionmaker(engine)
    # The reminders read the pages' clock (a demo frozen on its last day announces as of it).
    overdue = reminders(sessions, settings, clock_for(settings.frozen_time))
    sender = (
        BackgroundSender(Sender(sessions, settings=settings, clock=SystemClock()))
        if settings.smtp_url is not None
        else None
    )

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        # uvicorn installs its handlers before the lifespan starts and puts back the ones it
        # found when it stops
        unhear = hear_stop_signals(stopping)
        overdue.start()
        if sender is not None:
            sender.start()
        try:
            yield
        finally:
            if sender is not None:
                sender.stop()
            overdue.stop()
            unhear()

    app.router.lifespan_context = lifespan
    return app
