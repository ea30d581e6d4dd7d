"""The partner channel on the command line: a partner authority's redacted cases and licenses,
inquiries, priority lists, trusted end users and outcome figures; the licensing officers'
answers and decisions on the same services."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

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
    one_of,
    print_page_footer,
    remark,
)
from rarex.cli.context import open_context
from rarex.cli.partner_lists import priority_app, trusted_app
from rarex.cli.tables import Col, Listing
from rarex.clock import authority_date
from rarex.licensing.states import State
from rarex.partners import inquiries, outcomes, views
from rarex.partners.notices import remind_overdue_inquiries
from rarex.partners.schemas import (
    InquiryRead,
)

partner_app = typer.Typer(
    help="""The partner-authority channel: cases, inquiries, priority lists, trusted end users,
    outcome figures.

    Example: rarex partner applications --as eu.liaison --state under_review
    """,
    no_args_is_help=True,
)
inquiries_app = typer.Typer(
    help="""Inquiries between partner desks and officers.

    Example: rarex partner inquiries list --as eu.liaison --overdue
    """,
    no_args_is_help=True,
)
partner_app.add_typer(inquiries_app, name="inquiries")
partner_app.add_typer(priority_app, name="priority")
partner_app.add_typer(trusted_app, name="trusted")


@partner_app.command("applications")
@domain_errors
def partner_applications(
    as_user: AsUser,
    state: Annotated[
        str | None,
        typer.Option(
            **one_of(
                (s for s in State if s is not State.DRAFT),
                code="application.unknown_state",
                help="Only cases in this state",
            )
        ),
    ] = None,
    limit: LimitOpt = None,
    page_token: PageTokenOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """The submitted cases in the partner's jurisdiction, as the partner reads them.

    Example: rarex partner applications --as eu.liaison --state under_review --limit 20
    """
    ctx = open_context()
    with ctx.unit_of_work() as session:
        page = views.partner_applications(
            session, actor=ctx.actor(session, as_user), clock=ctx.clock, settings=ctx.settings,
            state=state, limit=limit, page_token=page_token,
        )  # fmt: skip
    if as_json:
        emit_page_json(page)
        return
    listing = Listing(
        Col("reference", key=True), "exporter", "dest", "end user", "state", "lane",
        Col("used wd", justify="right"), Col("left wd", justify="right"), "due", "decision",
    )  # fmt: skip
    for a in page.items:
        listing.add(
            a.reference, a.exporter.name, a.destination,
            f"{a.end_user.name} ({a.end_user.country})", a.state, a.lane, a.working_days_used,
            a.working_days_left, a.due_on,
            f"{a.decision.outcome} {a.decision.decided_on}" if a.decision else "",
        )  # fmt: skip
    listing.print()
    print_page_footer(page, "case(s)")


@partner_app.command("show")
@domain_errors
def partner_show(reference: str, as_user: AsUser, as_json: JsonOpt = False) -> None:
    """One case as the partner reads it.

    Example: rarex partner show RX-2025-5DF2A82B --as eu.liaison
    """
    ctx = open_context()
    with ctx.unit_of_work() as session:
        view = views.partner_application(
            session, actor=ctx.actor(session, as_user), clock=ctx.clock, settings=ctx.settings,
            reference=reference,
        )  # fmt: skip
    if as_json:
        emit_model(view)
        return
    console.print(f"[bold]{view.reference}[/] " + escape(f"{view.exporter.name} → "
                  f"{view.destination}: {view.state} ({view.lane})"), highlight=False)  # fmt: skip
    for item in view.items:
        console.print(f"  {item.control_code} {item.quantity_kg} kg", highlight=False)


@partner_app.command("licenses")
@domain_errors
def partner_licenses(
    as_user: AsUser, limit: LimitOpt = None, page_token: PageTokenOpt = None,
    as_json: JsonOpt = False,
) -> None:  # fmt: skip
    """The licenses in the partner's jurisdiction.

    Example: rarex partner licenses --as eu.liaison
    """
    ctx = open_context()
    with ctx.unit_of_work() as session:
        page = views.partner_licenses(
            session, actor=ctx.actor(session, as_user), on=authority_date(ctx.clock.now()),
            limit=limit, page_token=page_token,
        )  # fmt: skip
    if as_json:
        emit_page_json(page)
        return
    listing = Listing(
        Col("number", key=True), Col("case", key=True), "exporter", "dest", "status",
        "valid until",
    )  # fmt: skip
    for lic in page.items:
        listing.add(lic.number, lic.application_reference, lic.exporter.name, lic.destination,
                    lic.status, lic.valid_until)  # fmt: skip
    listing.print()
    print_page_footer(page, "license(s)")


# --- inquiries ------------------------------------------------------------------------------


@inquiries_app.command("list")
@domain_errors
def inquiries_list(
    as_user: AsUser,
    state: Annotated[str | None, typer.Option(**one_of(
        inquiries.STATE_FILTERS, code="inquiry.unknown_state",
        help="Only in this state (open: not closed)",
    ))] = None,
    overdue: Annotated[bool, typer.Option("--overdue", help="Only past their target")] = False,
    application: Annotated[
        str | None, typer.Option(metavar="REFERENCE", help="About this case")
    ] = None,
    limit: LimitOpt = None,
    page_token: PageTokenOpt = None,
    as_json: JsonOpt = False,
) -> None:  # fmt: skip
    """A partner desk's inquiries, or every partner's for the authority; newest first.

    Example: rarex partner inquiries list --as officer.li --state awaiting_authority
    """
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
    listing = Listing(
        Col("number", key=True), "partner", Col("case", key=True), "subject", "state",
        "reply due", "overdue",
    )  # fmt: skip
    for i in page.items:
        listing.add(i.number, i.partner, i.application_reference, i.subject, i.state,
                    i.reply_due_on, "OVERDUE" if i.overdue else "")  # fmt: skip
    listing.print()
    print_page_footer(page, "inquiry(ies)")


def _print_inquiry(view: InquiryRead, as_json: bool) -> None:
    if as_json:
        emit_model(view)
        return
    due = f", reply due {view.reply_due_on}" if view.reply_due_on else ""
    late = " OVERDUE" if view.overdue else ""
    console.print(f"[bold]{view.number}[/] " + escape(f"{view.subject} ({view.state}{due})")
                  + late, highlight=False)  # fmt: skip
    for m in view.thread:
        console.print(f"  #{m.seq} {m.at:%Y-%m-%d %H:%M} {m.side} {m.author}: {m.body}",
                      markup=False, highlight=False, soft_wrap=True)  # fmt: skip


@inquiries_app.command("open")
@domain_errors
def inquiries_open(
    as_user: AsUser,
    subject: Annotated[str, typer.Option(help="What it is about")],
    body: Annotated[str, typer.Option(help="The question (plain text, up to 4,000 characters)")],
    application: Annotated[
        str | None, typer.Option(metavar="REFERENCE", help="The case it is about")
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """A partner's new inquiry, about one of its cases or general.

    Example: rarex partner inquiries open --as eu.liaison --application RX-2025-5DF2A82B
    --subject "End user" --body "Is the end user the consignee?"
    """
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
    """An inquiry with its thread.

    Example: rarex partner inquiries show IQ-2025-3F2A9C1B --as eu.liaison
    """
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
    """A message in the thread, for the writer's own side (a partner's, or the authority's).

    Example: rarex partner inquiries write IQ-2025-3F2A9C1B --as officer.li --body "Yes: the
    contract names it."
    """
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
    """Close an inquiry (either side).

    Example: rarex partner inquiries close IQ-2025-3F2A9C1B --as eu.liaison --reason Answered
    """
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
    partner: Annotated[
        str | None, typer.Option(metavar="JURISDICTION", help="A desk's (the authority asks)")
    ] = None,
    fmt: Annotated[
        str | None,
        typer.Option(
            "--format",
            **one_of(outcomes.FORMATS, code="outcomes.unknown_format", help="With --output"),
        ),
    ] = None,
    output: Annotated[
        Path | None, typer.Option(dir_okay=False, help="Write the download here")
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Outcome figures by month and lane; --format csv|xlsx --output FILE writes a download.

    Example: rarex partner outcomes --as officer.li --partner EU --format xlsx --output
    eu-outcomes.xlsx
    """
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
    figures = ("received", "decided", "approved", "denied", "approval_rate",
               "median_working_days", "p90_working_days", "open_past_due")  # fmt: skip
    listing = Listing(
        "month", "lane", *(Col(header, justify="right") for header in (
            "received", "decided", "approved", "denied", "rate %", "median wd", "p90 wd",
            "open past due",
        )),
    )  # fmt: skip
    for row in (*report.rows, *report.totals):
        listing.add(row.month, row.lane, *(getattr(row, name) for name in figures))
    remark(f"Outcomes of {report.partner}")
    listing.print()
    if output is not None:
        remark(f"written to {output}")


@partner_app.command("remind")
@domain_errors
def partner_remind(as_json: JsonOpt = False) -> None:
    """Announce inquiries past their reply target (once per wait), as rarex serve does each
    minute: for a cron job beside a server that is not running.

    Example: rarex partner remind --json
    """
    ctx = open_context()
    with ctx.unit_of_work() as session:
        announced = remind_overdue_inquiries(session, clock=ctx.clock, settings=ctx.settings)
    if as_json:
        emit_json({"announced": announced})
    else:
        console.print(f"{announced} overdue inquiry(ies) announced", highlight=False)
