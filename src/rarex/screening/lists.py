"""Importing watch lists as versions, and what is loaded now.

An import parses the file(s) completely before it writes anything: a malformed file raises
``MalformedList`` (naming the line or element) and the version in use stays in use. The same
content imported again (same source, same SHA-256 of the files) is recognised and changes
nothing. A new version becomes the source's active one; what it added, changed and removed
against the version before is counted and returned, so the cases can be screened again
against exactly those entries (``ImportResult.delta``).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from rarex.audit.service import record_event
from rarex.auth.roles import Actor, Role, require_role
from rarex.clock import Clock
from rarex.errors import Conflict
from rarex.models.screening import ListedEntry, ListVersion
from rarex.screening import repository
from rarex.screening.records import ListEntry, entry_to_dict
from rarex.screening.sources import parse_list

Progress = Callable[[int, int | None], None]
MANAGE_ROLES = (Role.ADMINISTRATOR, Role.LICENSING_OFFICER)


@dataclass(frozen=True)
class ImportResult:
    source: str
    format: str
    version_id: str
    unchanged: bool
    entities: int
    names: int
    counts: dict[str, dict[str, int]]
    notes: tuple[str, ...]
    added: int = 0
    changed: int = 0
    removed: int = 0
    # The added and changed entries: what cases are screened against again.
    delta: tuple[ListEntry, ...] = field(default=(), repr=False)

    def to_dict(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "format": self.format,
            "version": self.version_id,
            "unchanged": self.unchanged,
            "entities": self.entities,
            "names": self.names,
            "counts": self.counts,
            "added": self.added,
            "changed": self.changed,
            "removed": self.removed,
            "notes": list(self.notes),
        }


def content_hash(files: Sequence[bytes]) -> str:
    digest = hashlib.sha256()
    for data in files:
        digest.update(hashlib.sha256(data).digest())
    return digest.hexdigest()


def import_list(
    session: Session,
    *,
    actor: Actor | None,
    clock: Clock,
    fmt: str,
    files: Sequence[bytes],
    file_names: Sequence[str],
    retrieved_at: datetime | None = None,
    dataset: str | None = None,
    progress: Progress | None = None,
) -> ImportResult:
    """Parse, then store a new active version of the list (or recognise the one stored).

    ``actor`` is None only for the operator's own CLI on the authority's machine.
    """
    if actor is not None:
        require_role(actor, *MANAGE_ROLES, action="import watch lists")
    parsed = parse_list(fmt, list(files), dataset=dataset, progress=progress)
    digest = content_hash(files)
    counts = {
        name: {"entities": count.entities, "names": count.names}
        for name, count in parsed.counts_by_list.items()
    }
    repository.lock_source(session, parsed.source)
    existing = repository.version_by_hash(session, parsed.source, digest)
    if existing is not None and existing.active:
        return ImportResult(
            source=parsed.source,
            format=parsed.format,
            version_id=str(existing.id),
            unchanged=True,
            entities=existing.entities,
            names=existing.names,
            counts=existing.counts,
            notes=tuple(existing.notes),
        )
    now = clock.now()
    previous = repository.active_version(session, parsed.source, lock=True)
    before = repository.entry_hashes(session, previous.id) if previous is not None else {}
    hashes = {entry.entity_id: entry.content_hash() for entry in parsed.entries}
    delta = tuple(e for e in parsed.entries if before.get(e.entity_id) != hashes[e.entity_id])
    added = sum(1 for e in delta if e.entity_id not in before)
    removed = len(before.keys() - hashes.keys())
    repository.deactivate(session, parsed.source)
    if existing is not None:
        # An earlier version imported again (a list rolled back): it becomes the active one,
        # and what it differs by from the version it replaces is screened like any change.
        version = existing
        version.active = True
    else:
        version = ListVersion(
            source=parsed.source,
            format=parsed.format,
            content_hash=digest,
            files=list(file_names),
            retrieved_at=retrieved_at or now,
            imported_at=now,
            imported_by=actor.label if actor is not None else "operator",
            active=True,
            entities=parsed.total.entities,
            names=parsed.total.names,
            counts=counts,
            notes=list(parsed.notes),
            added=added,
            changed=len(delta) - added,
            removed=removed,
        )
        session.add(version)
    try:
        session.flush()
    except IntegrityError:
        raise Conflict(
            f"another import of {parsed.source} landed meanwhile; import again to compare with it",
            code="lists.concurrent_import",
        ) from None
    if existing is None:
        session.add_all(
            ListedEntry(
                version_id=version.id,
                entity_id=entry.entity_id,
                list_name=entry.list_name,
                kind=entry.kind.value,
                primary_name=entry.primary_name,
                content_hash=hashes[entry.entity_id],
                data=entry_to_dict(entry),
            )
            for entry in parsed.entries
        )
        session.flush()
    result = ImportResult(
        source=parsed.source,
        format=parsed.format,
        version_id=str(version.id),
        unchanged=False,
        entities=version.entities,
        names=version.names,
        counts=counts,
        notes=parsed.notes,
        added=added,
        changed=len(delta) - added,
        removed=removed,
        delta=delta,
    )
    record_event(
        session,
        clock=clock,
        actor=actor.label if actor is not None else "operator",
        action="screening.list_reactivated" if existing is not None else "screening.list_imported",
        subject_type="list_version",
        subject_id=str(version.id),
        payload={**result.to_dict(), "content_hash": digest, "files": list(file_names)},
    )
    return result


@dataclass(frozen=True)
class LoadedList:
    source: str
    format: str
    version_id: str
    active: bool
    content_hash: str
    files: list[str]
    retrieved_at: datetime
    imported_at: datetime
    imported_by: str
    entities: int
    names: int
    counts: dict[str, Any]
    added: int
    changed: int
    removed: int

    def to_dict(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "format": self.format,
            "version": self.version_id,
            "active": self.active,
            "content_hash": self.content_hash,
            "files": self.files,
            "retrieved_at": self.retrieved_at.isoformat(),
            "imported_at": self.imported_at.isoformat(),
            "imported_by": self.imported_by,
            "entities": self.entities,
            "names": self.names,
            "counts": self.counts,
            "added": self.added,
            "changed": self.changed,
            "removed": self.removed,
        }


def list_status(
    session: Session, *, actor: Actor | None, history: bool = False
) -> list[LoadedList]:
    """The active version of every source (with ``history``, every version, newest first)."""
    if actor is not None:
        require_role(
            actor, Role.ADMINISTRATOR, Role.LICENSING_OFFICER, Role.CUSTOMS_OFFICER,
            action="see the watch lists",
        )  # fmt: skip
    rows = repository.versions(session) if history else repository.active_versions(session)
    return [
        LoadedList(
            source=v.source,
            format=v.format,
            version_id=str(v.id),
            active=v.active,
            content_hash=v.content_hash,
            files=list(v.files),
            retrieved_at=v.retrieved_at,
            imported_at=v.imported_at,
            imported_by=v.imported_by,
            entities=v.entities,
            names=v.names,
            counts=v.counts,
            added=v.added,
            changed=v.changed,
            removed=v.removed,
        )
        for v in rows
    ]
