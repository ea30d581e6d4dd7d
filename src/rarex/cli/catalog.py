"""``rarex catalog``: ask the control list whether a code was controlled on a day, or list it."""

from __future__ import annotations

from datetime import date
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from rarex.catalog import CatalogListing, ControlCheck, EntryCheck, EntryStatus, load_control_list
from rarex.cli.common import console, domain_errors, emit_json, fail, parse_date
from rarex.clock import authority_date, clock_for
from rarex.config import get_settings

app = typer.Typer(
    help="The rare-earth export control list: time-travel checks by control code or HS code.",
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
        str | None, typer.Option("--code", help="Control code: 1C902 (all sub-entries) or 1C902.a.")
    ] = None,
    hs: Annotated[
        str | None, typer.Option("--hs", help="10-digit HS code; spaces and dots are ignored.")
    ] = None,
    on: OnOption = None,
    as_json: JsonOption = False,
) -> None:
    """Say whether a control code or HS code was controlled on a day, and why, entry by entry.

    Exit 0 whether or not it is controlled; exit 2 on a malformed or unknown code.
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
    """List every control-list entry with its status on a day."""
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
        console.print(_entry_table(result.matches))
    console.print(f"[dim]control list version {escape(result.catalog_version)}[/]")


def _print_listing(listing: CatalogListing) -> None:
    in_force = sum(1 for entry in listing.entries if entry.in_force)
    console.print(
        f"{in_force} of {len(listing.entries)} entries in force on {listing.on.isoformat()}"
    )
    console.print(_entry_table(listing.entries))
    console.print(f"[dim]control list version {escape(listing.catalog_version)}[/]")


def _entry_table(entries: tuple[EntryCheck, ...]) -> Table:
    table = Table(show_lines=False)
    table.add_column("code", no_wrap=True)
    table.add_column("element")
    table.add_column("status", no_wrap=True)
    table.add_column("reason")
    unconfirmed = False
    for entry in entries:
        code = entry.code
        if not entry.code_confirmed:
            code += "*"
            unconfirmed = True
        element = f"{entry.element.symbol} {entry.element.name_en}" if entry.element else "-"
        style = _STATUS_STYLE[entry.status]
        table.add_row(
            escape(code),
            escape(element),
            f"[{style}]{entry.status.value}[/]",
            escape(entry.reason),
        )
    if unconfirmed:
        table.caption = "* control code not yet confirmed against the official text"
    return table
