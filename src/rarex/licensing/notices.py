"""Who hears of a case's state changes, and what they are told (``rarex.notify`` writes it).

A case is followed by its applicant's exporter users, by the licensing officer handling it
(the officer whose step on it is the latest: Rarex assigns no cases, an officer takes one by
acting on it) and by whoever follows it explicitly (``notify.service.follow``: a partner
authority that inquired about it or put it on a priority list). The one who took the step is
not told of it. Every state change is announced from ``history.settle_change``, in the
transaction of the change, so no route or command can change a case without its followers
hearing of it.
"""

from __future__ import annotations

import uuid

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from rarex.auth.roles import Actor, Role
from rarex.clock import Clock
from rarex.config import Settings
from rarex.licensing.states import State
from rarex.models import Application, Company, Follow, Notification, StateChange, User
from rarex.notify.kinds import Facts, Kind
from rarex.notify.service import notify

_DECIDED = frozenset({State.APPROVED.value, State.DENIED.value})


def case_facts(session: Session, application: Application) -> Facts:
    """What a notification about ``application`` may say, to anyone (a partner authority
    included): reference, exporter, destination, state, lane, due date, decision and date."""
    company = session.get(Company, application.exporter_id)
    decided = application.state in _DECIDED
    return Facts(
        reference=application.reference,
        exporter=company.name if company is not None else None,
        destination=application.destination,
        state=application.state,
        lane=application.lane,
        due_on=application.due_on,
        decision=application.state if decided else None,
        decided_on=application.decided_on if decided else None,
    )


def followers(session: Session, application: Application) -> list[uuid.UUID]:
    """The applicant's active exporter users, the handling officer and the explicit followers,
    in one query (it runs on every state change of every case)."""
    officer = (
        select(StateChange.actor_id)
        .join(User, User.id == StateChange.actor_id)
        .where(
            StateChange.application_id == application.id,
            User.role == Role.LICENSING_OFFICER.value,
        )
        .order_by(StateChange.seq.desc())
        .limit(1)
        .scalar_subquery()
    )
    followed = select(Follow.user_id).where(Follow.application_id == application.id)
    return list(
        session.scalars(
            select(User.id)
            .where(
                or_(
                    and_(
                        User.company_id == application.exporter_id,
                        User.role == Role.EXPORTER.value,
                        User.active.is_(True),
                    ),
                    User.id == officer,
                    User.id.in_(followed),
                )
            )
            .order_by(User.username)
        )
    )


def announce_change(
    session: Session,
    *,
    application: Application,
    actor: Actor,
    clock: Clock,
    settings: Settings,
) -> list[Notification]:
    """Tell the case's followers, but the actor, of its new state: a decision (approved,
    denied) as such, any other change as a state change."""
    kind = Kind.DECISION if application.state in _DECIDED else Kind.STATE_CHANGED
    recipients = [u for u in followers(session, application) if u != actor.user_id]
    return notify(
        session, clock=clock, settings=settings, recipients=recipients, kind=kind,
        facts=case_facts(session, application),
    )  # fmt: skip
