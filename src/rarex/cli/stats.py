"""`rarex stats`: import published series, report a month, tabulate, export, chart, and
write the SDMX structure of the exports.

Reading statistics needs no user (they are public data); importing may name one with
``--as`` (an administrator or analyst, recorded in the audit log), or runs as the operator.
"""

from __future__ import annotations

import getpass
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape

from rarex.cli.common import JsonOpt, console, domain_errors, emit_json, err_console, fail
from rarex.cli.context import open_context
from rarex.cli.tables import Col, Listing
from rarex.quantities import NotANumber, parse_amount
from rarex.statistics import exports, sdmx, tables
from rarex.statistics.declarations import declarations_report
from rarex.statistics.derivation import ConsistencyPolicy
from rarex.statistics.importer import import_files
from rarex.statistics.monitor import MonitorPolicy
from rarex.statistics.parsing import ImportRefused
from rarex.statistics.service import period_report

app = typer.Typer(
    help="""Official monthly export statistics.

    Example: rarex stats report --series rare_earth_exports_t --period 2025-05
    """,
    no_args_is_help=True,
)

SeriesOpt = Annotated[str, typer.Option("--series", help="Series, e.g. rare_earth_exports_t")]
PartnerOpt = Annotated[str, typer.Option(help="WLD (all destinations) or an ISO alpha-2 code")]
DecimalsOpt = Annotated[
    int, typer.Option(min=0, max=6, help="Decimal places of displayed percentages")
]
FromOpt = Annotated[str | None, typer.Option("--from", help="First month YYYY-MM")]
ToOpt = Annotated[str | None, typer.Option("--to", help="Last month YYYY-MM")]
ToleranceOpt = Annotated[
    str,
    typer.Option(help="Extra allowance (series unit) before months vs YTD is an inconsistency"),
]
TolerancePctOpt = Annotated[
    str, typer.Option(help="Extra allowance, percent of the year-to-date total")
]


def _decimal(text: str, option: str) -> Decimal:
    try:
        value = parse_amount(text)
    except NotANumber as exc:
        raise fail(exc.code, f"{option} must be a number: {exc}") from None
    if value < 0:
        raise fail("input.invalid", f"{option} must be a non-negative number, got {text!r}")
    return value


def _policy(tolerance: str, tolerance_pct: str) -> ConsistencyPolicy:
    return ConsistencyPolicy(
        absolute=_decimal(tolerance, "--tolerance"),
        relative_pct=_decimal(tolerance_pct, "--tolerance-pct"),
    )


def _operator() -> str:
    """Who ran an import without --as: the operating-system account, as other commands do."""
    try:
        return f"operator via cli:{getpass.getuser()}"
    except (KeyError, OSError):
        return "operator via cli:unknown"


def _sibling_sources(path: Path) -> Path | None:
    candidate = path.with_name(f"{path.stem}-sources{path.suffix}")
    return candidate if candidate.is_file() else None


@app.command("import")
@domain_errors
def import_command(
    files: Annotated[list[Path], typer.Argument(exists=True, dir_okay=False, readable=True)],
    as_user: Annotated[
        str | None, typer.Option("--as", help="Administrator or analyst to record")
    ] = None,
    sources: Annotated[
        bool, typer.Option(help="Also import FILE-sources.csv beside each file when present")
    ] = True,
    as_json: JsonOpt = False,
) -> None:
    """Import published figures (and their sources); all files land together or none does.

    Example: rarex stats import china-rare-earth-trade.csv --as analyst.wu
    """
    paths = list(dict.fromkeys(p.resolve() for p in files))
    if sources:
        for path in list(paths):
            sibling = _sibling_sources(path)
            if sibling is not None and sibling.resolve() not in paths:
                paths.append(sibling.resolve())
    ctx = open_context()
    try:
        with ctx.unit_of_work() as session:
            actor = ctx.actor(session, as_user) if as_user else None
            results = import_files(
                session,
                clock=ctx.clock,
                actor=actor,
                files=[(p.name, p.read_bytes()) for p in paths],
                operator=_operator(),
            )
    except ImportRefused as exc:
        for problem in exc.details.get("problems", [])[1:]:
            where = f"line {problem['line']}" if problem["line"] else "file"
            field = f", field {problem['field']!r}" if problem["field"] else ""
            err_console.print(escape(f"  {where}{field}: {problem['problem']}"), highlight=False)
        raise
    body = {
        "changed": any(r.changed for r in results),
        "files": [r.to_dict() for r in results],
    }
    if as_json:
        emit_json(body)
        return
    for r in results:
        verdict = "imported" if r.changed else "unchanged"
        console.print(
            f"{escape(r.filename)} ({r.kind}): {verdict} — {r.added} added, {r.revised} revised, "
            f"{r.unchanged} unchanged of {r.rows} rows"
        )
        for note in r.notes:
            console.print(f"  [yellow]note[/] {escape(note)}")


def _print_report(body: dict[str, Any]) -> None:
    console.print(f"[bold]{body['series']}[/] {body['partner']} — {body['label']} ({body['unit']})")
    changes = body["changes"]
    lines = [
        ("value", body["value_display"], body.get("value_status"), None),
        ("month on month", body["mom_display"], changes["mom"]["base"], changes["mom"]),
        ("year on year", body["yoy_display"], changes["yoy"]["base"], changes["yoy"]),
        ("year to date", body["ytd_display"], body.get("ytd_status"), None),
        (
            "YTD year on year",
            body["ytd_yoy_display"],
            changes["ytd_yoy"]["base"],
            changes["ytd_yoy"],
        ),
    ]
    listing = Listing(
        Col("measure", key=True), Col("figure", justify="right"), "basis / status", "reported"
    )
    for name, shown, note, change in lines:
        reported = "; ".join(_reported(r) for r in change["reported"]) if change else ""
        if shown is None and change is not None:
            shown, note = "—", change["reason"]
        listing.add(name, shown or "—", note or "", reported)
    listing.print()
    if body.get("share_of_world_display"):
        console.print(f"share of all destinations: {body['share_of_world_display']}")
    for d in body["destinations"]:
        console.print(f"  to {d['partner']}: {d['display']} ({d['share_display']} of the total)")
    if body["monitor"]:
        console.print(
            f"monitor: [bold]{body['monitor']['status']}[/] — {body['monitor']['reason']}"
        )
    if body.get("published"):
        p = body["published"]
        covers = p["coverage_display"] or "—"
        console.print(f"published: {p['value']} t; declared covers {covers} of it")
    for flag in body.get("flags", []):
        colour = "yellow" if flag["severity"] == "warning" else "dim"
        console.print(f"[{colour}]{flag['code']}[/] {escape(flag['message'])}")
    for d in body.get("derivations", []):
        console.print(
            f"derived {d['formula']}: {d['expression']} [dim]({', '.join(d['sources'])})[/]"
        )
    for s in body.get("sources", []):
        console.print(
            f"[dim]{s['id']}: {escape(s['title'] or '(no title on file)')} {s['url'] or ''}[/]"
        )


def _reported(rate: dict[str, Any]) -> str:
    """A published rate as its source printed it, the source named ("+23% S1"); where our
    figures do not round to it, by how much they differ."""
    text = f"{rate['display']} {rate['source']}"
    if rate["consistent_with_rounding"] is False:
        text += f" (differs {rate['difference_display']})"
    return text


@app.command("report")
@domain_errors
def report_command(
    series: SeriesOpt,
    period: Annotated[str, typer.Option(help="Month YYYY-MM")],
    partner: PartnerOpt = "WLD",
    decimals: DecimalsOpt = 1,
    tolerance: ToleranceOpt = "0",
    tolerance_pct: TolerancePctOpt = "0",
    z_threshold: Annotated[str, typer.Option(help="Robust z-score that flags a month")] = "3.5",
    source: Annotated[
        str,
        typer.Option(help="published (the imported series) or declarations (cleared exports)"),
    ] = "published",
    as_user: Annotated[
        str | None, typer.Option("--as", help="User for --source declarations")
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """One month: value, MoM, YoY, YTD, YTD YoY, the rates sources reported beside them,
    flags, derivations with formulas, sources.

    Example: rarex stats report --series rare_earth_exports_t --period 2025-05 --decimals 0
    """
    policy = _policy(tolerance, tolerance_pct)
    monitor = MonitorPolicy(threshold=_decimal(z_threshold, "--z-threshold"))
    if source not in ("published", "declarations"):
        raise fail("stats.unknown_source", "--source must be published or declarations")
    if source == "declarations":
        if as_user is None:
            raise fail(
                "auth.user_required", "--source declarations reads customs data: give --as USER"
            )
        _declarations_report(series, period, partner, decimals, monitor, as_user, as_json)
        return
    ctx = open_context()
    with ctx.unit_of_work() as session:
        body = period_report(
            session,
            series=series,
            period=period,
            partner=partner,
            decimals=decimals,
            policy=policy,
            monitor_policy=monitor,
        )
    if as_json:
        emit_json(body)
    else:
        _print_report(body)


def _declarations_report(
    series: str,
    period: str,
    partner: str,
    decimals: int,
    monitor: MonitorPolicy,
    as_user: str,
    as_json: bool,
) -> None:
    ctx = open_context()
    with ctx.unit_of_work() as session:
        body = declarations_report(
            session,
            actor=ctx.actor(session, as_user),
            series=series,
            period=period,
            partner=partner,
            decimals=decimals,
            monitor_policy=monitor,
        )
    if as_json:
        emit_json(body)
    else:
        console.print("[dim]from cleared declarations (customs aggregates)[/]")
        _print_report(body)


@app.command("series")
@domain_errors
def series_command(
    series: SeriesOpt,
    partner: PartnerOpt = "WLD",
    start: FromOpt = None,
    end: ToOpt = None,
    decimals: DecimalsOpt = 1,
    tolerance: ToleranceOpt = "0",
    tolerance_pct: TolerancePctOpt = "0",
    as_json: JsonOpt = False,
) -> None:
    """A table of months: value, YTD and their changes, each published or derived, with the
    rates sources reported.

    Example: rarex stats series --series rare_earth_exports_t --from 2025-01 --to 2025-06
    """
    ctx = open_context()
    with ctx.unit_of_work() as session:
        body = tables.series_table(
            session,
            series=series,
            partner=partner,
            start=start,
            end=end,
            decimals=decimals,
            policy=_policy(tolerance, tolerance_pct),
        )
    if as_json:
        emit_json(body)
        return
    console.print(f"[bold]{body['series']}[/] {body['partner']} ({body['unit']})")
    listing = Listing(
        Col("period", key=True),
        Col("month", justify="right"),
        "",
        Col("MoM", justify="right"),
        Col("YoY", justify="right"),
        Col("YTD", justify="right"),
        "",
        Col("YTD YoY", justify="right"),
        "monitor",
        "reported",
    )
    mark = {"published": "", "derived": "d", None: ""}
    monitor = {
        "unusually_high": "HIGH",
        "unusually_low": "LOW",
        "normal": "ok",
        "insufficient_history": "short",
    }
    short = {"mom_pct": "MoM", "yoy_pct": "YoY", "ytd_yoy_pct": "YTD YoY"}
    for row in body["rows"]:
        listing.add(
            f"{row['period']} Jan-Feb" if row["jan_feb"] else row["period"],
            row["value"] or "—",
            mark[row["value_status"]],
            row["mom_display"] or "—",
            row["yoy_display"] or "—",
            row["ytd"] or "—",
            mark[row["ytd_status"]],
            row["ytd_yoy_display"] or "—",
            monitor.get(row["monitor"] or "", row["monitor"] or ""),
            "; ".join(f"{short[r['measure']]} {_reported(r)}" for r in row["reported"]),
        )
    listing.print()
    console.print(
        "[dim]d = derived from published figures (formulas: --json); monitor: robust z-score "
        "against the trailing 12 months (HIGH/LOW flagged, MoM swings are not alarms; short: "
        "fewer than 6 non-zero months to compare with); reported: the rate a cited source "
        "printed (sources: --json)[/]"
    )
    for finding in body["findings"]:
        colour = "yellow" if finding["severity"] == "warning" else "dim"
        console.print(f"[{colour}]{finding['code']}[/] {escape(finding['message'])}")


@app.command("list")
@domain_errors
def list_command(as_json: JsonOpt = False) -> None:
    """The imported series, their partners and periods.

    Example: rarex stats list --json
    """
    ctx = open_context()
    with ctx.unit_of_work() as session:
        body = tables.list_series(session)
    if as_json:
        emit_json(body)
        return
    for s in body:
        console.print(
            f"{s['series']} ({s['unit']}): {s['first_period']}..{s['last_period']}, "
            f"{s['published_figures']} published figures, partners {', '.join(s['partners'])}"
        )


@app.command("export")
@domain_errors
def export_command(
    series: SeriesOpt,
    output: Annotated[Path, typer.Option(help="File to write", dir_okay=False)],
    fmt: Annotated[
        str | None,
        typer.Option(
            "--format",
            help="csv, xlsx, sdmx (SDMX-CSV 1.0) or sdmx2 (SDMX-CSV 2.0); default: from the suffix",
        ),
    ] = None,
    partner: Annotated[str | None, typer.Option(help="One partner (default: all)")] = None,
    start: FromOpt = None,
    end: ToOpt = None,
) -> None:
    """Every published and derived figure as CSV, XLSX or SDMX-CSV (derived: OBS_STATUS=E); the
    SDMX files follow the structure `rarex stats sdmx-structure` writes.

    Example: rarex stats export --series rare_earth_exports_t --format sdmx2 --output re.csv
    """
    chosen = fmt or {".xlsx": "xlsx"}.get(output.suffix.lower(), "csv")
    ctx = open_context()
    with ctx.unit_of_work() as session:
        result = exports.export_series(
            session, series=series, fmt=chosen, partner=partner, start=start, end=end
        )
    output.write_bytes(result.content)
    console.print(f"wrote {output} ({chosen}, {len(result.content)} bytes)")


@app.command("chart")
@domain_errors
def chart_command(
    series: SeriesOpt,
    output: Annotated[Path, typer.Option(help="File to write: .svg, .png or .pdf", dir_okay=False)],
    kind: Annotated[
        str,
        typer.Option(help="monthly, or growth (change on a year before; yoy is the same)"),
    ] = "monthly",
    fmt: Annotated[
        str | None,
        typer.Option("--format", help="svg, png or pdf (default: from the file's suffix)"),
    ] = None,
    # charts.DEFAULT_DPI and its bounds, written out: importing charts costs matplotlib's
    # start-up; charts.check_output refuses what is out of bounds.
    dpi: Annotated[
        int,
        typer.Option(help="PNG resolution in dots per inch, 72 to 600 (svg and pdf are vector)"),
    ] = 150,
    partner: PartnerOpt = "WLD",
    start: FromOpt = None,
    end: ToOpt = None,
    year: Annotated[int | None, typer.Option(help="The twelve months of a year")] = None,
    compare_year: Annotated[
        int | None, typer.Option(help="growth with --year: the year compared with")
    ] = None,
) -> None:
    """Draw a chart as SVG, PNG or PDF, in English (the same drawing as the public pages).

    Example: rarex stats chart --series rare_earth_exports_t --output exports.png --dpi 300
    """
    # Imported here: matplotlib costs every other command half a second of start-up.
    from rarex.statistics import charts

    chosen = (fmt or output.suffix.lstrip(".")).lower()
    if kind not in charts.KINDS:
        raise fail("stats.unknown_chart", f"--kind must be one of {', '.join(charts.KINDS)}")
    charts.check_output(chosen, dpi)  # before the database is opened
    ctx = open_context()
    with ctx.unit_of_work() as session:
        content = charts.chart(
            session,
            series=series,
            kind=kind,
            fmt=chosen,
            partner=partner,
            start=start,
            end=end,
            year=year,
            compare_year=compare_year,
            dpi=dpi,
        )
    output.write_bytes(content)
    resolution = f", {dpi} dpi" if chosen == "png" else ""
    console.print(f"wrote {output} ({chosen}{resolution}, {len(content)} bytes)")


@app.command("sdmx-structure")
@domain_errors
def sdmx_structure_command(
    output: Annotated[
        Path | None,
        typer.Option(help="File to write (default: standard output)", dir_okay=False),
    ] = None,
) -> None:
    """The SDMX structure of the sdmx and sdmx2 exports: dataflow RAREX:CN_RE_TRADE(2.0), its
    data structure definition, concepts and codelists (SDMX-ML 2.1).

    Example: rarex stats sdmx-structure --output rarex-sdmx-structure.xml
    """
    content = sdmx.structure_xml()
    if output is None:
        console.file.write(content.decode("utf-8"))
        console.file.flush()
        return
    output.write_bytes(content)
    console.print(f"wrote {output} ({sdmx.DATAFLOW}, {len(content)} bytes)")
