"""The officers' review queue and the lanes' performance."""

from __future__ import annotations

from sqlalchemy.orm import Session

from rarex.auth.roles import Actor, Role, require_role
from rarex.clock import Clock, authority_date
from rarex.config import Settings
from rarex.errors import InvalidInput
from rarex.licensing import repository
from rarex.licensing.clock_service import clocks_for
from rarex.licensing.lane_stats import median_working_days_by_lane
from rarex.licensing.schemas import LanePerformance, QueueItem
from rarex.licensing.states import OPEN
from rarex.models import Application
from rarex.pagination import Page, page_of, page_request
from rarex.parties import service as parties

LANES = ("green", "ordinary")


def review_queue(
    session: Session,
    *,
    actor: Actor,
    clock: Clock,
    settings: Settings,
    lane: str | None = None,
    limit: int | None = None,
    page_token: str | None = None,
) -> Page[QueueItem]:
    """Open cases a page at a time: the green lane first, then by the due date stored on the
    case, then by reference (``repository.QUEUE_ORDER``). The stored due date is the one
    computed when the case's clock last changed; for a running clock it is the live one, for
    a stopped clock the live prediction (shown) moves later each working day it stays
    stopped. Each page costs the same few queries, however many cases are open."""
    require_role(actor, Role.LICENSING_OFFICER, Role.ADMINISTRATOR, action="see the review queue")
    if lane is not None and lane not in LANES:
        raise InvalidInput(
            f"unknown lane {lane!r}; lanes are {', '.join(LANES)}",
            code="application.unknown_lane",
            field="lane",
        )
    request = page_request(limit, page_token, order=repository.QUEUE_ORDER)
    rows, total = repository.queue_page(
        session,
        states=[s.value for s in OPEN],
        lane=lane,
        after=request.after,
        limit=request.limit + 1,
    )
    page = page_of(rows, request, key=repository.queue_key, total=total)
    today = authority_date(clock.now())
    clocks = clocks_for(session, page.items, today=today, settings=settings)
    companies = parties.company_names(session, (a.exporter_id for a in page.items))

    def item(application: Application) -> QueueItem:
        status, target = clocks[application.id].legal, clocks[application.id].lane_target
        return QueueItem(
            reference=application.reference,
            id=application.id,
            state=application.state,
            lane=application.lane,
            exporter=companies.get(application.exporter_id, "?"),
            destination=application.destination,
            end_use_category=application.end_use_category,
            accepted_on=application.accepted_on,
            working_days_used=status.used if status else None,
            working_days_left=status.remaining if status else None,
            due_on=status.due_date if status else None,
            lane_target_on=target.due_date if target else None,
            at_risk=bool(status and status.at_risk),
            overdue=bool(status and status.overdue),
            stopped=bool(status and status.stopped),
            off_clock=bool(status and status.off_clock),
            provisional=bool(status and status.provisional),
        )

    return page.map(item)


def lane_performance(
    session: Session, *, actor: Actor, clock: Clock, settings: Settings
) -> list[LanePerformance]:
    """Working days from acceptance to decision, per lane: is the green channel faster?"""
    require_role(
        actor,
        Role.LICENSING_OFFICER,
        Role.ADMINISTRATOR,
        Role.ANALYST,
        action="see lane performance",
    )
    today = authority_date(clock.now())
    samples: list[tuple[str, int]] = []
    outcomes: dict[str, dict[str, int]] = {}
    decided = repository.decided_applications(session)
    clocks = clocks_for(session, decided, today=today, settings=settings)
    for application in decided:
        status = clocks[application.id].legal
        if status is None:
            continue
        samples.append((application.lane, status.used))
        counts = outcomes.setdefault(application.lane, {"approved": 0, "denied": 0})
        counts[application.state] += 1
    stats = median_working_days_by_lane(samples)
    result = []
    for lane_name in ("green", "ordinary"):
        lane_stats = stats.get(lane_name)
        counts = outcomes.get(lane_name, {"approved": 0, "denied": 0})
        result.append(
            LanePerformance(
                lane=lane_name,
                decided=lane_stats.decided if lane_stats else 0,
                median_working_days=lane_stats.median_working_days if lane_stats else None,
                p90_working_days=lane_stats.p90_working_days if lane_stats else None,
                approved=counts["approved"],
                denied=counts["denied"],
            )
        )
    return result
