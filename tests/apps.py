"""The app under test, one per worker, kind (API or site) and settings, pointed at each test's
own transaction and clock (``rarex.api.app.attach``).

Building an app is cheap, but FastAPI builds each included route's handler on the first request
that reaches its router: about 85 ms for the API and 130 ms for the site, for every app. A
new app per test spent most of a minute of the suite's wall time on that alone. What an app
keeps between requests is its settings (the cache's key) and what ``attach`` sets, so no test
sees another's database, clock or filing group.
"""

from __future__ import annotations

from collections.abc import Callable

from fastapi import FastAPI
from sqlalchemy.orm import Session, sessionmaker

from rarex.api.app import attach
from rarex.clock import Clock
from rarex.config import Settings

Build = Callable[..., FastAPI]
_BUILT: list[tuple[Build, Settings, FastAPI]] = []


def app_for(
    build: Build, settings: Settings, *, session_factory: sessionmaker[Session], clock: Clock
) -> FastAPI:
    """``build(settings, ...)``'s app, built once per worker for equal settings."""
    for built_by, built_for, app in _BUILT:
        if built_by is build and built_for == settings:
            attach(app, session_factory=session_factory, clock=clock)
            return app
    app = build(settings, session_factory=session_factory, clock=clock)
    _BUILT.append((build, settings.model_copy(deep=True), app))
    return app
