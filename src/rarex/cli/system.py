"""Operator commands: database, server, demo, audit and exporters (users: ``cli/users.py``)."""

from __future__ import annotations

import sys
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape

from rarex.audit.service import verify
from rarex.cli.common import ExitCode, JsonOpt, console, domain_errors, emit_json, fail, parse_date
from rarex.cli.context import engine_for, is_empty, open_context
from rarex.config import get_settings
from rarex.licensing.records import exporter_record
from rarex.migrations import current_revision, head_revision, upgrade_database
from rarex.parties.service import company_by_uscc, record_violation, register_company

db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
audit_app = typer.Typer(help="The hash-chained audit log.", no_args_is_help=True)
companies_app = typer.Typer(help="Exporters (applicant companies).", no_args_is_help=True)


@db_app.command("upgrade")
@domain_errors
def db_upgrade() -> None:
    """Apply every Alembic migration up to the current schema."""
    ctx = open_context(migrate=False)
    before = current_revision(ctx.engine)
    upgrade_database(ctx.engine)
    console.print(f"database at revision {head_revision()} (was {before or 'empty'})")


@audit_app.command("verify")
@domain_errors
def audit_verify(as_json: JsonOpt = False) -> None:
    """Recompute the hash chain; name the first altered, deleted or reordered event. Exit 0 when
    intact, 5 when broken."""
    ctx = open_context()
    with ctx.unit_of_work() as session:
        result = verify(session)
    body = result.to_dict()
    if as_json:
        emit_json(body)
    elif result.ok:
        console.print(f"[green]audit log intact[/]: {result.checked} events verified")
    else:
        console.print(
            f"[bold red]audit log BROKEN[/] at event {result.first_bad_seq}: {result.message}"
        )
    if not result.ok:
        raise typer.Exit(ExitCode.AUDIT_BROKEN)


@companies_app.command("add")
@domain_errors
def companies_add(
    uscc: Annotated[str, typer.Option(help="18-character unified social credit code")],
    name: Annotated[str, typer.Option()],
    name_zh: Annotated[str | None, typer.Option()] = None,
    compliance_programme_on: Annotated[
        str | None, typer.Option(help="Date the internal compliance programme was filed")
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Register an exporter."""
    icp = (
        parse_date(compliance_programme_on, option="--compliance-programme-on")
        if compliance_programme_on
        else None
    )
    ctx = open_context()
    with ctx.unit_of_work() as session:
        company = register_company(
            session,
            clock=ctx.clock,
            actor=None,
            uscc=uscc,
            name=name,
            name_zh=name_zh,
            compliance_programme_on=icp,
        )
        body = {"id": str(company.id), "uscc": company.uscc, "name": company.name}
    if as_json:
        emit_json(body)
    else:
        console.print(f"registered {escape(body['name'])} ({body['uscc']})")


@companies_app.command("show")
@domain_errors
def companies_show(
    uscc: str,
    as_user: Annotated[str, typer.Option("--as", help="Username to act as")],
    as_json: JsonOpt = False,
) -> None:
    """An exporter's record: applications by state, licenses, violations, compliance programme."""
    ctx = open_context()
    with ctx.unit_of_work() as session:
        record = exporter_record(session, actor=ctx.actor(session, as_user), uscc=uscc)
    if as_json:
        emit_json(record.model_dump(mode="json"))
        return
    console.print(f"[bold]{escape(record.name)}[/] ({record.uscc}) {escape(record.name_zh or '')}")
    console.print(f"compliance programme on file: {record.compliance_programme_on or 'none'}")
    console.print(f"applications: {record.applications_by_state or 'none'}")
    console.print(f"licenses: {record.licenses_by_status or 'none'}")
    for v in record.violations:
        console.print(f"[red]violation[/] {v.occurred_on}: {escape(v.description)}")


@companies_app.command("violation")
@domain_errors
def companies_violation(
    uscc: str,
    occurred_on: Annotated[str, typer.Option(help="Date of the breach YYYY-MM-DD")],
    description: Annotated[str, typer.Option()],
    as_user: Annotated[str, typer.Option("--as", help="Officer or administrator")],
    penalty_reference: Annotated[str | None, typer.Option()] = None,
) -> None:
    """Record an established violation in an exporter's record (audited)."""
    when = parse_date(occurred_on, option="--occurred-on")
    ctx = open_context()
    with ctx.unit_of_work() as session:
        company = company_by_uscc(session, uscc=uscc)
        record_violation(
            session,
            clock=ctx.clock,
            actor=ctx.actor(session, as_user),
            company_id=company.id,
            occurred_on=when,
            description=description,
            penalty_reference=penalty_reference,
        )
    console.print(f"violation of {when} recorded for {escape(company.name)}")


@domain_errors
def serve(
    host: Annotated[str, typer.Option()] = "127.0.0.1",
    port: Annotated[int, typer.Option()] = 8000,
    workers: Annotated[
        int, typer.Option(min=1, max=64, help="Server processes (uvicorn workers).")
    ] = 1,
) -> None:
    """Run the web pages and the API on the configured database (migrating an empty one
    first). With RAREX_SMTP_URL set, one process among the workers (elected by a lease in the
    database) also sends the notifications."""
    import uvicorn

    ctx = open_context()
    ctx.engine.dispose()  # each worker opens its own (rarex.cli.serving)
    mail = "; mail sent by one elected worker" if ctx.settings.smtp_url else ""
    console.print(
        f"Rarex on http://{host}:{port}/ (sign in at /login); the API on /api/v1 "
        f"(OpenAPI at /openapi.json); {workers} worker(s){mail}"
    )
    uvicorn.run(
        "rarex.cli.serving:site", factory=True, host=host, port=port, workers=workers,
        log_level="info",
    )  # fmt: skip


@domain_errors
def demo(
    yes: Annotated[bool, typer.Option("--yes", help="Wipe the database without asking")] = False,
    as_json: JsonOpt = False,
) -> None:
    """Reset the database and play a realistic caseload through weeks of simulated time."""
    from rarex.demo import play_demo, print_summary

    settings = get_settings()
    engine = engine_for(settings)
    if settings.environment != "production" and is_empty(engine) is False and not yes:
        if not sys.stdin.isatty():
            raise fail(
                "demo.confirmation_required",
                f"{settings.database_url} is not empty; pass --yes to wipe it for the demo",
            )
        typer.confirm(f"Wipe {settings.database_url} and load the demo?", abort=True)
    # Piped output keeps a wide layout so the tables stay readable in logs.
    out = Console(stderr=as_json)
    if not out.is_terminal:
        out = Console(stderr=as_json, width=160)
    try:
        result = play_demo(settings, engine, out)
    finally:
        engine.dispose()
    if as_json:
        emit_json(result)
    else:
        print_summary(out, result)
