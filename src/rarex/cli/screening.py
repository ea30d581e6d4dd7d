"""``rarex lists``, ``rarex screen`` and ``rarex hits``: watch lists, name screening, and the
hits officers resolve on applications."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.text import Text

from rarex.cli.common import (
    JsonOpt,
    console,
    domain_errors,
    emit_json,
    err_console,
    fail,
    one_of,
    remark,
)
from rarex.cli.context import open_context
from rarex.cli.screen import _shown
from rarex.cli.tables import Col, Listing
from rarex.licensing import screening as case_screening
from rarex.licensing import views
from rarex.screening import lists as watch_lists
from rarex.screening.errors import ShrinkRefused
from rarex.screening.list_diff import Difference
from rarex.screening.sources import FORMATS, detect_format

lists_app = typer.Typer(
    help="""Watch lists: import a version, see what is loaded.

    Example: rarex lists status
    """,
    no_args_is_help=True,
)
hits_app = typer.Typer(
    help="""Screening hits on applications: list, screen now, resolve.

    Example: rarex hits list RX-2025-5DF2A82B --as officer.li
    """,
    no_args_is_help=True,
)

AsUser = Annotated[str, typer.Option("--as", help="Username to act as")]
MAX_LIST_BYTES = 200 * 1024 * 1024


@lists_app.command("import")
@domain_errors
def import_command(
    files: Annotated[
        list[Path],
        typer.Argument(exists=True, dir_okay=False, readable=True, help="The list file(s)"),
    ],
    fmt: Annotated[
        str | None,
        typer.Option(
            "--format",
            **one_of(FORMATS, code="lists.unknown_format", help="Guessed when left out"),
        ),
    ] = None,
    dataset: Annotated[
        str | None, typer.Option(metavar="NAME", help="FtM: the dataset name (source ftm-NAME)")
    ] = None,
    retrieved_at: Annotated[
        str | None,
        typer.Option(
            metavar="YYYY-MM-DD",
            help="When the file was fetched (a date or an ISO time); default: now.",
        ),
    ] = None,
    as_user: Annotated[
        str | None,
        typer.Option(
            "--as",
            help="Username to act as (an administrator or licensing officer); needed to "
            "confirm a shrink, which is audited with its actor.",
        ),
    ] = None,
    allow_shrink: Annotated[
        bool,
        typer.Option(
            "--allow-shrink",
            help="Accept a version that removes more than RAREX_LIST_SHRINK_LIMIT of the "
            "active entries (with --reason and --as).",
        ),
    ] = False,
    reason: Annotated[
        str | None, typer.Option(help="Why a shrinking version is right (with --allow-shrink)")
    ] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Show the difference; change nothing.")
    ] = False,
    as_json: JsonOpt = False,
) -> None:
    """Import a version of a watch list (OFAC takes the sdn file and, beside it, alt and add).

    The new version is first compared with the active one: what it adds, changes and removes
    is shown. A version that removes more than RAREX_LIST_SHRINK_LIMIT (5%) of the active
    entries is refused (lists.shrink_refused) unless confirmed with --allow-shrink --reason
    --as USER. --dry-run shows the difference and changes nothing. An unchanged file changes
    nothing; a malformed one is refused, naming the line or element, and the version in use
    stays in use. Cases open or licensed are screened again against what the new version
    added or changed. Exit 0 on success, 2 when refused.

    Example: rarex lists import ofac-sdn.csv ofac-alt.csv ofac-add.csv --format ofac-sdn
    --retrieved-at 2025-06-01
    """
    contents = []
    for path in files:
        if path.stat().st_size > MAX_LIST_BYTES:
            raise fail("lists.too_large", f"{path.name} is larger than {MAX_LIST_BYTES} bytes")
        contents.append(path.read_bytes())
    chosen = fmt or detect_format(files[0].name, contents[0][:4096])
    if chosen is None:
        raise fail(
            "lists.unknown_format", f"cannot tell the format of {files[0].name}: give --format"
        )
    when = _retrieved(retrieved_at)
    ctx = open_context()
    progress = Progress(
        TextColumn("reading {task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err_console,
        disable=not err_console.is_terminal,
        transient=True,
    )
    try:
        with progress, ctx.unit_of_work() as session:
            task = progress.add_task(files[0].name, total=None)
            result, rescreened = case_screening.import_list_and_rescreen(
                session,
                actor=ctx.actor(session, as_user) if as_user is not None else None,
                clock=ctx.clock,
                settings=ctx.settings,
                fmt=chosen,
                files=contents,
                file_names=[p.name for p in files],
                retrieved_at=when,
                dataset=dataset,
                progress=lambda done, total: progress.update(task, completed=done, total=total),
                allow_shrink=allow_shrink,
                reason=reason,
                dry_run=dry_run,
            )
    except ShrinkRefused as refused:
        if as_json:
            emit_json(
                {
                    "refused": {"code": refused.code, "message": refused.message},
                    "dry_run": dry_run,
                    "difference": refused.difference.to_dict(),
                }
            )
        else:
            _print_difference(refused.difference)
        raise
    body = {
        **result.to_dict(),
        "rescreened": rescreened.to_dict() if rescreened is not None else None,
    }
    if as_json:
        emit_json(body)
        return
    _print_import(result, rescreened)


def _print_import(
    result: watch_lists.ImportResult, rescreened: case_screening.Rescreening | None
) -> None:
    if result.unchanged:
        state = "unchanged (already imported)"
    elif result.dry_run:
        state = "dry run: nothing was changed; importing would make this version active"
    else:
        state = "imported, now active"
    console.print(f"{_shown(result.source)} ({result.format}): {state}")
    if result.published_at is not None:
        console.print(f"published by the list: {result.published_at.isoformat()}")
    counts = Listing("list", Col("entities", justify="right"), Col("names", justify="right"))
    for name, count in sorted(result.counts.items()):
        counts.add(name, count["entities"], count["names"])
    counts.add(Text("total", style="bold"), result.entities, result.names)
    counts.print()
    if not result.unchanged:
        _print_difference(result.difference)
    confirmation = result.shrink_confirmation
    if confirmation is not None:
        console.print(
            f"shrink of {confirmation.removed_share:.1%} confirmed by "
            f"{_shown(confirmation.actor)}: {_shown(confirmation.reason)}"
        )
    if rescreened is not None and not result.unchanged:
        console.print(
            f"{rescreened.cases} case(s) screened again against {rescreened.entries} added or "
            f"changed entries, {rescreened.hits} new hit(s)"
        )
    for note in result.notes:
        console.print(f"[dim]note: {_shown(note)}[/dim]")


EXAMPLES = 5


def _print_difference(diff: Difference) -> None:
    """Counts, and the first few entries of each change (--json lists every one)."""
    if diff.active_version is None:
        console.print(f"no version was active: {diff.after} entries added")
    else:
        console.print(
            f"against the active version {diff.active_version[:8]}: {diff.before} entries "
            f"before, {diff.after} after, {diff.removed_share:.1%} of them removed"
        )
    changes = Listing("change", Col("entries", justify="right"), f"first {EXAMPLES}")
    for label, listed in (
        ("added", diff.added),
        ("changed", diff.changed),
        ("removed", diff.removed),
    ):
        shown = "; ".join(f"{e.entity_id} {e.name}" for e in listed[:EXAMPLES])
        more = len(listed) - EXAMPLES
        if more > 0:
            shown += f"; and {more} more (--json lists all)"
        changes.add(label, len(listed), shown)
    changes.print()


def _retrieved(value: str | None) -> datetime | None:
    if value is None:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise fail("input.invalid_date", f"--retrieved-at must be ISO, got {value!r}") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


@lists_app.command("status")
@domain_errors
def status_command(
    history: Annotated[bool, typer.Option(help="Every version, not only the active ones")] = False,
    as_json: JsonOpt = False,
) -> None:
    """The loaded watch lists: source, version, content hash, publication, retrieval and
    import, counts.

    Example: rarex lists status --history
    """
    ctx = open_context()
    with ctx.unit_of_work() as session:
        rows = watch_lists.list_status(session, actor=None, history=history)
    if as_json:
        emit_json([r.to_dict() for r in rows])
        return
    if not rows:
        remark("no watch list is loaded: `rarex lists import FILE` loads one")
        return
    # "active" only with --history.
    columns: list[str | Col] = [
        Col("source", key=True), Col("entities", justify="right"), Col("names", justify="right"),
        "published", "retrieved", "imported", Col("sha256", key=True),
    ]  # fmt: skip
    listing = Listing(*(["active", *columns] if history else columns))
    for r in rows:
        cells = [
            r.source, r.entities, r.names, r.published_at.date() if r.published_at else "-",
            r.retrieved_at.date(), r.imported_at.strftime("%Y-%m-%d %H:%M"), r.content_hash[:8],
        ]  # fmt: skip
        listing.add(*(["yes" if r.active else "no", *cells] if history else cells))
    listing.print()


@hits_app.command("list")
@domain_errors
def hits_list(reference: str, as_user: AsUser, as_json: JsonOpt = False) -> None:
    """The screening hits of an application (officers only), open ones first.

    Example: rarex hits list RX-2025-5DF2A82B --as officer.li
    """
    ctx = open_context()
    with ctx.unit_of_work() as session:
        actor = ctx.actor(session, as_user)
        app_id = views.resolve_application_id(session, actor=actor, key=reference)
        rows = case_screening.case_hits(session, actor=actor, application_id=app_id)
    _print_hits(rows, as_json)


@hits_app.command("screen")
@domain_errors
def hits_screen(reference: str, as_user: AsUser, as_json: JsonOpt = False) -> None:
    """Screen an application's parties now; prints the hits this raised.

    Example: rarex hits screen RX-2025-5DF2A82B --as officer.li
    """
    ctx = open_context()
    with ctx.unit_of_work() as session:
        actor = ctx.actor(session, as_user)
        app_id = views.resolve_application_id(session, actor=actor, key=reference)
        raised = case_screening.screen_case(
            session, actor=actor, clock=ctx.clock, settings=ctx.settings, application_id=app_id
        )
        rows = [case_screening.hit_view(h) for h in raised]
    _print_hits(rows, as_json)


@hits_app.command("resolve")
@domain_errors
def hits_resolve(
    hit_id: str,
    as_user: AsUser,
    reason: Annotated[str, typer.Option(help="Why: what shows it is (or is not) this party")],
    confirm: Annotated[bool, typer.Option("--confirm", help="It is this party")] = False,
    dismiss: Annotated[bool, typer.Option("--dismiss", help="It is not this party")] = False,
    as_json: JsonOpt = False,
) -> None:
    """Confirm or dismiss an open hit, with a reason (a dismissal is remembered). The hit's id
    is the first column of `rarex hits list`.

    Example: rarex hits resolve 3f2a9c1b-5d4e-4f60-8a7b-9c0d1e2f3a4b --dismiss --reason
    "Different company: registered in Munich, not Cologne" --as officer.li
    """
    if confirm == dismiss:
        raise fail("screening.unknown_decision", "give exactly one of --confirm or --dismiss")
    try:
        key = uuid.UUID(hit_id)
    except ValueError:
        raise fail("screening.hit_not_found", f"{hit_id!r} is not a hit id") from None
    ctx = open_context()
    with ctx.unit_of_work() as session:
        actor = ctx.actor(session, as_user)
        hit = case_screening.resolve_case_hit(
            session, actor=actor, clock=ctx.clock, hit_id=key,
            decision="confirm" if confirm else "dismiss", reason=reason,
        )  # fmt: skip
        row = case_screening.hit_view(hit)
    _print_hits([row], as_json)


def _print_hits(rows: list[dict[str, Any]], as_json: bool) -> None:
    if as_json:
        emit_json(rows)
        return
    if not rows:
        remark("no screening hits")
        return
    listing = Listing(
        Col("hit", key=True), "status", "party", Col("entity", key=True), "list",
        Col("score", justify="right"), "in force",
    )  # fmt: skip
    for r in rows:
        listing.add(
            r["id"], r["status"], f"{r['party_role']}: {r['party_name']}", r["entity_id"],
            r["list"], f"{r['score']:.2f}", "yes" if r["in_force"] else "no",
        )  # fmt: skip
    listing.print()
