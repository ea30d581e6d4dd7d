"""How applications look on a terminal; applicants' text is printed, never interpreted."""

from __future__ import annotations

from rich.markup import escape

from rarex.cli.common import console
from rarex.cli.tables import Col, Listing
from rarex.licensing.schemas import ApplicationRead


def _print_application(view: ApplicationRead) -> None:
    console.print(
        f"[bold]{view.reference}[/]  {view.state}  lane={view.lane}  {view.license_type} license"
    )
    console.print(f"exporter: {escape(view.exporter.name)} ({view.exporter.uscc})")
    console.print(
        f"to: {escape(view.end_user.name)} ({view.end_user.country}), "
        f"end use {view.end_use_category}"
    )
    lines = Listing(
        Col("line", justify="right"),
        Col("code", key=True),
        Col("HS", key=True),
        Col("kg requested", justify="right"),
        Col("kg granted", justify="right"),
    )
    for line in view.lines:
        lines.add(line.line_no, line.control_code, line.hs_code, line.quantity_kg, line.granted_kg)
    lines.print()
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
