"""Queries of the screening room."""

from __future__ import annotations

import uuid
from collections.abc import Iterable

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from rarex.models import Application, License
from rarex.models.screening import HitDismissal, ListedEntry, ListVersion, ScreeningHit
from rarex.screening.records import ListEntry, entry_from_dict


def active_versions(session: Session) -> list[ListVersion]:
    return list(
        session.scalars(
            select(ListVersion).where(ListVersion.active.is_(True)).order_by(ListVersion.source)
        )
    )


def versions(session: Session) -> list[ListVersion]:
    return list(
        session.scalars(
            select(ListVersion).order_by(
                ListVersion.source, ListVersion.active.desc(), ListVersion.imported_at.desc()
            )
        )
    )


def version_by_hash(session: Session, source: str, content_hash: str) -> ListVersion | None:
    return session.scalar(
        select(ListVersion).where(
            ListVersion.source == source, ListVersion.content_hash == content_hash
        )
    )


def active_version(session: Session, source: str, *, lock: bool = False) -> ListVersion | None:
    query = select(ListVersion).where(ListVersion.source == source, ListVersion.active.is_(True))
    if lock:
        query = query.with_for_update()
    return session.scalar(query)


def deactivate(session: Session, source: str) -> None:
    session.execute(
        update(ListVersion)
        .where(ListVersion.source == source, ListVersion.active.is_(True))
        .values(active=False)
    )


def entry_hashes(session: Session, version_id: uuid.UUID) -> dict[str, str]:
    rows = session.execute(
        select(ListedEntry.entity_id, ListedEntry.content_hash).where(
            ListedEntry.version_id == version_id
        )
    )
    return {entity_id: content_hash for entity_id, content_hash in rows}


def entries_of(session: Session, version_ids: Iterable[uuid.UUID]) -> list[ListEntry]:
    ids = list(version_ids)
    if not ids:
        return []
    rows = session.scalars(
        select(ListedEntry.data)
        .where(ListedEntry.version_id.in_(ids))
        .order_by(ListedEntry.entity_id)
    )
    return [entry_from_dict(data) for data in rows]


def hits_for(session: Session, application_id: uuid.UUID) -> list[ScreeningHit]:
    return list(
        session.scalars(
            select(ScreeningHit)
            .where(ScreeningHit.application_id == application_id)
            .order_by(ScreeningHit.raised_at, ScreeningHit.party_role, ScreeningHit.score.desc())
        )
    )


def hit(session: Session, hit_id: uuid.UUID, *, lock: bool = False) -> ScreeningHit | None:
    query = select(ScreeningHit).where(ScreeningHit.id == hit_id)
    if lock:
        query = query.with_for_update()
    return session.scalar(query)


def open_hit_count(session: Session, application_id: uuid.UUID) -> int:
    count = session.scalar(
        select(func.count(ScreeningHit.id)).where(
            ScreeningHit.application_id == application_id, ScreeningHit.status == "open"
        )
    )
    return int(count or 0)


def known_hits(session: Session, application_id: uuid.UUID) -> set[tuple[str, str, str]]:
    rows = session.execute(
        select(ScreeningHit.party_role, ScreeningHit.entity_id, ScreeningHit.entry_hash).where(
            ScreeningHit.application_id == application_id
        )
    )
    return {(role, entity, entry_hash) for role, entity, entry_hash in rows}


def dismissal(
    session: Session, party_key: str, entity_id: str, entry_hash: str
) -> HitDismissal | None:
    return session.scalar(
        select(HitDismissal).where(
            HitDismissal.party_key == party_key,
            HitDismissal.entity_id == entity_id,
            HitDismissal.entry_hash == entry_hash,
        )
    )


def applications_to_rescreen(session: Session, open_states: Iterable[str]) -> list[Application]:
    """Open applications, and the applications behind licenses still in force."""
    licensed = select(License.application_id).where(License.status == "active")
    return list(
        session.scalars(
            select(Application)
            .where(Application.state.in_(list(open_states)) | Application.id.in_(licensed))
            .order_by(Application.reference)
        )
    )
