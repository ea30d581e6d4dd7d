"""``rarex calendar``: the statutory deadline of an acceptance date, the years the calendar knows,
and loading a year's official schedule. Its own module so that ``calendar deadline`` imports
only what it needs."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.text import Text

from rarex.cli.common import JsonOpt, console, domain_errors, emit_json, fail, parse_date
from rarex.cli.context import open_context
from rarex.cli.tables import Col, Listing
from rarex.licensing.calendar_store import calendar_years, statutory_deadline

app = typer.Typer(
    help="""China's official working-day calendar.

    Example: rarex calendar deadline --accepted 2025-06-03
    """,
    no_args_is_help=True,
)


@app.command("deadline")
@domain_errors
def calendar_deadline(
    accepted: Annotated[str, typer.Option(metavar="YYYY-MM-DD", help="Acceptance date")],
    working_days: Annotated[
        int | None,
        typer.Option(metavar="N", min=1, max=365, help="Default: the statutory limit (45)"),
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """The decision due date: N official working days after acceptance.

    Example: rarex calendar deadline --accepted 2026-12-01 --json
    """
    accepted_on = parse_date(accepted, option="--accepted")
    ctx = open_context()
    with ctx.reading() as connection:
        result = statutory_deadline(
            connection, settings=ctx.settings, accepted_on=accepted_on, working_days=working_days
        )
    if as_json:
        emit_json(result.to_dict())
        return
    note = " [yellow](provisional: outside the official calendar)[/]" if result.provisional else ""
    console.print(
        f"accepted {accepted_on.isoformat()} + {result.working_days} working days → "
        f"due [bold]{result.due_date.isoformat()}[/]{note}"
    )


@app.command("years")
@domain_errors
def calendar_years_command(as_json: JsonOpt = False) -> None:
    """The years the calendar knows, newest first, to the first with no schedule: official
    (status package: published with Rarex; loaded: by an administrator) or provisional (the
    Monday-Friday rule until its schedule is loaded).

    Example: rarex calendar years --json
    """
    ctx = open_context()
    with ctx.reading() as connection:
        years = calendar_years(connection, clock=ctx.clock)
    if as_json:
        emit_json({"years": [year.to_dict() for year in years]})
        return
    listing = Listing(
        "year", "status", Col("working days", justify="right"), Col("days off", justify="right"),
        Col("make-up", justify="right"), "source",
    )  # fmt: skip
    for year in years:
        state = year.status if year.official else Text("provisional", style="yellow")
        source = year.source if year.official else "Monday-Friday rule"
        listing.add(year.year, state, year.working_days, year.holidays, year.makeup_days, source)
    listing.print()


@app.command("load")
@domain_errors
def calendar_load(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, readable=True)],
    as_user: Annotated[str, typer.Option("--as", help="Administrator username")],
    force: Annotated[bool, typer.Option(help="Replace a year the package already covers")] = False,
) -> None:
    """Load a year's official holiday schedule published by the State Council (YAML/JSON).

    Example: rarex calendar load holidays-2027.yaml --as admin
    """
    # Models and the audit log: imported here so that `calendar deadline` starts without them.
    from rarex.licensing.calendar_schedules import load_schedule

    ctx = open_context()
    try:
        text = file.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise fail("calendar.invalid_schedule", f"{file} is not UTF-8 text") from None
    with ctx.unit_of_work() as session:
        schedule = load_schedule(
            session,
            actor=ctx.actor(session, as_user),
            clock=ctx.clock,
            text=text,
            source=file.name,
            force=force,
        )
    console.print(f"loaded {len(schedule.days)} official days for {schedule.year} from {file.name}")
