"""`rarex demo`: a realistic caseload played through weeks of simulated time.

Everything goes through the same services as the API and CLI, with a simulated clock, so the
demo is also an end-to-end check: if a rule breaks, the demo fails.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, time
from typing import Any

from rich.console import Console
from rich.progress import Progress
from sqlalchemy import Engine, MetaData

from rarex.clock import AUTHORITY_TZ, FixedClock
from rarex.config import Settings
from rarex.db import make_sessionmaker, session_scope
from rarex.demo.cases import caseload, history
from rarex.demo.declarations import customs_week, declarations_summary
from rarex.demo.partner import partner_desk, partner_summary
from rarex.demo.people import setup_people
from rarex.demo.report import print_summary, summary
from rarex.demo.screening import listed_end_user, screening_summary, watch_lists_loaded
from rarex.demo.statistics import published_statistics
from rarex.demo.world import DEMO_END, DEMO_START, DemoWorld
from rarex.errors import Forbidden
from rarex.migrations import upgrade_database

__all__ = ["DEMO_END", "play_demo", "print_summary", "reset_database"]


def reset_database(engine: Engine) -> None:
    """Drop every table (ours and Alembic's), then migrate from scratch."""
    metadata = MetaData()
    metadata.reflect(bind=engine)
    metadata.drop_all(bind=engine)
    upgrade_database(engine)


STEPS: list[tuple[str, Callable[[DemoWorld], None]]] = [
    ("exporters, end users and officers", setup_people),
    ("three earlier approvals (April-May 2025)", history),
    ("MOFCOM's control list loaded for screening (May 2025)", watch_lists_loaded),
    ("June-July 2025 caseload", caseload),
    ("an end user on the control list (July 2025)", listed_end_user),
    (
        "the EU partner desk: inquiries, a priority list, a trusted end user (July 2025)",
        partner_desk,
    ),
    ("a week of customs declarations (July 2025)", customs_week),
    ("GACC's published rare-earth trade figures", published_statistics),
]


def play_demo(settings: Settings, engine: Engine, console: Console) -> dict[str, Any]:
    """Wipe the database, play the caseload, return the summary. Callers confirm first."""
    if settings.environment == "production":
        raise Forbidden(
            "the demo wipes the database; it never runs in production", code="demo.refused"
        )
    reset_database(engine)
    clock = FixedClock(datetime.combine(DEMO_START, time(8, 0), tzinfo=AUTHORITY_TZ))
    with session_scope(make_sessionmaker(engine)) as session:
        world = DemoWorld(session=session, clock=clock, settings=settings)
        with Progress(console=console, disable=not console.is_terminal, transient=True) as bar:
            task = bar.add_task("demo", total=len(STEPS))
            for label, step in STEPS:
                bar.update(task, description=label)
                step(world)
                bar.advance(task)
        world.clock.set(DEMO_END)
        return {
            **summary(world),
            **declarations_summary(world, "2025-07"),
            **screening_summary(world),
            **partner_summary(world),
        }
