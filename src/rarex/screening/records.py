"""What a watch list says about one listed party, whatever format it came in.

Pure: the list parsers (``rarex.screening.sources``) produce these, the matcher indexes them,
the service stores them. An entry is identified across versions of its list by
``source:entry_id`` (``entity_id``); ``content_hash`` changes exactly when something that
matters for screening changes, which is what delta re-screening and remembered dismissals
compare. A name's ``raw`` cell is shown, never screened, so it is not part of the hash.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field, fields
from datetime import date
from enum import StrEnum
from typing import Any


class PartyKind(StrEnum):
    PERSON = "person"
    ORGANIZATION = "organization"
    VESSEL = "vessel"
    AIRCRAFT = "aircraft"
    UNKNOWN = "unknown"


class NameRole(StrEnum):
    PRIMARY = "primary"
    ALIAS = "alias"  # "a.k.a.", "also known as", another language's official name
    WEAK_ALIAS = "weak_alias"  # OFAC/UN "low quality" or "f.k.a."-like names: scored lower
    FORMER = "former"  # "f.k.a.", formerly known as


class ListStatus(StrEnum):
    ACTIVE = "active"
    SUSPENDED = "suspended"  # measures suspended: listed, not in force
    REMOVED = "removed"  # measures stopped / delisted


@dataclass(frozen=True, slots=True)
class EntryName:
    text: str
    role: NameRole = NameRole.PRIMARY
    # ISO 639-1 language when the list says or the script makes it plain ("zh" for Han,
    # "ru" for Cyrillic from the UN's original-script names); None when unknown.
    lang: str | None = None
    # The cell as the list wrote it, when ``text`` is more than its whitespace tidied: control
    # characters taken out, clutter split off ("…, Shenzhen, Guangdong", "a.k.a. …"), or one
    # of several names the cell held. For display only: screening reads ``text``.
    raw: str | None = None

    def __reduce__(self) -> tuple[type[EntryName], tuple[object, ...]]:
        # by the constructor: a frozen dataclass's own unpickling reflects on its fields for
        # every object, a third of loading a persisted screening index
        return (EntryName, (self.text, self.role, self.lang, self.raw))


@dataclass(frozen=True, slots=True)
class StatusChange:
    status: ListStatus
    on: date
    announcement: str | None = None

    def __reduce__(self) -> tuple[type[StatusChange], tuple[object, ...]]:
        return (StatusChange, (self.status, self.on, self.announcement))


@dataclass(frozen=True, slots=True)
class ListEntry:
    source: str  # the list import's slug: "ofac-sdn", "un-sc", "bis-dpl", "us-export", ...
    entry_id: str  # stable within the source
    list_name: str  # the list as the source names it ("Entity List", "control_list", ...)
    kind: PartyKind
    names: tuple[EntryName, ...]
    countries: tuple[str, ...] = ()  # ISO 3166-1 alpha-2, upper case
    addresses: tuple[str, ...] = ()
    identifiers: tuple[str, ...] = ()  # "USCC 91440300...", "IMO 1234567", passport numbers ...
    programs: tuple[str, ...] = ()  # OFAC programs, UN committees
    listed_on: date | None = None
    effective_on: date | None = None
    announcement: str | None = None  # the measure that listed it, e.g. "商务部公告2025年第1号"
    # Chronological. Before the first change the entry is active from effective_on (or
    # listed_on); a change holds from its date on.
    status_changes: tuple[StatusChange, ...] = ()
    remarks: str | None = None
    extra: tuple[tuple[str, str], ...] = field(default=())  # anything else worth showing

    def __reduce__(self) -> tuple[type[ListEntry], tuple[object, ...]]:
        return (ListEntry, tuple(getattr(self, name) for name in _LIST_ENTRY_FIELDS))

    @property
    def entity_id(self) -> str:
        return f"{self.source}:{self.entry_id}"

    @property
    def primary_name(self) -> str:
        return next((n.text for n in self.names if n.role is NameRole.PRIMARY), self.names[0].text)

    def status_on(self, day: date) -> ListStatus | None:
        """The entry's status on ``day``; None before it took effect."""
        start = self.effective_on or self.listed_on
        if start is not None and day < start:
            return None
        status = ListStatus.ACTIVE
        for change in self.status_changes:
            if change.on <= day:
                status = change.status
        return status

    def in_force_on(self, day: date) -> bool:
        return self.status_on(day) is ListStatus.ACTIVE

    def content_hash(self) -> str:
        """SHA-256 of the entry's canonical JSON: equal for equal content, whatever the order
        of the source file's rows. The names' raw cells are left out: they are shown, never
        screened, and an entry hashes as it did before they were kept."""
        body = _plain(self)
        for name in body["names"]:
            del name["raw"]
        text = json.dumps(body, sort_keys=True, default=str, ensure_ascii=False)
        return hashlib.sha256(text.encode("utf-8")).hexdigest()


def entry_to_dict(entry: ListEntry) -> dict[str, Any]:
    """The entry as plain JSON values (dates as ISO strings); ``entry_from_dict`` reverses it.
    A name's ``raw`` is stored only when it has one."""
    body: dict[str, Any] = json.loads(json.dumps(_plain(entry), default=str, ensure_ascii=False))
    for name in body["names"]:
        if name["raw"] is None:
            del name["raw"]
    return body


def entry_from_dict(data: dict[str, Any]) -> ListEntry:
    def day(value: Any) -> date | None:
        return date.fromisoformat(value) if value else None

    return ListEntry(
        source=data["source"],
        entry_id=data["entry_id"],
        list_name=data["list_name"],
        kind=PartyKind(data["kind"]),
        names=tuple(
            EntryName(n["text"], NameRole(n["role"]), n.get("lang"), n.get("raw"))
            for n in data["names"]
        ),
        countries=tuple(data.get("countries", ())),
        addresses=tuple(data.get("addresses", ())),
        identifiers=tuple(data.get("identifiers", ())),
        programs=tuple(data.get("programs", ())),
        listed_on=day(data.get("listed_on")),
        effective_on=day(data.get("effective_on")),
        announcement=data.get("announcement"),
        status_changes=tuple(
            StatusChange(
                ListStatus(c["status"]), date.fromisoformat(c["on"]), c.get("announcement")
            )
            for c in data.get("status_changes", ())
        ),
        remarks=data.get("remarks"),
        extra=tuple((k, v) for k, v in data.get("extra", ())),
    )


_LIST_ENTRY_FIELDS: tuple[str, ...] = tuple(f.name for f in fields(ListEntry))


def _plain(entry: ListEntry) -> dict[str, Any]:
    """What ``dataclasses.asdict(entry)`` gives, built directly: asdict deep-copies every value,
    which was most of hashing an entry (a whole OFAC import hashes 9,000), and every value
    here is immutable already."""
    body = {name: getattr(entry, name) for name in _LIST_ENTRY_FIELDS}
    body["names"] = [
        {"text": n.text, "role": n.role, "lang": n.lang, "raw": n.raw} for n in entry.names
    ]
    body["status_changes"] = [
        {"status": c.status, "on": c.on, "announcement": c.announcement}
        for c in entry.status_changes
    ]
    return body
