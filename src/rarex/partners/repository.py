"""Queries of the partner room: what a page of partner views needs, for all its rows at once."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

from rarex.auth.roles import Role, jurisdiction_of
from rarex.auth.service import to_actor
from rarex.db import keyset_page
from rarex.jurisdictions import Jurisdiction
from rarex.licensing.repository import partner_condition
from rarex.models import (
    Application,
    ApplicationLine,
    Decision,
    Inquiry,
    InquiryMessage,
    License,
    PriorityItem,
    PriorityRequest,
    User,
)


def partner_desks(session: Session) -> dict[str, list[uuid.UUID]]:
    """The active partner users by desk (their jurisdiction's key), each desk's in username
    order: who "the EU's desk" is, for notices and for the authority's choice of figures."""
    desks: dict[str, list[uuid.UUID]] = {}
    users = session.scalars(
        select(User)
        .where(User.role == Role.PARTNER_AUTHORITY.value, User.active.is_(True))
        .order_by(User.username)
    )
    for user in users:
        jurisdiction = jurisdiction_of(to_actor(user))
        if jurisdiction:
            desks.setdefault(jurisdiction.key, []).append(user.id)
    return desks


def submitted_cases_of(session: Session, jurisdiction: Jurisdiction) -> list[Application]:
    """Every submitted case in the jurisdiction (on the day it was filed), oldest first."""
    return list(
        session.scalars(
            select(Application)
            .where(
                Application.submitted_at.is_not(None),
                partner_condition(jurisdiction, Application, at=Application.created_at),
            )
            .order_by(Application.created_at, Application.reference)
        )
    )


def lines_of_applications(
    session: Session, application_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, list[ApplicationLine]]:
    found: dict[uuid.UUID, list[ApplicationLine]] = {i: [] for i in application_ids}
    if not application_ids:
        return found
    for line in session.scalars(
        select(ApplicationLine)
        .where(ApplicationLine.application_id.in_(list(application_ids)))
        .order_by(ApplicationLine.application_id, ApplicationLine.line_no)
    ):
        found[line.application_id].append(line)
    return found


def decisions_of(
    session: Session, application_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, Decision]:
    if not application_ids:
        return {}
    rows = session.scalars(select(Decision).where(Decision.application_id.in_(application_ids)))
    return {decision.application_id: decision for decision in rows}


def license_numbers_of(
    session: Session, application_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, str]:
    if not application_ids:
        return {}
    rows = session.execute(
        select(License.application_id, License.number).where(
            License.application_id.in_(application_ids)
        )
    )
    return {application_id: number for application_id, number in rows}


INQUIRIES_ORDER = "opened_at desc, number desc"


def inquiry_by_number(session: Session, number: str, *, lock: bool = False) -> Inquiry | None:
    """``lock``: hold the row, so two messages at once take their turns one after the other."""
    query = select(Inquiry).where(Inquiry.number == number)
    return session.scalar(query.with_for_update() if lock else query)


def inquiries_page(
    session: Session,
    *,
    conditions: Sequence[ColumnElement[bool]],
    after: tuple[str | int, ...] | None,
    limit: int,
) -> tuple[list[Inquiry], int]:
    return keyset_page(
        session,
        Inquiry,
        conditions=conditions,
        order=[Inquiry.opened_at.expression, Inquiry.number.expression],
        after=(datetime.fromisoformat(str(after[0])), after[1]) if after is not None else None,
        limit=limit,
        descending=True,
    )


def inquiry_key(inquiry: Inquiry) -> tuple[str | int, ...]:
    return (inquiry.opened_at.isoformat(), inquiry.number)


def last_message_seq(session: Session, inquiry_id: uuid.UUID) -> int:
    found = session.scalar(
        select(func.max(InquiryMessage.seq)).where(InquiryMessage.inquiry_id == inquiry_id)
    )
    return int(found or 0)


def messages_of(session: Session, inquiry_id: uuid.UUID) -> list[InquiryMessage]:
    return list(
        session.scalars(
            select(InquiryMessage)
            .where(InquiryMessage.inquiry_id == inquiry_id)
            .order_by(InquiryMessage.seq)
        )
    )


def message_counts(
    session: Session, inquiry_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, tuple[int, datetime | None]]:
    """Each inquiry's number of messages and the time of its last."""
    found: dict[uuid.UUID, tuple[int, datetime | None]] = {i: (0, None) for i in inquiry_ids}
    if not inquiry_ids:
        return found
    rows = session.execute(
        select(InquiryMessage.inquiry_id, func.count(), func.max(InquiryMessage.at))
        .where(InquiryMessage.inquiry_id.in_(list(inquiry_ids)))
        .group_by(InquiryMessage.inquiry_id)
    )
    for inquiry_id, count, last in rows:
        found[inquiry_id] = (int(count), last)
    return found


def priority_item(
    session: Session, item_id: uuid.UUID, *, lock: bool = False
) -> PriorityItem | None:
    query = select(PriorityItem).where(PriorityItem.id == item_id)
    return session.scalar(query.with_for_update() if lock else query)


def priority_request(session: Session, request_id: uuid.UUID) -> PriorityRequest:
    return session.get_one(PriorityRequest, request_id)


def priority_request_by_number(session: Session, number: str) -> PriorityRequest | None:
    return session.scalar(select(PriorityRequest).where(PriorityRequest.number == number))


def priority_requests(
    session: Session,
    *,
    partner_key: str | None,
    application_id: uuid.UUID | None,
    pending_only: bool,
) -> list[PriorityRequest]:
    query = select(PriorityRequest)
    if partner_key is not None:
        query = query.where(PriorityRequest.partner_key == partner_key)
    item_conditions = []
    if application_id is not None:
        item_conditions.append(PriorityItem.application_id == application_id)
    if pending_only:
        item_conditions.append(PriorityItem.status == "pending")
    if item_conditions:
        query = query.where(
            select(PriorityItem.id)
            .where(PriorityItem.request_id == PriorityRequest.id, *item_conditions)
            .exists()
        )
    order = (PriorityRequest.submitted_at.desc(), PriorityRequest.number.desc())
    return list(session.scalars(query.order_by(*order)))


def priority_items_of(
    session: Session, request_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, list[PriorityItem]]:
    found: dict[uuid.UUID, list[PriorityItem]] = {i: [] for i in request_ids}
    if not request_ids:
        return found
    for item in session.scalars(
        select(PriorityItem)
        .where(PriorityItem.request_id.in_(list(request_ids)))
        .order_by(PriorityItem.request_id, PriorityItem.position)
    ):
        found[item.request_id].append(item)
    return found
