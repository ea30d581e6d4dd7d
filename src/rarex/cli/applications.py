"""Application and license commands: file, list, show, transition, decide, attach."""

from __future__ import annotations

import mimetypes
import uuid
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Annotated, get_args

import typer
from sqlalchemy.orm import Session

from rarex.auth.roles import Actor
from rarex.cli.common import (
    JsonOpt,
    LimitOpt,
    PageTokenOpt,
    console,
    domain_errors,
    emit_json,
    emit_page_json,
    fail,
    one_of,
    parse_date,
    print_page_footer,
)
from rarex.cli.context import CliContext, open_context
from rarex.cli.files import load_document as load_document
from rarex.cli.files import parse_model as parse_model
from rarex.cli.render import _print_application
from rarex.cli.tables import Col, Listing
from rarex.licensing import approval, decisions, filing, queue, review, views
from rarex.licensing.schemas import ApplicationAmend, ApplicationCreate, DecisionIn, Outcome
from rarex.licensing.states import Action, State
from rarex.quantities import NotANumber, parse_amount

app = typer.Typer(
    help="""Export-license applications.

    Example: rarex applications list --as officer.li --state submitted
    """,
    no_args_is_help=True,
)

AsUser = Annotated[str, typer.Option("--as", help="Username to act as")]
# What `transition` takes: every action but the decision, which `decide` takes with its reasons.
STEPS = tuple(action for action in Action if action not in (Action.APPROVE, Action.DENY))


def _show(
    ctx_session: Session, ctx: CliContext, actor: Actor, key: str | uuid.UUID, as_json: bool
) -> None:
    view = views.application_view(
        ctx_session, actor=actor, clock=ctx.clock, settings=ctx.settings, key=key
    )
    if as_json:
        emit_json(view.model_dump(mode="json"))
    else:
        _print_application(view)


def _act_on(
    reference: str,
    as_user: str,
    as_json: bool,
    operation: Callable[[Session, Actor, uuid.UUID, CliContext], object],
) -> None:
    """One unit of work on one application the user may see, then show the result."""
    ctx = open_context()
    with ctx.unit_of_work() as session:
        actor = ctx.actor(session, as_user)
        application_id = views.resolve_application_id(session, actor=actor, key=reference)
        operation(session, actor, application_id, ctx)
        _show(session, ctx, actor, application_id, as_json)


@app.command("file")
@domain_errors
def file_command(
    path: Annotated[Path, typer.Argument(exists=True, dir_okay=False, readable=True)],
    as_user: AsUser,
    submit: Annotated[bool, typer.Option(help="Submit right after filing")] = False,
    as_json: JsonOpt = False,
) -> None:
    """File an application (a draft) from a JSON or YAML file.

    Example: rarex applications file application.yaml --as baotou.export --submit
    """
    data = parse_model(ApplicationCreate, load_document(path), source=path.name)
    ctx = open_context()
    with ctx.unit_of_work() as session:
        actor = ctx.actor(session, as_user)
        application = filing.file_application(
            session, actor=actor, clock=ctx.clock, settings=ctx.settings, data=data
        )
        if submit:
            review.transition(
                session,
                actor=actor,
                clock=ctx.clock,
                settings=ctx.settings,
                application_id=application.id,
                action=Action.SUBMIT,
            )
        _show(session, ctx, actor, application.id, as_json)


@app.command("amend")
@domain_errors
def amend_command(
    reference: str,
    path: Annotated[Path, typer.Argument(exists=True, dir_okay=False, readable=True)],
    as_user: AsUser,
    as_json: JsonOpt = False,
) -> None:
    """Amend a draft, a returned application or one awaiting information (only given fields).

    Example: rarex applications amend RX-2025-5DF2A82B changes.yaml --as baotou.export
    """
    data = parse_model(ApplicationAmend, load_document(path), source=path.name)
    _act_on(
        reference,
        as_user,
        as_json,
        lambda session, actor, application_id, ctx: filing.amend_application(
            session,
            actor=actor,
            clock=ctx.clock,
            settings=ctx.settings,
            application_id=application_id,
            data=data,
        ),
    )


@app.command("attach")
@domain_errors
def attach_command(
    reference: str,
    path: Annotated[Path, typer.Argument(exists=True, dir_okay=False, readable=True)],
    kind: Annotated[
        str,
        typer.Option(
            **one_of(filing.DOCUMENT_KINDS, code="document.unknown_kind", help="What it is")
        ),
    ],
    as_user: AsUser,
    media_type: Annotated[
        str | None, typer.Option(metavar="TYPE", help="Default: guessed from the file's name")
    ] = None,
) -> None:
    """Attach a supporting document (stored with its SHA-256).

    Example: rarex applications attach RX-2025-5DF2A82B contract.pdf --kind contract --as
    baotou.export
    """
    media = media_type or mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    ctx = open_context()
    size = path.stat().st_size
    if size > ctx.settings.max_document_bytes:
        raise fail(
            "document.too_large",
            f"{path.name} is {size} bytes; the limit is {ctx.settings.max_document_bytes}",
        )
    with ctx.unit_of_work() as session:
        actor = ctx.actor(session, as_user)
        application_id = views.resolve_application_id(session, actor=actor, key=reference)
        document = filing.attach_document(
            session,
            actor=actor,
            clock=ctx.clock,
            settings=ctx.settings,
            application_id=application_id,
            kind=kind,
            filename=path.name,
            media_type=media,
            content=path.read_bytes(),
        )
        console.print(
            f"attached {document.filename} ({document.size_bytes} bytes, sha256 {document.sha256})"
        )


@app.command("list")
@domain_errors
def list_command(
    as_user: AsUser,
    state: Annotated[
        str | None,
        typer.Option(**one_of(State, code="application.unknown_state", help="Only this state")),
    ] = None,
    limit: LimitOpt = None,
    page_token: PageTokenOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Applications the user may see, a page at a time, newest filed first.

    Example: rarex applications list --as baotou.export --state approved --limit 20
    """
    ctx = open_context()
    with ctx.unit_of_work() as session:
        page = views.list_application_summaries(
            session,
            actor=ctx.actor(session, as_user),
            clock=ctx.clock,
            settings=ctx.settings,
            state=state,
            limit=limit,
            page_token=page_token,
        )
    if as_json:
        emit_page_json(page)
        return
    listing = Listing(
        Col("reference", key=True), "state", "lane", "exporter", "dest", "end use",
        Col("kg", justify="right"), "due",
    )  # fmt: skip
    for r in page.items:
        listing.add(
            r.reference, r.state, r.lane, r.exporter, r.destination, r.end_use_category,
            r.total_kg, r.due_on,
        )  # fmt: skip
    listing.print()
    print_page_footer(page, "application(s)")


@app.command("show")
@domain_errors
def show_command(reference: str, as_user: AsUser, as_json: JsonOpt = False) -> None:
    """One application with its clock, green-channel explanation and history.

    Example: rarex applications show RX-2025-5DF2A82B --as officer.li
    """
    ctx = open_context()
    with ctx.unit_of_work() as session:
        _show(session, ctx, ctx.actor(session, as_user), reference, as_json)


@app.command("transition")
@domain_errors
def transition_command(
    reference: str,
    action: Annotated[
        str,
        typer.Argument(
            **one_of(
                STEPS,
                code="application.unknown_action",
                help="The step (approval and denial: rarex applications decide)",
                metavar="action",
            )
        ),
    ],
    as_user: AsUser,
    reason: Annotated[str, typer.Option(help="Why (kept in the history)")] = "",
    missing: Annotated[
        list[str] | None, typer.Option(metavar="ITEM", help="What is missing (return); repeat")
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Move an application one step (submit, accept, return, request_information, ...).

    Example: rarex applications transition RX-2025-5DF2A82B request_information --as
    officer.li --reason "Send product photos"
    """
    step = Action(action)
    _act_on(
        reference,
        as_user,
        as_json,
        lambda session, actor, application_id, ctx: review.transition(
            session,
            actor=actor,
            clock=ctx.clock,
            settings=ctx.settings,
            application_id=application_id,
            action=step,
            reason=reason,
            missing_items=missing or [],
        ),
    )


def _grants(values: list[str]) -> dict[int, Decimal]:
    """``--grant LINE=KG`` options: LINE in ASCII digits, KG read by the one number rule."""
    grants: dict[int, Decimal] = {}
    for value in values:
        line, equals, kg = value.partition("=")
        if not equals or not (line.isascii() and line.isdigit()):
            raise fail("decision.invalid_granted_quantity", f"--grant takes LINE=KG, got {value!r}")
        try:
            grants[int(line)] = parse_amount(kg)
        except NotANumber as exc:
            raise fail(exc.code, f"--grant {value!r}: {exc}") from None
    return grants


@app.command("decide")
@domain_errors
def decide_command(
    reference: str,
    outcome: Annotated[str, typer.Option(**one_of(get_args(Outcome), code="input.invalid"))],
    reason: Annotated[str, typer.Option(help="Why (given to the applicant)")],
    as_user: AsUser,
    reason_code: Annotated[
        list[str] | None,
        typer.Option(
            **one_of(
                decisions.DENIAL_REASONS,
                code="decision.unknown_reason_code",
                help="A reason for a denial; repeat",
            )
        ),
    ] = None,
    condition: Annotated[
        list[str] | None, typer.Option(help="A condition of the license; repeat")
    ] = None,
    grant: Annotated[
        list[str] | None,
        typer.Option(metavar="LINE=KG", help="Grant less than requested on a line; repeat"),
    ] = None,
    valid_until: Annotated[
        str | None, typer.Option(metavar="YYYY-MM-DD", help="Default: the statutory validity")
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Approve (issuing the license in the same transaction) or deny, with reasons.

    Example: rarex applications decide RX-2025-5DF2A82B --outcome approved --reason "End use
    verified" --grant 1=400 --as officer.li
    """
    data = parse_model(
        DecisionIn,
        {
            "outcome": outcome,
            "reason": reason,
            "reason_codes": reason_code or [],
            "conditions": condition or [],
            "granted_kg": _grants(grant) if grant else None,
            "valid_until": parse_date(valid_until, option="--valid-until") if valid_until else None,
        },
        source="decision",
    )
    ctx = open_context()
    with ctx.unit_of_work() as session:
        actor = ctx.actor(session, as_user)
        # Hits the screening before an approval raises stay stored when it is then refused.
        application = approval.decide_case(
            session,
            actor=actor,
            clock=ctx.clock,
            settings=ctx.settings,
            key=reference,
            data=data,
            keep_hits=session.commit,
        )
        _show(session, ctx, actor, application.id, as_json)


@app.command("queue")
@domain_errors
def queue_command(
    as_user: AsUser,
    lane: Annotated[
        str | None,
        typer.Option(**one_of(queue.LANES, code="application.unknown_lane", help="Only this lane")),
    ] = None,
    limit: LimitOpt = None,
    page_token: PageTokenOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """The officers' review queue, a page at a time: green lane first, then by due date.

    Example: rarex applications queue --as officer.li --lane green --limit 20
    """
    ctx = open_context()
    with ctx.unit_of_work() as session:
        page = queue.review_queue(
            session,
            actor=ctx.actor(session, as_user),
            clock=ctx.clock,
            settings=ctx.settings,
            lane=lane,
            limit=limit,
            page_token=page_token,
        )
    if as_json:
        emit_page_json(page)
        return
    listing = Listing(
        Col("reference", key=True), "state", "lane", "exporter", Col("used wd", justify="right"),
        Col("left wd", justify="right"), "due", "flags",
    )  # fmt: skip
    for i in page.items:
        flags = " ".join(
            f
            for f in ("at_risk", "overdue", "stopped", "off_clock", "provisional")
            if getattr(i, f)
        )
        listing.add(
            i.reference, i.state, i.lane, i.exporter, i.working_days_used, i.working_days_left,
            i.due_on, flags,
        )  # fmt: skip
    listing.print()
    print_page_footer(page, "open case(s)")


@app.command("lanes")
@domain_errors
def lanes_command(as_user: AsUser, as_json: JsonOpt = False) -> None:
    """Median working days to decision, green channel versus ordinary lane.

    Example: rarex applications lanes --as officer.li
    """
    ctx = open_context()
    with ctx.unit_of_work() as session:
        rows = queue.lane_performance(
            session, actor=ctx.actor(session, as_user), clock=ctx.clock, settings=ctx.settings
        )
    if as_json:
        emit_json([row.model_dump(mode="json") for row in rows])
        return
    listing = Listing(
        "lane", *(Col(header, justify="right") for header in (
            "decided", "median wd", "p90 wd", "approved", "denied"
        )),
    )  # fmt: skip
    for r in rows:
        listing.add(
            r.lane, r.decided, r.median_working_days or "—", r.p90_working_days or "—",
            r.approved, r.denied,
        )  # fmt: skip
    listing.print()
