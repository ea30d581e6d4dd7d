"""The partner channel on the command line: a partner authority's redacted cases and licenses,
inquiries, priority lists, trusted end users and outcome figures; the licensing officers'
answers and decisions on the same services."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from rarex.cli.applications import AsUser
from rarex.cli.common import (
    JsonOpt,
    LimitOpt,
    PageTokenOpt,
    console,
    domain_errors,
    emit_json,
    emit_model,
    emit_page_json,
    fail,
    print_page_footer,
)
from rarex.cli.context import open_context
from rarex.cli.partner_lists import priority_app, trusted_app
from rarex.cli.render import _row
from rarex.clock import authority_date
from rarex.partners import inquiries, outcomes, views
from rarex.partners.notices import remind_overdue_inquiries
from rarex.partners.schemas import (
    InquiryRead,
)

partner_app = typer.Typer(
    help="The partner-authority channel: cases, inquiries, priority lists, trusted end users, "
    "outcome figures.",
    no_args_is_help=True,
)
inquiries_app = typer.Typer(help="Inquiries between partner desks and officers.",
                            no_args_is_help=True)  # fmt: skip
partner_app.add_typer(inquiries_app, name="inquiries")
partner_app.add_typer(priority_app, name="priority")
partner_app.add_typer(trusted_app, name="trusted")


def _text(value: object) -> str:
    return "" if value is None else str(value)


@partner_app.command("applications")
@domain_errors
def partner_applications(
    as_user: AsUser,
    state: Annotated[str | None, typer.Option(help="Only cases in this state")] = None,
    limit: LimitOpt = None,
    page_token: PageTokenOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """The submitted cases in the partner's jurisdiction, as the partner reads them."""
    ctx = open_context()
    with ctx.unit_of_work() as session:
        page = views.partner_applications(
            session, actor=ctx.actor(session, as_user), clock=ctx.clock, settings=ctx.settings,
            state=state, limit=limit, page_token=page_token,
        )  # fmt: skip
    if as_json:
        emit_page_json(page)
        return
    table = Table("reference", "exporter", "dest", "end user", "state", "lane", "used", "left",
                  "due", "decision")  # fmt: skip
    for a in page.items:
        _row(
            table, a.reference, a.exporter.name, a.destination,
            f"{a.end_user.name} ({a.end_user.country})", a.state, a.lane,
            "" if a.working_days_used is None else str(a.working_days_used),
            "" if a.working_days_left is None else str(a.working_days_left),
            a.due_on.isoformat() if a.due_on else "",
            f"{a.decision.outcome} {a.decision.decided_on}" if a.decision else "",
        )  # fmt: skip
    console.print(table)
    print_page_footer(page, "case(s)")


@partner_app.command("show")
@domain_errors
def partner_show(reference: str, as_user: AsUser, as_json: JsonOpt = False) -> None:
    """One case as the partner reads it."""
    ctx = open_context()
    with ctx.unit_of_work() as session:
        view = views.partner_application(
            session, actor=ctx.actor(session, as_user), clock=ctx.clock, settings=ctx.settings,
            reference=reference,
        )  # fmt: skip
    if as_json:
        emit_model(view)
        return
    console.print(f"[bold]{view.reference}[/] {view.exporter.name} → {view.destination}: "
                  f"{view.state} ({view.lane})", highlight=False)  # fmt: skip
    for item in view.items:
        console.print(f"  {item.control_code} {item.quantity_kg} kg", highlight=False)


@partner_app.command("licenses")
@domain_errors
def partner_licenses(
    as_user: AsUser, limit: LimitOpt = None, page_token: PageTokenOpt = None,
    as_json: JsonOpt = False,
) -> None:  # fmt: skip
    """The licenses in the partner's jurisdiction."""
    ctx = open_context()
    with ctx.unit_of_work() as session:
        page = views.partner_licenses(
            session, actor=ctx.actor(session, as_user), on=authority_date(ctx.clock.now()),
            limit=limit, page_token=page_token,
        )  # fmt: skip
    if as_json:
        emit_page_json(page)
        return
    table = Table("number", "case", "exporter", "dest", "status", "valid until")
    for lic in page.items:
        _row(table, lic.number, lic.application_reference, lic.exporter.name, lic.destination,
             lic.status, lic.valid_until.isoformat())  # fmt: skip
    console.print(table)
    print_page_footer(page, "license(s)")


# --- inquiries ------------------------------------------------------------------------------


@inquiries_app.command("list")
@domain_errors
def inquiries_list(
    as_user: AsUser,
    state: Annotated[str | None, typer.Option(help="open, awaiting_authority, "
                                                   "awaiting_partner or closed")] = None,
    overdue: Annotated[bool, typer.Option("--overdue", help="Only past their target")] = False,
    application: Annotated[str | None, typer.Option(help="About this case")] = None,
    limit: LimitOpt = None,
    page_token: PageTokenOpt = None,
    as_json: JsonOpt = False,
) -> None:  # fmt: skip
    """A partner desk's inquiries, or every partner's for the authority; newest first."""
    ctx = open_context()
    with ctx.unit_of_work() as session:
        page = inquiries.list_inquiries(
            session, actor=ctx.actor(session, as_user), clock=ctx.clock, settings=ctx.settings,
            state=state, overdue=overdue, application_reference=application, limit=limit,
            page_token=page_token,
        )  # fmt: skip
    if as_json:
        emit_page_json(page)
        return
    table = Table("number", "partner", "case", "subject", "state", "reply due", "overdue")
    for i in page.items:
        _row(table, i.number, i.partner, i.application_reference or "", i.subject, i.state,
             i.reply_due_on.isoformat() if i.reply_due_on else "",
             "OVERDUE" if i.overdue else "")  # fmt: skip
    console.print(table)
    print_page_footer(page, "inquiry(ies)")


def _print_inquiry(view: InquiryRead, as_json: bool) -> None:
    if as_json:
        emit_model(view)
        return
    due = f", reply due {view.reply_due_on}" if view.reply_due_on else ""
    late = " OVERDUE" if view.overdue else ""
    console.print(f"[bold]{view.number}[/] {view.subject} ({view.state}{due}){late}",
                  highlight=False)  # fmt: skip
    for m in view.thread:
        console.print(f"  #{m.seq} {m.at:%Y-%m-%d %H:%M} {m.side} {m.author}: {m.body}",
                      highlight=False, soft_wrap=True)  # fmt: skip


@inquiries_app.command("open")
@domain_errors
def inquiries_open(
    as_user: AsUser,
    subject: Annotated[str, typer.Option(help="What it is about")],
    body: Annotated[str, typer.Option(help="The question (plain text, up to 4,000 characters)")],
    application: Annotated[str | None, typer.Option(help="The case it is about")] = None,
    as_json: JsonOpt = False,
) -> None:
    """A partner's new inquiry, about one of its cases or general."""
    ctx = open_context()
    with ctx.unit_of_work() as session:
        actor = ctx.actor(session, as_user)
        opened = inquiries.open_inquiry(
            session, actor=actor, clock=ctx.clock, settings=ctx.settings, subject=subject,
            body=body, application_reference=application,
        )  # fmt: skip
        view = inquiries.inquiry_view(session, actor=actor, clock=ctx.clock,
                                      settings=ctx.settings, number=opened.number)  # fmt: skip
    _print_inquiry(view, as_json)


@inquiries_app.command("show")
@domain_errors
def inquiries_show(number: str, as_user: AsUser, as_json: JsonOpt = False) -> None:
    """An inquiry with its thread."""
    ctx = open_context()
    with ctx.unit_of_work() as session:
        view = inquiries.inquiry_view(
            session, actor=ctx.actor(session, as_user), clock=ctx.clock, settings=ctx.settings,
            number=number,
        )  # fmt: skip
    _print_inquiry(view, as_json)


@inquiries_app.command("write")
@domain_errors
def inquiries_write(
    number: str, as_user: AsUser,
    body: Annotated[str, typer.Option(help="The message (plain text, up to 4,000 characters)")],
    as_json: JsonOpt = False,
) -> None:  # fmt: skip
    """A message in the thread, for the writer's own side (a partner's, or the authority's)."""
    ctx = open_context()
    with ctx.unit_of_work() as session:
        actor = ctx.actor(session, as_user)
        inquiries.write(session, actor=actor, clock=ctx.clock, settings=ctx.settings,
                        number=number, body=body)  # fmt: skip
        view = inquiries.inquiry_view(session, actor=actor, clock=ctx.clock,
                                      settings=ctx.settings, number=number)  # fmt: skip
    _print_inquiry(view, as_json)


@inquiries_app.command("close")
@domain_errors
def inquiries_close(
    number: str, as_user: AsUser,
    reason: Annotated[str, typer.Option(help="Why (optional)")] = "",
    as_json: JsonOpt = False,
) -> None:  # fmt: skip
    """Close an inquiry (either side)."""
    ctx = open_context()
    with ctx.unit_of_work() as session:
        actor = ctx.actor(session, as_user)
        inquiries.close(session, actor=actor, clock=ctx.clock, number=number, reason=reason)
        view = inquiries.inquiry_view(session, actor=actor, clock=ctx.clock,
                                      settings=ctx.settings, number=number)  # fmt: skip
    _print_inquiry(view, as_json)


# --- outcome figures and reminders ----------------------------------------------------------


@partner_app.command("outcomes")
@domain_errors
def partner_outcomes(
    as_user: AsUser,
    partner: Annotated[str | None, typer.Option(help="A desk's jurisdiction (authority)")] = None,
    fmt: Annotated[str | None, typer.Option("--format", help="csv or xlsx, with --output")] = None,
    output: Annotated[Path | None, typer.Option(help="Write the download here")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Outcome figures by month and lane; --format csv|xlsx --output FILE writes a download."""
    if (fmt is None) != (output is None):
        raise fail("outcomes.download_needs_both", "--format and --output go together")
    ctx = open_context()
    with ctx.unit_of_work() as session:
        report = outcomes.outcome_figures(
            session, actor=ctx.actor(session, as_user), clock=ctx.clock, settings=ctx.settings,
            partner=partner,
        )  # fmt: skip
    if fmt is not None and output is not None:
        content, _, _ = outcomes.outcome_download(report, fmt)
        output.write_bytes(content)
    if as_json:
        emit_model(report)
        return
    table = Table(
        "month", "lane", "received", "decided", "approved", "denied", "rate %", "median wd",
        "p90 wd", "open past due", title=f"Outcomes of {report.partner}",
    )  # fmt: skip
    for row in (*report.rows, *report.totals):
        _row(table, row.month, row.lane, *(_text(getattr(row, name)) for name in (
            "received", "decided", "approved", "denied", "approval_rate",
            "median_working_days", "p90_working_days", "open_past_due",
        )))  # fmt: skip
    console.print(table)
    if output is not None:
        console.print(f"written to {output}", highlight=False)


@partner_app.command("remind")
@domain_errors
def partner_remind(as_json: JsonOpt = False) -> None:
    """Announce inquiries past their reply target (once per wait), as rarex serve does each
    minute: for a cron job beside a server that is not running."""
    ctx = open_context()
    with ctx.unit_of_work() as session:
        announced = remind_overdue_inquiries(session, clock=ctx.clock, settings=ctx.settings)
    if as_json:
        emit_json({"announced": announced})
    else:
        console.print(f"{announced} overdue inquiry(ies) announced", highlight=False)
