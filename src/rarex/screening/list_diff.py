"""What a new version of a watch list changes against the version in use, and when that is
too much to take without an operator's word.

Pure: the one computation of a difference (``difference``) serves the dry run and the import
alike, so what a dry run shows is what the import does. A version that removes more than the
configured share of the active entries (``RAREX_LIST_SHRINK_LIMIT``, 5% by default) is
refused (``lists.shrink_refused``) unless confirmed with a reason by a named user: a
truncated download is a well-formed file, and importing it would quietly stop screening
against most of a list.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from rarex.auth.roles import Actor
from rarex.errors import InvalidInput
from rarex.screening.errors import ShrinkRefused
from rarex.screening.records import ListEntry


@dataclass(frozen=True, slots=True)
class Listed:
    """One entry named in a difference: its id and primary name."""

    entity_id: str
    name: str

    def to_dict(self) -> dict[str, str]:
        return {"entity_id": self.entity_id, "name": self.name}


@dataclass(frozen=True)
class Difference:
    """A version against the active version of its source (``before`` entries there,
    ``after`` in the new one). ``delta`` holds the added and changed entries themselves: what
    cases are screened against again."""

    active_version: str | None
    before: int
    after: int
    added: tuple[Listed, ...]
    changed: tuple[Listed, ...]
    removed: tuple[Listed, ...]
    delta: tuple[ListEntry, ...] = ()

    @property
    def removed_share(self) -> float:
        return len(self.removed) / self.before if self.before else 0.0

    def counts(self) -> dict[str, Any]:
        return {
            "active_version": self.active_version,
            "before": self.before,
            "after": self.after,
            "added": len(self.added),
            "changed": len(self.changed),
            "removed": len(self.removed),
            "removed_share": round(self.removed_share, 4),
        }

    def to_dict(self) -> dict[str, Any]:
        """The counts and every entry added, changed or removed (nothing cut: a shrink is
        judged by what it removes)."""
        return {
            **self.counts(),
            "entries": {
                "added": [e.to_dict() for e in self.added],
                "changed": [e.to_dict() for e in self.changed],
                "removed": [e.to_dict() for e in self.removed],
            },
        }


def difference(
    before: Mapping[str, tuple[str, str]],
    entries: Sequence[ListEntry],
    hashes: Mapping[str, str],
    *,
    active_version: str | None,
) -> Difference:
    """``entries`` (with ``hashes``, entity id → content hash) against ``before`` (entity id →
    content hash and primary name of each active entry): added (a new id), changed (same id,
    another content hash), removed (an id no longer there). Entries keep the parser's order;
    removed ones are sorted by id."""
    added: list[Listed] = []
    changed: list[Listed] = []
    delta: list[ListEntry] = []
    present: set[str] = set()
    for entry in entries:
        key = entry.entity_id
        present.add(key)
        old = before.get(key)
        if old is not None and old[0] == hashes[key]:
            continue
        delta.append(entry)
        (added if old is None else changed).append(Listed(key, entry.primary_name))
    removed = tuple(Listed(k, before[k][1]) for k in sorted(before.keys() - present))
    return Difference(
        active_version=active_version,
        before=len(before),
        after=len(entries),
        added=tuple(added),
        changed=tuple(changed),
        removed=removed,
        delta=tuple(delta),
    )


@dataclass(frozen=True)
class ShrinkConfirmation:
    """An operator's word that a version may remove more than the limit allows: who, why,
    and what it removed (recorded with the import's audit event)."""

    actor: str
    reason: str
    removed: int
    before: int
    removed_share: float
    limit: float

    def to_dict(self) -> dict[str, Any]:
        return {
            "actor": self.actor,
            "reason": self.reason,
            "removed": self.removed,
            "before": self.before,
            "removed_share": round(self.removed_share, 4),
            "limit": self.limit,
        }


def check_shrink(
    diff: Difference,
    *,
    source: str,
    limit: float,
    allow_shrink: bool,
    reason: str | None,
    actor: Actor | None,
) -> ShrinkConfirmation | None:
    """None when the version removes no more than ``limit`` of the active entries; the
    confirmation when it does and an operator allowed it, with a reason, as a named user.
    Otherwise ``ShrinkRefused`` (``lists.shrink_refused``), carrying the difference."""
    if diff.removed_share <= limit:
        return None
    share = f"{diff.removed_share:.1%}"
    what = (
        f"{source}: the new version removes {len(diff.removed)} of the {diff.before} active "
        f"entries ({share}, more than the {limit:.1%} allowed); {len(diff.added)} added, "
        f"{len(diff.changed)} changed"
    )
    if not allow_shrink:
        raise ShrinkRefused(
            f"{what}. A truncated file would stop screening against them: check the file, or "
            "confirm with --allow-shrink --reason (API: allow_shrink and reason)",
            difference=diff,
            limit=limit,
        )
    text = (reason or "").strip()
    if not text:
        raise InvalidInput(
            f"{what}: allowing it needs a reason", code="lists.shrink_reason_required"
        )
    if actor is None:
        raise InvalidInput(
            f"{what}: allowing it needs a named user (--as USER), so the confirmation is "
            "recorded with who gave it",
            code="lists.shrink_actor_required",
        )
    return ShrinkConfirmation(
        actor=actor.label,
        reason=text,
        removed=len(diff.removed),
        before=diff.before,
        removed_share=diff.removed_share,
        limit=limit,
    )
