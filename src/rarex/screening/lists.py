"""Importing watch lists as versions, and what is loaded now.

An import parses the file(s) completely before it writes anything: a malformed file raises
``MalformedList`` (naming the line or element) and the version in use stays in use. The same
content imported again (same source, same SHA-256 of the files) is recognised and changes
nothing. Otherwise the new version is compared with the active one (``plan_import``, one
computation for the dry run and the import): what it adds, changes and removes is shown, a
version that removes more than the configured share of the active entries is refused unless
an operator confirms it (``list_diff.check_shrink``), and the new version becomes the
source's active one. Its added and changed entries are what cases are screened against again
(``ImportResult.delta``).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from rarex.audit.service import record_event
from rarex.auth.roles import Actor, Role, require_role
from rarex.clock import Clock
from rarex.errors import Conflict
from rarex.models.screening import ListedEntry, ListVersion
from rarex.screening import repository
from rarex.screening.list_diff import Difference, ShrinkConfirmation, check_shrink, difference
from rarex.screening.records import ListEntry, entry_to_dict
from rarex.screening.sources import PARSE_REVISION, ParsedList, parse_list

Progress = Callable[[int, int | None], None]
MANAGE_ROLES = (Role.ADMINISTRATOR, Role.LICENSING_OFFICER)


@dataclass(frozen=True)
class ImportResult:
    """What an import did, or with ``dry_run`` what it would do (``version_id`` is then None
    unless an earlier version would become active again)."""

    source: str
    format: str
    version_id: str | None
    unchanged: bool
    entities: int
    names: int
    counts: dict[str, dict[str, int]]
    notes: tuple[str, ...]
    difference: Difference
    published_at: datetime | None = None
    dry_run: bool = False
    shrink_confirmation: ShrinkConfirmation | None = None

    @property
    def added(self) -> int:
        return len(self.difference.added)

    @property
    def changed(self) -> int:
        return len(self.difference.changed)

    @property
    def removed(self) -> int:
        return len(self.difference.removed)

    @property
    def delta(self) -> tuple[ListEntry, ...]:
        """The added and changed entries: what cases are screened against again (none for a
        dry run, which changes nothing)."""
        return () if self.unchanged or self.dry_run else self.difference.delta

    def to_dict(self, *, entries: bool = True) -> dict[str, Any]:
        """The stable JSON shape; ``entries=False`` gives the difference as counts only (the
        audit event's payload)."""
        confirmation = self.shrink_confirmation
        return {
            "source": self.source,
            "format": self.format,
            "version": self.version_id,
            "unchanged": self.unchanged,
            "dry_run": self.dry_run,
            "published_at": self.published_at.isoformat() if self.published_at else None,
            "entities": self.entities,
            "names": self.names,
            "counts": self.counts,
            "added": self.added,
            "changed": self.changed,
            "removed": self.removed,
            "difference": self.difference.to_dict() if entries else self.difference.counts(),
            "shrink_confirmation": confirmation.to_dict() if confirmation else None,
            "notes": list(self.notes),
        }


def _counts(parsed: ParsedList) -> dict[str, dict[str, int]]:
    return {
        name: {"entities": count.entities, "names": count.names}
        for name, count in parsed.counts_by_list.items()
    }


def content_hash(files: Sequence[bytes]) -> str:
    """What makes a version the same one: the files' bytes and the parsers' revision (the
    same bytes read by a better parser are another version)."""
    digest = hashlib.sha256(f"rarex-parse:{PARSE_REVISION}".encode())
    for data in files:
        digest.update(hashlib.sha256(data).digest())
    return digest.hexdigest()


@dataclass(frozen=True)
class ImportPlan:
    """A parsed version set against what is stored: the version it already is (``existing``,
    active or not) and its difference from the active version."""

    parsed: ParsedList
    digest: str
    hashes: dict[str, str]  # entity id → content hash, computed once for compare and store
    existing: ListVersion | None
    difference: Difference
    confirmation: ShrinkConfirmation | None
    unchanged: bool  # the content is the active version already: nothing to do

    def result(self, *, version: ListVersion | None, dry_run: bool) -> ImportResult:
        parsed = self.parsed
        return ImportResult(
            source=parsed.source,
            format=parsed.format,
            version_id=str(version.id) if version is not None else None,
            unchanged=self.unchanged,
            entities=parsed.total.entities,
            names=parsed.total.names,
            counts=_counts(parsed),
            notes=parsed.notes,
            difference=self.difference,
            published_at=version.published_at if version is not None else parsed.published_at,
            dry_run=dry_run,
            shrink_confirmation=self.confirmation,
        )


def plan_import(
    session: Session,
    *,
    parsed: ParsedList,
    digest: str,
    actor: Actor | None,
    shrink_limit: float,
    allow_shrink: bool = False,
    reason: str | None = None,
    lock: bool = True,
) -> ImportPlan:
    """Compare a parsed version with the active one and decide whether it may replace it:
    the one path of the dry run and the import. Raises ``ShrinkRefused`` for a version that
    removes too much without a confirmation. With ``lock``, imports of one source are
    serialised and the active version is held until the caller's transaction ends."""
    if lock:
        repository.lock_source(session, parsed.source)
    existing = repository.version_by_hash(session, parsed.source, digest)
    hashes = {entry.entity_id: entry.content_hash() for entry in parsed.entries}
    if existing is not None and existing.active:
        same = Difference(str(existing.id), existing.entities, existing.entities, (), (), ())
        return ImportPlan(parsed, digest, hashes, existing, same, None, unchanged=True)
    previous = repository.active_version(session, parsed.source, lock=lock)
    before = repository.entry_digests(session, previous.id) if previous is not None else {}
    diff = difference(
        before,
        parsed.entries,
        hashes,
        active_version=str(previous.id) if previous is not None else None,
    )
    confirmation = check_shrink(
        diff,
        source=parsed.source,
        limit=shrink_limit,
        allow_shrink=allow_shrink,
        reason=reason,
        actor=actor,
    )
    return ImportPlan(parsed, digest, hashes, existing, diff, confirmation, unchanged=False)


def import_list(
    session: Session,
    *,
    actor: Actor | None,
    clock: Clock,
    fmt: str,
    files: Sequence[bytes],
    file_names: Sequence[str],
    shrink_limit: float,
    retrieved_at: datetime | None = None,
    dataset: str | None = None,
    progress: Progress | None = None,
    allow_shrink: bool = False,
    reason: str | None = None,
    dry_run: bool = False,
) -> ImportResult:
    """Parse, compare with the active version, then store the new version as the active one
    (or recognise the one stored). ``dry_run`` stops after the comparison: nothing is written,
    no audit event recorded, and a refusal is the one the import would meet.

    ``actor`` is None only for the operator's own CLI on the authority's machine; a version
    that removes more than ``shrink_limit`` of the active entries needs ``allow_shrink``, a
    ``reason`` and a named ``actor``.
    """
    if actor is not None:
        require_role(actor, *MANAGE_ROLES, action="import watch lists")
    parsed = parse_list(fmt, list(files), dataset=dataset, progress=progress)
    plan = plan_import(
        session,
        parsed=parsed,
        digest=content_hash(files),
        actor=actor,
        shrink_limit=shrink_limit,
        allow_shrink=allow_shrink,
        reason=reason,
        lock=not dry_run,
    )
    if dry_run or plan.unchanged:
        return plan.result(version=plan.existing, dry_run=dry_run)
    version = _activate(
        session, plan=plan, actor=actor, now=clock.now(), files=file_names, retrieved=retrieved_at
    )
    result = plan.result(version=version, dry_run=False)
    payload = _exact(
        {**result.to_dict(entries=False), "content_hash": plan.digest, "files": list(file_names)}
    )
    record_event(
        session,
        clock=clock,
        actor=actor.label if actor is not None else "operator",
        action=(
            "screening.list_reactivated" if plan.existing is not None else "screening.list_imported"
        ),
        subject_type="list_version",
        subject_id=str(version.id),
        payload=payload,
    )
    return result


def _exact(value: Any) -> Any:
    """The payload with its shares (floats) as 4-place Decimals: the audit chain hashes exact
    values only."""
    if isinstance(value, float):
        return Decimal(f"{value:.4f}")
    if isinstance(value, dict):
        return {key: _exact(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_exact(item) for item in value]
    return value


def _activate(
    session: Session,
    *,
    plan: ImportPlan,
    actor: Actor | None,
    now: datetime,
    files: Sequence[str],
    retrieved: datetime | None,
) -> ListVersion:
    """The one writer of an import: the planned version becomes the source's active one."""
    parsed, diff = plan.parsed, plan.difference
    repository.deactivate(session, parsed.source)
    if plan.existing is not None:
        # An earlier version imported again (a list rolled back): it becomes the active one,
        # and what it differs by from the version it replaces is screened like any change.
        version = plan.existing
        version.active = True
    else:
        version = ListVersion(
            source=parsed.source,
            format=parsed.format,
            content_hash=plan.digest,
            files=list(files),
            retrieved_at=retrieved or now,
            published_at=parsed.published_at,
            imported_at=now,
            imported_by=actor.label if actor is not None else "operator",
            active=True,
            entities=parsed.total.entities,
            names=parsed.total.names,
            counts=_counts(parsed),
            notes=list(parsed.notes),
            added=len(diff.added),
            changed=len(diff.changed),
            removed=len(diff.removed),
        )
        session.add(version)
    try:
        session.flush()
    except IntegrityError:
        raise Conflict(
            f"another import of {parsed.source} landed meanwhile; import again to compare with it",
            code="lists.concurrent_import",
        ) from None
    if plan.existing is None and parsed.entries:
        # One INSERT run for every row (the driver's executemany: a statement prepared once on
        # PostgreSQL), not ORM objects: the ORM sends a list's thousands of rows as multi-row
        # VALUES statements of a thousand rows each, which psycopg parses for their placeholders
        # in Python and the server plans whole: the OFAC list took 7.1 s that way, 3.7 s this (its
        # parse included). The ids are the column default's, made for each row.
        session.execute(
            insert(ListedEntry),
            [
                {
                    "version_id": version.id,
                    "entity_id": entry.entity_id,
                    "list_name": entry.list_name,
                    "kind": entry.kind.value,
                    "primary_name": entry.primary_name,
                    "content_hash": plan.hashes[entry.entity_id],
                    "data": entry_to_dict(entry),
                }
                for entry in parsed.entries
            ],
        )
    return version


@dataclass(frozen=True)
class LoadedList:
    source: str
    format: str
    version_id: str
    active: bool
    content_hash: str
    files: list[str]
    retrieved_at: datetime
    published_at: datetime | None
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
            "published_at": self.published_at.isoformat() if self.published_at else None,
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
            published_at=v.published_at,
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
