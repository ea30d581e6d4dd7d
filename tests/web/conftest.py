"""The page tests' site: see ``site_helpers``."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy.orm import Session

from rarex.clock import FixedClock
from rarex.config import Settings
from tests.web.site_helpers import TestClient, site_client


@pytest.fixture
def site(session: Session, clock: FixedClock, settings: Settings) -> Iterator[TestClient]:
    yield from site_client(session, clock, settings)
