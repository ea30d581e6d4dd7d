"""``rarex catalog``: ask the control list whether a code was controlled on a day, or list it."""

from __future__ import annotations

from datetime import date
from typing import Annotated

import typer
from rich.markup import escape
from rich.text import Text

from rarex.catalog import CatalogListing, ControlCheck, EntryCheck, EntryStatus, load_control_list
from rarex.cli.common import console, domain_errors, emit_json, fail, parse_date, remark
from rarex.cli.tables import Col, Listing
from rarex.clock import authority_date, clock_for
from rarex.config import get_settings

app = typer.Typer(
    help="""The rare-earth export control list: time-travel checks by control code or HS code.

    Example: rarex catalog check --hs 2846901993 --on 2025-06-01
    """,
    no_args_is_help=True,
)

_STATUS_STYLE = {
    EntryStatus.IN_FORCE: "bold red",
    EntryStatus.NOT_YET_EFFECTIVE: "yellow",
    EntryStatus.SUSPENDED: "cyan",
    EntryStatus.REPEALED: "dim",
}

OnOption = Annotated[
    str | None,
    typer.Option(
        "--on",
        metavar="YYYY-MM-DD",
        help="Legal date to ask about; default: today in China (Asia/Shanghai).",
    ),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print the stable JSON shape.")]


@app.command("check")
@domain_errors
def check(
    code: Annotated[
        str | None,
        typer.Option(
            "--code", metavar="CODE", help="Control code: 1C902 (all sub-entries) or 1C902.a."
        ),
    ] = None,
    hs: Annotated[
        str | None,
        typer.Option("--hs", metavar="HS", help="10-digit HS code; spaces and dots are ignored."),
    ] = None,
    on: OnOption = None,
    as_json: JsonOption = False,
) -> None:
    """Say whether a control code or HS code was controlled on a day, and why, entry by entry.

    Exit 0 whether or not it is controlled; exit 2 on a malformed or unknown code.

    Example: rarex catalog check --code 1C902.a --on 2025-11-20 --json
    """
    day = _day(on)
    if code is not None and hs is None:
        result = load_control_list().check_code(code, day)
    elif hs is not None and code is None:
        result = load_control_list().check_hs(hs, day)
    else:
        raise fail("catalog.query_required", "give exactly one of --code or --hs")
    if as_json:
        emit_json(result.to_dict())
        return
    _print_check(result)


@app.command("list")
@domain_errors
def list_entries(on: OnOption = None, as_json: JsonOption = False) -> None:
    """List every control-list entry with its status on a day.

    Example: rarex catalog list --on 2025-06-01
    """
    listing = load_control_list().listing(_day(on))
    if as_json:
        emit_json(listing.to_dict())
        return
    _print_listing(listing)


def _day(on: str | None) -> date:
    if on is None:
        return authority_date(clock_for(get_settings().frozen_time).now())
    return parse_date(on, option="--on")


def _print_check(result: ControlCheck) -> None:
    verdict = "[bold red]CONTROLLED[/]" if result.controlled else "[bold green]NOT CONTROLLED[/]"
    kind = "control code" if result.query_kind == "control_code" else "HS code"
    console.print(f"{verdict} on {result.on.isoformat()}: {kind} {escape(result.query)}")
    if not result.matches:
        console.print("No control-list entry lists this HS code in its cross-walk.")
    else:
        _print_entries(result.matches)
    remark(f"control list version {result.catalog_version}", style="dim")


def _print_listing(listing: CatalogListing) -> None:
    in_force = sum(1 for entry in listing.entries if entry.in_force)
    remark(f"{in_force} of {len(listing.entries)} entries in force on {listing.on.isoformat()}")
    _print_entries(listing.entries)
    remark(f"control list version {listing.catalog_version}", style="dim")


def _print_entries(entries: tuple[EntryCheck, ...]) -> None:
    table = Listing(Col("code", key=True), "element", "status", "reason")
    for entry in entries:
        element = f"{entry.element.symbol} {entry.element.name_en}" if entry.element else "-"
        status = Text(entry.status.value, style=_STATUS_STYLE[entry.status])
        table.add(entry.code + ("" if entry.code_confirmed else "*"), element, status, entry.reason)
    table.print()
    if not all(entry.code_confirmed for entry in entries):
        remark("* control code not yet confirmed against the official text")
