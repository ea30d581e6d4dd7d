"""Operator commands: server, demo and exporters (database and audit: ``cli/operations.py``;
users: ``cli/users.py``)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.markup import escape

from rarex.cli.common import (
    JsonOpt,
    console,
    domain_errors,
    emit_json,
    fail,
    parse_date,
)
from rarex.cli.context import engine_for, is_empty, open_context
from rarex.config import Settings, get_settings
from rarex.licensing.records import exporter_record
from rarex.parties.service import company_by_uscc, record_violation, register_company

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from rarex.audit.anchoring import Checkpointer

companies_app = typer.Typer(
    help="""Exporters (applicant companies).

    Example: rarex companies show 91150200615234700F --as officer.li
    """,
    no_args_is_help=True,
)


@companies_app.command("add")
@domain_errors
def companies_add(
    uscc: Annotated[
        str, typer.Option(metavar="USCC", help="18-character unified social credit code")
    ],
    name: Annotated[str, typer.Option(help="The registered name (Latin script)")],
    name_zh: Annotated[str | None, typer.Option(help="The registered name in Chinese")] = None,
    compliance_programme_on: Annotated[
        str | None,
        typer.Option(metavar="YYYY-MM-DD", help="Date the internal compliance programme was filed"),
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Register an exporter.

    Example: rarex companies add --uscc 91150200615234700F --name "Baotou Beifang Magnetics
    Co., Ltd." --name-zh 包头北方磁业有限公司 --compliance-programme-on 2024-06-01
    """
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
    """An exporter's record: applications by state, licenses, violations, compliance programme.

    Example: rarex companies show 91150200615234700F --as officer.li
    """
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
    occurred_on: Annotated[str, typer.Option(metavar="YYYY-MM-DD", help="Date of the breach")],
    description: Annotated[str, typer.Option(help="What happened")],
    as_user: Annotated[str, typer.Option("--as", help="Officer or administrator")],
    penalty_reference: Annotated[
        str | None, typer.Option(metavar="REFERENCE", help="The penalty decision, if any")
    ] = None,
) -> None:
    """Record an established violation in an exporter's record (audited).

    Example: rarex companies violation 91150200615234700F --occurred-on 2024-03-18
    --description "Exported under a licence for another end user" --as officer.li
    """
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
    host: Annotated[str, typer.Option(help="The address to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="The port to listen on")] = 8000,
    workers: Annotated[
        int, typer.Option(min=1, max=64, help="Server processes (uvicorn workers).")
    ] = 1,
) -> None:
    """Run the web pages and the API on the configured database (migrating an empty one
    first). With RAREX_SMTP_URL set, one process among the workers (elected by a lease in the
    database) also sends the notifications. On SIGTERM it stops within
    RAREX_SHUTDOWN_GRACE_SECONDS, with requests in flight (rarex.cli.serving).

    Example: rarex serve --host 0.0.0.0 --port 8000 --workers 4
    """
    import signal
    from types import FrameType

    import uvicorn

    from rarex.logs import log_config
    from rarex.metrics_dir import count_in_files

    # Before anything imports prometheus-client: the workers count in files (rarex.metrics).
    forget_counts = count_in_files()
    ctx = open_context()
    ctx.engine.dispose()  # each worker opens its own (rarex.cli.serving)
    mail = "; mail sent by one elected worker" if ctx.settings.smtp_url else ""
    checkpoints = _checkpointer(ctx.settings)
    anchored = (
        f"; audit checkpoints every {ctx.settings.audit_checkpoint_interval_seconds:g} s to "
        f"{ctx.settings.audit_checkpoint_log}"
        if checkpoints
        else ""
    )
    console.print(
        f"Rarex on http://{host}:{port}/ (sign in at /login); the API on /api/v1 "
        f"(OpenAPI at /openapi.json); {workers} worker(s){mail}{anchored}",
        soft_wrap=True,
    )
    if checkpoints:
        checkpoints[0].start()
    stopped = False

    def stop_checkpoints() -> None:
        nonlocal stopped
        if checkpoints and not stopped:
            stopped = True
            checkpoints[0].stop()
            checkpoints[1].dispose()

    def stop_then_end(signum: int, frame: FrameType | None) -> None:
        stop_checkpoints()
        signal.signal(signum, signal.SIG_DFL)
        signal.raise_signal(signum)

    # On SIGTERM uvicorn stops serving (it waits at most the grace period for the requests in
    # flight, rarex.cli.serving), puts back the handler it found and raises the signal again.
    # With one worker it serves in this process, and SIGTERM's default would end it before the
    # `finally` below: the checkpoint at stop would be lost. (With several, uvicorn's parent
    # process handles the signals itself and returns.)
    previous = signal.signal(signal.SIGTERM, stop_then_end) if checkpoints else None
    try:
        uvicorn.run(
            "rarex.cli.serving:site", factory=True, host=host, port=port, workers=workers,
            timeout_graceful_shutdown=ctx.settings.shutdown_grace_seconds,
            log_config=log_config(ctx.settings.log_level, ctx.settings.log_format),
            log_level=ctx.settings.log_level.lower(), access_log=False,
        )  # fmt: skip
    finally:
        stop_checkpoints()
        forget_counts()
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)


def _checkpointer(settings: Settings) -> tuple[Checkpointer, Engine] | None:
    """The checkpoint thread of `rarex serve`: in the serving process itself, not its workers
    (one writer whatever --workers says), when a key, a log and an interval are set."""
    from rarex.audit.keys import signing_key

    interval = settings.audit_checkpoint_interval_seconds
    key = signing_key(settings)  # a key set but unusable stops the server here
    if key is None or not settings.audit_checkpoint_log or interval <= 0:
        return None
    from rarex.audit.anchoring import Checkpointer
    from rarex.clock import SystemClock
    from rarex.db import make_sessionmaker
    from rarex.db_engine import make_engine

    # Head and events in one snapshot on PostgreSQL; SQLite's transaction is one already.
    sqlite = settings.database_url.startswith("sqlite")
    engine = make_engine(settings, **({} if sqlite else {"isolation_level": "REPEATABLE READ"}))
    thread = Checkpointer(
        make_sessionmaker(engine),
        key=key,
        log_path=Path(settings.audit_checkpoint_log),
        clock=SystemClock(),
        interval=interval,
    )
    return thread, engine


@domain_errors
def demo(
    yes: Annotated[bool, typer.Option("--yes", help="Wipe the database without asking")] = False,
    as_json: JsonOpt = False,
) -> None:
    """Reset the database and play a realistic caseload through weeks of simulated time.

    Example: rarex demo --yes
    """
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
