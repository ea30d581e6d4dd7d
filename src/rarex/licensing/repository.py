"""Queries of the licensing room. Services call these; nothing else builds SQL for licensing."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, case, exists, false, func, or_, select
from sqlalchemy.orm import InstrumentedAttribute, Session, undefer

from rarex.auth.service import usernames as auth_usernames
from rarex.clock import end_of_authority_day
from rarex.db import keyset_page
from rarex.errors import NotFound
from rarex.jurisdictions import Jurisdiction
from rarex.licensing.license_states import LicenseStatus
from rarex.licensing.states import OPEN
from rarex.models import (
    Application,
    ApplicationLine,
    CalendarDay,
    Company,
    Decision,
    Document,
    ForeignParty,
    GreenChannelCheck,
    License,
    LicenseLine,
    PriorityItem,
    StateChange,
    Violation,
)

# One message whether the case is missing or not the asker's: it must not reveal which.
APPLICATION_NOT_FOUND = "no such application, or not one you may see"


def get_application(
    session: Session, application_id: uuid.UUID, *, lock: bool = False
) -> Application:
    """With ``lock``, hold the row so two officers cannot move the same case at once."""
    query = select(Application).where(Application.id == application_id)
    if lock:
        query = query.with_for_update()
    application = session.scalar(query)
    if application is None:
        raise NotFound(APPLICATION_NOT_FOUND, code="application.not_found")
    return application


def application_by_reference(session: Session, reference: str) -> Application | None:
    return session.scalar(select(Application).where(Application.reference == reference.upper()))


APPLICATIONS_ORDER = "created_at desc, reference desc"


def partner_condition(
    jurisdiction: Jurisdiction,
    rows: type[Application] | type[License],
    *,
    at: InstrumentedAttribute[datetime],
) -> ColumnElement[bool]:
    """A row is a partner's when its destination, consignee or end user is in the
    jurisdiction on the row's day (``at``, in the authority's time): one condition per period
    a group had a country, so a group means what it meant then."""
    destination = rows.destination
    parties = (rows.consignee_id, rows.end_user_id)

    windows = jurisdiction.windows()

    def covered(country: Any) -> ColumnElement[bool]:
        periods: list[ColumnElement[bool]] = []
        for code, spans in windows.items():
            for first, last in spans:
                period = [country == code]
                if first != date.min:
                    period.append(at >= end_of_authority_day(first - timedelta(days=1)))
                if last is not None:
                    period.append(at < end_of_authority_day(last))
                periods.append(and_(*period))
        return or_(*periods) if periods else false()

    party_covered = [
        exists(
            select(ForeignParty.id).where(ForeignParty.id == party, covered(ForeignParty.country))
        )
        for party in parties
    ]
    return or_(covered(destination), *party_covered)


def applications_page(
    session: Session,
    *,
    exporter_id: uuid.UUID | None = None,
    partner: Jurisdiction | None = None,
    submitted_only: bool = False,
    states: Sequence[str] | None = None,
    after: tuple[str | int, ...] | None,
    limit: int,
) -> tuple[list[Application], int]:
    """Newest filed first (``APPLICATIONS_ORDER``), ``limit`` rows after the ``after`` key,
    and how many match in all."""
    conditions: list[ColumnElement[bool]] = []
    if exporter_id is not None:
        conditions.append(Application.exporter_id == exporter_id)
    if submitted_only:
        conditions.append(Application.submitted_at.is_not(None))
    if partner is not None:
        conditions.append(partner_condition(partner, Application, at=Application.created_at))
    if states:
        conditions.append(Application.state.in_(list(states)))
    return keyset_page(
        session,
        Application,
        conditions=conditions,
        order=[Application.created_at.expression, Application.reference.expression],
        after=(datetime.fromisoformat(str(after[0])), after[1]) if after is not None else None,
        limit=limit,
        descending=True,
    )


def application_key(application: Application) -> tuple[str | int, ...]:
    return (application.created_at.isoformat(), application.reference)


# The queue's order, on stored columns: the green lane first, then the due date kept on the
# case (refreshed whenever its clock changes; none yet sorts last), then the reference.
QUEUE_ORDER = "lane,due_on,reference"
_LANE_RANK = case((Application.lane == "green", 0), else_=1)
_DUE = func.coalesce(Application.due_on, date.max)


def queue_page(
    session: Session,
    *,
    states: Sequence[str],
    lane: str | None,
    after: tuple[str | int, ...] | None,
    limit: int,
) -> tuple[list[Application], int]:
    """``limit`` open cases after the ``after`` key in the queue's order, and how many there
    are in all (two queries, whatever the page or the caseload)."""
    conditions: list[ColumnElement[bool]] = [Application.state.in_(list(states))]
    if lane is not None:
        conditions.append(Application.lane == lane)
    return keyset_page(
        session,
        Application,
        conditions=conditions,
        order=[_LANE_RANK, _DUE, Application.reference.expression],
        after=(int(after[0]), date.fromisoformat(str(after[1])), after[2])
        if after is not None
        else None,
        limit=limit,
    )


@dataclass(frozen=True, slots=True)
class DeskFilter:
    """Which open cases one of the officers' queues holds, and what the officer narrowed it
    to: a lane, a due-date window (stored due dates), a destination, a control code on any
    line, an exporter by USCC or by part of its name."""

    states: tuple[str, ...]
    lane: str | None = None
    due_from: date | None = None
    due_before: date | None = None
    destination: str | None = None
    control_code: str | None = None
    exporter: str | None = None
    # on a partner's priority list: "pending" (an item awaits an officer) or "accepted"
    priority: str | None = None


_FILED = func.coalesce(Application.submitted_at, Application.created_at)
_EXPORTER_NAME = (
    select(Company.name)
    .where(Company.id == Application.exporter_id)
    .correlate(Application)
    .scalar_subquery()
)
# Each of the desk's orders, ascending, ending on the reference so that it is total.
DESK_ORDERS: dict[str, list[ColumnElement[Any]]] = {
    "due": [_DUE, Application.reference.expression],
    "filed": [_FILED, Application.reference.expression],
    "exporter": [_EXPORTER_NAME, Application.reference.expression],
    "destination": [Application.destination.expression, Application.reference.expression],
}


def _desk_conditions(wanted: DeskFilter) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = [Application.state.in_(list(wanted.states))]
    if wanted.lane is not None:
        conditions.append(Application.lane == wanted.lane)
    if wanted.due_from is not None:
        conditions.append(Application.due_on >= wanted.due_from)
    if wanted.due_before is not None:
        conditions.append(Application.due_on < wanted.due_before)
    if wanted.destination is not None:
        conditions.append(Application.destination == wanted.destination)
    if wanted.control_code is not None:
        conditions.append(
            select(ApplicationLine.id)
            .where(
                ApplicationLine.application_id == Application.id,
                ApplicationLine.control_code == wanted.control_code,
            )
            .exists()
        )
    if wanted.priority is not None:
        conditions.append(
            select(PriorityItem.id)
            .where(
                PriorityItem.application_id == Application.id,
                PriorityItem.status == wanted.priority,
            )
            .exists()
        )
    if wanted.exporter is not None:
        pattern = "%" + wanted.exporter.replace("\\", "").replace("%", "").replace("_", "") + "%"
        conditions.append(
            select(Company.id)
            .where(
                Company.id == Application.exporter_id,
                (Company.uscc == wanted.exporter) | Company.name.ilike(pattern),
            )
            .exists()
        )
    return conditions


def priority_statuses(
    session: Session, application_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, str]:
    """Each case's standing on partners' priority lists: "accepted" when an item of it was
    accepted, else "pending" when one awaits an officer; absent otherwise."""
    found: dict[uuid.UUID, str] = {}
    if not application_ids:
        return found
    rows = session.execute(
        select(PriorityItem.application_id, PriorityItem.status).where(
            PriorityItem.application_id.in_(list(application_ids)),
            PriorityItem.status.in_(["pending", "accepted"]),
        )
    )
    for application_id, status in rows:
        if found.get(application_id) != "accepted":
            found[application_id] = status
    return found


def desk_counts(session: Session, queues: dict[str, DeskFilter]) -> dict[str, int]:
    """How many cases each queue holds: one count per queue."""
    return {
        name: session.scalar(
            select(func.count()).select_from(Application).where(*_desk_conditions(wanted))
        )
        or 0
        for name, wanted in queues.items()
    }


def desk_page(
    session: Session,
    wanted: DeskFilter,
    *,
    sort: str,
    after: tuple[str | int, ...] | None,
    limit: int,
) -> tuple[list[Application], int]:
    order = DESK_ORDERS[sort]
    key: tuple[Any, ...] | None = None
    if after is not None:
        first: Any = after[0]
        if sort == "due":
            first = date.fromisoformat(str(first))
        elif sort == "filed":
            first = datetime.fromisoformat(str(first))
        key = (first, after[1])
    return keyset_page(
        session, Application, conditions=_desk_conditions(wanted), order=order, after=key,
        limit=limit,
    )  # fmt: skip


def desk_key(
    application: Application, sort: str, exporter_names: dict[uuid.UUID, str]
) -> tuple[str | int, ...]:
    first: str
    if sort == "due":
        first = (application.due_on or date.max).isoformat()
    elif sort == "filed":
        first = (application.submitted_at or application.created_at).isoformat()
    elif sort == "exporter":
        first = exporter_names.get(application.exporter_id, "")
    else:
        first = application.destination
    return (first, application.reference)


def queue_key(application: Application) -> tuple[str | int, ...]:
    rank = 0 if application.lane == "green" else 1
    return (rank, (application.due_on or date.max).isoformat(), application.reference)


def changes_for_many(
    session: Session, application_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, list[StateChange]]:
    """The histories of several cases in one query (a page of the queue)."""
    found: dict[uuid.UUID, list[StateChange]] = {i: [] for i in application_ids}
    if not application_ids:
        return found
    for change in session.scalars(
        select(StateChange)
        .where(StateChange.application_id.in_(list(application_ids)))
        .order_by(StateChange.application_id, StateChange.seq)
    ):
        found[change.application_id].append(change)
    return found


def lines_for(session: Session, application_id: uuid.UUID) -> list[ApplicationLine]:
    return list(
        session.scalars(
            select(ApplicationLine)
            .where(ApplicationLine.application_id == application_id)
            .order_by(ApplicationLine.line_no)
        )
    )


def totals_by_application(session: Session, ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, object]:
    rows = session.execute(
        select(ApplicationLine.application_id, func.sum(ApplicationLine.quantity_kg))
        .where(ApplicationLine.application_id.in_(list(ids)))
        .group_by(ApplicationLine.application_id)
    )
    return {row[0]: row[1] for row in rows}


def delete_lines(session: Session, application_id: uuid.UUID) -> None:
    for line in lines_for(session, application_id):
        session.delete(line)
    session.flush()


def documents_for(session: Session, application_id: uuid.UUID) -> list[Document]:
    return list(
        session.scalars(
            select(Document)
            .where(Document.application_id == application_id)
            .order_by(Document.uploaded_at, Document.filename)
        )
    )


def document_of(
    session: Session, application_id: uuid.UUID, document_id: uuid.UUID
) -> Document | None:
    """The document, with its content, only if it belongs to that application."""
    return session.scalars(
        select(Document)
        .options(undefer(Document.content))
        .where(Document.id == document_id, Document.application_id == application_id)
    ).one_or_none()


def document_kinds(session: Session, application_id: uuid.UUID) -> set[str]:
    return set(
        session.scalars(select(Document.kind).where(Document.application_id == application_id))
    )


def changes_for(session: Session, application_id: uuid.UUID) -> list[StateChange]:
    return list(
        session.scalars(
            select(StateChange)
            .where(StateChange.application_id == application_id)
            .order_by(StateChange.seq)
        )
    )


def last_change_seq(session: Session, application_id: uuid.UUID) -> int:
    seq = session.scalar(
        select(func.max(StateChange.seq)).where(StateChange.application_id == application_id)
    )
    return int(seq or 0)


def usernames(session: Session, user_ids: set[uuid.UUID]) -> dict[uuid.UUID, str]:
    return auth_usernames(session, user_ids)


def latest_green_check(session: Session, application_id: uuid.UUID) -> GreenChannelCheck | None:
    return session.scalar(
        select(GreenChannelCheck)
        .where(GreenChannelCheck.application_id == application_id)
        .order_by(GreenChannelCheck.seq.desc())
        .limit(1)
    )


def green_check_count(session: Session, application_id: uuid.UUID) -> int:
    count = session.scalar(
        select(func.count(GreenChannelCheck.id)).where(
            GreenChannelCheck.application_id == application_id
        )
    )
    return int(count or 0)


def decision_for(session: Session, application_id: uuid.UUID) -> Decision | None:
    return session.scalar(select(Decision).where(Decision.application_id == application_id))


def approved_count(session: Session, *, exporter_id: uuid.UUID) -> int:
    query = select(func.count(Application.id)).where(
        Application.exporter_id == exporter_id, Application.state == "approved"
    )
    return int(session.scalar(query) or 0)


def end_user_previously_approved(
    session: Session, *, exporter_id: uuid.UUID, end_user_id: uuid.UUID, excluding: uuid.UUID
) -> bool:
    found = session.scalar(
        select(Application.id)
        .where(
            Application.exporter_id == exporter_id,
            Application.end_user_id == end_user_id,
            Application.state == "approved",
            Application.id != excluding,
        )
        .limit(1)
    )
    return found is not None


def decided_applications(session: Session) -> list[Application]:
    return list(
        session.scalars(
            select(Application).where(
                Application.state.in_(["approved", "denied"]), Application.accepted_on.is_not(None)
            )
        )
    )


def license_for_application(session: Session, application_id: uuid.UUID) -> License | None:
    return session.scalar(select(License).where(License.application_id == application_id))


def get_license_by_number(session: Session, number: str) -> License | None:
    return session.scalar(select(License).where(License.number == number.strip().upper()))


LICENSES_ORDER = "issued_at desc, number desc"


def licenses_page(
    session: Session,
    *,
    exporter_id: uuid.UUID | None = None,
    partner: Jurisdiction | None = None,
    after: tuple[str | int, ...] | None,
    limit: int,
) -> tuple[list[License], int]:
    """Newest issued first (``LICENSES_ORDER``), and how many match in all."""
    conditions: list[ColumnElement[bool]] = []
    if exporter_id is not None:
        conditions.append(License.exporter_id == exporter_id)
    if partner is not None:
        conditions.append(partner_condition(partner, License, at=License.issued_at))
    return keyset_page(
        session,
        License,
        conditions=conditions,
        order=[License.issued_at.expression, License.number.expression],
        after=(datetime.fromisoformat(str(after[0])), after[1]) if after is not None else None,
        limit=limit,
        descending=True,
    )


def license_key(license_: License) -> tuple[str | int, ...]:
    return (license_.issued_at.isoformat(), license_.number)


def lines_of_licenses(
    session: Session, license_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, list[LicenseLine]]:
    found: dict[uuid.UUID, list[LicenseLine]] = {i: [] for i in license_ids}
    if not license_ids:
        return found
    for line in session.scalars(
        select(LicenseLine)
        .where(LicenseLine.license_id.in_(list(license_ids)))
        .order_by(LicenseLine.license_id, LicenseLine.line_no)
    ):
        found[line.license_id].append(line)
    return found


def references_of(session: Session, application_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, str]:
    if not application_ids:
        return {}
    rows = session.execute(
        select(Application.id, Application.reference).where(
            Application.id.in_(list(application_ids))
        )
    )
    return {application_id: reference for application_id, reference in rows}


def license_lines(session: Session, license_id: uuid.UUID) -> list[LicenseLine]:
    return list(
        session.scalars(
            select(LicenseLine)
            .where(LicenseLine.license_id == license_id)
            .order_by(LicenseLine.line_no)
        )
    )


def delete_calendar_year(session: Session, year: int) -> None:
    for day in session.scalars(select(CalendarDay).where(CalendarDay.year == year)):
        session.delete(day)
    session.flush()


def application_counts_by_state(session: Session, *, exporter_id: uuid.UUID) -> dict[str, int]:
    rows = session.execute(
        select(Application.state, func.count(Application.id))
        .where(Application.exporter_id == exporter_id)
        .group_by(Application.state)
    ).all()
    return {state: int(count) for state, count in rows}


def open_case_counts(session: Session) -> dict[tuple[str, str], int]:
    """Applications the authority owes an answer (``states.OPEN``), by (state, lane)."""
    rows = session.execute(
        select(Application.state, Application.lane, func.count(Application.id))
        .where(Application.state.in_([state.value for state in OPEN]))
        .group_by(Application.state, Application.lane)
    ).all()
    return {(state, lane): int(count) for state, lane, count in rows}


def license_counts_by_status(session: Session, *, exporter_id: uuid.UUID) -> dict[str, int]:
    rows = session.execute(
        select(License.status, func.count(License.id))
        .where(License.exporter_id == exporter_id)
        .group_by(License.status)
    ).all()
    return {status: int(count) for status, count in rows}


def violations_of(session: Session, *, company_id: uuid.UUID) -> list[Violation]:
    return list(
        session.scalars(
            select(Violation)
            .where(Violation.company_id == company_id)
            .order_by(Violation.occurred_on)
        )
    )


def applications_to_rescreen(session: Session, open_states: Iterable[str]) -> list[Application]:
    """Open applications, and the applications behind licenses still in force."""
    in_force = (LicenseStatus.ACTIVE.value, LicenseStatus.SUSPENDED.value)
    licensed = select(License.application_id).where(License.status.in_(in_force))
    return list(
        session.scalars(
            select(Application)
            .where(Application.state.in_(list(open_states)) | Application.id.in_(licensed))
            .order_by(Application.reference)
        )
    )
