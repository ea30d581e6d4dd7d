"""Moving an application through review: acceptance, returns, information requests,
consultation, referral and withdrawal; the green-channel assessment; the officers' queue."""

from __future__ import annotations

import logging
import uuid
from dataclasses import replace
from datetime import date
from typing import Any

from dateutil.relativedelta import relativedelta
from sqlalchemy.orm import Session

from rarex.audit.service import record_event
from rarex.auth.roles import Actor, Role, require_role
from rarex.clock import Clock, authority_date
from rarex.config import Settings
from rarex.errors import InvalidInput
from rarex.licensing import repository
from rarex.licensing.access import ensure_can_edit, ensure_no_conflict
from rarex.licensing.clock_service import application_clock, lane_target
from rarex.licensing.filing import missing_documents
from rarex.licensing.green_channel import (
    DEFAULT_POLICY,
    GreenChannelAssessment,
    GreenChannelFacts,
    assess,
)
from rarex.licensing.lane_stats import median_working_days_by_lane
from rarex.licensing.schemas import LanePerformance, QueueItem
from rarex.licensing.screening import screen_parties
from rarex.licensing.states import ACTION_ROLES, LEGAL_BASIS, OPEN, Action, State, next_state
from rarex.models import Application, GreenChannelCheck, StateChange
from rarex.parties import service as parties
from rarex.screening import search as screening_search
from rarex.screening import service as screening_service

log = logging.getLogger(__name__)

LANES = ("green", "ordinary")

# Officer steps that must say why, because the applicant or the record needs the reason.
_REASON_REQUIRED = frozenset(
    {Action.RETURN, Action.REQUEST_INFORMATION, Action.START_CONSULTATION, Action.REFER}
)


def open_screening_hits(session: Session, application: Application) -> int:
    """Unresolved party-screening hits of the case (the green channel's last rule)."""
    return screening_service.open_hits(session, application.id)


def record_change(
    session: Session,
    *,
    application: Application,
    actor: Actor,
    clock: Clock,
    action: Action,
    from_state: State,
    to_state: State,
    reason: str,
    details: dict[str, Any] | None = None,
) -> StateChange:
    now = clock.now()
    change = StateChange(
        application_id=application.id,
        seq=repository.last_change_seq(session, application.id) + 1,
        action=action.value,
        from_state=from_state.value,
        to_state=to_state.value,
        actor_id=actor.user_id,
        at=now,
        on_date=authority_date(now),
        reason=reason,
        legal_basis=LEGAL_BASIS[action],
        details=details or {},
    )
    session.add(change)
    session.flush()
    record_event(
        session,
        clock=clock,
        actor=actor.label,
        action=f"application.{action.value}",
        subject_type="application",
        subject_id=str(application.id),
        payload={
            "reference": application.reference,
            "from": from_state.value,
            "to": to_state.value,
            "reason": reason,
            "legal_basis": change.legal_basis,
            **({"details": details} if details else {}),
        },
    )
    return change


def assess_green_channel(
    session: Session, *, application: Application, clock: Clock, settings: Settings
) -> GreenChannelAssessment:
    today = authority_date(clock.now())
    company = parties.get_company(session, company_id=application.exporter_id)
    policy = DEFAULT_POLICY
    lookback_start = today - relativedelta(years=policy.violation_lookback_years)
    facts = GreenChannelFacts(
        destination=application.destination,
        end_use_category=application.end_use_category,
        applicant_violations_in_lookback=parties.violations_since(
            session, company_id=company.id, since=lookback_start
        ),
        applicant_has_compliance_programme=(
            company.compliance_programme_on is not None and company.compliance_programme_on <= today
        ),
        applicant_approved_applications=repository.approved_count(session, exporter_id=company.id),
        end_user_previously_approved=repository.end_user_previously_approved(
            session,
            exporter_id=company.id,
            end_user_id=application.end_user_id,
            excluding=application.id,
        ),
        open_screening_hits=open_screening_hits(session, application),
        end_user_country=parties.get_foreign_party(
            session, party_id=application.end_user_id
        ).country,
        screening_connected=screening_search.lists_loaded(session),
    )
    if settings.green_channel_min_approved_applications != policy.min_approved_applications:
        # The stored version must say which threshold was applied, not just the base policy.
        minimum = settings.green_channel_min_approved_applications
        policy = replace(
            policy,
            min_approved_applications=minimum,
            version=f"{policy.version}+min{minimum}",
        )
    assessment = assess(facts, policy)
    session.add(
        GreenChannelCheck(
            application_id=application.id,
            seq=repository.green_check_count(session, application.id) + 1,
            evaluated_at=clock.now(),
            eligible=assessment.eligible,
            policy_version=assessment.policy_version,
            results=[
                {"rule": r.rule, "passed": r.passed, "explanation": r.explanation}
                for r in assessment.results
            ],
        )
    )
    application.lane = "green" if assessment.eligible else "ordinary"
    session.flush()
    return assessment


def _check_actor(session: Session, actor: Actor, application: Application) -> None:
    """The role was checked before the lookup; here: the applicant's own users, or an officer
    without a conflict of interest in the case."""
    if actor.role is Role.EXPORTER:
        ensure_can_edit(actor, application)
    else:
        ensure_no_conflict(session, actor, application)


def ensure_role_may_take(actor: Actor, action: Action) -> None:
    """Refuse, before any lookup, a role that may never take ``action`` on any case."""
    require_role(actor, *ACTION_ROLES[action], action=action.value)


def refresh_due_date(
    session: Session, application: Application, *, clock: Clock, settings: Settings
) -> None:
    status = application_clock(
        session, application, today=authority_date(clock.now()), settings=settings
    )
    application.due_on = status.due_date if status is not None else None


def transition(
    session: Session,
    *,
    actor: Actor,
    clock: Clock,
    settings: Settings,
    application_id: uuid.UUID,
    action: Action,
    reason: str = "",
    missing_items: list[str] | None = None,
) -> Application:
    """Every step but the decision itself, which issues a license (see decisions.decide)."""
    if action in (Action.APPROVE, Action.DENY):
        raise InvalidInput(
            "approval and denial are decisions: use the decide command or endpoint",
            code="application.use_decide",
        )
    ensure_role_may_take(actor, action)
    application = repository.get_application(session, application_id, lock=True)
    _check_actor(session, actor, application)
    current = State(application.state)
    target = next_state(current, action)
    reason = reason.strip()
    if action in _REASON_REQUIRED and not reason:
        raise InvalidInput(f"{action.value} needs a reason", code="application.reason_required")
    details: dict[str, Any] = {}
    today = authority_date(clock.now())

    if action is Action.RETURN:
        items = [item.strip() for item in (missing_items or []) if item.strip()]
        if not items:
            raise InvalidInput(
                "a return must list what is missing", code="application.missing_items_required"
            )
        details["missing_items"] = items
    if action is Action.ACCEPT:
        missing = missing_documents(session, application.id)
        if missing:
            raise InvalidInput(
                f"{application.reference} is incomplete; missing: {', '.join(missing)}",
                code="application.incomplete",
                missing=missing,
            )
    if action is Action.SUBMIT:
        application.submitted_at = clock.now()
        if current is State.RETURNED:
            details["resubmission"] = True
            application.accepted_on = None
            application.due_on = None

    application.state = target.value
    if action is Action.ACCEPT:
        application.accepted_on = today
    if target in (State.WITHDRAWN,):
        application.decided_on = today
    record_change(
        session,
        application=application,
        actor=actor,
        clock=clock,
        action=action,
        from_state=current,
        to_state=target,
        reason=reason,
        details=details,
    )
    # Parties are screened when the case reaches the authority, and again when it resumes
    # after an information request (the applicant may have replaced the consignee or end user).
    if action in (Action.SUBMIT, Action.SUPPLY_INFORMATION):
        screen_parties(session, clock=clock, settings=settings, application=application)
    # Assessed at acceptance, and again when the case resumes after an information request:
    # the applicant may have amended the destination, end use or end user meanwhile.
    if action in (Action.ACCEPT, Action.SUPPLY_INFORMATION):
        assessment = assess_green_channel(
            session, application=application, clock=clock, settings=settings
        )
        record_event(
            session,
            clock=clock,
            actor=actor.label,
            action="application.green_channel_assessed",
            subject_type="application",
            subject_id=str(application.id),
            payload=assessment.to_dict(),
        )
    refresh_due_date(session, application, clock=clock, settings=settings)
    session.flush()
    log.info(
        "application.transition",
        extra={
            "application": application.reference,
            "action": action.value,
            "to": target.value,
            "actor": actor.username,
            "lane": application.lane,
        },
    )
    return application


def review_queue(
    session: Session,
    *,
    actor: Actor,
    clock: Clock,
    settings: Settings,
    lane: str | None = None,
) -> list[QueueItem]:
    """Open cases, green lane first, then by the legal due date (earliest first)."""
    require_role(actor, Role.LICENSING_OFFICER, Role.ADMINISTRATOR, action="see the review queue")
    if lane is not None and lane not in LANES:
        raise InvalidInput(
            f"unknown lane {lane!r}; lanes are {', '.join(LANES)}", code="application.unknown_lane"
        )
    today = authority_date(clock.now())
    items: list[QueueItem] = []
    companies = {c.id: c.name for c in parties.list_companies(session)}
    for application in repository.list_applications(
        session, states=[s.value for s in OPEN], limit=10_000
    ):
        if lane is not None and application.lane != lane:
            continue
        status = application_clock(session, application, today=today, settings=settings)
        target = lane_target(session, application, today=today, settings=settings)
        items.append(
            QueueItem(
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
        )
    items.sort(key=lambda i: (i.lane != "green", i.due_on or date.max, i.reference))
    return items


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
    for application in repository.decided_applications(session):
        status = application_clock(session, application, today=today, settings=settings)
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
