"""Queries of the screening room."""

from __future__ import annotations

import uuid
from collections.abc import Iterable

from sqlalchemy import func, select, text, update
from sqlalchemy.orm import Session

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


def lock_source(session: Session, source: str) -> None:
    """Serialise imports of one source (PostgreSQL; SQLite serialises every writer): the
    second waits and then compares with what the first made active."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(
            text(
                "SELECT pg_advisory_xact_lock(hashtext('rarex.lists:' || current_schema() || :s))"
            ),
            {"s": source},
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


def entry_digests(session: Session, version_id: uuid.UUID) -> dict[str, tuple[str, str]]:
    """Entity id → (content hash, primary name) of a version's entries: what a difference
    compares and names."""
    rows = session.execute(
        select(ListedEntry.entity_id, ListedEntry.content_hash, ListedEntry.primary_name).where(
            ListedEntry.version_id == version_id
        )
    )
    return {entity_id: (digest, name) for entity_id, digest, name in rows}


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


def known_hits(session: Session, application_id: uuid.UUID) -> set[tuple[str, str, str, str]]:
    rows = session.execute(
        select(
            ScreeningHit.party_role,
            ScreeningHit.party_key,
            ScreeningHit.entity_id,
            ScreeningHit.entry_hash,
        ).where(ScreeningHit.application_id == application_id)
    )
    return {(role, key, entity, entry_hash) for role, key, entity, entry_hash in rows}


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


def active_entry(session: Session, entity_id: str) -> ListEntry | None:
    """The entry as the active version of its list states it (None once it left the list)."""
    data = session.scalar(
        select(ListedEntry.data)
        .join(ListVersion, ListVersion.id == ListedEntry.version_id)
        .where(ListedEntry.entity_id == entity_id, ListVersion.active.is_(True))
    )
    return entry_from_dict(data) if data is not None else None
