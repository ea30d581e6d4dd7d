"""License commands: list and show with remaining balances; suspend, reinstate, revoke."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated

import typer

from rarex.cli.applications import AsUser
from rarex.cli.common import (
    JsonOpt,
    LimitOpt,
    PageTokenOpt,
    console,
    domain_errors,
    emit_json,
    emit_page_json,
    print_page_footer,
)
from rarex.cli.context import open_context
from rarex.cli.tables import Col, Listing
from rarex.clock import authority_date
from rarex.licensing import license_actions, views

app = typer.Typer(
    help="""Issued licenses and their balances.

    Example: rarex licenses list --as baotou.export
    """,
    no_args_is_help=True,
)


@app.command("list")
@domain_errors
def licenses_list(
    as_user: AsUser,
    limit: LimitOpt = None,
    page_token: PageTokenOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Licenses the user may see with remaining balances, a page at a time, newest first.

    Example: rarex licenses list --as baotou.export --limit 20
    """
    ctx = open_context()
    with ctx.unit_of_work() as session:
        page = views.list_license_views(
            session,
            actor=ctx.actor(session, as_user),
            on=authority_date(ctx.clock.now()),
            limit=limit,
            page_token=page_token,
        )
    if as_json:
        emit_page_json(page)
        return
    listing = Listing(
        Col("number", key=True), "type", "status", "exporter", "dest", "valid until",
        Col("granted kg", justify="right"), Col("remaining kg", justify="right"),
    )  # fmt: skip
    for r in page.items:
        listing.add(
            r.number, r.license_type, r.status, r.exporter.name, r.destination, r.valid_until,
            sum((ln.granted_kg for ln in r.lines), Decimal(0)),
            sum((ln.remaining_kg for ln in r.lines), Decimal(0)),
        )  # fmt: skip
    listing.print()
    print_page_footer(page, "license(s)")


@app.command("show")
@domain_errors
def licenses_show(number: str, as_user: AsUser, as_json: JsonOpt = False) -> None:
    """One license with its per-line balances.

    Example: rarex licenses show DUL-2025-0A1B2C3D --as baotou.export
    """
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


def _license_step(action_name: str, number: str, reason: str, as_user: str, as_json: bool) -> None:
    ctx = open_context()
    with ctx.unit_of_work() as session:
        license_actions.act_on_license(
            session,
            actor=ctx.actor(session, as_user),
            clock=ctx.clock,
            number=number,
            action=license_actions.parse_license_action(action_name),
            reason=reason,
        )
        view = views.license_view(
            session,
            actor=ctx.actor(session, as_user),
            number=number,
            on=authority_date(ctx.clock.now()),
        )
    if as_json:
        emit_json(view.model_dump(mode="json"))
        return
    console.print(f"[bold]{view.number}[/] is now {view.status}")


ReasonOpt = Annotated[str, typer.Option("--reason", help="Why (kept in the audit log).")]


@app.command("suspend")
@domain_errors
def licenses_suspend(
    number: str, reason: ReasonOpt, as_user: AsUser, as_json: JsonOpt = False
) -> None:
    """Suspend a license: it clears nothing until reinstated.

    Example: rarex licenses suspend DUL-2025-0A1B2C3D --reason "end use under review" --as li
    """
    _license_step("suspend", number, reason, as_user, as_json)


@app.command("reinstate")
@domain_errors
def licenses_reinstate(
    number: str, reason: ReasonOpt, as_user: AsUser, as_json: JsonOpt = False
) -> None:
    """Reinstate a suspended license (exhausted again if its balance is gone).

    Example: rarex licenses reinstate DUL-2025-0A1B2C3D --reason "review closed" --as li
    """
    _license_step("reinstate", number, reason, as_user, as_json)


@app.command("revoke")
@domain_errors
def licenses_revoke(
    number: str, reason: ReasonOpt, as_user: AsUser, as_json: JsonOpt = False
) -> None:
    """Revoke a license for good: it clears nothing again.

    Example: rarex licenses revoke DUL-2025-0A1B2C3D --reason "end-use breach" --as li
    """
    _license_step("revoke", number, reason, as_user, as_json)
