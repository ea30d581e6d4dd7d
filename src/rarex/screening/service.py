"""Screening the parties of an application, and the hits officers resolve.

A hit is a match of one party against one list entry as it read when screened; it stays open
until an officer confirms or dismisses it with a reason.
"""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from rarex import metrics
from rarex.audit.service import record_event
from rarex.auth.roles import Actor, Role, require_role
from rarex.clock import Clock, authority_date
from rarex.errors import Conflict, InvalidInput, InvalidTransition, NotFound
from rarex.models import Application, Company, ForeignParty
from rarex.models.screening import HitDismissal, ScreeningHit
from rarex.screening import repository
from rarex.screening.index import ScreeningIndex
from rarex.screening.matching import DEFAULT, MatchSettings, search
from rarex.screening.records import ListEntry, ListStatus, PartyKind
from rarex.screening.search import active_index, identifier_entries

# The control list forces denial in principle: a confirmed hit on it blocks approval.
CONTROL_LIST = ("cn-mofcom", "control_list")


# Screening the parties of an application.


@dataclass(frozen=True)
class Party:
    role: str
    key: str
    name: str
    country: str | None
    kind: PartyKind
    names: tuple[str, ...] = ()  # other names of the party (an exporter's Chinese name)
    uscc: str | None = None


def party_key(kind: str, record_id: uuid.UUID, *details: str | None) -> str:
    """Who a hit and a dismissal are about: the party record *as it reads now*. A dismissal
    justified by an address ("Munich, not Cologne") must not survive a change of address, and
    a case whose consignee is replaced must be screened for the new one."""
    digest = hashlib.sha256("\x1f".join(d or "" for d in details).encode()).hexdigest()[:16]
    return f"{kind}:{record_id}:{digest}"


def parties_of(session: Session, application: Application) -> list[Party]:
    company = session.get(Company, application.exporter_id)
    consignee = session.get(ForeignParty, application.consignee_id)
    end_user = session.get(ForeignParty, application.end_user_id)
    parties = []
    if company is not None:
        parties.append(
            Party(
                "applicant",
                party_key("company", company.id, company.name, company.name_zh, company.address),
                company.name,
                "CN",
                PartyKind.ORGANIZATION,
                names=(company.name_zh,) if company.name_zh else (),
                uscc=company.uscc,
            )
        )
    for role, party in (("consignee", consignee), ("end_user", end_user)):
        if party is not None:
            key = party_key("party", party.id, party.name, party.country, party.address)
            parties.append(Party(role, key, party.name, party.country, PartyKind.UNKNOWN))
    return parties


@metrics.SCREENING_SECONDS.labels("application").time()
def screen_application(
    session: Session,
    *,
    clock: Clock,
    application: Application,
    trigger: str,
    index: ScreeningIndex | None = None,
    settings: MatchSettings = DEFAULT,
) -> list[ScreeningHit]:
    """Screen every party; raise a hit for each new match (a party, an entry as it now reads).

    ``index`` restricts screening to some entries (delta re-screening). Entries whose measures
    are suspended or stopped on the screening date raise no hit. A match that an officer has
    dismissed before, for this party and this entry unchanged, is raised already dismissed,
    citing that dismissal; a changed entry is raised open again.
    """
    index = index if index is not None else active_index(session)
    if len(index) == 0:
        return []
    now = clock.now()
    day = authority_date(now)
    known = repository.known_hits(session, application.id)
    versions = {v.source: v.id for v in repository.active_versions(session)}
    raised: list[ScreeningHit] = []
    for party in parties_of(session, application):
        for entry, score, explanation in _matches(index, party, settings):
            status = entry.status_on(day)
            if status is not None and status is not ListStatus.ACTIVE:
                continue
            entry_hash = entry.content_hash()
            if (party.role, party.key, entry.entity_id, entry_hash) in known:
                continue
            remembered = repository.dismissal(session, party.key, entry.entity_id, entry_hash)
            hit = ScreeningHit(
                application_id=application.id,
                party_role=party.role,
                party_name=party.name,
                party_country=party.country,
                party_key=party.key,
                entity_id=entry.entity_id,
                entry_hash=entry_hash,
                version_id=versions.get(entry.source) or _unknown_version(entry),
                list_name=entry.list_name,
                listed_name=entry.primary_name,
                announcement=entry.announcement,
                in_force=status is ListStatus.ACTIVE,
                screened_on=day,
                score=round(score, 4),
                explanation=explanation,
                trigger=trigger,
                status="dismissed" if remembered is not None else "open",
                raised_at=now,
                resolved_at=now if remembered is not None else None,
                resolved_by_id=remembered.dismissed_by_id if remembered is not None else None,
                reason=(
                    f"dismissed before for this party and this entry: {remembered.reason}"
                    if remembered is not None
                    else ""
                ),
            )
            session.add(hit)
            known.add((party.role, party.key, entry.entity_id, entry_hash))
            raised.append(hit)
    if raised:
        session.flush()
        record_event(
            session,
            clock=clock,
            actor="screening",
            action="screening.hits_raised",
            subject_type="application",
            subject_id=str(application.id),
            payload={
                "trigger": trigger,
                "hits": [
                    {
                        "id": str(h.id),
                        "party": h.party_role,
                        "entity": h.entity_id,
                        "score": f"{h.score:.4f}",
                        "status": h.status,
                    }
                    for h in raised
                ],
            },
        )
    return raised


def _matches(
    index: ScreeningIndex, party: Party, settings: MatchSettings
) -> list[tuple[ListEntry, float, dict[str, Any]]]:
    """The party's best match per entry over all its names, and entries naming its USCC.

    A unified social credit code on a list entry (the US lists carry them) is the strongest
    evidence there is: it is a hit whatever the names say.
    """
    kind = party.kind if party.kind is not PartyKind.UNKNOWN else None
    best: dict[str, tuple[ListEntry, float, dict[str, Any]]] = {}
    for name in (party.name, *party.names):
        for match in search(index, name, kind=kind, country=party.country, settings=settings):
            known = best.get(match.entry.entity_id)
            if known is None or match.score > known[1]:
                best[match.entry.entity_id] = (
                    match.entry,
                    match.score,
                    match.explanation.to_dict(),
                )
    if party.uscc:
        for entry in identifier_entries(index).get(party.uscc, ()):
            best[entry.entity_id] = (
                entry,
                1.0,
                {
                    "query": party.name,
                    "matched_by": "identifier",
                    "identifier": f"USCC {party.uscc}",
                    "list_name": entry.primary_name,
                    "penalties": [],
                },
            )
    return list(best.values())


def _unknown_version(entry: ListEntry) -> uuid.UUID:
    raise Conflict(
        f"entry {entry.entity_id} belongs to no active list version",
        code="screening.version_missing",
    )


def open_hits(session: Session, application_id: uuid.UUID) -> int:
    return repository.open_hit_count(session, application_id)


def hits(session: Session, application_id: uuid.UUID) -> list[ScreeningHit]:
    return repository.hits_for(session, application_id)


def control_list_hits(session: Session, application_id: uuid.UUID) -> list[ScreeningHit]:
    """Confirmed hits on China's control list: the party's listing forces denial."""
    return [
        h
        for h in repository.hits_for(session, application_id)
        if h.status == "confirmed"
        and h.entity_id.startswith(f"{CONTROL_LIST[0]}:")
        and h.list_name == CONTROL_LIST[1]
    ]


def in_force_on(session: Session, hit: ScreeningHit, day: date) -> bool:
    """Whether the hit's entry, as the active list now states it, is in force on ``day``."""
    entry = repository.active_entry(session, hit.entity_id)
    return entry is not None and entry.in_force_on(day)


def resolve_hit(
    session: Session,
    *,
    actor: Actor,
    clock: Clock,
    hit_id: uuid.UUID,
    decision: str,
    reason: str,
) -> ScreeningHit:
    """An officer confirms ("it is this party") or dismisses ("it is not") an open hit, with a
    reason. A dismissal is remembered for the party and the entry as it reads now."""
    require_role(actor, Role.LICENSING_OFFICER, action="resolve screening hits")
    if decision not in ("confirm", "dismiss"):
        raise InvalidInput(
            f"decision must be confirm or dismiss, got {decision!r}",
            code="screening.unknown_decision",
        )
    text = reason.strip()
    if not text:
        raise InvalidInput("resolving a hit needs a reason", code="screening.reason_required")
    hit = repository.hit(session, hit_id, lock=True)
    if hit is None:
        raise NotFound(f"screening hit {hit_id} does not exist", code="screening.hit_not_found")
    if hit.status != "open":
        raise InvalidTransition(
            f"hit {hit_id} is already {hit.status}", code="screening.hit_resolved"
        )
    now = clock.now()
    hit.status = "confirmed" if decision == "confirm" else "dismissed"
    hit.resolved_at = now
    hit.resolved_by_id = actor.user_id
    hit.reason = text
    if decision == "dismiss" and (
        repository.dismissal(session, hit.party_key, hit.entity_id, hit.entry_hash) is None
    ):
        session.add(
            HitDismissal(
                party_key=hit.party_key,
                entity_id=hit.entity_id,
                entry_hash=hit.entry_hash,
                reason=text,
                dismissed_by_id=actor.user_id,
                dismissed_at=now,
                hit_id=hit.id,
            )
        )
    session.flush()
    record_event(
        session,
        clock=clock,
        actor=actor.label,
        action=f"screening.hit_{hit.status}",
        subject_type="application",
        subject_id=str(hit.application_id),
        payload={"hit": str(hit.id), "entity": hit.entity_id, "reason": text},
    )
    return hit
