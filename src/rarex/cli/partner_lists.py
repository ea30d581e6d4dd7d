"""The partner channel's lists on the command line: priority lists (a partner asks, an officer
decides each item) and trusted end users (a partner proposes, an officer decides, either
withdraws). Registered under ``rarex partner`` by ``rarex.cli.partner``."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from rarex.cli.applications import AsUser
from rarex.cli.common import (
    JsonOpt,
    console,
    domain_errors,
    emit_json,
    emit_model,
    fail,
    one_of,
    parse_date,
    remark,
)
from rarex.cli.context import open_context
from rarex.cli.files import load_document, parse_model
from rarex.parties import trusted
from rarex.parties.schemas import (
    TrustedPartyDecisionIn,
    TrustedPartyIn,
    TrustedPartyRead,
    TrustedPartyWithdrawIn,
)
from rarex.partners import priorities
from rarex.partners.schemas import PriorityDecisionIn, PriorityListIn, PriorityListRead

priority_app = typer.Typer(
    help="""Priority lists: cases a partner asks to come first.

    Example: rarex partner priority list --as officer.li --pending
    """,
    no_args_is_help=True,
)
trusted_app = typer.Typer(
    help="""Trusted end users proposed by partners.

    Example: rarex partner trusted list --as officer.li --status proposed
    """,
    no_args_is_help=True,
)

Reason = Annotated[str, typer.Option("--reason", help="Why (required)")]


# --- priority lists -------------------------------------------------------------------------


def _print_list(view: PriorityListRead) -> None:
    # Partners' and officers' text: printed as written, never read as markup.
    console.print(f"[bold]{view.number}[/] " + escape(f"{view.partner}, "
                  f"{view.submitted_at:%Y-%m-%d}: {view.note}"), highlight=False)  # fmt: skip
    for item in view.items:
        decided = f" — {item.decision_reason}" if item.decision_reason else ""
        console.print(f"  {item.position}. {item.application_reference} [{item.status}] "
                      f"{item.reason}{decided}  (item {item.id})", markup=False,
                      highlight=False, soft_wrap=True)  # fmt: skip


@priority_app.command("submit")
@domain_errors
def priority_submit(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, readable=True)],
    as_user: AsUser,
    as_json: JsonOpt = False,
) -> None:
    """Submit a priority list from JSON or YAML: {items: [{application_reference, reason}],
    note}.

    Example: rarex partner priority submit priorities.yaml --as eu.liaison
    """
    data = parse_model(PriorityListIn, load_document(file), source=file.name)
    ctx = open_context()
    with ctx.unit_of_work() as session:
        actor = ctx.actor(session, as_user)
        request = priorities.submit_priority_list(session, actor=actor, clock=ctx.clock,
                                                  data=data)  # fmt: skip
        view = priorities.priority_list_view(session, actor=actor, number=request.number)
    emit_model(view) if as_json else _print_list(view)


@priority_app.command("list")
@domain_errors
def priority_list(
    as_user: AsUser,
    application: Annotated[
        str | None, typer.Option(metavar="REFERENCE", help="Naming this case")
    ] = None,
    pending: Annotated[bool, typer.Option("--pending", help="With an item to decide")] = False,
    as_json: JsonOpt = False,
) -> None:
    """A partner desk's lists, or every partner's for the authority; newest first.

    Example: rarex partner priority list --as officer.li --pending
    """
    ctx = open_context()
    with ctx.unit_of_work() as session:
        found = priorities.list_priority_lists(
            session, actor=ctx.actor(session, as_user), application_reference=application,
            pending_only=pending,
        )  # fmt: skip
    if as_json:
        emit_json([view.model_dump(mode="json") for view in found])
        return
    for view in found:
        _print_list(view)
    remark(f"{len(found)} list(s)")


@priority_app.command("decide")
@domain_errors
def priority_decide(
    item_id: str,
    as_user: AsUser,
    reason: Reason,
    accept: Annotated[bool, typer.Option("--accept/--decline", help="Accept or decline")],
    as_json: JsonOpt = False,
) -> None:
    """A licensing officer accepts or declines one item of a list, with a reason (the item's id
    is in `rarex partner priority list`).

    Example: rarex partner priority decide 0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0 --accept
    --reason "Hospital supply" --as officer.li
    """
    try:
        item = uuid.UUID(item_id)
    except ValueError:
        raise fail("priority.not_found", f"{item_id!r} is not an item id") from None
    data = PriorityDecisionIn(outcome="accepted" if accept else "declined", reason=reason)
    ctx = open_context()
    with ctx.unit_of_work() as session:
        actor = ctx.actor(session, as_user)
        decided = priorities.decide_priority_item(
            session, actor=actor, clock=ctx.clock, settings=ctx.settings, item_id=item, data=data
        )
        view = priorities.priority_list_view_of_item(session, actor=actor, item=decided)
    emit_model(view) if as_json else _print_list(view)


# --- trusted end users ----------------------------------------------------------------------


def _print_trusted(view: TrustedPartyRead) -> None:
    ids = ", ".join(f"{i['scheme'].upper()} {i['value']}" for i in view.identifiers)
    console.print(f"[bold]{view.number}[/] " + escape(
                  f"{view.name} ({view.country}) [{view.status}] by {view.partner}, review "
                  f"{view.review_on}{'; ' + ids if ids else ''}"),
                  highlight=False, soft_wrap=True)  # fmt: skip


@trusted_app.command("propose")
@domain_errors
def trusted_propose(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, readable=True)],
    as_user: AsUser,
    as_json: JsonOpt = False,
) -> None:
    """Propose a trusted end user from JSON or YAML: {name, name_zh, country, identifiers:
    [{scheme, value}], address, basis, review_on}.

    Example: rarex partner trusted propose end-user.yaml --as eu.liaison
    """
    data = parse_model(TrustedPartyIn, load_document(file), source=file.name)
    ctx = open_context()
    with ctx.unit_of_work() as session:
        actor = ctx.actor(session, as_user)
        party = trusted.propose(session, actor=actor, clock=ctx.clock, data=data)
        view = trusted.trusted_party_view(session, actor=actor, clock=ctx.clock,
                                          number=party.number)  # fmt: skip
    emit_model(view) if as_json else _print_trusted(view)


@trusted_app.command("list")
@domain_errors
def trusted_list(
    as_user: AsUser,
    status: Annotated[str | None, typer.Option(**one_of(
        trusted.STATUSES, code="trusted.unknown_status", help="Only this status",
    ))] = None,
    as_json: JsonOpt = False,
) -> None:  # fmt: skip
    """A partner desk's proposals, or every partner's for the authority.

    Example: rarex partner trusted list --as officer.li --status proposed
    """
    ctx = open_context()
    with ctx.unit_of_work() as session:
        found = trusted.list_trusted_parties(session, actor=ctx.actor(session, as_user),
                                             clock=ctx.clock, status=status)  # fmt: skip
    if as_json:
        emit_json([view.model_dump(mode="json") for view in found])
        return
    for view in found:
        _print_trusted(view)
    remark(f"{len(found)} trusted part(ies)")


@trusted_app.command("decide")
@domain_errors
def trusted_decide(
    number: str,
    as_user: AsUser,
    reason: Reason,
    approve: Annotated[bool, typer.Option("--approve/--reject", help="Approve or reject")],
    review_on: Annotated[
        str | None, typer.Option(metavar="YYYY-MM-DD", help="Another review date")
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """A licensing officer approves or rejects a proposal, once, with a reason.

    Example: rarex partner trusted decide TP-2025-7C1D2E3F --approve --reason "Verified by
    the EU desk" --as officer.li
    """
    data = TrustedPartyDecisionIn(
        outcome="approved" if approve else "rejected", reason=reason,
        review_on=parse_date(review_on, option="--review-on") if review_on else None,
    )  # fmt: skip
    ctx = open_context()
    with ctx.unit_of_work() as session:
        actor = ctx.actor(session, as_user)
        trusted.decide(session, actor=actor, clock=ctx.clock, number=number, data=data)
        view = trusted.trusted_party_view(session, actor=actor, clock=ctx.clock, number=number)
    emit_model(view) if as_json else _print_trusted(view)


@trusted_app.command("withdraw")
@domain_errors
def trusted_withdraw(
    number: str, as_user: AsUser, reason: Reason, as_json: JsonOpt = False
) -> None:
    """Withdraw a proposal or an approval (the proposing desk, or a licensing officer).

    Example: rarex partner trusted withdraw TP-2025-7C1D2E3F --reason "Company sold" --as
    eu.liaison
    """
    ctx = open_context()
    with ctx.unit_of_work() as session:
        actor = ctx.actor(session, as_user)
        trusted.withdraw(session, actor=actor, clock=ctx.clock, number=number,
                         data=TrustedPartyWithdrawIn(reason=reason))  # fmt: skip
        view = trusted.trusted_party_view(session, actor=actor, clock=ctx.clock, number=number)
    emit_model(view) if as_json else _print_trusted(view)
