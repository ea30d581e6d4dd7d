"""Inquiries: a partner authority asks about one application, or in general; licensing
officers answer in the thread; either side closes it.

Which side writes follows from the writer's role, never from what they send: a partner's
message is the partner's whatever it claims, so a partner cannot answer its own inquiry as the
authority. The authority owes a reply within ``settings.inquiry_reply_working_days`` official
working days (the statutory clock's calendar) of the partner's first unanswered message; past
that day the inquiry is overdue, on the officer's desk and in the partner's list. Every
message, opening and closing is audited.
"""

from __future__ import annotations

import uuid

from sqlalchemy import ColumnElement
from sqlalchemy.orm import Session

from rarex.audit.service import record_event
from rarex.auth.roles import Actor, Role, partner_jurisdiction, require_role
from rarex.clock import Clock, authority_date
from rarex.config import Settings
from rarex.errors import InvalidInput, InvalidTransition, NotFound
from rarex.licensing import repository as licensing
from rarex.licensing.access import ensure_no_conflict
from rarex.models import Application, Inquiry, InquiryMessage
from rarex.pagination import Page, page_of, page_request
from rarex.partners import notices, repository
from rarex.partners.inquiry_states import (
    IllegalInquiryStep,
    InquiryAction,
    InquiryState,
    Side,
    Turn,
    reply_overdue,
    step,
)
from rarex.partners.reply_targets import reply_target
from rarex.partners.schemas import (
    InquiryMessageRead,
    InquiryRead,
    InquirySummary,
)
from rarex.partners.views import partner_case

INQUIRY_NOT_FOUND = "no such inquiry, or not one you may see"
AUTHORITY_READERS = (Role.LICENSING_OFFICER, Role.ADMINISTRATOR)
STATE_FILTERS = ("open", *(state.value for state in InquiryState))


def _not_found() -> NotFound:
    return NotFound(INQUIRY_NOT_FOUND, code="inquiry.not_found")


def side_of(actor: Actor) -> Side:
    """The side a user writes for: a partner authority, or the licensing authority's officers.
    Anyone else (exporters, customs, analysts, administrators) writes for neither."""
    if actor.role is Role.PARTNER_AUTHORITY:
        return Side.PARTNER
    require_role(actor, Role.LICENSING_OFFICER, action="answer a partner's inquiry")
    return Side.AUTHORITY


def _number(clock: Clock) -> str:
    return f"IQ-{authority_date(clock.now()).year}-{uuid.uuid4().hex[:8].upper()}"


def _audit(
    session: Session, clock: Clock, actor: Actor, action: str, inquiry: Inquiry, **payload: object
) -> None:
    record_event(
        session, clock=clock, actor=actor.username, action=f"inquiry.{action}",
        subject_type="inquiry", subject_id=str(inquiry.id),
        payload={"number": inquiry.number, "state": inquiry.state, **payload},
    )  # fmt: skip


def open_inquiry(
    session: Session,
    *,
    actor: Actor,
    clock: Clock,
    settings: Settings,
    subject: str,
    body: str,
    application_reference: str | None = None,
) -> Inquiry:
    """A partner's new inquiry, its first message the question. About an application, only
    one the partner may read (else "not found", as for the application itself)."""
    jurisdiction = partner_jurisdiction(actor)
    application: Application | None = None
    if application_reference:
        application = partner_case(session, actor=actor, reference=application_reference)
    _require_text(subject, "subject")
    _require_text(body, "body")
    now = clock.now()
    inquiry = Inquiry(
        id=uuid.uuid4(), number=_number(clock), partner_key=jurisdiction.key,
        opened_by_id=actor.user_id, application_id=application.id if application else None,
        subject=subject.strip(), state=InquiryState.AWAITING_AUTHORITY.value, opened_at=now,
        awaiting_since=now,
    )  # fmt: skip
    session.add(inquiry)
    session.flush()
    message = _add_message(session, inquiry, actor, Side.PARTNER, body, clock)
    _audit(
        session, clock, actor, "open", inquiry, subject=inquiry.subject,
        application=application.reference if application else None, body=message.body,
    )  # fmt: skip
    due = reply_target(session, settings).due_on(inquiry)
    notices.inquiry_opened(
        session, inquiry=inquiry, actor=actor, clock=clock, settings=settings, due_on=due
    )
    return inquiry


def _require_text(value: str, field: str) -> None:
    if not value.strip():
        raise InvalidInput(f"the {field} is empty", code="inquiry.empty", field=field)


def _add_message(
    session: Session, inquiry: Inquiry, actor: Actor, side: Side, body: str, clock: Clock
) -> InquiryMessage:
    message = InquiryMessage(
        inquiry_id=inquiry.id, seq=repository.last_message_seq(session, inquiry.id) + 1,
        side=side.value, author_id=actor.user_id, body=body.strip(), at=clock.now(),
    )  # fmt: skip
    session.add(message)
    session.flush()
    return message


def _readable(session: Session, actor: Actor, number: str, *, lock: bool = False) -> Inquiry:
    """The inquiry if the asker may read it: the partner desk that opened it, or the
    authority; anyone else is told it does not exist."""
    inquiry = repository.inquiry_by_number(session, number.strip().upper(), lock=lock)
    if inquiry is None:
        raise _not_found()
    if actor.role is Role.PARTNER_AUTHORITY:
        if inquiry.partner_key != partner_jurisdiction(actor).key:
            raise _not_found()
    elif actor.role not in AUTHORITY_READERS:
        raise _not_found()
    return inquiry


def _apply(
    session: Session, inquiry: Inquiry, action: InquiryAction, side: Side, clock: Clock
) -> None:
    turn = Turn(InquiryState(inquiry.state), inquiry.awaiting_since)
    try:
        after = step(turn, action, side, at=clock.now())
    except IllegalInquiryStep as illegal:
        raise InvalidTransition(
            f"inquiry {inquiry.number} is {inquiry.state}: {illegal}",
            code="inquiry.closed" if turn.state is InquiryState.CLOSED else "inquiry.illegal_step",
        ) from None
    inquiry.state, inquiry.awaiting_since = after.state.value, after.awaiting_since


def _ensure_may_answer(session: Session, actor: Actor, inquiry: Inquiry) -> None:
    """An officer with a conflict of interest in the case does not speak for the authority
    about it."""
    if inquiry.application_id is not None:
        ensure_no_conflict(
            session, actor, licensing.get_application(session, inquiry.application_id)
        )


def write(
    session: Session, *, actor: Actor, clock: Clock, settings: Settings, number: str, body: str
) -> InquiryMessage:
    """A message in the thread, for the writer's own side."""
    inquiry = _readable(session, actor, number, lock=True)
    side = side_of(actor)
    if side is Side.AUTHORITY:
        _ensure_may_answer(session, actor, inquiry)
    _require_text(body, "body")
    _apply(session, inquiry, InquiryAction.WRITE, side, clock)
    message = _add_message(session, inquiry, actor, side, body, clock)
    _audit(session, clock, actor, "write", inquiry, seq=message.seq, side=side.value,
           body=message.body)  # fmt: skip
    due = reply_target(session, settings).due_on(inquiry)
    notices.inquiry_message(
        session, inquiry=inquiry, actor=actor, side=side, clock=clock, settings=settings,
        due_on=due,
    )  # fmt: skip
    return message


def close(
    session: Session, *, actor: Actor, clock: Clock, number: str, reason: str = ""
) -> Inquiry:
    inquiry = _readable(session, actor, number, lock=True)
    side = side_of(actor)
    if side is Side.AUTHORITY:
        _ensure_may_answer(session, actor, inquiry)
    _apply(session, inquiry, InquiryAction.CLOSE, side, clock)
    inquiry.closed_at, inquiry.closed_by_id = clock.now(), actor.user_id
    _audit(session, clock, actor, "close", inquiry, side=side.value, reason=reason.strip())
    return inquiry


def inquiry_view(
    session: Session, *, actor: Actor, clock: Clock, settings: Settings, number: str
) -> InquiryRead:
    inquiry = _readable(session, actor, number)
    (summary,) = _summaries(session, [inquiry], clock=clock, settings=settings)
    messages = repository.messages_of(session, inquiry.id)
    partner_reads = actor.role is Role.PARTNER_AUTHORITY
    names = licensing.usernames(session, {m.author_id for m in messages})
    return InquiryRead(
        **summary.model_dump(),
        thread=[
            InquiryMessageRead(
                seq=m.seq,
                side=m.side,
                body=m.body,
                at=m.at,
                author=(
                    Side.AUTHORITY.value
                    if partner_reads and m.side == Side.AUTHORITY
                    else names.get(m.author_id, "?")
                ),
            )
            for m in messages
        ],
    )


def list_inquiries(
    session: Session,
    *,
    actor: Actor,
    clock: Clock,
    settings: Settings,
    state: str | None = None,
    overdue: bool = False,
    application_reference: str | None = None,
    limit: int | None = None,
    page_token: str | None = None,
) -> Page[InquirySummary]:
    """The inquiries the asker may read, newest opened first: a partner desk its own, the
    authority every partner's. ``state``: open (not closed), awaiting_authority,
    awaiting_partner or closed; ``overdue``: only those past their reply target today."""
    request = page_request(limit, page_token, order=repository.INQUIRIES_ORDER)
    conditions: list[ColumnElement[bool]] = []
    if actor.role is Role.PARTNER_AUTHORITY:
        conditions.append(Inquiry.partner_key == partner_jurisdiction(actor).key)
    else:
        require_role(actor, *AUTHORITY_READERS, action="read partners' inquiries")
    if state is not None:
        if state not in STATE_FILTERS:
            raise InvalidInput(
                f"unknown inquiry state {state!r}; known: {', '.join(STATE_FILTERS)}",
                code="inquiry.unknown_state", field="state",
            )  # fmt: skip
        conditions.append(
            Inquiry.state != InquiryState.CLOSED.value
            if state == "open"
            else Inquiry.state == state
        )
    if overdue:
        conditions.append(reply_target(session, settings).overdue(authority_date(clock.now())))
    if application_reference:
        application = licensing.application_by_reference(
            session, application_reference.strip().upper()
        )
        conditions.append(Inquiry.application_id == (application.id if application else None))
    rows, total = repository.inquiries_page(
        session, conditions=conditions, after=request.after, limit=request.limit + 1
    )
    page = page_of(rows, request, key=repository.inquiry_key, total=total)
    items = _summaries(session, page.items, clock=clock, settings=settings)
    return Page(items, page.next_page_token, total, page.order)


def overdue_count(session: Session, *, actor: Actor, clock: Clock, settings: Settings) -> int:
    """How many inquiries the asker may read are past their reply target today."""
    page = list_inquiries(
        session, actor=actor, clock=clock, settings=settings, overdue=True, limit=1
    )
    return page.total or 0


def _summaries(
    session: Session, inquiries: list[Inquiry], *, clock: Clock, settings: Settings
) -> list[InquirySummary]:
    today = authority_date(clock.now())
    target = reply_target(session, settings)
    counts = repository.message_counts(session, [i.id for i in inquiries])
    references = licensing.references_of(
        session, [i.application_id for i in inquiries if i.application_id is not None]
    )
    summaries = []
    for inquiry in inquiries:
        due = target.due_on(inquiry)
        count, last = counts[inquiry.id]
        summaries.append(
            InquirySummary(
                number=inquiry.number,
                partner=inquiry.partner_key,
                subject=inquiry.subject,
                application_reference=(
                    references.get(inquiry.application_id) if inquiry.application_id else None
                ),
                state=inquiry.state,
                opened_at=inquiry.opened_at,
                messages=count,
                last_message_at=last or inquiry.opened_at,
                reply_due_on=due,
                overdue=reply_overdue(due, today),
            )
        )
    return summaries
