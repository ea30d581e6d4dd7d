"""The control list's vocabulary: announcements, entries, and how dates decide an entry's status.

Pure and immutable. Every date here is a legal date in China's calendar; no clock is read.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

# Announcement ids end in ``-<year>-<number>`` (``MOFCOM-GACC-2025-18``); the citation
# "Announcement 2025 No. 18" is derived from that, so the data never states it twice.
ANNOUNCEMENT_ID = re.compile(r"^[A-Z]+(?:-[A-Z]+)*-(?P<year>[0-9]{4})-(?P<no>[0-9]{1,4})$")


class EntryStatus(StrEnum):
    IN_FORCE = "in_force"
    NOT_YET_EFFECTIVE = "not_yet_effective"
    SUSPENDED = "suspended"
    REPEALED = "repealed"


class AnnouncementKind(StrEnum):
    LIST = "list"  # adds items to the control list
    RULE = "rule"  # a rule about items already listed (e.g. extraterritorial reach)
    SUSPENSION = "suspension"  # suspends other announcements for a window


def status_between(
    on: date,
    *,
    effective_from: date,
    suspended_from: date | None,
    suspended_until: date | None,
    repealed_on: date | None,
) -> EntryStatus:
    """The status on a day, with precedence repealed > suspended > not yet effective > in force.

    A suspension window that covers the day wins over "not yet effective": a measure suspended
    before its effective date is reported as suspended, because that is why it is not applied.
    ``suspended_until`` is inclusive; ``repealed_on`` is the first day without the measure.
    """
    if repealed_on is not None and on >= repealed_on:
        return EntryStatus.REPEALED
    if _within(on, suspended_from, suspended_until):
        return EntryStatus.SUSPENDED
    if on < effective_from:
        return EntryStatus.NOT_YET_EFFECTIVE
    return EntryStatus.IN_FORCE


@dataclass(frozen=True, slots=True)
class Element:
    symbol: str
    name_en: str
    name_zh: str

    def to_dict(self) -> dict[str, str]:
        return {"symbol": self.symbol, "name_en": self.name_en, "name_zh": self.name_zh}


@dataclass(frozen=True, slots=True)
class Announcement:
    """A published legal act. Its own suspension window is data, like an entry's."""

    id: str
    number: str
    kind: AnnouncementKind
    title: str
    published_on: date
    effective_on: date
    notes: str = ""
    effective_on_confirmed: bool = True
    suspended_from: date | None = None
    suspended_until: date | None = None
    suspension_announcement: str | None = None

    @property
    def citation(self) -> str:
        """Short English citation, e.g. ``Announcement 2025 No. 70``."""
        match = ANNOUNCEMENT_ID.fullmatch(self.id)
        if match is None:  # ids are validated on load; keep a readable fallback anyway
            return f"Announcement {self.id}"
        return f"Announcement {match['year']} No. {int(match['no'])}"

    def status_on(self, on: date) -> EntryStatus:
        return status_between(
            on,
            effective_from=self.effective_on,
            suspended_from=self.suspended_from,
            suspended_until=self.suspended_until,
            repealed_on=None,
        )

    def ref(self) -> dict[str, str]:
        """The short form cited inside check results."""
        return {"id": self.id, "number": self.number, "citation": self.citation}

    def to_dict(self) -> dict[str, object]:
        return {
            "id": self.id,
            "number": self.number,
            "citation": self.citation,
            "kind": self.kind.value,
            "title": self.title,
            "published_on": self.published_on.isoformat(),
            "effective_on": self.effective_on.isoformat(),
            "effective_on_confirmed": self.effective_on_confirmed,
            "suspended_from": _iso(self.suspended_from),
            "suspended_until": _iso(self.suspended_until),
            "suspension_announcement": self.suspension_announcement,
            "notes": self.notes,
        }


@dataclass(frozen=True, slots=True)
class ControlEntry:
    """One sub-entry of the control list (``1C902.a``), with the dates that decide its status.

    Invariants (checked on load): the suspension window and its announcement are all set or all
    None, ``suspended_from <= suspended_until``, and HS codes are ten digits.
    """

    code: str
    element: Element | None
    description: str
    item_forms: tuple[str, ...]
    hs_codes: tuple[str, ...]
    announcement: Announcement
    effective_from: date
    suspended_from: date | None = None
    suspended_until: date | None = None
    suspension_announcement: Announcement | None = None
    repealed_on: date | None = None
    repeal_announcement: Announcement | None = None
    code_confirmed: bool = True
    extraterritorial_rule: Announcement | None = None
    notes: str = ""

    @property
    def base_code(self) -> str:
        return self.code.partition(".")[0]

    def status_on(self, d: date) -> EntryStatus:
        return status_between(
            d,
            effective_from=self.effective_from,
            suspended_from=self.suspended_from,
            suspended_until=self.suspended_until,
            repealed_on=self.repealed_on,
        )

    def in_force_on(self, d: date) -> bool:
        return self.status_on(d) is EntryStatus.IN_FORCE

    def reason_on(self, d: date) -> str:
        """One English sentence explaining ``status_on(d)``, citing the announcements involved."""
        status = self.status_on(d)
        listed = self.announcement.citation
        effective = self.effective_from.isoformat()
        if status is EntryStatus.REPEALED:
            assert self.repealed_on is not None
            by = f" by {self.repeal_announcement.citation}" if self.repeal_announcement else ""
            return f"repealed{by} on {self.repealed_on.isoformat()} (listed by {listed})"
        window = self._suspension_phrase()
        if status is EntryStatus.SUSPENDED:
            assert self.suspended_from is not None
            if self.suspended_from <= self.effective_from:
                return f"{window} before it took effect on {effective} under {listed}"
            return f"{window}; it had been in force since {effective} under {listed}"
        if status is EntryStatus.NOT_YET_EFFECTIVE:
            sentence = (
                f"not yet effective: {listed} (published "
                f"{self.announcement.published_on.isoformat()}) brings it into force on {effective}"
            )
            if self._suspension_blocks_start() and d < (self.suspended_from or d):
                sentence += f"; it is later {window}, so it will not take effect on that date"
            return sentence
        if self._suspension_blocks_start() and self.suspended_until is not None:
            since = (self.suspended_until + timedelta(days=1)).isoformat()
            return (
                f"in force since {since} under {listed}, when the suspension by "
                f"{self._suspender()} ended; it had been suspended before it took effect"
            )
        sentence = f"in force since {effective} under {listed}"
        if self.suspended_until is not None and self.suspended_until < d:
            sentence += f"; it was {window}"
        return sentence

    def _suspension_blocks_start(self) -> bool:
        """True when the suspension window covers the effective date, deferring the start."""
        if self.suspended_from is None or self.suspended_until is None:
            return False
        return self.suspended_from <= self.effective_from <= self.suspended_until

    def _suspender(self) -> str:
        return self.suspension_announcement.citation if self.suspension_announcement else "?"

    def _suspension_phrase(self) -> str:
        return (
            f"suspended from {_iso(self.suspended_from)} to {_iso(self.suspended_until)} "
            f"by {self._suspender()}"
        )

    def to_dict(self) -> dict[str, object]:
        """The entry's static data; date-dependent status lives in check results."""
        return {
            "code": self.code,
            "base_code": self.base_code,
            "element": self.element.to_dict() if self.element else None,
            "description": self.description,
            "item_forms": list(self.item_forms),
            "hs_codes": list(self.hs_codes),
            "announcement": self.announcement.ref(),
            "effective_from": self.effective_from.isoformat(),
            "suspended_from": _iso(self.suspended_from),
            "suspended_until": _iso(self.suspended_until),
            "suspension_announcement": _ref(self.suspension_announcement),
            "repealed_on": _iso(self.repealed_on),
            "repeal_announcement": _ref(self.repeal_announcement),
            "code_confirmed": self.code_confirmed,
            "extraterritorial_rule": _ref(self.extraterritorial_rule),
            "notes": self.notes,
        }


def _within(on: date, start: date | None, until: date | None) -> bool:
    return start is not None and until is not None and start <= on <= until


def _iso(d: date | None) -> str | None:
    return None if d is None else d.isoformat()


def _ref(announcement: Announcement | None) -> dict[str, str] | None:
    return None if announcement is None else announcement.ref()
