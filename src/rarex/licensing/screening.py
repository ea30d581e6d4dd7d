"""Where party screening meets the case: on submission, before a decision, after a list change.

The screening room finds and stores hits; this module decides what they mean for a case: an
application with an open hit cannot be approved (nor take the green channel), and a confirmed
hit on China's control list, in force on the decision day, forces denial in principle.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy.orm import Session

from rarex.audit.service import record_event
from rarex.auth.roles import Actor, Role, require_role
from rarex.clock import Clock
from rarex.config import Settings
from rarex.errors import Conflict, NotFound
from rarex.licensing import repository
from rarex.licensing.access import ensure_can_view, ensure_no_conflict
from rarex.licensing.assessment import assess_green_channel
from rarex.licensing.states import OPEN
from rarex.models import Application
from rarex.models.screening import ScreeningHit
from rarex.screening import lists as watch_lists
from rarex.screening import repository as screening_repository
from rarex.screening import search as screening_search
from rarex.screening import service as screening
from rarex.screening.index import ScreeningIndex
from rarex.screening.records import ListEntry

HIT_VIEW_ROLES = (Role.LICENSING_OFFICER, Role.ADMINISTRATOR)
# Cases a list change can still matter to (drafts are screened when submitted; returned
# cases when submitted again).
OPEN_STATES = tuple(sorted(s.value for s in OPEN))


def screen_parties(
    session: Session, *, clock: Clock, settings: Settings, application: Application
) -> None:
    """On submission, and when the applicant supplies requested information."""
    screening.screen_application(
        session,
        clock=clock,
        application=application,
        trigger="submission",
        settings=screening_search.match_settings(settings.screening_threshold),
    )


def ensure_may_approve(
    session: Session, *, clock: Clock, settings: Settings, application: Application, on: date
) -> None:
    """Screen again, then refuse approval while a hit is open or a party is on the control list.

    Hits this screening raises are rolled back with the refused approval; the API and CLI
    therefore screen in a unit of work of their own first (``screen_case``), so that what an
    officer is told to resolve is stored.
    """
    screening.screen_application(
        session,
        clock=clock,
        application=application,
        trigger="pre_decision",
        settings=screening_search.match_settings(settings.screening_threshold),
    )
    open_hits = screening.open_hits(session, application.id)
    if open_hits:
        raise Conflict(
            f"{application.reference} has {open_hits} open screening hit(s); confirm or dismiss "
            "each before approving",
            code="screening.unresolved_hits",
            open_hits=open_hits,
        )
    for hit in screening.control_list_hits(session, application.id):
        if screening.in_force_on(session, hit, on):
            raise Conflict(
                f"{hit.party_name} ({hit.party_role}) is on China's export control list "
                f"({hit.listed_name}, {hit.announcement}): the application is denied in "
                "principle",
                code="screening.control_list_party",
                entity=hit.entity_id,
                announcement=hit.announcement,
            )


def screen_case(
    session: Session,
    *,
    actor: Actor,
    clock: Clock,
    settings: Settings,
    application_id: uuid.UUID,
) -> list[ScreeningHit]:
    """An officer's "screen now" (also what the API and CLI do before a decision)."""
    require_role(actor, *HIT_VIEW_ROLES, action="screen an application")
    application = repository.get_application(session, application_id)
    raised = screening.screen_application(
        session,
        clock=clock,
        application=application,
        trigger="officer",
        settings=screening_search.match_settings(settings.screening_threshold),
    )
    leave_green_lane(session, clock=clock, settings=settings, application=application)
    return raised


def resolve_case_hit(
    session: Session,
    *,
    actor: Actor,
    clock: Clock,
    hit_id: uuid.UUID,
    decision: str,
    reason: str,
) -> ScreeningHit:
    """Confirm or dismiss a hit, by an officer free to handle the case (not its filer, no
    declared link to the exporter)."""
    require_role(actor, Role.LICENSING_OFFICER, action="resolve screening hits")
    hit = screening_repository.hit(session, hit_id)
    if hit is None:
        raise NotFound(f"screening hit {hit_id} does not exist", code="screening.hit_not_found")
    application = repository.get_application(session, hit.application_id)
    ensure_can_view(session, actor, application)
    ensure_no_conflict(session, actor, application)
    return screening.resolve_hit(
        session, actor=actor, clock=clock, hit_id=hit_id, decision=decision, reason=reason
    )


def case_hits(session: Session, *, actor: Actor, application_id: uuid.UUID) -> list[dict[str, Any]]:
    """The hits of a case, for officers only: an exporter is never shown who it was screened
    against (that would tip off a listed party)."""
    require_role(actor, *HIT_VIEW_ROLES, action="see screening hits")
    application = repository.get_application(session, application_id)
    ensure_can_view(session, actor, application)
    return [hit_view(h) for h in screening.hits(session, application.id)]


def hit_view(hit: ScreeningHit) -> dict[str, Any]:
    return {
        "id": str(hit.id),
        "application_id": str(hit.application_id),
        "party_role": hit.party_role,
        "party_name": hit.party_name,
        "party_country": hit.party_country,
        "entity_id": hit.entity_id,
        "list": hit.list_name,
        "listed_name": hit.listed_name,
        "announcement": hit.announcement,
        "in_force": hit.in_force,
        "screened_on": hit.screened_on.isoformat(),
        "score": hit.score,
        "trigger": hit.trigger,
        "status": hit.status,
        "reason": hit.reason,
        "resolved_at": hit.resolved_at.isoformat() if hit.resolved_at else None,
        "explanation": hit.explanation,
    }


@dataclass(frozen=True)
class Rescreening:
    entries: int
    cases: int
    hits: int

    def to_dict(self) -> dict[str, int]:
        return {"entries": self.entries, "cases": self.cases, "hits": self.hits}


def rescreen_cases(
    session: Session, *, clock: Clock, settings: Settings, delta: Sequence[ListEntry]
) -> Rescreening:
    """Screen every party of open applications and of active licenses against the added or
    changed entries only; new hits are raised (trigger ``list_change``)."""
    if not delta:
        return Rescreening(0, 0, 0)
    cases = repository.applications_to_rescreen(session, OPEN_STATES)
    if not cases:  # nothing to screen: the index of the changes is not worth building
        return Rescreening(len(delta), 0, 0)
    index = ScreeningIndex.build(delta)
    raised = 0
    for application in cases:
        hits = screening.screen_application(
            session,
            clock=clock,
            application=application,
            trigger="list_change",
            index=index,
            settings=screening_search.match_settings(settings.screening_threshold),
        )
        raised += len(hits)
        leave_green_lane(session, clock=clock, settings=settings, application=application)
    return Rescreening(len(delta), len(cases), raised)


def import_list_and_rescreen(
    session: Session,
    *,
    actor: Actor | None,
    clock: Clock,
    settings: Settings,
    fmt: str,
    files: Sequence[bytes],
    file_names: Sequence[str],
    retrieved_at: datetime | None = None,
    dataset: str | None = None,
    progress: watch_lists.Progress | None = None,
    allow_shrink: bool = False,
    reason: str | None = None,
    dry_run: bool = False,
) -> tuple[watch_lists.ImportResult, Rescreening | None]:
    """Store a new version of a watch list, then screen the open and licensed cases against
    what it added or changed, in the caller's one unit of work: a list in force is never
    without the hits it raises. ``actor`` None is the operator's own CLI. A dry run changes
    nothing and screens nothing (its rescreening is None); a version that removes more than
    ``settings.list_shrink_limit`` of the active entries needs ``allow_shrink`` and a
    ``reason`` from a named ``actor``."""
    result = watch_lists.import_list(
        session,
        actor=actor,
        clock=clock,
        fmt=fmt,
        files=files,
        file_names=file_names,
        shrink_limit=settings.list_shrink_limit,
        retrieved_at=retrieved_at,
        dataset=dataset,
        progress=progress,
        allow_shrink=allow_shrink,
        reason=reason,
        dry_run=dry_run,
    )
    if dry_run:
        return result, None
    rescreened = rescreen_cases(session, clock=clock, settings=settings, delta=result.delta)
    return result, rescreened


def leave_green_lane(
    session: Session, *, clock: Clock, settings: Settings, application: Application
) -> None:
    """A green-lane case with an open hit is no longer eligible: assessed again (recorded
    like every assessment), it moves to the ordinary lane."""
    if application.lane != "green" or not screening.open_hits(session, application.id):
        return

    assessment = assess_green_channel(
        session, application=application, clock=clock, settings=settings
    )
    record_event(
        session,
        clock=clock,
        actor="screening",
        action="application.green_channel_assessed",
        subject_type="application",
        subject_id=str(application.id),
        payload=assessment.to_dict(),
    )
