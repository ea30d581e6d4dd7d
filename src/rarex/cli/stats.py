"""`rarex stats`: import published series, report a month, tabulate, export and chart.

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
from rich.table import Table

from rarex.cli.common import JsonOpt, console, domain_errors, emit_json, err_console, fail
from rarex.cli.context import open_context
from rarex.quantities import NotANumber, parse_amount
from rarex.statistics import exports, tables
from rarex.statistics.declarations import declarations_report
from rarex.statistics.derivation import ConsistencyPolicy
from rarex.statistics.importer import import_files
from rarex.statistics.monitor import MonitorPolicy
from rarex.statistics.parsing import ImportRefused
from rarex.statistics.service import period_report

app = typer.Typer(help="Official monthly export statistics.", no_args_is_help=True)

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
    """Import published figures (and their sources); all files land together or none does."""
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
    table = Table("measure", "figure", "basis / status", "reported")
    for name, shown, note, change in lines:
        reported = ""
        if change and change["reported"]:
            reported = "; ".join(
                f"{r['source']}: {r['value']}% ({r['difference_display']})"
                for r in change["reported"]
            )
        if shown is None and change is not None:
            shown, note = "—", change["reason"]
        table.add_row(name, shown or "—", note or "", reported)
    console.print(table)
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
        console.print(f"published: {p['value']} t; declared covers {p['coverage_pct']}% of it")
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
    """One month: value, MoM, YoY, YTD, YTD YoY, flags, derivations with formulas, sources."""
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
    """A table of months: value, YTD and their changes, each published or derived."""
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
    table = Table(
        "period",
        "month",
        "",
        "MoM",
        "YoY",
        "YTD",
        "",
        "YTD YoY",
        "monitor",
        title=f"{body['series']} {body['partner']} ({body['unit']})",
    )
    mark = {"published": "", "derived": "d", None: ""}
    monitor = {"unusually_high": "HIGH", "unusually_low": "LOW", "normal": "ok"}
    for row in body["rows"]:
        table.add_row(
            f"{row['period']} Jan-Feb" if row["jan_feb"] else row["period"],
            row["value"] or "—",
            mark[row["value_status"]],
            row["mom_display"] or "—",
            row["yoy_display"] or "—",
            row["ytd"] or "—",
            mark[row["ytd_status"]],
            row["ytd_yoy_display"] or "—",
            monitor.get(row["monitor"] or "", row["monitor"] or ""),
        )
    console.print(table)
    console.print(
        "[dim]d = derived from published figures (formulas: --json); monitor: robust z-score "
        "against the trailing 12 months (HIGH/LOW flagged, MoM swings are not alarms)[/]"
    )
    for finding in body["findings"]:
        colour = "yellow" if finding["severity"] == "warning" else "dim"
        console.print(f"[{colour}]{finding['code']}[/] {escape(finding['message'])}")


@app.command("list")
@domain_errors
def list_command(as_json: JsonOpt = False) -> None:
    """The imported series, their partners and periods."""
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
        str | None, typer.Option("--format", help="csv, xlsx or sdmx (default: from the suffix)")
    ] = None,
    partner: Annotated[str | None, typer.Option(help="One partner (default: all)")] = None,
    start: FromOpt = None,
    end: ToOpt = None,
) -> None:
    """Every published and derived figure as CSV, XLSX or SDMX-CSV (derived: OBS_STATUS=E)."""
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
    output: Annotated[Path, typer.Option(help="File to write: .svg or .png", dir_okay=False)],
    kind: Annotated[
        str,
        typer.Option(help="monthly, or growth (change on a year before; yoy is the same)"),
    ] = "monthly",
    partner: PartnerOpt = "WLD",
    start: FromOpt = None,
    end: ToOpt = None,
    year: Annotated[int | None, typer.Option(help="The twelve months of a year")] = None,
    compare_year: Annotated[
        int | None, typer.Option(help="growth with --year: the year compared with")
    ] = None,
) -> None:
    """Draw a chart as SVG or PNG (the format follows the file suffix), in English."""
    # Imported here: matplotlib costs every other command half a second of start-up.
    from rarex.statistics import charts

    fmt = output.suffix.lower().lstrip(".")
    if kind not in charts.KINDS:
        raise fail("stats.unknown_chart", f"--kind must be one of {', '.join(charts.KINDS)}")
    ctx = open_context()
    with ctx.unit_of_work() as session:
        content = charts.chart(
            session,
            series=series,
            kind=kind,
            fmt=fmt,
            partner=partner,
            start=start,
            end=end,
            year=year,
            compare_year=compare_year,
        )
    output.write_bytes(content)
    console.print(f"wrote {output} ({fmt}, {len(content)} bytes)")
