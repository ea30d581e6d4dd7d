"""Answers of the control list: what was asked, on which day, and why each entry is (not) in force.

``to_dict`` shapes are the stable JSON contract of the API and of ``rarex catalog ... --json``:
add keys if needed, never rename or remove one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any, Literal

from rarex.catalog.model import Announcement, ControlEntry, Element, EntryStatus

QueryKind = Literal["control_code", "hs_code"]


@dataclass(frozen=True, slots=True)
class EntryCheck:
    """One entry's standing on one day, with the sentence and citations that justify it."""

    entry: ControlEntry
    on: date
    status: EntryStatus
    reason: str

    @classmethod
    def of(cls, entry: ControlEntry, on: date) -> EntryCheck:
        return cls(entry=entry, on=on, status=entry.status_on(on), reason=entry.reason_on(on))

    @property
    def in_force(self) -> bool:
        return self.status is EntryStatus.IN_FORCE

    @property
    def code(self) -> str:
        return self.entry.code

    @property
    def element(self) -> Element | None:
        return self.entry.element

    @property
    def code_confirmed(self) -> bool:
        return self.entry.code_confirmed

    @property
    def announcement(self) -> Announcement:
        return self.entry.announcement

    @property
    def suspension_announcement(self) -> Announcement | None:
        return self.entry.suspension_announcement

    def to_dict(self) -> dict[str, Any]:
        entry = self.entry
        return {
            "code": entry.code,
            "element": entry.element.to_dict() if entry.element else None,
            "description": entry.description,
            "hs_codes": list(entry.hs_codes),
            "status": self.status.value,
            "in_force": self.in_force,
            "reason": self.reason,
            "effective_from": entry.effective_from.isoformat(),
            "announcement": entry.announcement.ref(),
            "suspension_announcement": _ref(entry.suspension_announcement),
            "code_confirmed": entry.code_confirmed,
            "extraterritorial_rule": _ref(entry.extraterritorial_rule),
        }


@dataclass(frozen=True, slots=True)
class ControlCheck:
    """Whether a code was controlled on a day: ``controlled`` iff any matching entry was in force.

    An HS code that maps to no entry yields ``controlled=False`` and no matches: the cross-walk is
    a reference, so absence from it is an answer, not an error.
    """

    query: str
    query_kind: QueryKind
    on: date
    matches: tuple[EntryCheck, ...]
    catalog_version: str

    @property
    def controlled(self) -> bool:
        return any(match.in_force for match in self.matches)

    def to_dict(self) -> dict[str, Any]:
        return {
            "query": self.query,
            "query_kind": self.query_kind,
            "on": self.on.isoformat(),
            "controlled": self.controlled,
            "catalog_version": self.catalog_version,
            "matches": [match.to_dict() for match in self.matches],
        }


@dataclass(frozen=True, slots=True)
class CatalogListing:
    """Every entry's standing on one day, plus the announcements they cite."""

    on: date
    catalog_version: str
    entries: tuple[EntryCheck, ...]
    announcements: tuple[Announcement, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "on": self.on.isoformat(),
            "catalog_version": self.catalog_version,
            "in_force_count": sum(1 for entry in self.entries if entry.in_force),
            # The full entry (HS codes, item forms, all dates), then its standing on the day.
            "entries": [{**row.entry.to_dict(), **row.to_dict()} for row in self.entries],
            "announcements": [
                {**announcement.to_dict(), "status": announcement.status_on(self.on).value}
                for announcement in self.announcements
            ],
        }


def _ref(announcement: Announcement | None) -> dict[str, str] | None:
    return None if announcement is None else announcement.ref()
