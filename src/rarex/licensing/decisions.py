"""Deciding an application. Approval and license issuance happen in one unit of work."""

from __future__ import annotations

import logging
import uuid
from datetime import date, datetime, timedelta
from decimal import Decimal

from dateutil.relativedelta import relativedelta
from sqlalchemy.orm import Session

from rarex.audit.service import record_event
from rarex.auth.roles import Actor, require_role
from rarex.clock import Clock, authority_date
from rarex.config import Settings
from rarex.errors import InvalidInput
from rarex.licensing import repository
from rarex.licensing.access import DECIDING_ROLES, ensure_can_decide
from rarex.licensing.end_uses import get_end_use
from rarex.licensing.history import record_change, settle_change
from rarex.licensing.license_states import LicenseStatus
from rarex.licensing.schemas import DecisionIn
from rarex.licensing.screening import ensure_may_approve
from rarex.licensing.states import LEGAL_BASIS, Action, State, next_state
from rarex.models import Application, ApplicationLine, Decision, License, LicenseLine
from rarex.quantities import GRAM

log = logging.getLogger(__name__)

DENIAL_REASONS: dict[str, str] = {
    "military_end_use": "End use is military or defence (denial in principle)",
    "end_user_unverifiable": "End user or end use cannot be verified",
    "control_list_party": "A party is on the control list",
    "national_security": "Harm to national security and interests",
    "non_proliferation": "Risk to non-proliferation obligations",
    "false_information": "False or misleading information in the application",
    "incomplete_after_request": "Requested supplementary information not supplied",
    "other": "Other reason, stated in the free text",
}
# Decree 792: a single license is valid up to 1 year, a general license up to 3 years.
MAX_VALIDITY = {"single": relativedelta(years=1), "general": relativedelta(years=3)}


def max_valid_until(license_type: str, valid_from: date) -> date:
    return valid_from + MAX_VALIDITY[license_type] - timedelta(days=1)


def _granted_quantities(
    lines: list[ApplicationLine], requested: dict[int, Decimal] | None
) -> dict[int, Decimal]:
    by_no = {line.line_no: line for line in lines}
    requested = requested or {}
    unknown = sorted(set(requested) - set(by_no))
    if unknown:
        raise InvalidInput(
            f"granted quantities name unknown line numbers {unknown}",
            code="decision.unknown_line",
        )
    granted: dict[int, Decimal] = {}
    for line_no, line in by_no.items():
        amount = requested.get(line_no, line.quantity_kg)
        if not amount.is_finite() or amount < 0:
            raise InvalidInput(
                f"line {line_no}: granted quantity {amount} kg must be zero or more",
                code="decision.invalid_granted_quantity",
            )
        # Bounded by the request first: quantizing an absurd figure would overflow.
        if amount > line.quantity_kg:
            raise InvalidInput(
                f"line {line_no}: cannot grant {amount} kg, more than the {line.quantity_kg} kg "
                "requested",
                code="decision.granted_exceeds_requested",
            )
        if amount != amount.quantize(GRAM):
            # Rounding would grant a quantity the officer did not write down.
            raise InvalidInput(
                f"line {line_no}: granted quantity {amount} kg has more than 3 decimals "
                "(gram precision)",
                code="decision.invalid_granted_quantity",
            )
        granted[line_no] = amount.quantize(GRAM)
    if not any(amount > 0 for amount in granted.values()):
        raise InvalidInput(
            "an approval must grant some quantity; deny instead", code="decision.nothing_granted"
        )
    return granted


def ensure_role_may_decide(actor: Actor) -> None:
    """Refuse, before any lookup, a role that may never decide any case."""
    require_role(actor, *DECIDING_ROLES, action="decide an application")


def check_may_approve(session: Session, *, actor: Actor, application_id: uuid.UUID) -> None:
    """What an approval needs of the actor and the case before anything else runs (adapters
    screen the parties in a transaction of their own first, and must not for a refused step)."""
    ensure_role_may_decide(actor)
    application = repository.get_application(session, application_id)
    ensure_can_decide(session, actor, application)
    next_state(State(application.state), Action.APPROVE)


def decide(
    session: Session,
    *,
    actor: Actor,
    clock: Clock,
    settings: Settings,
    application_id: uuid.UUID,
    data: DecisionIn,
) -> Application:
    ensure_role_may_decide(actor)
    application = repository.get_application(session, application_id, lock=True)
    ensure_can_decide(session, actor, application)
    action = Action.APPROVE if data.outcome == "approved" else Action.DENY
    current = State(application.state)
    target = next_state(current, action)
    reason = data.reason.strip()
    if not reason:
        raise InvalidInput("a decision needs a reason", code="decision.reason_required")
    unknown = [code for code in data.reason_codes if code not in DENIAL_REASONS]
    if unknown:
        raise InvalidInput(
            f"unknown reason codes {unknown}; known: {', '.join(DENIAL_REASONS)}",
            code="decision.unknown_reason_code",
        )
    if action is Action.DENY and (data.granted_kg or data.valid_until or data.conditions):
        raise InvalidInput(
            "a denial grants nothing: granted_kg, valid_until and conditions belong to approvals",
            code="decision.fields_not_allowed",
        )
    if action is Action.APPROVE and data.reason_codes:
        raise InvalidInput(
            "reason codes are grounds for denial; an approval gives its reason in free text",
            code="decision.fields_not_allowed",
        )
    if action is Action.DENY and not data.reason_codes:
        raise InvalidInput(
            "a denial needs at least one reason code", code="decision.reason_code_required"
        )
    now = clock.now()
    today = authority_date(now)
    license_: License | None = None
    if action is Action.APPROVE:
        end_use = get_end_use(application.end_use_category)
        if end_use.denial_in_principle:
            raise InvalidInput(
                f"end use {end_use.code} ({end_use.label}) is denied in principle",
                code="application.denial_in_principle",
            )
        ensure_may_approve(
            session, clock=clock, settings=settings, application=application, on=today
        )
        license_ = _issue_license(session, application=application, data=data, now=now)

    application.state = target.value
    application.decided_on = today
    decision = Decision(
        application_id=application.id,
        outcome=data.outcome,
        officer_id=actor.user_id,
        decided_at=now,
        reason_codes=list(data.reason_codes),
        reason=reason,
        conditions=list(data.conditions),
        legal_basis=LEGAL_BASIS[action],
    )
    session.add(decision)
    session.flush()
    record_change(
        session,
        application=application,
        actor=actor,
        clock=clock,
        action=action,
        from_state=current,
        to_state=target,
        reason=reason,
        details={"reason_codes": list(data.reason_codes)},
    )
    if license_ is not None:
        lines = repository.license_lines(session, license_.id)
        record_event(
            session,
            clock=clock,
            actor=actor.label,
            action="license.issued",
            subject_type="license",
            subject_id=str(license_.id),
            payload={
                "number": license_.number,
                "application": application.reference,
                "type": license_.license_type,
                "valid_from": license_.valid_from,
                "valid_until": license_.valid_until,
                "lines": [{"code": ln.control_code, "kg": ln.granted_kg} for ln in lines],
            },
        )
    settle_change(session, application=application, actor=actor, clock=clock, settings=settings)
    log.info(
        "application.decided",
        extra={
            "reference": application.reference,
            "outcome": data.outcome,
            "actor": actor.username,
            "license": license_.number if license_ is not None else None,
        },
    )
    return application


def _issue_license(
    session: Session, *, application: Application, data: DecisionIn, now: datetime
) -> License:
    today = authority_date(now)
    lines = repository.lines_for(session, application.id)
    granted = _granted_quantities(lines, data.granted_kg)
    latest = max_valid_until(application.license_type, today)
    valid_until = data.valid_until or latest
    if valid_until < today:
        raise InvalidInput(
            f"valid_until {valid_until} is before the decision date {today}",
            code="license.invalid_validity",
        )
    if valid_until > latest:
        raise InvalidInput(
            f"a {application.license_type} license is valid at most until {latest}, "
            f"not {valid_until}",
            code="license.validity_too_long",
        )
    license_ = License(
        # Derived from the unique application reference, so two licenses can never collide.
        number="DUL-" + application.reference.removeprefix("RX-"),
        application_id=application.id,
        exporter_id=application.exporter_id,
        license_type=application.license_type,
        status=LicenseStatus.ACTIVE.value,
        consignee_id=application.consignee_id,
        end_user_id=application.end_user_id,
        destination=application.destination,
        valid_from=today,
        valid_until=valid_until,
        conditions=list(data.conditions),
        supervision_code="3",
        issued_at=now,
    )
    session.add(license_)
    session.flush()
    for line in lines:
        line.granted_kg = granted[line.line_no]
        if granted[line.line_no] > 0:
            session.add(
                LicenseLine(
                    license_id=license_.id,
                    line_no=line.line_no,
                    control_code=line.control_code,
                    hs_code=line.hs_code,
                    granted_kg=granted[line.line_no],
                    remaining_kg=granted[line.line_no],
                )
            )
    session.flush()
    return license_
