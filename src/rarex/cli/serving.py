"""What each process of ``rarex serve`` runs: the site, and, when ``RAREX_SMTP_URL`` is set, a
sender that stands for election.

Every worker builds its own engine and app from the settings (uvicorn imports this factory in
each worker process). Every worker's sender stands; the one that holds the lease row
(``sender_leases``, renewed every ``RAREX_NOTIFY_POLL_SECONDS``) sends, and when its process
ends, another takes the lease over once it lapses (three polls), so exactly one process sends
in normal operation, with one worker or many, and with ``rarex notify run`` beside them.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from rarex.clock import SystemClock
from rarex.config import get_settings
from rarex.db import make_sessionmaker
from rarex.db_engine import make_engine
from rarex.notify.sender import BackgroundSender, Sender
from rarex.web.site import create_site


def site() -> FastAPI:
    settings = get_settings()
    engine = make_engine(settings)
    app = create_site(settings, engine=engine)
    if settings.smtp_url is None:
        return app
    sender = BackgroundSender(
        Sender(make_sessionmaker(engine), settings=settings, clock=SystemClock())
    )

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        sender.start()
        try:
            yield
        finally:
            sender.stop()

    app.router.lifespan_context = lifespan
    return app
