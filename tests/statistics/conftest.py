"""Fixtures of the statistics tests: the shared published series, imported into the test's
rolled-back transaction; the API and CLI fixtures of their own folders are reused here."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from rarex.clock import FixedClock
from rarex.statistics.importer import FileImport, import_files
from tests.api.conftest import (  # noqa: F401 - fixtures
    api_user,
    client,
    make_client,
    sessions,
)
from tests.cli.conftest import cli_env, database_url, runner  # noqa: F401 - fixtures
from tests.conftest import SHARED

DATA = SHARED / "data"
TRADE_CSV = DATA / "china-rare-earth-trade.csv"
SOURCES_CSV = DATA / "china-rare-earth-trade-sources.csv"

# Percentages as the press printed them (S1: "+23% from April", "+2.3% year on year").
REPORTED_CSV = """\
period,series,partner,measure,value,source
2025-05,rare_earth_exports_t,WLD,mom_pct,23,S1
2025-05,rare_earth_exports_t,WLD,ytd_yoy_pct,2.3,S1
2025-05,rare_earth_exports_t,WLD,yoy_pct,-5.7,S3
2025-05,rare_earth_exports_t,WLD,yoy_pct,-4,S44
"""

Importer = Callable[..., list[FileImport]]


def shared_files() -> list[tuple[str, bytes]]:
    return [(p.name, p.read_bytes()) for p in (TRADE_CSV, SOURCES_CSV)]


@pytest.fixture
def do_import(session: Session, clock: FixedClock) -> Importer:
    """``do_import((name, bytes), ...)``: import files as the CLI operator."""

    def run(*files: tuple[str, bytes]) -> list[FileImport]:
        return import_files(session, clock=clock, actor=None, files=list(files))

    return run


@pytest.fixture
def published(do_import: Importer) -> list[FileImport]:
    """The shared CSV and its sources, imported."""
    return do_import(*shared_files())


@pytest.fixture
def shared_paths() -> tuple[Path, Path]:
    return TRADE_CSV, SOURCES_CSV
