"""Notifications from the command line: the sender, and the outbox as its operator reads it."""

from __future__ import annotations

import signal
import threading
import uuid
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from rarex.cli.common import (
    JsonOpt,
    LimitOpt,
    PageTokenOpt,
    console,
    domain_errors,
    emit_json,
    err_console,
    fail,
    one_of,
    print_page_footer,
)
from rarex.cli.context import open_context
from rarex.cli.tables import Col, Listing
from rarex.clock import SystemClock
from rarex.db import make_sessionmaker
from rarex.notify.outbox import STATES, outbox_page, outbox_status, retry_failed
from rarex.notify.sender import PassSummary, Sender
from rarex.pagination import to_dict

notify_app = typer.Typer(
    help="""Notifications: send them by e-mail, read the outbox.

    Example: rarex notify status
    """,
    no_args_is_help=True,
)


@notify_app.command("run")
@domain_errors
def notify_run(
    once: Annotated[
        bool, typer.Option("--once", help="Send what is due now, then exit (e.g. from cron).")
    ] = False,
    as_json: JsonOpt = False,
) -> None:
    """Deliver due notifications over RAREX_SMTP_URL: without --once, poll every
    RAREX_NOTIFY_POLL_SECONDS until stopped (Ctrl-C, SIGTERM), sending only while this process
    holds the sending lease (one sender among this and every `rarex serve`). --once sends what
    is due now whoever holds the lease: claims keep two senders from sending one notification.
    --json (with --once): {"sent", "retrying", "gave_up", "lost"}.

    Example: RAREX_SMTP_URL=smtp://127.0.0.1:2525 rarex notify run --once --json
    """
    if as_json and not once:
        raise fail("notify.json_needs_once", "--json prints the summary of one pass: add --once")
    ctx = open_context()
    # The sender keeps real time even when RAREX_FROZEN_TIME freezes the pages' clock: its
    # retries and leases must move on.
    sender = Sender(make_sessionmaker(ctx.engine), settings=ctx.settings, clock=SystemClock())
    if once:
        summary = _one_pass(sender, quiet=as_json)
        if as_json:
            emit_json(summary.to_dict())
        else:
            console.print(_said(summary), highlight=False)
        return
    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    if err_console.is_terminal:
        err_console.print(f"sending notifications as {sender.name}; Ctrl-C stops", highlight=False)
    total = PassSummary()

    def passed(summary: PassSummary) -> None:
        total.add(summary)
        if err_console.is_terminal and any(summary.to_dict().values()):
            err_console.print(f"{_said(summary)} (so far: {_said(total)})", highlight=False)

    sender.run(stop, on_pass=passed)


def _one_pass(sender: Sender, *, quiet: bool) -> PassSummary:
    progress = Progress(
        TextColumn("sending"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err_console,
        disable=quiet or not err_console.is_terminal,
        transient=True,
    )
    with progress:
        task = progress.add_task("notifications", total=sender.due_count())
        return sender.drain(on_outcome=lambda _: progress.advance(task))


def _said(summary: PassSummary) -> str:
    return (
        f"{summary.sent} sent, {summary.retrying} to try again, {summary.gave_up} given up, "
        f"{summary.lost} left to another sender"
    )


@notify_app.command("list")
@domain_errors
def notify_list(
    state: Annotated[
        str | None,
        typer.Option(
            **one_of(STATES, code="notify.unknown_state", help="Only this delivery state")
        ),
    ] = None,
    limit: LimitOpt = None,
    page_token: PageTokenOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Every notification's delivery, newest first: recipient, kind, state, attempts, the last
    error, when it is tried next. Subjects and bodies are the recipients' (their page).

    Example: rarex notify list --state failed
    """
    ctx = open_context()
    with ctx.unit_of_work() as session:
        page = outbox_page(session, actor=None, state=state, limit=limit, page_token=page_token)
    if as_json:
        emit_json(to_dict(page, lambda row: row))
        return
    listing = Listing(
        Col("id", key=True), "created", "recipient", "kind", "state",
        Col("attempts", justify="right"), "next attempt", "last error",
    )  # fmt: skip
    for row in page.items:
        retrying = row["state"] == "pending" and row["attempts"]
        listing.add(
            row["id"], row["created_at"], row["recipient"], row["kind"], row["state"],
            row["attempts"], row["next_attempt_at"] if retrying else "", row["last_error"],
        )  # fmt: skip
    listing.print()
    print_page_footer(page, "notifications")


@notify_app.command("status")
@domain_errors
def notify_status(as_json: JsonOpt = False) -> None:
    """The outbox at a glance: how many notifications in each state, how many are due now and
    how many wait after a failure, the oldest still waiting. --json: {"counts": {"pending",
    "sent", "no_address", "failed"}, "due", "retrying", "oldest_pending_at", "smtp"}

    Example: rarex notify status --json
    """
    ctx = open_context()
    with ctx.unit_of_work() as session:
        body = outbox_status(session, actor=None, now=SystemClock().now())
    from rarex.config import SmtpTarget

    body["smtp"] = SmtpTarget.parse(ctx.settings.smtp_url).shown if ctx.settings.smtp_url else None
    if as_json:
        emit_json(body)
        return
    counts = ", ".join(f"{n} {state}" for state, n in body["counts"].items())
    console.print(f"outbox: {counts}", highlight=False)
    console.print(
        f"due now: {body['due']}; waiting after a failure: {body['retrying']}; oldest waiting: "
        f"{body['oldest_pending_at'] or '-'}; mail server: {body['smtp'] or 'none (not sent)'}",
        highlight=False,
    )


@notify_app.command("retry")
@domain_errors
def notify_retry(
    notification_id: Annotated[
        str | None, typer.Argument(help="One failed notification; none: every failed one")
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Put failed notifications (a permanent refusal, given up) back in line, due now.
    --json: {"requeued"}.

    Example: rarex notify retry 5c0e9b7a-1f2d-4e3c-8b6a-7d9e0f1a2b3c
    """
    wanted: uuid.UUID | None = None
    if notification_id is not None:
        try:
            wanted = uuid.UUID(notification_id.strip())
        except ValueError:
            raise fail("notify.not_found", f"{notification_id!r} is not an id") from None
    ctx = open_context()
    with ctx.unit_of_work() as session:
        count = retry_failed(session, clock=ctx.clock, actor=None, notification_id=wanted)
    if as_json:
        emit_json({"requeued": count})
    else:
        console.print(f"{count} notification(s) back in line")
