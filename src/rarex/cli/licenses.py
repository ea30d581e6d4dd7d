"""License commands: list and show, with remaining balances."""

from __future__ import annotations

from decimal import Decimal

import typer
from rich.table import Table

from rarex.cli.applications import AsUser, JsonOpt
from rarex.cli.common import console, domain_errors, emit_json
from rarex.cli.context import open_context
from rarex.cli.render import _row
from rarex.clock import authority_date
from rarex.licensing import views

app = typer.Typer(help="Issued licenses and their balances.", no_args_is_help=True)


@app.command("list")
@domain_errors
def licenses_list(as_user: AsUser, as_json: JsonOpt = False) -> None:
    """Licenses the user may see, with remaining balances."""
    ctx = open_context()
    with ctx.unit_of_work() as session:
        rows = views.list_license_views(
            session, actor=ctx.actor(session, as_user), on=authority_date(ctx.clock.now())
        )
    if as_json:
        emit_json([row.model_dump(mode="json") for row in rows])
        return
    table = Table(
        "number", "type", "status", "exporter", "dest", "valid until", "granted kg", "remaining kg"
    )
    for r in rows:
        _row(
            table,
            r.number,
            r.license_type,
            r.status,
            r.exporter.name,
            r.destination,
            r.valid_until.isoformat(),
            str(sum((ln.granted_kg for ln in r.lines), Decimal(0))),
            str(sum((ln.remaining_kg for ln in r.lines), Decimal(0))),
        )
    console.print(table)


@app.command("show")
@domain_errors
def licenses_show(number: str, as_user: AsUser, as_json: JsonOpt = False) -> None:
    """One license with its per-line balances."""
    ctx = open_context()
    with ctx.unit_of_work() as session:
        view = views.license_view(
            session,
            actor=ctx.actor(session, as_user),
            number=number,
            on=authority_date(ctx.clock.now()),
        )
    if as_json:
        emit_json(view.model_dump(mode="json"))
        return
    console.print(
        f"[bold]{view.number}[/] {view.license_type} {view.status} "
        f"valid {view.valid_from} to {view.valid_until}"
    )
    for ln in view.lines:
        console.print(
            f"  line {ln.line_no} {ln.control_code} {ln.hs_code}: "
            f"{ln.remaining_kg} of {ln.granted_kg} kg left"
        )
