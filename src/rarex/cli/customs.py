"""`rarex customs` commands: declarations, officer actions, bulk import, reconciliation.

Each command is one unit of work (``CliContext.unit_of_work``, which on SQLite holds the write
lock from ``BEGIN``: a drawdown reads the balance, then writes it).
"""

from __future__ import annotations

import tempfile
from decimal import Decimal
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.text import Text

from rarex.cli.common import (
    ExitCode,
    JsonOpt,
    LimitOpt,
    PageTokenOpt,
    console,
    domain_errors,
    emit_json,
    emit_page_json,
    err_console,
    fail,
    one_of,
    print_page_footer,
)
from rarex.cli.context import open_context
from rarex.cli.files import load_document, parse_model
from rarex.cli.tables import Col, Listing
from rarex.customs import bulk, filing, officer, reconciliation, repository, tabular, totals, views
from rarex.customs.schemas import DeclarationAmend, DeclarationIn, DeclarationRead
from rarex.customs.series import Series
from rarex.customs.states import DeclarationStatus, LineAction, LineStatus
from rarex.db import ChunkCheckpoint
from rarex.quantities import NotANumber, parse_amount

app = typer.Typer(
    help="""Customs declarations, clearance and reconciliation.

    Example: rarex customs list --as customs.zhao --status held
    """,
    no_args_is_help=True,
)

AsUser = Annotated[str, typer.Option("--as", help="Username to act as")]
ReasonOpt = Annotated[str, typer.Option("--reason", help="Why (recorded and audited)")]
ExistingFile = Annotated[Path, typer.Argument(exists=True, dir_okay=False, readable=True)]

_STATUS_STYLE: dict[str, str] = {
    LineStatus.CLEARED: "green",
    LineStatus.HELD: "yellow",
    LineStatus.REFUSED: "red",
    LineStatus.CANCELLED: "dim",
}


def _print_declaration(view: DeclarationRead) -> None:
    style = _STATUS_STYLE.get(view.status, "bold")
    console.print(
        f"[bold]{view.number}[/]  [{style}]{view.status}[/]  revision {view.revision}  "
        f"license {view.license_number or '—'}"
    )
    # Declarants' text: printed as written, never read as markup.
    console.print(f"exporter: {view.exporter.name} ({view.exporter.uscc})", markup=False)
    console.print(
        f"to: {view.consignee.name} ({view.consignee.country}), destination "
        f"{view.destination}, port {view.port}; declared {view.declared_date}"
        + (f", cleared {view.clearance_date}" if view.clearance_date else ""),
        markup=False,
    )
    lines = Listing(
        Col("line", justify="right"), Col("HS", key=True), Col("code", key=True),
        Col("kg", justify="right"), "status", Col("drawn kg", justify="right"), "reasons",
    )  # fmt: skip
    for line in view.lines:
        reasons = "\n".join(
            f"{r.code}: {r.message}" for r in line.reasons if r.severity != "info"
        ) or next((r.message for r in line.reasons if r.code == "customs.drawn"), "")
        status = Text(line.status, style=_STATUS_STYLE.get(line.status, "bold"))
        lines.add(
            line.line_no, line.hs_code, line.control_code, line.net_kg, status, line.drawn_kg,
            reasons,
        )  # fmt: skip
    lines.print()


def _emit(view: DeclarationRead, as_json: bool) -> None:
    if as_json:
        emit_json(view.model_dump(mode="json"))
    else:
        _print_declaration(view)


@app.command("declare")
@domain_errors
def declare_command(path: ExistingFile, as_user: AsUser, as_json: JsonOpt = False) -> None:
    """File one declaration from a JSON or YAML file. Exit 0 when it cleared, 3 when it was
    recorded held, refused or partially cleared, 2 when refused (nothing recorded). The same
    file again is a replay: nothing is done, the declaration is shown as stored, and the exit
    is as the first time; the same number with other content is refused (exit 2).

    Example: rarex customs declare declaration.yaml --as customs.zhao
    """
    data = parse_model(DeclarationIn, load_document(path), source=path.name)
    ctx = open_context()
    with ctx.unit_of_work() as session:
        declaration, replayed = filing.file_or_replay(
            session,
            actor=ctx.actor(session, as_user),
            clock=ctx.clock,
            settings=ctx.settings,
            data=data,
        )
        view = views.read(session, declaration)
    if replayed:
        err_console.print(
            f"declaration {view.number} was filed before with the same content: nothing done "
            "again; as stored:",
            highlight=False,
        )
    _emit(view, as_json)
    if view.status != DeclarationStatus.CLEARED:
        raise typer.Exit(ExitCode.NOT_CLEARED)


@app.command("import")
@domain_errors
def import_command(
    path: ExistingFile,
    as_user: AsUser,
    all_or_nothing: Annotated[
        bool,
        typer.Option(
            "--all-or-nothing",
            help="Import nothing when any row is refused, in one transaction (default: skip "
            "refused rows and commit chunk by chunk)",
        ),
    ] = False,
    as_json: JsonOpt = False,
) -> None:
    """Import declarations from CSV or XLSX (one row per line). Every refused row is reported
    with its field and reason. Exit 0 when every declaration cleared, 3 when all were recorded
    but some not cleared, 4 when some rows were refused and the others recorded, 2 when nothing
    was recorded (a malformed file, every declaration refused, or --all-or-nothing).

    Without --all-or-nothing each chunk of 1000 declarations is committed once filed, so other
    filings are not held up by a long file. If the import then stops on an error, the chunks
    committed before it stay recorded; run the same file again to finish: declarations already
    filed are refused as duplicates (their numbers are applied once), the rest are filed.

    Example: rarex customs import declarations.xlsx --as customs.zhao
    """
    tabular.file_format(path)
    ctx = open_context()
    limits = tabular.ImportLimits.of(ctx.settings)
    progress = Progress(
        TextColumn("importing {task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err_console,
        disable=not err_console.is_terminal,
        transient=True,
    )
    committed: ChunkCheckpoint | None = None
    try:
        with tempfile.TemporaryDirectory(prefix="rarex-import-") as spool, progress:
            spool_dir = Path(spool)
            # Read whole before the unit of work takes the write lock: a malformed file fails
            # here, and the bar below knows how many rows there are.
            reading = progress.add_task(f"{path.name} (reading)", total=None)
            checked = tabular.check_file(path, limits, spool=spool_dir / "rows.jsonl")
            progress.remove_task(reading)
            task = progress.add_task(path.name, total=checked.rows)
            with ctx.unit_of_work() as session:
                committed = ChunkCheckpoint(session)
                report = bulk.import_declarations(
                    session,
                    actor=ctx.actor(session, as_user),
                    clock=ctx.clock,
                    settings=ctx.settings,
                    source=path.name,
                    parsed=tabular.declarations(tabular.checked_rows(path, checked, limits)),
                    all_or_nothing=all_or_nothing,
                    progress=lambda done: progress.advance(task, done),
                    commit_chunk=committed,
                )
    except bulk.ImportRefused as refused:
        report = refused.report
    except Exception:
        if committed is not None and committed.chunks:
            err_console.print(
                f"{path.name}: {committed.chunks} chunk(s) were committed before this error and "
                "stay recorded; run the same file again to file the rest (declarations already "
                "filed are refused as duplicates)"
            )
        raise
    body = report.to_dict()
    if as_json:
        emit_json(body)
    else:
        _print_import(body)
    code = _import_exit_code(report)
    if code is not ExitCode.OK:
        raise typer.Exit(code)


def _import_exit_code(report: bulk.ImportReport) -> ExitCode:
    if report.errors:
        recorded = report.landed and report.recorded > 0
        return ExitCode.PARTIAL_IMPORT if recorded else ExitCode.REFUSED
    if any(status != DeclarationStatus.CLEARED for status in report.outcomes):
        return ExitCode.NOT_CLEARED
    return ExitCode.OK


def _print_import(body: dict[str, object]) -> None:
    outcomes = body["outcomes"]
    assert isinstance(outcomes, dict)
    console.print(
        f"{body['source']}: {body['rows']} rows, {body['declarations']} declarations; "
        f"recorded {body['recorded']} ("
        + (", ".join(f"{k} {v}" for k, v in outcomes.items()) or "none")
        + f"), filed before {body['replayed']}, refused {body['refused_declarations']}"
    )
    if not body["landed"]:
        console.print("[bold red]nothing imported[/]: --all-or-nothing and some rows refused")
    errors = body["errors"]
    assert isinstance(errors, list)
    if errors:
        refused = Listing(Col("row", justify="right"), "field", "code", "problem")
        for error in errors:
            refused.add(error["row"], error["field"], error["code"], error["message"])
        refused.print()


@app.command("show")
@domain_errors
def show_command(number: str, as_user: AsUser, as_json: JsonOpt = False) -> None:
    """One declaration: its lines, outcomes with every reason, and its history.

    Example: rarex customs show 222020250718000101 --as customs.zhao
    """
    ctx = open_context()
    with ctx.unit_of_work() as session:
        view = views.declaration_view(session, actor=ctx.actor(session, as_user), number=number)
    _emit(view, as_json)


@app.command("list")
@domain_errors
def list_command(
    as_user: AsUser,
    status: Annotated[
        str | None,
        typer.Option(
            **one_of(DeclarationStatus, code="customs.unknown_status", help="Only this status")
        ),
    ] = None,
    license: Annotated[
        str | None, typer.Option("--license", metavar="NUMBER", help="Only under this license")
    ] = None,
    limit: LimitOpt = None,
    page_token: PageTokenOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Declarations the user may see (an exporter: its own), latest declared first.

    Example: rarex customs list --as customs.zhao --status held --license DUL-2025-0A1B2C3D
    """
    ctx = open_context()
    with ctx.unit_of_work() as session:
        page = views.list_declarations(
            session,
            actor=ctx.actor(session, as_user),
            status=status,
            license_number=license,
            limit=limit,
            page_token=page_token,
        )
    if as_json:
        emit_page_json(page)
        return
    listing = Listing(
        Col("number", key=True), "status", "exporter", Col("license", key=True), "dest",
        "declared", Col("kg", justify="right"), Col("cleared kg", justify="right"),
    )  # fmt: skip
    for r in page.items:
        listing.add(
            r.number, r.status, r.exporter, r.license_number, r.destination, r.declared_date,
            r.net_kg, r.cleared_kg,
        )  # fmt: skip
    listing.print()
    print_page_footer(page, "declaration(s)")


def _line_action(
    action: LineAction,
    number: str,
    line: int,
    reason: str,
    as_user: str,
    as_json: bool,
    covering_license: str | None = None,
) -> None:
    ctx = open_context()
    with ctx.unit_of_work() as session:
        declaration = officer.act_on_line(
            session,
            actor=ctx.actor(session, as_user),
            clock=ctx.clock,
            number=number,
            line_no=line,
            action=action,
            reason=reason,
            covering_license=covering_license,
        )
        view = views.read(session, declaration)
    _emit(view, as_json)


@app.command("hold")
@domain_errors
def hold_command(
    number: str, line: int, reason: ReasonOpt, as_user: AsUser, as_json: JsonOpt = False
) -> None:
    """Hold a cleared line for inspection; what it drew goes back to the license.

    Example: rarex customs hold 222020250718000101 1 --reason "Inspect the seals" --as
    customs.zhao
    """
    _line_action(LineAction.HOLD, number, line, reason, as_user, as_json)


@app.command("release")
@domain_errors
def release_command(
    number: str,
    line: int,
    reason: ReasonOpt,
    as_user: AsUser,
    as_json: JsonOpt = False,
    license_number: Annotated[
        str | None,
        typer.Option(
            "--license",
            help="The license that covers the line, when the declaration's does not "
            "(a destination it does not cover can be released only this way).",
        ),
    ] = None,
) -> None:
    """Release a held line: a paperwork mismatch is overridden, the balance drawn (if still
    there); a destination the license does not cover needs --license naming one that does.

    Example: rarex customs release 222020250718000101 1 --reason "Seals intact" --as
    customs.zhao
    """
    _line_action(LineAction.RELEASE, number, line, reason, as_user, as_json, license_number)


@app.command("refuse")
@domain_errors
def refuse_command(
    number: str, line: int, reason: ReasonOpt, as_user: AsUser, as_json: JsonOpt = False
) -> None:
    """Refuse a held line.

    Example: rarex customs refuse 222020250718000101 1 --reason "Goods differ from the
    declaration" --as customs.zhao
    """
    _line_action(LineAction.REFUSE, number, line, reason, as_user, as_json)


@app.command("cancel")
@domain_errors
def cancel_command(
    number: str, reason: ReasonOpt, as_user: AsUser, as_json: JsonOpt = False
) -> None:
    """Cancel a declaration; what its cleared lines drew is restored.

    Example: rarex customs cancel 222020250718000101 --reason "Filed twice" --as customs.zhao
    """
    ctx = open_context()
    with ctx.unit_of_work() as session:
        declaration = officer.cancel_declaration(
            session,
            actor=ctx.actor(session, as_user),
            clock=ctx.clock,
            number=number,
            reason=reason,
        )
        view = views.read(session, declaration)
    _emit(view, as_json)


@app.command("amend")
@domain_errors
def amend_command(
    number: str,
    path: ExistingFile,
    reason: ReasonOpt,
    as_user: AsUser,
    as_json: JsonOpt = False,
) -> None:
    """Amend a declaration from a JSON or YAML file (license_number, remove_license,
    destination, consignee, port, lines); it is checked again and its drawdowns redone.

    Example: rarex customs amend 222020250718000101 amendment.yaml --reason "Port corrected"
    --as customs.zhao
    """
    document = load_document(path)
    document["reason"] = reason
    data = parse_model(DeclarationAmend, document, source=path.name)
    ctx = open_context()
    with ctx.unit_of_work() as session:
        declaration = filing.amend_declaration(
            session,
            actor=ctx.actor(session, as_user),
            clock=ctx.clock,
            settings=ctx.settings,
            number=number,
            data=data,
        )
        view = views.read(session, declaration)
    _emit(view, as_json)


@app.command("reconcile-licenses")
@domain_errors
def reconcile_licenses_command(
    as_user: AsUser,
    license: Annotated[
        str | None, typer.Option("--license", metavar="NUMBER", help="One license")
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Per license: granted, drawn, declared, held and refused kg, with flags.

    Example: rarex customs reconcile-licenses --as customs.zhao --license DUL-2025-0A1B2C3D
    """
    ctx = open_context()
    with ctx.unit_of_work() as session:
        reports = reconciliation.reconcile_licenses(
            session, actor=ctx.actor(session, as_user), number=license
        )
    if as_json:
        emit_json([r.to_dict() for r in reports])
        return
    listing = Listing(
        Col("license", key=True), "status",
        *(Col(f"{kg} kg", justify="right")
          for kg in ("granted", "drawn", "declared", "held", "refused")),
        "flags",
    )  # fmt: skip
    for r in reports:
        listing.add(
            r.number, r.status, r.granted_kg, r.drawn_kg, r.declared_kg, r.held_kg, r.refused_kg,
            ", ".join(f"{f.code} x{f.count}" for f in r.flags),
        )  # fmt: skip
    listing.print()


def _tonnes(value: str | None, option: str) -> Decimal | None:
    if value is None:
        return None
    try:
        figure = parse_amount(value)
    except NotANumber as exc:
        raise fail(exc.code, f"{option} takes tonnes: {exc}") from None
    if figure < 0:
        raise fail("input.invalid", f"{option} takes tonnes, got {value!r}")
    return figure


@app.command("reconcile-month")
@domain_errors
def reconcile_month_command(
    period: Annotated[str, typer.Argument(help="The month, YYYY-MM")],
    as_user: AsUser,
    published_rare_earths: Annotated[
        str | None,
        typer.Option(metavar="TONNES", help="Published rare-earth exports of the month, tonnes"),
    ] = None,
    published_magnets: Annotated[
        str | None,
        typer.Option(metavar="TONNES", help="Published magnet exports of the month, tonnes"),
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """A month: licensed vs all cleared exports, attempts, destinations without a license.

    Example: rarex customs reconcile-month 2025-07 --as customs.zhao --published-rare-earths
    5200
    """
    published = {
        series: figure
        for series, figure in (
            ("rare_earths", _tonnes(published_rare_earths, "--published-rare-earths")),
            ("magnets", _tonnes(published_magnets, "--published-magnets")),
        )
        if figure is not None
    }
    ctx = open_context()
    with ctx.unit_of_work() as session:
        report = reconciliation.reconcile_month(
            session, actor=ctx.actor(session, as_user), period=period, published_t=published
        )
    if as_json:
        emit_json(report.to_dict())
        return
    console.print(
        f"[bold]{report.period}[/]: cleared {report.cleared_kg} kg "
        f"(licensed {report.licensed_kg} kg, not controlled {report.unlicensed_kg} kg) "
        f"from {report.declarations} declarations"
    )
    for series, kg in report.cleared_by_series.items():
        console.print(f"  {series}: {kg} kg")
    for comparison in report.published:
        console.print(
            f"  published {comparison.series}: {comparison.published_t} t, cleared "
            f"{comparison.cleared_t} t ({comparison.difference_pct}%)"
        )
    for flag in report.flags:
        console.print(f"[yellow]{flag.code}[/] x{flag.count} {flag.kg} kg: {flag.message}")


@app.command("totals")
@domain_errors
def totals_command(
    period: Annotated[str, typer.Option(metavar="YYYY-MM", help="The month of clearance")],
    as_user: AsUser,
    by: Annotated[
        str,
        typer.Option(
            **one_of(repository.DIMENSIONS, code="customs.unknown_dimension", help="Grouped by"),
            show_default=True,
        ),
    ] = "series",
    series: Annotated[
        str | None,
        typer.Option(**one_of(Series, code="customs.unknown_series", help="Only this series")),
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Cleared exports of a month from the incremental aggregates (no declaration scan).

    Example: rarex customs totals --period 2025-07 --by destination --as analyst.chen
    """
    ctx = open_context()
    with ctx.unit_of_work() as session:
        rows = totals.monthly_totals(
            session, actor=ctx.actor(session, as_user), period=period, by=by, series=series
        )
    if as_json:
        emit_json([row.to_dict() for row in rows])
        return
    listing = Listing(by, Col("kg", justify="right"), Col("lines", justify="right"), "FOB")
    for row in rows:
        listing.add(
            row.key or "(none)", row.net_kg, row.lines,
            ", ".join(f"{v} {c}" for c, v in sorted(row.fob_value.items())),
        )  # fmt: skip
    listing.print()
