"""Who hears of the partner channel's events, and what they are told (``rarex.notify`` writes
it, in the event's transaction):

- a partner opens an inquiry: the licensing officers;
- a message in a thread: the other side (the partner desk; or the officers who have written
  in it, else every licensing officer);
- an inquiry past its reply target: the officers and the partner desk, once per wait
  (``remind_overdue_inquiries``, run by ``rarex serve`` and ``rarex partner remind``);
- an officer decides a priority item: the partner desk.

A partner who inquires about a case or lists it for priority follows it from then on, so it
hears of its state changes and decision. Every mail carries only ``notify.kinds.Facts``,
which holds what a partner may read.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, or_, select, update
from sqlalchemy.orm import Session

from rarex.auth.roles import Actor, Role
from rarex.clock import Clock, authority_date
from rarex.config import Settings
from rarex.licensing import repository as licensing
from rarex.licensing.notices import case_facts
from rarex.models import Application, Inquiry, InquiryMessage, PriorityItem, PriorityRequest, User
from rarex.notify.kinds import Facts, Kind
from rarex.notify.service import follow, notify
from rarex.partners import repository
from rarex.partners.inquiry_states import Side
from rarex.partners.reply_targets import reply_target

OFFICER_INQUIRY_PAGE = "/officer/inquiries/{number}"
PARTNER_INQUIRY_PAGE = "/partner/inquiries/{number}"
PARTNER_PRIORITY_PAGE = "/partner/priority-lists"


def desk_users(session: Session, partner_key: str) -> list[uuid.UUID]:
    """The active partner users whose jurisdiction is ``partner_key``: one partner desk."""
    return repository.partner_desks(session).get(partner_key, [])


def licensing_officers(session: Session) -> list[uuid.UUID]:
    return list(
        session.scalars(
            select(User.id)
            .where(User.role == Role.LICENSING_OFFICER.value, User.active.is_(True))
            .order_by(User.username)
        )
    )


def _inquiry_facts(session: Session, inquiry: Inquiry, due_on: date | None) -> Facts:
    if inquiry.application_id is None:
        return Facts(due_on=due_on)
    application = licensing.get_application(session, inquiry.application_id)
    return case_facts(session, application).model_copy(update={"due_on": due_on})


def _links(number: str) -> dict[Role, str]:
    officer = OFFICER_INQUIRY_PAGE.format(number=number)
    return {
        Role.LICENSING_OFFICER: officer,
        Role.ADMINISTRATOR: officer,
        Role.PARTNER_AUTHORITY: PARTNER_INQUIRY_PAGE.format(number=number),
    }


def _send(
    session: Session,
    *,
    clock: Clock,
    settings: Settings,
    recipients: Iterable[uuid.UUID],
    kind: Kind,
    facts: Facts,
    link: dict[Role, str] | str,
    actor: Actor | None = None,
) -> None:
    wanted = [user for user in recipients if actor is None or user != actor.user_id]
    notify(session, clock=clock, settings=settings, recipients=wanted, kind=kind, facts=facts,
           link=link)  # fmt: skip


def inquiry_opened(
    session: Session, *, inquiry: Inquiry, actor: Actor, clock: Clock, settings: Settings,
    due_on: date | None,
) -> None:  # fmt: skip
    if inquiry.application_id is not None:
        follow(session, clock=clock, user_id=actor.user_id, application_id=inquiry.application_id)
    _send(
        session, clock=clock, settings=settings, recipients=licensing_officers(session),
        kind=Kind.INQUIRY_OPENED, facts=_inquiry_facts(session, inquiry, due_on),
        link=_links(inquiry.number), actor=actor,
    )  # fmt: skip


def inquiry_message(
    session: Session, *, inquiry: Inquiry, actor: Actor, side: Side, clock: Clock,
    settings: Settings, due_on: date | None,
) -> None:  # fmt: skip
    if side is Side.AUTHORITY:
        recipients = desk_users(session, inquiry.partner_key)
    else:
        writers = session.scalars(
            select(InquiryMessage.author_id)
            .where(InquiryMessage.inquiry_id == inquiry.id, InquiryMessage.side == Side.AUTHORITY)
            .distinct()
        ).all()
        recipients = list(writers) or licensing_officers(session)
    _send(
        session, clock=clock, settings=settings, recipients=recipients, kind=Kind.INQUIRY_REPLY,
        facts=_inquiry_facts(session, inquiry, due_on), link=_links(inquiry.number), actor=actor,
    )  # fmt: skip


def priority_listed(
    session: Session, *, actor: Actor, clock: Clock, applications: Iterable[Application]
) -> None:
    for application in applications:
        follow(session, clock=clock, user_id=actor.user_id, application_id=application.id)


def priority_decided(
    session: Session, *, item: PriorityItem, actor: Actor, clock: Clock, settings: Settings
) -> None:
    request = session.get_one(PriorityRequest, item.request_id)
    application = licensing.get_application(session, item.application_id)
    facts = case_facts(session, application).model_copy(
        update={"decision": item.status, "decided_on": authority_date(clock.now())}
    )
    _send(
        session, clock=clock, settings=settings,
        recipients=desk_users(session, request.partner_key), kind=Kind.PRIORITY_DECIDED,
        facts=facts, link=PARTNER_PRIORITY_PAGE, actor=actor,
    )  # fmt: skip


def _not_announced(wait: Any) -> ColumnElement[bool]:
    """Not yet announced overdue for this wait (``awaiting_since``)."""
    return or_(Inquiry.overdue_notice_for.is_(None), Inquiry.overdue_notice_for != wait)


def remind_overdue_inquiries(session: Session, *, clock: Clock, settings: Settings) -> int:
    """Announce each inquiry that passed its reply target unanswered, once per wait: to the
    licensing officers and the partner desk. Safe to run from several processes at once (one
    conditional update per inquiry decides who announces it). Returns how many were."""
    today = authority_date(clock.now())
    target = reply_target(session, settings)
    waiting = session.scalars(
        select(Inquiry).where(target.overdue(today), _not_announced(Inquiry.awaiting_since))
    ).all()
    announced = 0
    officers = licensing_officers(session)
    for inquiry in waiting:
        claimed = session.execute(
            update(Inquiry)
            .where(
                Inquiry.id == inquiry.id,
                Inquiry.awaiting_since == inquiry.awaiting_since,
                _not_announced(inquiry.awaiting_since),
            )
            .values(overdue_notice_for=inquiry.awaiting_since)
            .execution_options(synchronize_session=False)
        )
        if claimed.rowcount != 1:  # type: ignore[attr-defined]
            continue
        _send(
            session, clock=clock, settings=settings,
            recipients=[*officers, *desk_users(session, inquiry.partner_key)],
            kind=Kind.INQUIRY_OVERDUE,
            facts=_inquiry_facts(session, inquiry, target.due_on(inquiry)),
            link=_links(inquiry.number),
        )  # fmt: skip
        announced += 1
    return announced
