"""How applications look on a terminal; applicants' text is printed, never interpreted."""

from __future__ import annotations

from rich.markup import escape
from rich.table import Table

from rarex.cli.common import console
from rarex.licensing.schemas import ApplicationRead


def _row(table: Table, *cells: str) -> None:
    """Cells hold applicants' text: printed as written, never read as Rich markup."""
    table.add_row(*(escape(cell) for cell in cells))


def _print_application(view: ApplicationRead) -> None:
    console.print(
        f"[bold]{view.reference}[/]  {view.state}  lane={view.lane}  {view.license_type} license"
    )
    console.print(f"exporter: {escape(view.exporter.name)} ({view.exporter.uscc})")
    console.print(
        f"to: {escape(view.end_user.name)} ({view.end_user.country}), "
        f"end use {view.end_use_category}"
    )
    table = Table("line", "code", "HS", "kg requested", "kg granted")
    for line in view.lines:
        _row(
            table,
            str(line.line_no),
            line.control_code,
            line.hs_code,
            str(line.quantity_kg),
            "" if line.granted_kg is None else str(line.granted_kg),
        )
    console.print(table)
    if view.missing_documents:
        console.print(f"[yellow]missing documents:[/] {', '.join(view.missing_documents)}")
    if view.clock:
        c = view.clock
        flags = " ".join(
            flag
            for flag in ("at_risk", "overdue", "stopped", "off_clock", "provisional")
            if c.get(flag)
        )
        console.print(
            f"clock: {c['used']} working days used, {c['remaining']} left, "
            f"due {c['due_date']} {flags}"
        )
    if view.green_channel:
        console.print(
            f"green channel: {'eligible' if view.green_channel['eligible'] else 'not eligible'}"
        )
        for rule in view.green_channel["results"]:
            mark = "[green]✓[/]" if rule["passed"] else "[red]✗[/]"
            console.print(f"  {mark} {rule['rule']}: {escape(rule['explanation'])}")
    if view.decision:
        console.print(f"decision: {view.decision.outcome} — {escape(view.decision.reason)}")
    if view.license_number:
        console.print(f"license: {view.license_number}")
    console.print(f"next: {', '.join(view.allowed_actions) or '—'}")
