"""The officers' review queue and the lanes' performance."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal

from sqlalchemy.orm import Session

from rarex.auth.roles import Actor, Role, require_role
from rarex.catalog.codes import parse_control_code
from rarex.clock import Clock, authority_date
from rarex.config import Settings
from rarex.errors import InvalidInput
from rarex.licensing import repository
from rarex.licensing.calendar_store import working_calendar
from rarex.licensing.clock_service import CaseClocks, clocks_for
from rarex.licensing.lane_stats import median_working_days_by_lane
from rarex.licensing.repository import DESK_ORDERS, DeskFilter
from rarex.licensing.schemas import LanePerformance, QueueItem
from rarex.licensing.states import OPEN, State
from rarex.models import Application
from rarex.pagination import Page, page_of, page_request
from rarex.parties import service as parties

LANES = ("green", "ordinary")
# The officers' desk: one queue per thing to do, in the order the desk shows them.
DESK_QUEUES = (
    "intake", "green", "ordinary", "at_risk", "overdue", "waiting", "consultation", "referred",
)  # fmt: skip
DESK_SORTS = tuple(DESK_ORDERS)
_EXAMINED = tuple(s.value for s in OPEN if s is not State.SUBMITTED)
_RUNNING = (State.ACCEPTED.value, State.UNDER_REVIEW.value)


@dataclass(frozen=True, slots=True)
class DeskQuery:
    """What an officer asks the desk for: a queue, its order, and what to narrow it to."""

    queue: str = "intake"
    sort: str = "due"
    lane: str | None = None
    destination: str | None = None
    control_code: str | None = None
    exporter: str | None = None
    # only cases on a partner's priority list: "pending" (to decide) or "accepted"
    priority: str | None = None


PRIORITIES = ("pending", "accepted")


def _desk_filters(
    session: Session, query: DeskQuery, *, today: date, settings: Settings
) -> dict[str, DeskFilter]:
    """Every queue's filter, narrowed alike. At risk: running, due within the at-risk window
    (working days); overdue: running, due before today."""
    if query.lane is not None and query.lane not in LANES:
        raise InvalidInput(
            f"unknown lane {query.lane!r}; lanes are {', '.join(LANES)}",
            code="application.unknown_lane",
            field="lane",
        )
    if query.priority is not None and query.priority not in PRIORITIES:
        raise InvalidInput(
            f"unknown priority {query.priority!r}; known: {', '.join(PRIORITIES)}",
            code="queue.unknown_priority",
            field="priority",
        )
    code = parse_control_code(query.control_code).code if query.control_code else None
    destination = query.destination.strip().upper() if query.destination else None
    exporter = " ".join(query.exporter.split()) if query.exporter else None
    narrow = DeskFilter(
        states=(), lane=query.lane, destination=destination or None, control_code=code,
        exporter=exporter or None, priority=query.priority,
    )  # fmt: skip
    window_end = working_calendar(session).add_working_days(
        today, settings.at_risk_working_days + 1
    )
    return {
        "intake": replace(narrow, states=(State.SUBMITTED.value,)),
        "green": replace(narrow, states=_EXAMINED, lane="green")
        if query.lane in (None, "green")
        else replace(narrow, states=()),
        "ordinary": replace(narrow, states=_EXAMINED, lane="ordinary")
        if query.lane in (None, "ordinary")
        else replace(narrow, states=()),
        "at_risk": replace(narrow, states=_RUNNING, due_from=today, due_before=window_end),
        "overdue": replace(narrow, states=_RUNNING, due_before=today),
        "waiting": replace(narrow, states=(State.INFORMATION_REQUESTED.value,)),
        "consultation": replace(narrow, states=(State.CONSULTATION.value,)),
        "referred": replace(narrow, states=(State.REFERRED.value,)),
    }


def desk_queue(
    session: Session,
    *,
    actor: Actor,
    clock: Clock,
    settings: Settings,
    query: DeskQuery,
    limit: int | None = None,
    page_token: str | None = None,
) -> tuple[Page[QueueItem], dict[str, int]]:
    """One of the desk's queues a page at a time, in the order asked, and how many cases each
    queue holds under the same narrowing. Each page costs the same few queries."""
    require_role(actor, Role.LICENSING_OFFICER, Role.ADMINISTRATOR, action="see the desk")
    if query.queue not in DESK_QUEUES:
        raise InvalidInput(
            f"unknown queue {query.queue!r}; queues are {', '.join(DESK_QUEUES)}",
            code="queue.unknown_queue",
            field="queue",
        )
    if query.sort not in DESK_SORTS:
        raise InvalidInput(
            f"unknown order {query.sort!r}; orders are {', '.join(DESK_SORTS)}",
            code="queue.unknown_sort",
            field="sort",
        )
    today = authority_date(clock.now())
    filters = _desk_filters(session, query, today=today, settings=settings)
    request = page_request(limit, page_token, order=f"desk:{query.sort}")
    rows, total = repository.desk_page(
        session, filters[query.queue], sort=query.sort, after=request.after,
        limit=request.limit + 1,
    )  # fmt: skip
    companies = parties.company_names(session, (a.exporter_id for a in rows))
    page = page_of(
        rows, request, key=lambda a: repository.desk_key(a, query.sort, companies), total=total
    )
    clocks = clocks_for(session, page.items, today=today, settings=settings)
    counts = repository.desk_counts(session, filters)
    priorities = repository.priority_statuses(session, [a.id for a in page.items])
    return page.map(lambda a: _item(a, clocks, companies, priorities)), counts


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

    return page.map(lambda application: _item(application, clocks, companies))


def _item(
    application: Application,
    clocks: dict[uuid.UUID, CaseClocks],
    companies: dict[uuid.UUID, str],
    priorities: dict[uuid.UUID, str] | None = None,
) -> QueueItem:
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
        submitted_on=authority_date(application.submitted_at) if application.submitted_at else None,
        priority=(priorities or {}).get(application.id),
    )


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


@dataclass(frozen=True, slots=True)
class LaneMonth:
    """One lane's decisions of one month (month of the decision), in working days from
    acceptance to decision, beside the green lane's own target."""

    period: str
    lane: str
    decided: int
    median_working_days: Decimal
    p90_working_days: Decimal
    target_working_days: int | None  # the green lane's target; None for the ordinary lane


def lane_performance_by_month(
    session: Session, *, actor: Actor, clock: Clock, settings: Settings
) -> list[LaneMonth]:
    """Lane performance month by month, latest first, each lane's median and 90th percentile
    of working days to decision, and the green lane's target beside its figures."""
    require_role(
        actor, Role.LICENSING_OFFICER, Role.ADMINISTRATOR, Role.ANALYST,
        action="see lane performance",
    )  # fmt: skip
    today = authority_date(clock.now())
    decided = repository.decided_applications(session)
    clocks = clocks_for(session, decided, today=today, settings=settings)
    samples: dict[str, list[tuple[str, int]]] = {}
    for application in decided:
        status = clocks[application.id].legal
        if status is None or application.decided_on is None:
            continue
        period = f"{application.decided_on:%Y-%m}"
        samples.setdefault(period, []).append((application.lane, status.used))
    months = []
    for period in sorted(samples, reverse=True):
        for lane, stats in median_working_days_by_lane(samples[period]).items():
            months.append(
                LaneMonth(
                    period=period, lane=lane, decided=stats.decided,
                    median_working_days=stats.median_working_days,
                    p90_working_days=stats.p90_working_days,
                    target_working_days=(
                        settings.green_channel_target_working_days if lane == "green" else None
                    ),
                )
            )  # fmt: skip
    return months
