"""The partner channel's lists on the command line: priority lists (a partner asks, an officer
decides each item) and trusted end users (a partner proposes, an officer decides, either
withdraws). Registered under ``rarex partner`` by ``rarex.cli.partner``."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Annotated

import typer

from rarex.cli.applications import AsUser
from rarex.cli.common import (
    JsonOpt,
    console,
    domain_errors,
    emit_json,
    emit_model,
    fail,
    parse_date,
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

priority_app = typer.Typer(help="Priority lists: cases a partner asks to come first.",
                           no_args_is_help=True)  # fmt: skip
trusted_app = typer.Typer(help="Trusted end users proposed by partners.", no_args_is_help=True)

Reason = Annotated[str, typer.Option("--reason", help="Why (required)")]


# --- priority lists -------------------------------------------------------------------------


def _print_list(view: PriorityListRead) -> None:
    console.print(f"[bold]{view.number}[/] {view.partner}, {view.submitted_at:%Y-%m-%d}: "
                  f"{view.note}", highlight=False)  # fmt: skip
    for item in view.items:
        decided = f" — {item.decision_reason}" if item.decision_reason else ""
        console.print(f"  {item.position}. {item.application_reference} [{item.status}] "
                      f"{item.reason}{decided}  (item {item.id})", highlight=False,
                      soft_wrap=True)  # fmt: skip


@priority_app.command("submit")
@domain_errors
def priority_submit(file: Path, as_user: AsUser, as_json: JsonOpt = False) -> None:
    """Submit a priority list from JSON or YAML: {items: [{application_reference, reason}],
    note}."""
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
    application: Annotated[str | None, typer.Option(help="Naming this case")] = None,
    pending: Annotated[bool, typer.Option("--pending", help="With an item to decide")] = False,
    as_json: JsonOpt = False,
) -> None:
    """A partner desk's lists, or every partner's for the authority; newest first."""
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
    console.print(f"{len(found)} list(s)", highlight=False)


@priority_app.command("decide")
@domain_errors
def priority_decide(
    item_id: str,
    as_user: AsUser,
    reason: Reason,
    accept: Annotated[bool, typer.Option("--accept/--decline", help="Accept or decline")],
    as_json: JsonOpt = False,
) -> None:
    """A licensing officer accepts or declines one item of a list, with a reason."""
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
    console.print(f"[bold]{view.number}[/] {view.name} ({view.country}) [{view.status}] "
                  f"by {view.partner}, review {view.review_on}{'; ' + ids if ids else ''}",
                  highlight=False, soft_wrap=True)  # fmt: skip


@trusted_app.command("propose")
@domain_errors
def trusted_propose(file: Path, as_user: AsUser, as_json: JsonOpt = False) -> None:
    """Propose a trusted end user from JSON or YAML: {name, name_zh, country, identifiers:
    [{scheme, value}], address, basis, review_on}."""
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
    status: Annotated[str | None, typer.Option(help="proposed, approved, rejected, withdrawn "
                                                    "or lapsed")] = None,
    as_json: JsonOpt = False,
) -> None:  # fmt: skip
    """A partner desk's proposals, or every partner's for the authority."""
    ctx = open_context()
    with ctx.unit_of_work() as session:
        found = trusted.list_trusted_parties(session, actor=ctx.actor(session, as_user),
                                             clock=ctx.clock, status=status)  # fmt: skip
    if as_json:
        emit_json([view.model_dump(mode="json") for view in found])
        return
    for view in found:
        _print_trusted(view)
    console.print(f"{len(found)} trusted part(ies)", highlight=False)


@trusted_app.command("decide")
@domain_errors
def trusted_decide(
    number: str,
    as_user: AsUser,
    reason: Reason,
    approve: Annotated[bool, typer.Option("--approve/--reject", help="Approve or reject")],
    review_on: Annotated[str | None, typer.Option(help="Another review date, YYYY-MM-DD")] = None,
    as_json: JsonOpt = False,
) -> None:
    """A licensing officer approves or rejects a proposal, once, with a reason."""
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
    """Withdraw a proposal or an approval (the proposing desk, or a licensing officer)."""
    ctx = open_context()
    with ctx.unit_of_work() as session:
        actor = ctx.actor(session, as_user)
        trusted.withdraw(session, actor=actor, clock=ctx.clock, number=number,
                         data=TrustedPartyWithdrawIn(reason=reason))  # fmt: skip
        view = trusted.trusted_party_view(session, actor=actor, clock=ctx.clock, number=number)
    emit_model(view) if as_json else _print_trusted(view)
