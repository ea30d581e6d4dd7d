"""Searching names against the active watch lists, with each entry's status on a date.

The index over the active versions is built once per set of versions and process (building
it normalises every listed name; a query then costs well under a millisecond) and is rebuilt
only when a list import changes the active set.
"""

from __future__ import annotations

import re
import threading
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

from sqlalchemy import Connection
from sqlalchemy.orm import Session

from rarex import metrics
from rarex.auth.roles import Actor, Role, require_role
from rarex.clock import Clock, authority_date
from rarex.config import get_settings
from rarex.errors import InvalidInput
from rarex.parties.identifiers import normalize_country
from rarex.screening import persisted
from rarex.screening.example import Example
from rarex.screening.index import ScreeningIndex
from rarex.screening.matching import DEFAULT, Match, MatchSettings, search_counted
from rarex.screening.records import ListEntry, ListStatus, PartyKind
from rarex.screening.version_store import active_version_ids

SEARCH_ROLES = (Role.ADMINISTRATOR, Role.LICENSING_OFFICER, Role.CUSTOMS_OFFICER)
MAX_QUERY = 300
# A threshold asked for per call stays within these.
THRESHOLD_BOUNDS = (0.6, 1.0)
MAX_BATCH = 1000


_lock = threading.Lock()
_cached: tuple[tuple[str, ...], ScreeningIndex] | None = None


def active_index(db: Session | Connection) -> ScreeningIndex:
    """The index over every active list version (empty when no list is loaded): this
    process's copy, else the copy kept on disk for these versions (``persisted``), else a new
    build, kept for the next process. Only a build reads the entries (through the ORM)."""
    global _cached
    key = active_version_ids(db)
    # Built under the lock: concurrent requests after an import wait for one build instead of
    # each building (and holding) a copy.
    with _lock:
        if _cached is not None and _cached[0] == key:
            return _cached[1]
        folder = get_settings().screening_cache_dir
        index = persisted.load(folder, key) if folder and key else None
        if index is None:
            from rarex.screening import repository  # the ORM models: only to build

            ids = [uuid.UUID(k) for k in key]
            if isinstance(db, Session):
                entries = repository.entries_of(db, ids)
            else:
                with Session(bind=db) as session:
                    entries = repository.entries_of(session, ids)
            index = ScreeningIndex.build(entries)
            if folder and key:
                persisted.save(folder, key, index)
        _cached = (key, index)
        return index


def match_settings(threshold: float) -> MatchSettings:
    """The matcher's settings with the configured threshold (``RAREX_SCREENING_THRESHOLD``)."""
    return DEFAULT if threshold == DEFAULT.threshold else replace(DEFAULT, threshold=threshold)


def lists_loaded(db: Session | Connection) -> bool:
    return bool(active_version_ids(db))


@dataclass(frozen=True)
class ScreenHit:
    """A match with what the list says of the entry on the screening date."""

    match: Match
    on: date
    status: ListStatus | None

    @property
    def in_force(self) -> bool:
        return self.status is ListStatus.ACTIVE

    def to_dict(self) -> dict[str, Any]:
        entry = self.match.entry
        return {
            **self.match.to_dict(),
            "source": entry.source,
            "list": entry.list_name,
            # every name of the entry, in every script the list gives (通用动力公司 beside
            # "General Dynamics"), with the cell as the list wrote it where it was cleaned
            "names": [
                {"text": n.text, "role": n.role.value, "lang": n.lang, "raw": n.raw}
                for n in entry.names
            ],
            "addresses": list(entry.addresses),
            "identifiers": list(entry.identifiers),
            "countries": list(entry.countries),
            "programs": list(entry.programs),
            "announcement": entry.announcement,
            "listed_on": entry.listed_on.isoformat() if entry.listed_on else None,
            "effective_on": entry.effective_on.isoformat() if entry.effective_on else None,
            "status_on_date": self.status.value if self.status is not None else "not_yet_effective",
            "in_force": self.in_force,
            "on": self.on.isoformat(),
            "status_changes": [
                {"status": c.status.value, "on": c.on.isoformat(), "announcement": c.announcement}
                for c in entry.status_changes
            ],
            "explanation_text": self.match.explanation.render(),
        }


def _query(name: str) -> str:
    text = " ".join(name.split())
    if not text:
        raise InvalidInput("a name to screen is required", code="screening.name_required")
    if len(text) > MAX_QUERY:
        raise InvalidInput(
            f"a name to screen has at most {MAX_QUERY} characters", code="screening.name_too_long"
        )
    return text


_BIRTH = re.compile(r"(1[89][0-9]{2}|20[0-9]{2})(-(0[1-9]|1[0-2])(-(0[1-9]|[12][0-9]|3[01]))?)?")
MAX_EXAMPLE_FIELD = 300


def _example(identifiers: Sequence[str], address: str | None, birth: str | None) -> Example:
    for value in (*identifiers, address or ""):
        if len(value) > MAX_EXAMPLE_FIELD:
            raise InvalidInput(
                f"an identifier or address has at most {MAX_EXAMPLE_FIELD} characters",
                code="screening.example_too_long",
            )
    if birth is not None and _BIRTH.fullmatch(birth.strip()) is None:
        raise InvalidInput(
            f"date of birth must be YYYY, YYYY-MM or YYYY-MM-DD, got {birth!r}",
            code="screening.bad_date_of_birth",
            field="date_of_birth",
        )
    return Example(
        identifiers=tuple(i.strip() for i in identifiers if i.strip()),
        address=(address or "").strip() or None,
        date_of_birth=birth.strip() if birth else None,
    )


def _kind(kind: str | None) -> PartyKind | None:
    if kind is None:
        return None
    try:
        value = PartyKind(kind)
    except ValueError:
        value = None
    if value not in (PartyKind.PERSON, PartyKind.ORGANIZATION):
        raise InvalidInput(
            f"kind must be person or organization, got {kind!r}", code="screening.unknown_kind"
        )
    return value


@dataclass(frozen=True)
class ScreenAnswer:
    """The hits shown for one name, and how many scored at least the threshold in all."""

    hits: list[ScreenHit]
    total: int

    def to_dict(self, query: str) -> dict[str, Any]:
        return {
            "query": query,
            "hits": [h.to_dict() for h in self.hits],
            "shown": len(self.hits),
            "total": self.total,
        }


def checked_threshold(threshold: float | None, configured: float) -> MatchSettings:
    """The matcher's settings for one call: the configured threshold, or the one asked for
    within ``THRESHOLD_BOUNDS`` (below them every name hits something; above, only exact
    names do)."""
    if threshold is None:
        return match_settings(configured)
    low, high = THRESHOLD_BOUNDS
    if not low <= threshold <= high:
        raise InvalidInput(
            f"threshold must be between {low} and {high}, got {threshold}",
            code="screening.threshold_out_of_bounds",
            field="threshold",
        )
    return match_settings(threshold)


@metrics.SCREENING_SECONDS.labels("names").time()
def screen_names(
    session: Session | Connection,
    *,
    actor: Actor | None,
    clock: Clock,
    names: Sequence[str],
    kind: str | None = None,
    country: str | None = None,
    on: date | None = None,
    limit: int = 10,
    settings: MatchSettings = DEFAULT,
    identifiers: Sequence[str] = (),
    address: str | None = None,
    date_of_birth: str | None = None,
) -> list[ScreenAnswer]:
    """Ranked hits for each name, with each entry's status on ``on`` (default: today), and how
    many entries scored at least the threshold ("10 of 37 hits"); with identifiers, an address
    or a date of birth, each hit also says whether they agree with the entry, which moves its
    score (query by example)."""
    if actor is not None:
        require_role(actor, *SEARCH_ROLES, action="screen names")
    if not names or len(names) > MAX_BATCH:
        raise InvalidInput(f"screen 1 to {MAX_BATCH} names at a time", code="screening.batch_size")
    queries = [_query(n) for n in names]
    party_kind = _kind(kind)
    alpha2 = normalize_country(country).alpha2 if country else None
    if not 1 <= limit <= 100:
        raise InvalidInput("limit must be 1-100", code="screening.bad_limit")
    day = on or authority_date(clock.now())
    example = _example(identifiers, address, date_of_birth)
    index = active_index(session)
    answers: list[ScreenAnswer] = []
    for q in queries:
        found, total = search_counted(
            index,
            q,
            kind=party_kind,
            country=alpha2,
            limit=limit,
            settings=settings,
            example=example or None,
        )
        answers.append(
            ScreenAnswer([ScreenHit(m, day, m.entry.status_on(day)) for m in found], total)
        )
    return answers


_USCC = re.compile(r"\b[0-9A-HJ-NPQRTUWXY]{2}[0-9]{6}[0-9A-HJ-NPQRTUWXY]{10}\b")
_identifiers: tuple[ScreeningIndex, dict[str, list[ListEntry]]] | None = None


def identifier_entries(index: ScreeningIndex) -> dict[str, list[ListEntry]]:
    """Entries by the unified social credit codes their identifiers name (per index)."""
    global _identifiers
    cached = _identifiers
    if cached is not None and cached[0] is index:
        return cached[1]
    found: dict[str, list[ListEntry]] = {}
    for entry in index.entries:
        for identifier in entry.identifiers:
            for code in _USCC.findall(identifier.upper()):
                found.setdefault(code, []).append(entry)
    _identifiers = (index, found)
    return found
