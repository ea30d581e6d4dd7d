"""Moving an application through review: acceptance, returns, information requests,
consultation, referral and withdrawal."""

from __future__ import annotations

import logging
import uuid
from typing import Any

from sqlalchemy.orm import Session

from rarex import metrics
from rarex.audit.service import record_event
from rarex.auth.roles import Actor, Role, require_role
from rarex.clock import Clock, authority_date
from rarex.config import Settings
from rarex.errors import InvalidInput
from rarex.licensing import repository
from rarex.licensing.access import ensure_can_edit, ensure_no_conflict
from rarex.licensing.assessment import assess_green_channel
from rarex.licensing.filing import DocumentUpload, attach_document, missing_documents
from rarex.licensing.history import record_change, settle_change
from rarex.licensing.screening import screen_parties
from rarex.licensing.states import ACTION_ROLES, Action, State, next_state
from rarex.models import Application

log = logging.getLogger(__name__)

# Officer steps that must say why, because the applicant or the record needs the reason.
_REASON_REQUIRED = frozenset(
    {Action.RETURN, Action.REQUEST_INFORMATION, Action.START_CONSULTATION, Action.REFER}
)


def _check_actor(session: Session, actor: Actor, application: Application) -> None:
    """The role was checked before the lookup; here: the applicant's own users, or an officer
    without a conflict of interest in the case."""
    if actor.role is Role.EXPORTER:
        ensure_can_edit(session, actor, application)
    else:
        ensure_no_conflict(session, actor, application)


def ensure_role_may_take(actor: Actor, action: Action) -> None:
    """Refuse, before any lookup, a role that may never take ``action`` on any case."""
    require_role(actor, *ACTION_ROLES[action], action=action.value)


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
        # a submission without a required document would only wait to be returned for it
        missing = missing_documents(session, application.id)
        if missing:
            raise InvalidInput(
                f"{application.reference} cannot be submitted; missing: {', '.join(missing)}",
                code="application.documents_missing",
                missing=missing,
                field="documents",
            )
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
    settle_change(session, application=application, actor=actor, clock=clock, settings=settings)
    metrics.count_on_commit(session, metrics.APPLICATION_TRANSITIONS.labels(action.value))
    log.info(
        "application.transition",
        extra={
            "reference": application.reference,
            "action": action.value,
            "to": target.value,
            "actor": actor.username,
            "lane": application.lane,
        },
    )
    return application


def supply_information(
    session: Session,
    *,
    actor: Actor,
    clock: Clock,
    settings: Settings,
    application_id: uuid.UUID,
    answer: str,
    document: DocumentUpload | None = None,
) -> Application:
    """The applicant's answer to a request for information, with a document if it brings
    one: both land, or neither does (one savepoint); the case goes back to review and its
    clock runs again."""
    if not answer.strip():
        raise InvalidInput(
            "an answer needs its text", code="application.answer_required", field="answer"
        )
    with session.begin_nested():
        if document is not None:
            attach_document(
                session,
                actor=actor,
                clock=clock,
                settings=settings,
                application_id=application_id,
                kind=document.kind,
                filename=document.filename,
                media_type=document.media_type,
                content=document.content,
            )
        return transition(
            session,
            actor=actor,
            clock=clock,
            settings=settings,
            application_id=application_id,
            action=Action.SUPPLY_INFORMATION,
            reason=answer.strip(),
        )
