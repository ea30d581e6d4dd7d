"""What changed since a user last looked, read from the audit chain: for the licensing desk,
new submissions, answers to requests for information and screening hits (a list's change
raises them too); for an exporter, the authority's requests for information and its
decisions on the company's applications. The user's mark (``auth.service.news_seen``) moves
only when they say they have seen it."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Final

from sqlalchemy import select
from sqlalchemy.orm import Session

from rarex.auth.roles import Actor, Role
from rarex.auth.service import news_seen
from rarex.licensing import repository
from rarex.models import Application, AuditEvent

DESK_NEWS: Final = ("application.submit", "application.supply_information", "screening.hits_raised")
EXPORTER_NEWS: Final = (
    "application.request_information",
    "application.approve",
    "application.deny",
)
MAX_NEWS: Final = 100


@dataclass(frozen=True, slots=True)
class NewsItem:
    seq: int
    at: datetime
    action: str
    reference: str


@dataclass(frozen=True, slots=True)
class News:
    since: int  # the user's mark: news are the events after it
    items: tuple[NewsItem, ...]  # newest first, at most MAX_NEWS
    latest: int  # the newest event shown: what "seen" marks

    def count(self, action: str) -> int:
        return sum(1 for item in self.items if item.action == action)


def news_for(session: Session, *, actor: Actor) -> News:
    """The news of the asker's pages since their mark; none for roles without news."""
    since = news_seen(session, actor=actor)
    if actor.role in (Role.LICENSING_OFFICER, Role.ADMINISTRATOR):
        wanted: tuple[str, ...] = DESK_NEWS
    elif actor.role is Role.EXPORTER and actor.company_id is not None:
        wanted = EXPORTER_NEWS
    else:
        return News(since, (), since)
    events = list(
        session.scalars(
            select(AuditEvent)
            .where(
                AuditEvent.seq > since,
                AuditEvent.action.in_(wanted),
                AuditEvent.subject_type == "application",
            )
            .order_by(AuditEvent.seq.desc())
            .limit(MAX_NEWS)
        )
    )
    ids: dict[str, uuid.UUID] = {}
    for event in events:
        try:
            ids[event.subject_id] = uuid.UUID(event.subject_id)
        except ValueError:
            continue
    if actor.role is Role.EXPORTER:
        own = set(
            session.scalars(
                select(Application.id).where(
                    Application.id.in_(list(ids.values())),
                    Application.exporter_id == actor.company_id,
                )
            )
        )
        ids = {key: value for key, value in ids.items() if value in own}
    references = repository.references_of(session, list(ids.values()))
    items = tuple(
        NewsItem(event.seq, event.at, event.action, references[ids[event.subject_id]])
        for event in events
        if event.subject_id in ids and ids[event.subject_id] in references
    )
    return News(since, items, max((item.seq for item in items), default=since))
